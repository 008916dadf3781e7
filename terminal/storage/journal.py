"""The order journal: every order is written here BEFORE it is sent, and every state change after.

SQLite in WAL mode, so a crash of the process never loses a committed row. After a restart the
order manager reads the orders that were still open and reconciles them with the venue.
Decimals are stored as text (exact), enums by value.

Balance changes that are not trades (deposits, withdrawals: ``BalanceChanged``) are kept in ``transfers``, so the
records can tell money moved in or out from money made.

Each send of an order is journaled too (``record_send``: venue time, and how long after it the request may still be
accepted (the venue's ``settle_ms``), just before the request leaves), so a restarted session knows until when a
request of a dead process could still land.

A new order and its first send are written in one transaction (``record_new``), durable before it returns; the
client order id's uniqueness is the table's key (no look-up first). Later states of an order may be written
``defer=True``: kept (the newest per order) and written together, in one transaction, by ``flush()`` (the order
manager calls it shortly after), on ``close()`` and before any read of the orders. A deferred state lost in a crash
costs nothing: the journal still has the order open, and reconciliation at the next start asks the venue about it.
"""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..model import Fill, Liquidity, Order, OrderOptions, OrderStatus, OrderType, Side, TimeInForce
from ..model.events import BalanceChanged

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    type TEXT NOT NULL,
    quantity TEXT NOT NULL,
    price TEXT,
    stop_price TEXT,
    quote_quantity TEXT,
    time_in_force TEXT,
    status TEXT NOT NULL,
    venue_order_id INTEGER,
    filled_qty TEXT NOT NULL,
    filled_quote TEXT NOT NULL,
    ts_created INTEGER NOT NULL,
    ts_updated INTEGER NOT NULL,
    reject_reason TEXT,
    origin TEXT NOT NULL DEFAULT '',
    options TEXT
);
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE TABLE IF NOT EXISTS fills (
    symbol TEXT NOT NULL,
    trade_id INTEGER NOT NULL,
    client_order_id TEXT NOT NULL,
    venue_order_id INTEGER,
    side TEXT NOT NULL,
    price TEXT NOT NULL,
    qty TEXT NOT NULL,
    quote_qty TEXT NOT NULL,
    commission TEXT NOT NULL,
    commission_asset TEXT NOT NULL,
    liquidity TEXT NOT NULL,
    ts_event INTEGER NOT NULL,
    ts_recv INTEGER NOT NULL,
    PRIMARY KEY (symbol, trade_id)
);
CREATE TABLE IF NOT EXISTS sends (
    client_order_id TEXT PRIMARY KEY,
    ts_sent INTEGER NOT NULL,
    settle_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS protections (
    group_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    symbol TEXT NOT NULL,
    held_by TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    ts_created INTEGER NOT NULL,
    ts_updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS transfers (
    asset TEXT NOT NULL,
    delta TEXT NOT NULL,
    ts_event INTEGER NOT NULL,
    ts_recv INTEGER NOT NULL,
    event_id TEXT UNIQUE
);
"""

_OPEN = tuple(s.value for s in OrderStatus if s.is_open)
_INSERT_ORDER = "INSERT INTO orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
_UPSERT_ORDER = (
    _INSERT_ORDER + " ON CONFLICT(client_order_id) DO UPDATE SET "
    "quantity=excluded.quantity, status=excluded.status, venue_order_id=excluded.venue_order_id, "
    "filled_qty=excluded.filled_qty, filled_quote=excluded.filled_quote, ts_updated=excluded.ts_updated, "
    "reject_reason=excluded.reject_reason")
_INSERT_NEW_ORDER = "INSERT OR IGNORE INTO orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
_UPSERT_SEND = ("INSERT INTO sends VALUES (?,?,?) ON CONFLICT(client_order_id) DO UPDATE SET "
                "ts_sent=excluded.ts_sent, settle_ms=excluded.settle_ms")


@dataclass(frozen=True, slots=True)
class Send:
    """The last send of an order: venue-clock ms just before the request left, and how long after that it could still
    be accepted by the venue."""

    ts_sent: int
    settle_ms: int


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


class Journal:
    """Orders and fills in one SQLite file (``":memory:"`` for a throwaway journal)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._memory = self.path == ":memory:"
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        #: order states written later (``record_order(defer=True)``): client order id -> its newest state
        self._deferred: dict[str, Order] = {}
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(orders)")}
        if "origin" not in columns:  # a journal written before orders carried their origin: all manual
            self._db.execute("ALTER TABLE orders ADD COLUMN origin TEXT NOT NULL DEFAULT ''")
        if "options" not in columns:  # written before orders carried options (trailing, brackets...): plain orders
            self._db.execute("ALTER TABLE orders ADD COLUMN options TEXT")
        sends = [row[1] for row in self._db.execute("PRAGMA table_info(sends)")]
        if "settle_ms" not in sends:  # an older journal: same three columns, the last one named after one venue
            self._db.executescript(
                "BEGIN; ALTER TABLE sends RENAME TO sends_old;"
                + _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS sends"):]
                + "INSERT INTO sends SELECT * FROM sends_old; DROP TABLE sends_old; COMMIT;")

    def close(self) -> None:
        with self._lock:
            self._write_deferred()
            self._db.close()

    # -- orders ---------------------------------------------------------------------------------------
    def record_new(self, order: Order, ts_sent: int, settle_ms: int) -> bool:
        """Insert a new order and its first send (as ``record_send``) in one transaction, committed before this
        returns. False, and nothing written, if an order with this client order id is already journaled."""
        cid = order.client_order_id
        row = _order_row(order)
        with self._lock:
            if cid in self._deferred:
                return False
            db = self._db
            if self._memory:  # nothing to make durable: two statements cost less than a transaction around them
                inserted = db.execute(_INSERT_NEW_ORDER, row).rowcount == 1
                if inserted:
                    db.execute(_UPSERT_SEND, (cid, ts_sent, settle_ms))
                return inserted
            db.execute("BEGIN")
            try:
                inserted = db.execute(_INSERT_NEW_ORDER, row).rowcount == 1
                if inserted:
                    db.execute(_UPSERT_SEND, (cid, ts_sent, settle_ms))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return inserted

    def record_order(self, order: Order, *, defer: bool = False) -> None:
        """Insert or update one order: committed before this returns, or with ``defer`` kept until ``flush()``
        (a later state of the same order replaces a deferred one)."""
        with self._lock:
            if defer:
                self._deferred[order.client_order_id] = order
                return
            self._deferred.pop(order.client_order_id, None)  # this state is newer
            self._db.execute(_UPSERT_ORDER, _order_row(order))

    @property
    def deferred(self) -> int:
        """How many order states wait for ``flush()``."""
        return len(self._deferred)

    def flush(self) -> None:
        """Write the deferred order states, in one transaction."""
        with self._lock:
            self._write_deferred()

    def _write_deferred(self) -> None:
        """(Holding the lock.)"""
        if not self._deferred:
            return
        rows = [_order_row(o) for o in self._deferred.values()]
        self._deferred.clear()
        db = self._db
        db.execute("BEGIN")
        try:
            db.executemany(_UPSERT_ORDER, rows)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def order(self, client_order_id: str) -> Order | None:
        with self._lock:
            deferred = self._deferred.get(client_order_id)
            if deferred is not None:
                return deferred
            row = self._db.execute("SELECT * FROM orders WHERE client_order_id=?", (client_order_id,)).fetchone()
        return _order(row) if row else None

    def orders(self, symbol: str | None = None, *, open_only: bool = False, limit: int | None = None) -> list[Order]:
        """Orders oldest first, optionally only one symbol's and only the open ones."""
        sql, args = "SELECT * FROM orders WHERE 1=1", []
        if symbol:
            sql += " AND symbol=?"
            args.append(symbol)
        if open_only:
            sql += f" AND status IN ({','.join('?' * len(_OPEN))})"
            args.extend(_OPEN)
        sql += " ORDER BY ts_created, rowid"
        with self._lock:
            self._write_deferred()
            rows = self._db.execute(sql, args).fetchall()
        if limit:
            rows = rows[-limit:]
        return [_order(r) for r in rows]

    def record_send(self, client_order_id: str, ts_sent: int, settle_ms: int) -> None:
        """Note that the order is being sent now and may land until ``settle_ms`` after ``ts_sent`` (committed before
        this returns; a later send replaces it)."""
        with self._lock:
            self._db.execute(_UPSERT_SEND, (client_order_id, ts_sent, settle_ms))

    def last_send(self, client_order_id: str) -> Send | None:
        with self._lock:
            row = self._db.execute("SELECT ts_sent, settle_ms FROM sends WHERE client_order_id=?",
                                   (client_order_id,)).fetchone()
        return Send(row[0], row[1]) if row else None

    def client_order_id_for(self, symbol: str, venue_order_id: int) -> str | None:
        with self._lock:
            self._write_deferred()
            row = self._db.execute("SELECT client_order_id FROM orders WHERE symbol=? AND venue_order_id=?",
                                   (symbol, venue_order_id)).fetchone()
        return row[0] if row else None

    def open_orders(self) -> list[Order]:
        return self.orders(open_only=True)

    def symbols(self) -> list[str]:
        with self._lock:
            self._write_deferred()
            rows = self._db.execute("SELECT DISTINCT symbol FROM orders UNION SELECT DISTINCT symbol FROM fills").fetchall()
        return sorted(r[0] for r in rows)

    # -- protective order groups (brackets, OCO, trailing stops: oms.protective_store) ----------------------
    def record_protection(self, group_id: str, kind: str, symbol: str, held_by: str, state: str, data: str,
                          ts_created: int, ts_updated: int) -> None:
        """Insert or replace one protective group (``data``: its legs as JSON); committed before this returns."""
        with self._lock:
            self._db.execute("INSERT INTO protections VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(group_id) DO UPDATE SET "
                             "state=excluded.state, data=excluded.data, ts_updated=excluded.ts_updated",
                             (group_id, kind, symbol, held_by, state, data, ts_created, ts_updated))

    def protections(self, states: tuple[str, ...] | None = None) -> list[tuple[str, str, str, str, str, str, int, int]]:
        """Rows (group_id, kind, symbol, held_by, state, data, ts_created, ts_updated), oldest first; only those in
        ``states`` when given."""
        sql, args = "SELECT * FROM protections", list(states or ())
        if states:
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
        with self._lock:
            return list(self._db.execute(sql + " ORDER BY ts_created, rowid", args).fetchall())

    # -- fills ----------------------------------------------------------------------------------------
    def record_fill(self, fill: Fill) -> bool:
        """Store a fill; returns False if this trade id was already known (a duplicate)."""
        row = (
            fill.symbol, fill.trade_id, fill.client_order_id, fill.venue_order_id, fill.side.value, _s(fill.price),
            _s(fill.qty), _s(fill.quote_qty), _s(fill.commission), fill.commission_asset, fill.liquidity.value,
            fill.ts_event, fill.ts_recv,
        )
        with self._lock:
            cur = self._db.execute("INSERT OR IGNORE INTO fills VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
        return cur.rowcount == 1

    def fills(self, symbol: str | None = None, client_order_id: str | None = None) -> list[Fill]:
        sql, args = "SELECT * FROM fills WHERE 1=1", []
        if symbol:
            sql += " AND symbol=?"
            args.append(symbol)
        if client_order_id:
            sql += " AND client_order_id=?"
            args.append(client_order_id)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY ts_event, trade_id", args).fetchall()
        return [_fill(r) for r in rows]

    # -- transfers: balance changes that are not trades (deposits, withdrawals), as the venue reported them ------
    def record_transfer(self, change: BalanceChanged) -> bool:
        """Store a deposit (> 0) or withdrawal (< 0); False if the venue's id of it was already known."""
        with self._lock:
            cur = self._db.execute("INSERT OR IGNORE INTO transfers VALUES (?,?,?,?,?)",
                                   (change.asset, _s(change.delta), change.ts_event, change.ts_recv, change.event_id))
        return cur.rowcount == 1

    def transfers(self, asset: str | None = None, start_ms: int | None = None,
                  end_ms: int | None = None) -> list[BalanceChanged]:
        """Transfers oldest first, optionally of one asset and with venue times in [start_ms, end_ms]."""
        sql, args = "SELECT asset, delta, ts_event, ts_recv, event_id FROM transfers WHERE 1=1", list[object]()
        if asset:
            sql += " AND asset=?"
            args.append(asset)
        if start_ms is not None:
            sql += " AND ts_event>=?"
            args.append(start_ms)
        if end_ms is not None:
            sql += " AND ts_event<=?"
            args.append(end_ms)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY ts_event, rowid", args).fetchall()
        return [BalanceChanged(a, Decimal(d), te, tr, eid) for a, d, te, tr, eid in rows]

    def last_fill_ms(self, symbol: str) -> int | None:
        with self._lock:
            row = self._db.execute("SELECT MAX(ts_event) FROM fills WHERE symbol=?", (symbol,)).fetchone()
        return row[0] if row and row[0] is not None else None


def _order_row(order: Order) -> tuple:
    return (
        order.client_order_id, order.symbol, order.side.value, order.type.value, _s(order.quantity),
        _s(order.price), _s(order.stop_price), _s(order.quote_quantity),
        order.time_in_force.value if order.time_in_force else None, order.status.value, order.venue_order_id,
        _s(order.filled_qty), _s(order.filled_quote), order.ts_created, order.ts_updated, order.reject_reason,
        order.origin, order.options.to_json(),
    )


def _order(r: tuple) -> Order:
    return Order(
        client_order_id=r[0], symbol=r[1], side=Side(r[2]), type=OrderType(r[3]), quantity=Decimal(r[4]),
        price=_d(r[5]), stop_price=_d(r[6]), quote_quantity=_d(r[7]),
        time_in_force=TimeInForce(r[8]) if r[8] else None, status=OrderStatus(r[9]), venue_order_id=r[10],
        filled_qty=Decimal(r[11]), filled_quote=Decimal(r[12]), ts_created=r[13], ts_updated=r[14], reject_reason=r[15],
        origin=r[16] or "", options=OrderOptions.from_json(r[17]),
    )


def _fill(r: tuple) -> Fill:
    return Fill(
        symbol=r[0], trade_id=r[1], client_order_id=r[2], venue_order_id=r[3], side=Side(r[4]), price=Decimal(r[5]),
        qty=Decimal(r[6]), quote_qty=Decimal(r[7]), commission=Decimal(r[8]), commission_asset=r[9],
        liquidity=Liquidity(r[10]), ts_event=r[11], ts_recv=r[12],
    )

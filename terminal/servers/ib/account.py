"""Account requests and streams: positions (a subscription: a position message whenever one changes), account
summary, account updates (account values, portfolio, account time, download end), account updates multi, P&L
(account and single position). Streams are re-sent by the server's step when a value changed (at most each second)
and at once after a fill."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .connection import Connection, handles
from .ledger import CENT, Position
from .reports import Fill
from .wire import Fields

if TYPE_CHECKING:
    from .server import PaperServer

NY = ZoneInfo("America/New_York")
ZERO = Decimal(0)
STREAM_EVERY_MS = 1000


def _position_msg(server: "PaperServer", pos: Position) -> list[object]:
    return [61, 3, server.account, *pos.item.c_block(), pos.qty, pos.avg_cost.quantize(Decimal("0.0001"))]


def _portfolio_msg(server: "PaperServer", pos: Position) -> list[object]:
    ledger = server.ledger
    mark = server.market.mark(pos.item)
    return [7, 8, *pos.item.c_block(primary=True), pos.qty, mark, ledger.market_value(pos).quantize(CENT),
            pos.avg_cost.quantize(Decimal("0.0001")), ledger.unrealized(pos).quantize(CENT),
            pos.realized.quantize(CENT), server.account]


def _account_values(server: "PaperServer") -> list[tuple[str, str, str]]:
    out = [("AccountType", "INDIVIDUAL", ""), ("AccountCode", server.account, ""), ("Currency", "USD", "USD")]
    for key, value in server.ledger.summary().items():
        out.append((key, f"{value}", "USD" if key not in ("Cushion", "Leverage", "DayTradesRemaining") else ""))
    for currency, amount in sorted(server.ledger.cash.items()):
        out.append(("CashBalance", f"{amount.quantize(CENT)}", currency))
    out.append(("CashBalance", f"{server.ledger.total_cash().quantize(CENT)}", "BASE"))
    return out


def _pnl(server: "PaperServer") -> tuple[Decimal, Decimal, Decimal]:
    ledger = server.ledger
    unrealized = sum((ledger.unrealized(p) for p in ledger.positions.values()), ZERO)
    daily = ledger.daily_pnl(lambda item: server.market.days[item.key].close)
    return daily, unrealized.quantize(CENT), ledger.realized_today.quantize(CENT)


# ------------------------------------------------------------------ requests
@handles(61)
def req_positions(server: "PaperServer", conn: Connection, f: Fields) -> None:
    for pos in server.ledger.positions.values():
        conn.send(*_position_msg(server, pos))
    conn.send(62, 1)
    conn.subs.positions = True


@handles(64)
def cancel_positions(server: "PaperServer", conn: Connection, f: Fields) -> None:
    conn.subs.positions = False


@handles(62)
def req_account_summary(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    req_id = f.int()
    f.skip()  # group
    tags = {t.strip() for t in f.str().split(",") if t.strip()}
    _send_summary(server, conn, req_id, tags)
    conn.send(64, 1, req_id)
    conn.subs.summary.add(req_id)


def _send_summary(server: "PaperServer", conn: Connection, req_id: int, tags: set[str] | None = None) -> None:
    for key, value, currency in _account_values(server):
        if key in ("CashBalance", "AccountCode", "Currency"):
            continue
        if tags is None or key in tags:
            conn.send(63, 1, req_id, server.account, key, value, currency)


@handles(63)
def cancel_account_summary(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    conn.subs.summary.discard(f.int())


@handles(6)
def req_account_updates(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    subscribe = f.bool()
    conn.subs.account_updates = subscribe
    if not subscribe:
        return
    _send_updates(server, conn)
    conn.send(54, 1, server.account)


def _send_updates(server: "PaperServer", conn: Connection) -> None:
    for key, value, currency in _account_values(server):
        conn.send(6, 2, key, value, currency, server.account)
    for pos in server.ledger.positions.values():
        conn.send(*_portfolio_msg(server, pos))
    conn.send(8, 1, datetime.now(NY).strftime("%H:%M"))


@handles(76)
def req_account_updates_multi(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    req_id = f.int()
    f.skip()  # account
    model = f.str()
    for key, value, currency in _account_values(server):
        conn.send(73, 1, req_id, server.account, model, key, value, currency)
    conn.send(74, 1, req_id)


@handles(77)
def cancel_account_updates_multi(server: "PaperServer", conn: Connection, f: Fields) -> None:
    """Nothing streams after the first batch."""


@handles(92)
def req_pnl(server: "PaperServer", conn: Connection, f: Fields) -> None:
    req_id = f.int()
    conn.subs.pnl.add(req_id)
    conn.send(94, req_id, *_pnl(server))


@handles(93)
def cancel_pnl(server: "PaperServer", conn: Connection, f: Fields) -> None:
    conn.subs.pnl.discard(f.int())


@handles(94)
def req_pnl_single(server: "PaperServer", conn: Connection, f: Fields) -> None:
    req_id = f.int()
    f.skip(2)  # account, modelCode
    con_id = f.int()
    if con_id not in server.market.by_con_id:
        conn.error(req_id, 200, "No security definition has been found for the request")
        return
    conn.subs.pnl_single[req_id] = con_id
    conn.send(*_pnl_single(server, req_id, con_id))


def _pnl_single(server: "PaperServer", req_id: int, con_id: int) -> list[object]:
    pos = server.ledger.positions.get(con_id)
    if pos is None or not pos.qty:
        return [95, req_id, 0, 0, 0, pos.realized.quantize(CENT) if pos else 0, 0]
    ledger = server.ledger
    close = server.market.days[pos.item.key].close
    daily = ((server.market.mark(pos.item) - close) * pos.qty * pos.item.mult).quantize(CENT)
    return [95, req_id, pos.qty, daily, ledger.unrealized(pos).quantize(CENT), pos.realized.quantize(CENT),
            ledger.market_value(pos).quantize(CENT)]


@handles(95)
def cancel_pnl_single(server: "PaperServer", conn: Connection, f: Fields) -> None:
    conn.subs.pnl_single.pop(f.int(), None)


# ------------------------------------------------------------------ streams
def on_fill(server: "PaperServer", fill: Fill) -> None:
    pos = server.ledger.positions.get(fill.order.item.con_id)
    if pos is None:
        return
    for conn in server.clients():
        if conn.subs.positions:
            conn.send(*_position_msg(server, pos))
        if conn.subs.account_updates:
            conn.send(*_portfolio_msg(server, pos))
    _stream(server, force=True)


def publish(server: "PaperServer", now_ms: int) -> None:
    if now_ms - server.account_stream_ms >= STREAM_EVERY_MS:
        server.account_stream_ms = now_ms
        _stream(server, force=False)


def _stream(server: "PaperServer", force: bool) -> None:
    values = None
    for conn in server.clients():
        cache = conn.subs.cache
        if conn.subs.account_updates:
            values = values or _account_values(server)
            for key, value, currency in values:
                if force or cache.get(("av", key, currency)) != value:
                    cache[("av", key, currency)] = value
                    conn.send(6, 2, key, value, currency, server.account)
            for pos in server.ledger.positions.values():
                msg = _portfolio_msg(server, pos)
                if force or cache.get(("pf", pos.item.con_id)) != msg:
                    cache[("pf", pos.item.con_id)] = msg
                    conn.send(*msg)
            conn.send(8, 1, datetime.now(NY).strftime("%H:%M"))
        for req_id in conn.subs.summary:
            values = values or _account_values(server)
            key_ = ("sum", req_id)
            if force or cache.get(key_) != values:
                cache[key_] = values
                _send_summary(server, conn, req_id)
        if conn.subs.pnl:
            pnl = _pnl(server)
            for req_id in conn.subs.pnl:
                if force or cache.get(("pnl", req_id)) != pnl:
                    cache[("pnl", req_id)] = pnl
                    conn.send(94, req_id, *pnl)
        for req_id, con_id in conn.subs.pnl_single.items():
            msg = _pnl_single(server, req_id, con_id)
            if force or cache.get(("pnls", req_id)) != msg:
                cache[("pnls", req_id)] = msg
                conn.send(*msg)

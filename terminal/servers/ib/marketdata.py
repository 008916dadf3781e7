"""Market data: top of book and day figures (reqMktData, live or delayed tick types, snapshots), depth
(reqMktDepth: rows inserted/updated/deleted by position) and tick-by-tick (AllLast/Last/BidAsk/MidPoint), published
by the server's step from the engine's book and the trades of the step."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from terminal.sim.reports import Trade

from .connection import Connection, handles
from .contracts import Listed, Query
from .contracts_api import resolve_one
from .wire import Fields

if TYPE_CHECKING:
    from .server import PaperServer

ZERO = Decimal(0)
#: meaning -> (live tick type, delayed tick type)
PRICE_TICKS = {"bid": (1, 66), "ask": (2, 67), "last": (4, 68), "high": (6, 72), "low": (7, 73), "close": (9, 75),
               "open": (14, 76)}
SIZE_TICKS = {"bid_size": (0, 69), "ask_size": (3, 70), "last_size": (5, 71), "volume": (8, 74)}
WITH_SIZE = {"bid": "bid_size", "ask": "ask_size", "last": "last_size"}
MAX_TBT_PER_STEP = 100
NOT_SUBSCRIBED = ("Requested market data is not subscribed. Check API status by selecting the Account menu then "
                  "under Management choose Market Data Subscription Manager and/or Subscribed Market Data ticks")


@dataclass(slots=True)
class Quote:
    item: Listed
    delayed: bool
    rt_volume: bool
    sent: dict[str, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class Depth:
    item: Listed
    rows: int
    bids: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    asks: list[tuple[Decimal, Decimal]] = field(default_factory=list)


@dataclass(slots=True)
class TickByTick:
    item: Listed
    kind: str
    last_touch: tuple[Decimal, Decimal, Decimal, Decimal] | None = None


def _values(server: "PaperServer", item: Listed) -> dict[str, Decimal]:
    day = server.market.days[item.key]
    bid, ask = server.market.best(item)
    out = {"open": day.open, "high": day.high, "low": day.low, "close": day.close, "last": day.last,
           "last_size": day.last_qty, "volume": day.volume}
    if bid:
        out["bid"], out["bid_size"] = bid
    if ask:
        out["ask"], out["ask_size"] = ask
    return out


def _send_changes(conn: Connection, req_id: int, sub: Quote, values: dict[str, Decimal]) -> None:
    col = 1 if sub.delayed else 0
    for name, (live, delayed) in PRICE_TICKS.items():
        value = values.get(name)
        size_name = WITH_SIZE.get(name)
        size = values.get(size_name, ZERO) if size_name else ZERO
        if value is None or (sub.sent.get(name) == value and (not size_name or sub.sent.get(size_name) == size)):
            continue
        if name in ("bid", "ask") and not size:
            continue
        conn.send(1, 6, req_id, (live, delayed)[col], value, size, 0)
        sub.sent[name] = value
        if size_name:
            sub.sent[size_name] = size
    for name, (live, delayed) in SIZE_TICKS.items():
        value = values.get(name)
        if value is None or sub.sent.get(name) == value:
            continue
        if name == "last_size" and "last" not in sub.sent:
            continue
        conn.send(2, 6, req_id, (live, delayed)[col], value)
        sub.sent[name] = value


@handles(1)
def req_mkt_data(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    req_id = f.int()
    q = Query.read(f)
    item = resolve_one(server, conn, req_id, q)
    if item is None:
        return
    if f.bool():  # delta-neutral contract
        f.skip(3)
    generic = f.str()
    snapshot = f.bool()
    delayed = False
    if not server.faults.live_data:
        if conn.md_type in (1, 2):
            conn.error(req_id, 354, NOT_SUBSCRIBED)
            return
        conn.error(req_id, 10167, "Requested market data is not subscribed. Displaying delayed market data.")
        delayed = True
    if req_id in conn.subs.mkt:
        conn.subs.mkt.pop(req_id)
    sub = Quote(item, delayed, "233" in generic.split(","))
    conn.send(58, 1, req_id, 3 if delayed else 1)
    conn.send(81, req_id, item.tick, "9c0001", 3)
    _send_changes(conn, req_id, sub, _values(server, item))
    if snapshot:
        conn.send(57, 1, req_id)
        return
    conn.subs.mkt[req_id] = sub


@handles(2)
def cancel_mkt_data(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    conn.subs.mkt.pop(f.int(), None)


@handles(10)
def req_mkt_depth(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    req_id = f.int()
    item = resolve_one(server, conn, req_id, Query.read(f))
    if item is None:
        return
    rows = max(1, min(f.int(5), 50))
    sub = Depth(item, rows)
    conn.subs.depth[req_id] = sub
    _publish_depth(server, conn, req_id, sub)


@handles(11)
def cancel_mkt_depth(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    conn.subs.depth.pop(f.int(), None)


@handles(97)
def req_tick_by_tick(server: "PaperServer", conn: Connection, f: Fields) -> None:
    req_id = f.int()
    item = resolve_one(server, conn, req_id, Query.read(f))
    if item is None:
        return
    kind = f.str()
    if kind not in ("Last", "AllLast", "BidAsk", "MidPoint"):
        conn.error(req_id, 321, f"Error validating request:-'' : cause - unknown tick type {kind!r}")
        return
    sub = TickByTick(item, kind)
    conn.subs.tbt[req_id] = sub
    if kind in ("BidAsk", "MidPoint"):
        _publish_touch(server, conn, req_id, sub, server.clock.now_ms())


@handles(98)
def cancel_tick_by_tick(server: "PaperServer", conn: Connection, f: Fields) -> None:
    conn.subs.tbt.pop(f.int(), None)


def _diff_side(conn: Connection, req_id: int, side: int, old: list[tuple[Decimal, Decimal]],
               new: list[tuple[Decimal, Decimal]]) -> None:
    for pos in range(len(new)):
        if pos >= len(old):
            conn.send(12, 1, req_id, pos, 0, side, new[pos][0], new[pos][1])
        elif old[pos] != new[pos]:
            conn.send(12, 1, req_id, pos, 1, side, new[pos][0], new[pos][1])
    for pos in range(len(old) - 1, len(new) - 1, -1):
        conn.send(12, 1, req_id, pos, 2, side, old[pos][0], old[pos][1])


def _publish_depth(server: "PaperServer", conn: Connection, req_id: int, sub: Depth) -> None:
    _uid, bids, asks = server.market.engine.depth(sub.item.key, sub.rows)
    _diff_side(conn, req_id, 1, sub.bids, bids)
    _diff_side(conn, req_id, 0, sub.asks, asks)
    sub.bids, sub.asks = list(bids), list(asks)


def _publish_touch(server: "PaperServer", conn: Connection, req_id: int, sub: TickByTick, now_ms: int) -> None:
    bid, ask = server.market.best(sub.item)
    if not bid or not ask:
        return
    touch = (bid[0], ask[0], bid[1], ask[1])
    if touch == sub.last_touch:
        return
    sub.last_touch = touch
    if sub.kind == "BidAsk":
        conn.send(99, req_id, 3, now_ms // 1000, bid[0], ask[0], bid[1], ask[1], 0)
    else:
        conn.send(99, req_id, 4, now_ms // 1000, (bid[0] + ask[0]) / 2)


def publish(server: "PaperServer", trades: list[Trade], now_ms: int) -> None:
    if server.faults.farm_down:
        return
    by_symbol: dict[str, list[Trade]] = {}
    for trade in trades:
        by_symbol.setdefault(trade.symbol, []).append(trade)
    values: dict[str, dict[str, Decimal]] = {}
    for conn in server.clients():
        for req_id, sub in list(conn.subs.mkt.items()):
            vals = values.get(sub.item.key)
            if vals is None:
                vals = values[sub.item.key] = _values(server, sub.item)
            _send_changes(conn, req_id, sub, vals)
            traded = by_symbol.get(sub.item.key)
            if traded:
                day = server.market.days[sub.item.key]
                conn.send(46, 6, req_id, 88 if sub.delayed else 45, traded[-1].time // 1000)
                if sub.rt_volume:
                    for t in traded[-20:]:
                        conn.send(46, 6, req_id, 48, f"{t.price};{t.qty};{t.time};{day.volume};{day.last};false")
        for req_id, depth in list(conn.subs.depth.items()):
            _publish_depth(server, conn, req_id, depth)
        for req_id, tbt in list(conn.subs.tbt.items()):
            if tbt.kind in ("Last", "AllLast"):
                for t in by_symbol.get(tbt.item.key, [])[-MAX_TBT_PER_STEP:]:
                    conn.send(99, req_id, 2 if tbt.kind == "AllLast" else 1, t.time // 1000, t.price, t.qty, 0,
                              tbt.item.primary, "")
            else:
                _publish_touch(server, conn, req_id, tbt, now_ms)

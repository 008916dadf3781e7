"""Pure parsers of TrueData's wire: real-time JSON frames, history bodies (CSV or JSON) and the symbol master.

``parse_frame(text)`` turns one WebSocket text frame into a record (or raises ``Malformed``); ``FrameParser`` wraps it
for the stream, counting and dropping what does not parse — one bad frame is never fatal. Numbers become ``Decimal``
(TrueData sends them as strings), times naive IST wall-clock -> epoch ms. Symbol ids stay strings, as keys.
"""
from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Sequence, Union

log = logging.getLogger(__name__)
IST = timezone(timedelta(hours=5, minutes=30))
ZERO = Decimal(0)
SERVICE = "TrueData Real Time Data Service"


class Malformed(ValueError):
    """A frame or body that does not have TrueData's shape."""


# ------------------------------------------------------------------------------------------------------ records
@dataclass(frozen=True, slots=True)
class Login:
    ok: bool
    message: str
    subscription: str = ""
    max_symbols: int = 0
    segments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Touchline:
    name: str
    symbol_id: str
    ts_ms: int
    ltp: Decimal
    ltq: Decimal
    volume: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    prev_close: Decimal
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal


@dataclass(frozen=True, slots=True)
class Added:
    rows: tuple[Touchline, ...]
    added: int
    total: int
    touchline: bool = False  # a touchline refresh rather than the answer to addsymbol


@dataclass(frozen=True, slots=True)
class Removed:
    items: tuple[tuple[str, str], ...]  # (name, id)
    total: int


@dataclass(frozen=True, slots=True)
class Trade:
    symbol_id: str
    ts_ms: int
    price: Decimal
    qty: Decimal
    volume: Decimal  # day volume
    seq: int
    bid: Decimal | None = None
    bid_qty: Decimal | None = None
    ask: Decimal | None = None
    ask_qty: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BidAsk:
    symbol_id: str
    ts_ms: int
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal


@dataclass(frozen=True, slots=True)
class Depth:
    symbol_id: str
    ts_ms: int
    seq: int
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]


@dataclass(frozen=True, slots=True)
class BarMsg:
    symbol_id: str
    minutes: int  # 1 or 5
    ts_ms: int  # bar start
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True, slots=True)
class Heartbeat:
    ts_ms: int


@dataclass(frozen=True, slots=True)
class MarketStatus:
    text: str


@dataclass(frozen=True, slots=True)
class Failure:
    message: str


@dataclass(frozen=True, slots=True)
class Ignored:
    key: str  # a frame we do not use (greeks, closing-auction prices, unknown controls)


Record = Union[Login, Added, Removed, Trade, BidAsk, Depth, BarMsg, Heartbeat, MarketStatus, Failure, Ignored]


# ------------------------------------------------------------------------------------------------------ fields
def ist_ms(text: str) -> int:
    """``YYYY-MM-DDTHH:MM:SS[.f]`` (naive IST) or ``YYYY-MM-DD`` -> epoch ms."""
    try:
        return int(datetime.fromisoformat(str(text)).replace(tzinfo=IST).timestamp() * 1000)
    except (TypeError, ValueError):
        raise Malformed(f"bad time {text!r}") from None


def ist_text(ts_ms: int, fmt: str = "%Y-%m-%dT%H:%M:%S") -> str:
    return datetime.fromtimestamp(ts_ms / 1000, IST).strftime(fmt)


def dec(value: Any) -> Decimal:
    try:
        out = Decimal(str(value).strip() or "0")
    except InvalidOperation:
        raise Malformed(f"bad number {value!r}") from None
    if not out.is_finite():
        raise Malformed(f"bad number {value!r}")
    return out


def whole(value: Any) -> int:
    number = dec(value)
    if number != number.to_integral_value():
        raise Malformed(f"not a whole number: {value!r}")
    return int(number)


def _array(value: Any, least: int) -> Sequence[Any]:
    if not isinstance(value, list) or len(value) < least:
        raise Malformed(f"expected an array of at least {least}, got {str(value)[:80]}")
    return value


# ------------------------------------------------------------------------------------------------------ frames
def parse_frame(text: str | bytes) -> Record:
    try:
        msg = json.loads(text)
    except (ValueError, TypeError):
        raise Malformed("not JSON") from None
    if not isinstance(msg, dict):
        raise Malformed("not an object")
    if "message" in msg:
        return _control(msg)
    if "trade" in msg:
        return trade(msg["trade"])
    if "bidask" in msg:
        v = _array(msg["bidask"], 6)
        return BidAsk(str(v[0]), ist_ms(v[1]), dec(v[2]), dec(v[3]), dec(v[4]), dec(v[5]))
    if "bidaskL2" in msg:
        return depth(msg["bidaskL2"])
    for key, minutes in (("bar1min", 1), ("bar5min", 5)):
        if key in msg:
            v = _array(msg[key], 7)
            return BarMsg(str(v[0]), minutes, ist_ms(v[1]), dec(v[2]), dec(v[3]), dec(v[4]), dec(v[5]), dec(v[6]))
    if len(msg) == 1:
        return Ignored(next(iter(msg)))
    raise Malformed(f"unknown frame with keys {sorted(msg)[:5]}")


def _control(msg: dict[str, Any]) -> Record:
    message = str(msg.get("message", ""))
    if msg.get("success") is not True:
        return Failure(message)  # a refused login (the first frame) or a refused request
    if message == SERVICE:
        return Login(True, message, str(msg["subscription"]), int(msg.get("maxsymbols") or 0),
                     tuple(str(s) for s in msg.get("segments") or ()))
    if message == "HeartBeat":
        return Heartbeat(ist_ms(msg["timestamp"]))
    if message in ("symbols added", "touchline"):
        rows = tuple(touchline(r) for r in _array(msg.get("symbollist"), 0))
        return Added(rows, int(msg.get("symbolsadded") or 0), int(msg.get("totalsymbolsubscribed") or 0),
                     message == "touchline")
    if message == "symbols removed":
        items = tuple(tuple(str(s).rsplit(":", 1)) for s in _array(msg.get("symbollist"), 0))
        if any(len(i) != 2 for i in items):
            raise Malformed("symbols removed: expected NAME:ID items")
        return Removed(items, int(msg.get("totalsymbolsubscribed") or 0))  # type: ignore[arg-type]
    if message == "marketstatus":
        return MarketStatus(str(msg.get("data", "")))
    return Ignored(message)


def touchline(v: Any) -> Touchline:
    v = _array(v, 18)
    return Touchline(str(v[0]), str(v[1]), ist_ms(v[2]), dec(v[3]), dec(v[4]), dec(v[6]), dec(v[7]), dec(v[8]),
                     dec(v[9]), dec(v[10]), dec(v[14]), dec(v[15]), dec(v[16]), dec(v[17]))


def trade(v: Any) -> Trade:
    v = _array(v, 15)
    base = (str(v[0]), ist_ms(v[1]), dec(v[2]), dec(v[3]), dec(v[5]), whole(v[14]))
    if len(v) >= 19:
        return Trade(*base, dec(v[15]), dec(v[16]), dec(v[17]), dec(v[18]))
    return Trade(*base)


def depth(v: Any) -> Depth:
    """``bidaskL2``: id, time, sequence, 5 levels of (bid, qty, orders, ask, qty, orders), total bid/ask qty."""
    v = _array(v, 35)
    bids, asks = [], []
    for k in range(5):
        at = 3 + 6 * k
        bids.append((dec(v[at]), dec(v[at + 1])))
        asks.append((dec(v[at + 3]), dec(v[at + 4])))
    return Depth(str(v[0]), ist_ms(v[1]), whole(v[2]), tuple((p, q) for p, q in bids if q > 0),
                 tuple((p, q) for p, q in asks if q > 0))


class FrameParser:
    """``parse_frame`` for a stream: a malformed frame is counted in ``dropped``, logged and answered with None."""

    def __init__(self, name: str = "truedata") -> None:
        self.name = name
        self.dropped = 0

    def __call__(self, text: str | bytes) -> Record | None:
        try:
            return parse_frame(text)
        except (Malformed, KeyError, TypeError, ValueError) as exc:
            self.dropped += 1
            log.warning("%s: dropped a malformed frame (%s: %s)", self.name, type(exc).__name__, str(exc)[:120])
            return None


# ------------------------------------------------------------------------------------------------------ history
@dataclass(frozen=True, slots=True)
class BarRow:
    ts_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True, slots=True)
class TickRow:
    ts_ms: int
    price: Decimal
    qty: Decimal
    bid: Decimal | None = None
    bid_qty: Decimal | None = None
    ask: Decimal | None = None
    ask_qty: Decimal | None = None


class HistoryRefused(ValueError):
    """A history answer in words (HTTP 200): ``Invalid interval``, ``Symbol does not exist``..."""


NO_DATA = ("No data exists", "No data")


def history_rows(body: str) -> list[list[str]]:
    """The rows of a CSV or JSON history body (header dropped); [] for "no data"; HistoryRefused for other words."""
    text = body.strip()
    if text.startswith("{"):
        try:
            msg = json.loads(text)
        except ValueError:
            raise Malformed("history: bad JSON") from None
        status = str(msg.get("status", ""))
        if status.lower() != "success":
            if status.startswith(NO_DATA):
                return []
            raise HistoryRefused(status)
        return [[str(x) for x in r] for r in _array(msg.get("Records"), 0)]
    if not text:
        return []
    lines = list(csv.reader(io.StringIO(text)))
    if not lines[0] or lines[0][0].strip().lower() != "timestamp":
        if text.startswith(NO_DATA):
            return []
        raise HistoryRefused(text[:200])
    return [line for line in lines[1:] if line]


def bar_rows(body: str) -> list[BarRow]:
    out = []
    for r in history_rows(body):
        r = list(_array(r, 6))
        out.append(BarRow(ist_ms(r[0]), dec(r[1]), dec(r[2]), dec(r[3]), dec(r[4]), dec(r[5])))
    return out


def tick_rows(body: str) -> list[TickRow]:
    out = []
    for r in history_rows(body):
        r = list(_array(r, 3))
        extra = (dec(r[4]), dec(r[5]), dec(r[6]), dec(r[7])) if len(r) >= 8 else ()
        out.append(TickRow(ist_ms(r[0]), dec(r[1]), dec(r[2]), *extra))
    return out


# ------------------------------------------------------------------------------------------------------ symbol master
@dataclass(frozen=True, slots=True)
class MasterRow:
    symbol_id: str
    name: str
    series: str
    exchange: str
    lot: Decimal
    tick: Decimal
    expiry: date | None
    root: str


def master_rows(body: str) -> list[MasterRow]:
    """``getAllSymbols`` JSON: id, symbol, series, isin, exchange, lot, tick, expiry, exchange symbol, ..."""
    try:
        msg = json.loads(body)
    except ValueError:
        raise Malformed("symbol master: bad JSON") from None
    if str(msg.get("status", "")).lower() != "success":
        raise HistoryRefused(str(msg.get("status", "")))
    out = []
    for r in _array(msg.get("Records"), 0):
        try:
            r = _array(r, 9)
            expiry = datetime.fromisoformat(str(r[7])).date() if r[7] else None
            out.append(MasterRow(str(r[0]), str(r[1]), str(r[2]).upper(), str(r[4]), dec(r[5] or 1), dec(r[6]),
                                 expiry, str(r[8] or r[1])))
        except (Malformed, ValueError) as exc:
            log.warning("symbol master: skipped a row (%s)", exc)
    return out

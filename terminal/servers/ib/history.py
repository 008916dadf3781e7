"""Historical bars: reqHistoricalData (every bar size from ``1 secs`` to ``1 month`` the simulated tape holds,
``N S/D/W/M/Y`` durations, TRADES/MIDPOINT/BID/ASK/BID_ASK, useRTH, formatDate 1 and 2), keepUpToDate updates,
reqHeadTimeStamp, 5-second real-time bars; the pacing rule (more than 60 requests in 10 minutes: error 162)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from terminal.model import Interval
from terminal.model.hours import REGULAR
from terminal.sim.klines import KlineRow

from .connection import Connection, handles
from .contracts import TZ_ID, Listed, Query
from .contracts_api import resolve_one
from .wire import Fields

if TYPE_CHECKING:
    from .server import PaperServer

NY = ZoneInfo("America/New_York")
PACING_WINDOW_MS = 600_000
PACING_LIMIT = 60
MAX_BARS = 20_000
HMDS = "Historical Market Data Service error message:"
#: TWS's words for a pacing violation ("API historical data query cancelled" is its answer to a cancelled query)
PACING = "Historical data request pacing violation"
_UNITS = {"sec": 1, "secs": 1, "min": 60, "mins": 60, "hour": 3600, "hours": 3600}
_DURATION = {"S": 1, "D": 86400, "W": 7 * 86400, "M": 30 * 86400, "Y": 365 * 86400}
_WHAT = {"TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK", "ADJUSTED_LAST", "HISTORICAL_VOLATILITY",
         "OPTION_IMPLIED_VOLATILITY"}


@dataclass(frozen=True, slots=True)
class BarSize:
    base: Interval
    bucket_ms: int  # 0: the base interval's own calendar buckets (day/week/month)

    @property
    def daily(self) -> bool:
        return self.base in (Interval.D1, Interval.W1, Interval.MO1)


def parse_bar_size(text: str) -> BarSize | None:
    m = re.fullmatch(r"\s*(\d+)\s+(secs?|mins?|hours?|day|days|week|weeks|month|months)\s*", text)
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2)
    if unit.startswith("day"):
        return BarSize(Interval.D1, 0) if n == 1 else None
    if unit.startswith("week"):
        return BarSize(Interval.W1, 0) if n == 1 else None
    if unit.startswith("month"):
        return BarSize(Interval.MO1, 0) if n == 1 else None
    seconds = n * _UNITS[unit]
    if seconds < 60:
        return BarSize(Interval.S1, seconds * 1000) if 60 % seconds == 0 else None
    if seconds < 3600:
        return BarSize(Interval.M1, seconds * 1000) if 3600 % seconds == 0 else None
    return BarSize(Interval.H1, seconds * 1000) if 86400 % seconds == 0 else None


def parse_duration(text: str) -> int | None:
    m = re.fullmatch(r"\s*(\d+)\s*([SDWMY])\s*", text)
    return int(m.group(1)) * _DURATION[m.group(2)] * 1000 if m else None


def parse_end(text: str, now_ms: int) -> int | None:
    text = text.strip()
    if not text:
        return now_ms
    try:
        if "-" in text[:9]:
            day, clock = text.split("-", 1)
            zone: timezone | ZoneInfo = timezone.utc
        else:
            parts = text.split()
            day, clock = parts[0], parts[1] if len(parts) > 1 else "23:59:59"
            zone = ZoneInfo(parts[2]) if len(parts) > 2 else NY
        at = datetime.strptime(day + clock, "%Y%m%d%H:%M:%S").replace(tzinfo=zone)
    except (ValueError, IndexError, KeyError):
        return None
    return int(at.timestamp() * 1000)


def _aggregate(rows: list[KlineRow], bucket_ms: int) -> list[KlineRow]:
    if not bucket_ms:
        return rows
    out: list[KlineRow] = []
    for row in rows:
        key = row.open_time // bucket_ms * bucket_ms
        if out and out[-1].open_time == key:
            last = out[-1]
            out[-1] = KlineRow(key, last.open, max(last.high, row.high), min(last.low, row.low), row.close,
                               last.volume + row.volume, row.close_time, last.quote_volume + row.quote_volume,
                               last.trades + row.trades, last.taker_buy_base, last.taker_buy_quote)
        else:
            out.append(KlineRow(key, row.open, row.high, row.low, row.close, row.volume, row.close_time,
                                row.quote_volume, row.trades, row.taker_buy_base, row.taker_buy_quote))
    return out


def bars(server: "PaperServer", item: Listed, size: BarSize, start_ms: int, end_ms: int,
         use_rth: bool) -> list[KlineRow]:
    store = server.market.store(item)
    base_ms = size.base.ms if not size.daily else 86_400_000
    limit = min(MAX_BARS * 10, (end_ms - start_ms) // base_ms + 2)
    rows = store.klines(size.base, start_ms, end_ms, limit=max(1, limit))
    rows = [r for r in rows if start_ms <= r.open_time + (base_ms - 1 if size.daily else 0) and r.open_time <= end_ms]
    if use_rth and not size.daily and not server.always_open:
        rows = [r for r in rows if item.liquid.is_open(r.open_time, REGULAR)]
    return _aggregate(rows, size.bucket_ms)


def date_text(row: KlineRow, size: BarSize, fmt: int) -> str:
    if size.daily:
        return datetime.fromtimestamp(row.open_time / 1000, timezone.utc).strftime("%Y%m%d")
    if fmt == 2:
        return str(row.open_time // 1000)
    return datetime.fromtimestamp(row.open_time / 1000, NY).strftime("%Y%m%d %H:%M:%S ") + TZ_ID


def bar_fields(row: KlineRow, size: BarSize, fmt: int, what: str) -> list[object]:
    trades = what in ("TRADES", "ADJUSTED_LAST")
    wap = (row.quote_volume / row.volume).quantize(Decimal("0.0001")) if row.volume else row.close
    return [date_text(row, size, fmt), row.open, row.high, row.low, row.close,
            row.volume if trades else -1, wap if trades else -1, row.trades if trades else -1]


@dataclass(slots=True)
class Live:
    item: Listed
    size: BarSize
    fmt: int
    what: str
    use_rth: bool
    last_sent: tuple[object, ...] = ()
    sent_ms: int = 0


def _paced(server: "PaperServer", conn: Connection, req_id: int) -> bool:
    now = server.clock.now_ms()
    server.pacing[:] = [t for t in server.pacing if t > now - PACING_WINDOW_MS]
    if server.faults.pacing_next > 0 or len(server.pacing) >= PACING_LIMIT:
        server.faults.pacing_next = max(0, server.faults.pacing_next - 1)
        conn.error(req_id, 162, HMDS + PACING)
        return False
    server.pacing.append(now)
    return True


@handles(20)
def req_historical_data(server: "PaperServer", conn: Connection, f: Fields) -> None:
    req_id = f.int()
    q = Query.read(f)
    f.skip()  # includeExpired
    end_text, size_text, duration_text = f.str(), f.str(), f.str()
    use_rth, what, fmt = f.bool(), f.str().strip().upper(), f.int(1)
    if q.sec_type == "BAG":
        f.skip(f.int() * 4)
    keep = f.bool() if f.left else False
    item = resolve_one(server, conn, req_id, q)
    if item is None or not _paced(server, conn, req_id):
        return
    now = server.clock.now_ms()
    size, duration, end_ms = parse_bar_size(size_text), parse_duration(duration_text), parse_end(end_text, now)
    problem = ("invalid bar size " + repr(size_text) if size is None else
               "invalid duration " + repr(duration_text) if duration is None else
               "invalid end date/time " + repr(end_text) if end_ms is None else
               "invalid whatToShow " + repr(what) if what not in _WHAT else
               "end date/time not supported with keepUpToDate" if keep and end_text.strip() else "")
    if problem or size is None or duration is None or end_ms is None:
        conn.error(req_id, 162, HMDS + problem)
        return
    if not size.daily and duration // (size.bucket_ms or size.base.ms) > MAX_BARS:
        conn.error(req_id, 162, HMDS + "Historical data request for too many bars: use a larger bar size or a "
                                     "shorter duration")
        return
    rows = bars(server, item, size, end_ms - duration, end_ms, use_rth)
    if not rows:
        conn.error(req_id, 162, HMDS + "HMDS query returned no data: " + item.local_symbol)
        return
    start = datetime.fromtimestamp((end_ms - duration) / 1000, NY).strftime("%Y%m%d %H:%M:%S")
    end = datetime.fromtimestamp(end_ms / 1000, NY).strftime("%Y%m%d %H:%M:%S")
    out: list[object] = [17, req_id, start, end, len(rows)]
    for row in rows:
        out += bar_fields(row, size, fmt, what)
    conn.send(*out)
    if keep:
        live = Live(item, size, fmt, what, use_rth, tuple(bar_fields(rows[-1], size, fmt, what)), now)
        conn.subs.bars[req_id] = live


@handles(25)
def cancel_historical_data(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    conn.subs.bars.pop(f.int(), None)


@handles(87)
def head_timestamp(server: "PaperServer", conn: Connection, f: Fields) -> None:
    req_id = f.int()
    item = resolve_one(server, conn, req_id, Query.read(f))
    if item is None:
        return
    f.skip(3)  # includeExpired, useRTH, whatToShow
    fmt = f.int(1)
    closed = server.market.store(item).m1.closed
    first = int(closed[0, 0]) if len(closed) else server.clock.now_ms()
    text = str(first // 1000) if fmt == 2 else datetime.fromtimestamp(first / 1000, NY).strftime(
        "%Y%m%d %H:%M:%S ") + TZ_ID
    conn.send(88, req_id, text)


@handles(90)
def cancel_head_timestamp(server: "PaperServer", conn: Connection, f: Fields) -> None:
    """Nothing to stop: the answer is immediate."""


@handles(50)
def req_real_time_bars(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    req_id = f.int()
    item = resolve_one(server, conn, req_id, Query.read(f))
    if item is None:
        return
    f.skip()  # bar size: always 5
    what = f.str().strip().upper() or "TRADES"
    conn.subs.rt_bars[req_id] = [item, what, server.clock.now_ms() // 5000 * 5000 + 5000]  # from the next bar


@handles(51)
def cancel_real_time_bars(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    conn.subs.rt_bars.pop(f.int(), None)


def publish(server: "PaperServer", now_ms: int) -> None:
    if server.faults.farm_down:
        return
    for conn in server.clients():
        for req_id, live in list(conn.subs.bars.items()):
            if now_ms - live.sent_ms < 250:
                continue
            span = live.size.bucket_ms or 86_400_000
            start = now_ms // span * span if live.size.bucket_ms else now_ms - 86_400_000
            rows = bars(server, live.item, live.size, start, now_ms, live.use_rth)
            if not rows:
                continue
            fields = tuple(bar_fields(rows[-1], live.size, live.fmt, live.what))
            if fields == live.last_sent:
                continue
            live.last_sent, live.sent_ms = fields, now_ms
            date, o, h, lo, c, vol, wap, count = fields
            conn.send(90, req_id, count, date, o, c, h, lo, wap, vol)
        for req_id, rt in list(conn.subs.rt_bars.items()):
            item, what, bar_start = rt
            if now_ms < bar_start + 5000 + 200:
                continue
            rows = bars(server, item, BarSize(Interval.S1, 5000), bar_start, bar_start + 4999, False)
            rt[2] = now_ms // 5000 * 5000
            if rows:
                r = rows[0]
                wap = (r.quote_volume / r.volume).quantize(Decimal("0.0001")) if r.volume else r.close
                conn.send(50, 3, req_id, bar_start // 1000, r.open, r.high, r.low, r.close, r.volume, wap, r.trades)
            else:  # a bar every 5 seconds, flat at the last price when nothing traded
                last = server.market.days[item.key].last
                conn.send(50, 3, req_id, bar_start // 1000, last, last, last, last, 0, last, 0)

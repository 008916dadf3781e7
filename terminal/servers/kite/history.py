"""Historical candles: ``GET /instruments/historical/{instrument_token}/{interval}?from=..&to=..[&continuous=0|1]
[&oi=0|1]``, from the simulated market's 1-minute history and live trades.

Intervals ``minute``, ``3minute``, ``5minute``, ``10minute``, ``15minute``, ``30minute``, ``60minute``, ``day``; at most
60/100/100/100/200/200/400/2000 days per call (InputException ``interval exceeds max limit: N days`` past that).
``from``/``to`` are ``YYYY-MM-DD HH:MM:SS`` or ``YYYY-MM-DD`` in IST, ``to`` inclusive (a bare date means the whole
day). Candles are ``[start "YYYY-MM-DDTHH:MM:SS+0530", open, high, low, close, volume(, oi)]``, oldest first;
intraday buckets start at the session open (09:15 NSE/NFO, 09:00 MCX), day candles at midnight. Outside
``always_open`` only the minutes of the regular session count. ``continuous`` is accepted (one listed contract per
underlying here, so it changes nothing).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from aiohttp import web

from terminal.model.enums import Interval
from terminal.model.numbers import decimals_of
from terminal.sim.bars import C, H, L, N, O, OT, V

from .envelope import input_error, success
from .listing import IST, Listed
from .market import Market

MAX_DAYS = {"minute": 60, "3minute": 100, "5minute": 100, "10minute": 100, "15minute": 200, "30minute": 200,
            "60minute": 400, "day": 2000}
MINUTE_MS = 60_000
DAY_MS = 86_400_000
IST_OFFSET_MS = 330 * MINUTE_MS
#: the regular session in minutes of the IST day: [open, close)
SESSION_MINUTES = {"NSE": (9 * 60 + 15, 15 * 60 + 30), "NFO": (9 * 60 + 15, 15 * 60 + 30), "MCX": (9 * 60, 23 * 60 + 30)}


def parse_time(text: str, name: str, end: bool) -> datetime:
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text, fmt).replace(tzinfo=IST)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end:
            parsed += timedelta(days=1) - timedelta(seconds=1)
        return parsed
    raise input_error(f"Invalid `{name}` date: use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.")


def stamp(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, IST).strftime("%Y-%m-%dT%H:%M:%S+0530")


class History:
    def __init__(self, market: Market) -> None:
        self.market = market

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/instruments/historical/{token}/{interval}", self.candles)]

    async def candles(self, request: web.Request) -> web.Response:
        interval = request.match_info["interval"]
        if interval not in MAX_DAYS:
            raise input_error(f"Invalid interval `{interval}`.")
        try:
            item = self.market.by_token.get(int(request.match_info["token"]))
        except ValueError:
            item = None
        if item is None:
            raise input_error("Invalid `instrument_token`.")
        if "from" not in request.query or "to" not in request.query:
            raise input_error("Missing `from` or `to` date.")
        start = parse_time(request.query["from"], "from", end=False)
        end = parse_time(request.query["to"], "to", end=True)
        if end < start:
            raise input_error("`from` date is after the `to` date.")
        if (end - start).total_seconds() > MAX_DAYS[interval] * 86400:
            raise input_error(f"interval exceeds max limit: {MAX_DAYS[interval]} days")
        with_oi = request.query.get("oi", "0") in ("1", "true", "True")
        return success({"candles": self.build(item, interval, int(start.timestamp() * 1000),
                                              int(end.timestamp() * 1000), with_oi)})

    def build(self, item: Listed, interval: str, start_ms: int, end_ms: int, with_oi: bool) -> list[list[Any]]:
        """Candles from the raw 1-minute rows (int64 ticks and steps), grouped with numpy: 60 days of minutes
        answer well inside the client's 7 s timeout."""
        store = self.market.store_for(item.key)
        rows = store.kline_rows(Interval.M1, start_ms, end_ms, limit=MAX_DAYS["minute"] * 1440 + 1)
        if len(rows) == 0:
            return []
        times = rows[:, OT]
        keep = (times >= start_ms) & (times <= end_ms) & ((rows[:, N] > 0) | (rows[:, V] > 0))
        local = times + IST_OFFSET_MS
        minute_of_day = (local // MINUTE_MS) % 1440
        if not self.market.always_open:
            first, last = SESSION_MINUTES[item.exchange]
            weekday = (local // DAY_MS + 3) % 7  # 1970-01-01 was a Thursday
            keep &= (minute_of_day >= first) & (minute_of_day < last) & (weekday < 5)
        rows, local, minute_of_day = rows[keep], local[keep], minute_of_day[keep]
        if len(rows) == 0:
            return []
        day_start = local // DAY_MS * DAY_MS
        if interval == "day":
            keys = day_start
        else:
            size = 1 if interval == "minute" else int(interval.removesuffix("minute"))
            anchor = SESSION_MINUTES[item.exchange][0]
            keys = day_start + (anchor + (minute_of_day - anchor) // size * size) * MINUTE_MS
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        ends = np.concatenate((starts[1:], [len(rows)])) - 1
        inst = item.spec.instrument
        tick, places = float(inst.tick_size), decimals_of(inst.tick_size)
        step = int(inst.step_size)
        opens, closes = rows[starts, O], rows[ends, C]
        highs, lows = np.maximum.reduceat(rows[:, H], starts), np.minimum.reduceat(rows[:, L], starts)
        volumes = np.add.reduceat(rows[:, V], starts) * step
        oi = self.market.days[item.key].oi
        out: list[list[Any]] = []
        for key, o, h, lo, c, v in zip((keys[starts] - IST_OFFSET_MS).tolist(), opens.tolist(), highs.tolist(),
                                       lows.tolist(), closes.tolist(), volumes.tolist()):
            candle: list[Any] = [stamp(key), round(o * tick, places), round(h * tick, places),
                                 round(lo * tick, places), round(c * tick, places), v]
            if with_oi:
                candle.append(oi)
            out.append(candle)
        return out

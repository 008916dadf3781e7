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

from aiohttp import web

from terminal.model import Interval
from terminal.model.hours import REGULAR

from .envelope import input_error, success
from .listing import IST, Listed
from .market import Market

MAX_DAYS = {"minute": 60, "3minute": 100, "5minute": 100, "10minute": 100, "15minute": 200, "30minute": 200,
            "60minute": 400, "day": 2000}
MINUTE_MS = 60_000


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


def bucket(ts_ms: int, interval: str, item: Listed) -> int:
    local = datetime.fromtimestamp(ts_ms / 1000, IST)
    midnight = int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)
    if interval == "day":
        return midnight
    size = (1 if interval == "minute" else int(interval.removesuffix("minute"))) * MINUTE_MS
    anchor = midnight + (9 * 60 + (0 if item.exchange == "MCX" else 15)) * MINUTE_MS
    return anchor + (ts_ms - anchor) // size * size


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
        store = self.market.store_for(item.key)
        rows = store.klines(Interval.M1, start_ms, end_ms, limit=MAX_DAYS["minute"] * 1440 + 1)
        hours = None if self.market.always_open else item.hours
        out: list[list[Any]] = []
        current: list[Any] | None = None
        current_start = -1
        oi = self.market.days[item.key].oi
        for row in rows:
            if row.open_time < start_ms or row.open_time > end_ms or not row.trades and not row.volume:
                continue
            if hours is not None and not hours.is_open(row.open_time, REGULAR):
                continue
            start = bucket(row.open_time, interval, item)
            if current is None or start != current_start:
                current = [stamp(start), row.open, row.high, row.low, row.close, row.volume]
                current_start = start
                out.append(current)
            else:
                current[2] = max(current[2], row.high)
                current[3] = min(current[3], row.low)
                current[4] = row.close
                current[5] += row.volume
        for candle in out:
            candle[5] = int(candle[5])
            if with_oi:
                candle.append(oi)
        return out


__all__ = ["History"]

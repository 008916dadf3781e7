"""Kline history for the session: paged over any range, as Decimal bars or a float DataFrame for analytics."""
from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Generator

from ..model import Bar, Interval
from ..model.numbers import InvalidArgument, describe
from .bars import KlineSource, backfill

PAGE = 1000
MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def to_ms(value: Any, name: str = "time") -> int | None:
    """Epoch ms from None, int ms, datetime (naive = UTC), pandas Timestamp or an ISO string; InvalidArgument
    naming ``name`` for anything else (floats too: seconds or milliseconds?) or a time before 1970."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidArgument(f"{name}: expected epoch ms (int), a datetime or an ISO date text, got "
                              f"{type(value).__name__} {value!r}", name)
    if isinstance(value, int):
        ms = value
    elif isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        ms = int(dt.timestamp() * 1000)
    elif isinstance(value, str):
        import pandas as pd
        try:
            ts = pd.Timestamp(value.strip())
        except (ValueError, TypeError, OverflowError):
            raise InvalidArgument(f"{name}: {describe(value)} is not a date or time (use ISO 8601, e.g. "
                                  "'2024-01-31' or '2024-01-31T12:00:00Z')", name) from None
        if ts is pd.NaT:
            raise InvalidArgument(f"{name}: {describe(value)} is not a date or time", name)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
        ms = int(ts.value // 1_000_000)
    elif hasattr(value, "to_pydatetime"):
        return to_ms(value.to_pydatetime(), name)
    else:
        raise InvalidArgument(f"{name}: expected epoch ms (int), a datetime or an ISO date text, got "
                              f"{type(value).__name__}", name)
    if not 0 <= ms <= MAX_MS:
        raise InvalidArgument(f"{name}: {describe(value)} is out of range (1970 to year 9999)", name)
    return ms


async def load_bars(source: KlineSource, symbol: str, interval: Interval, start: Any = None, end: Any = None,
                    limit: int | None = None) -> list[Bar]:
    """Bars oldest first. No start: the newest ``limit`` (default 500) up to ``end``; with start: from there on
    (to ``end``, at most ``limit``). Any number of pages."""
    start_ms, end_ms = to_ms(start), to_ms(end)
    if limit is not None and limit <= 0:
        raise ValueError("limit must be positive")
    if start_ms is None:
        n = limit or 500
        if n <= PAGE:
            return await source.klines(symbol, interval, None, end_ms, n)
        return await _newest(source, symbol, interval, end_ms, n)
    if end_ms is not None and end_ms < start_ms:
        raise ValueError("end is before start")
    if limit is not None:
        pages = math.ceil(limit / PAGE)
    elif end_ms is not None:
        pages = math.ceil((end_ms - start_ms) / interval.ms / PAGE) + 1
    else:
        pages = math.ceil((time.time() * 1000 - start_ms) / interval.ms / PAGE) + 2
    bars = await backfill(source, symbol, interval, start_ms, end_ms, PAGE, max_pages=max(1, pages))
    return bars[:limit] if limit is not None else bars


async def _newest(source: KlineSource, symbol: str, interval: Interval, end_ms: int | None, n: int) -> list[Bar]:
    """The newest ``n`` bars up to ``end_ms``, paging backwards (stops where the venue's history starts)."""
    pages: list[list[Bar]] = []
    total, cursor = 0, end_ms
    while total < n:
        page = await source.klines(symbol, interval, None, cursor, min(PAGE, n - total))
        if cursor is not None:
            page = [b for b in page if b.open_time <= cursor]
        if not page:
            break
        pages.append(page)
        total += len(page)
        cursor = page[0].open_time - 1
    bars = [b for page in reversed(pages) for b in page]
    return bars[-n:]


def klines_frame(bars: list[Bar]) -> Any:
    """A DataFrame indexed by open time (UTC); float columns open, high, low, close, volume."""
    import pandas as pd
    index = pd.DatetimeIndex(pd.to_datetime([b.open_time for b in bars], unit="ms", utc=True), name="open_time")
    return pd.DataFrame({
        "open": [float(b.open) for b in bars], "high": [float(b.high) for b in bars],
        "low": [float(b.low) for b in bars], "close": [float(b.close) for b in bars],
        "volume": [float(b.volume) for b in bars],
    }, index=index)


class BarsRequest:
    """Both ``await``-able (history as list[Bar]) and ``async for``-able (live bars)."""

    def __init__(self, history: Callable[[], Awaitable[list[Bar]]], live: Callable[[], Any]) -> None:
        self._history = history
        self._live = live
        self._feed: Any = None

    def __await__(self) -> Generator[Any, None, list[Bar]]:
        return self._history().__await__()

    def __aiter__(self) -> Any:
        self._feed = self._live()
        return self._feed

    def close(self) -> None:
        if self._feed is not None:
            self._feed.close()

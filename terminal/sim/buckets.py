"""Kline buckets: where each interval's candles open and close (UTC, as Binance aligns them).

Fixed intervals (1s..3d) are aligned to the epoch, weeks open on Monday 00:00 UTC, months on the 1st.
"""
from __future__ import annotations

import numpy as np

from terminal.model.enums import Interval

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
MONDAY_OFFSET_MS = 4 * DAY_MS  # 1970-01-01 was a Thursday; 1970-01-05 a Monday


def bucket_start(interval: Interval, t_ms: int) -> int:
    """Open time of the ``interval`` candle that contains ``t_ms``."""
    if interval is Interval.MO1:
        month = np.datetime64(int(t_ms), "ms").astype("datetime64[M]")
        return int(month.astype("datetime64[ms]").astype(np.int64))
    if interval is Interval.W1:
        return (t_ms - MONDAY_OFFSET_MS) // WEEK_MS * WEEK_MS + MONDAY_OFFSET_MS
    ms = interval.ms
    return t_ms // ms * ms


def bucket_end(interval: Interval, open_ms: int) -> int:
    """Open time of the candle after the one opening at ``open_ms`` (its close time is this minus one)."""
    if interval is Interval.MO1:
        month = np.datetime64(int(open_ms), "ms").astype("datetime64[M]") + np.timedelta64(1, "M")
        return int(month.astype("datetime64[ms]").astype(np.int64))
    if interval is Interval.W1:
        return open_ms + WEEK_MS
    return open_ms + interval.ms


def close_time(interval: Interval, open_ms: int) -> int:
    return bucket_end(interval, open_ms) - 1


def bucket_starts(interval: Interval, t_ms: np.ndarray) -> np.ndarray:
    """Vectorised ``bucket_start`` over an int64 array."""
    if interval is Interval.MO1:
        months = t_ms.astype("datetime64[ms]").astype("datetime64[M]")
        return months.astype("datetime64[ms]").astype(np.int64)
    if interval is Interval.W1:
        return (t_ms - MONDAY_OFFSET_MS) // WEEK_MS * WEEK_MS + MONDAY_OFFSET_MS
    ms = interval.ms
    return t_ms // ms * ms


def max_minutes(interval: Interval) -> int:
    """The most 1m candles one candle of ``interval`` can hold."""
    if interval is Interval.MO1:
        return 31 * 1440
    return max(1, interval.ms // 60_000)

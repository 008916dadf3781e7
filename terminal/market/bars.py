"""Kline history: paged REST backfill and gap detection for bar series."""
from __future__ import annotations

from typing import Iterable, Protocol

from ..model import Bar, Interval


class KlineSource(Protocol):
    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000) -> list[Bar]: ...


async def backfill(source: KlineSource, symbol: str, interval: Interval, start_ms: int, end_ms: int | None = None,
                   limit: int = 1000, max_pages: int = 50) -> list[Bar]:
    """All bars with ``open_time`` from ``start_ms`` (to ``end_ms``), oldest first, paging ``limit`` at a time."""
    out: list[Bar] = []
    cursor = start_ms
    for _ in range(max_pages):
        page = await source.klines(symbol, interval, cursor, end_ms, limit)
        out.extend(b for b in page if not out or b.open_time > out[-1].open_time)
        if len(page) < limit:
            break
        cursor = page[-1].open_time + interval.ms
        if end_ms is not None and cursor > end_ms:
            break
    return out


def missing_open_times(bars: Iterable[Bar], interval: Interval) -> list[int]:
    """Open times absent between the first and last bar (fixed-length intervals only, not 1M)."""
    times = sorted({b.open_time for b in bars})
    missing: list[int] = []
    for a, b in zip(times, times[1:]):
        missing.extend(range(a + interval.ms, b, interval.ms))
    return missing

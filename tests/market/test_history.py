"""Kline paging (market.history.load_bars) against a fake kline source that behaves like the venue: at most
``limit`` bars per call, oldest first, newest ``limit`` when no start is given, nothing before its first bar."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from terminal.model import Bar, Interval
from terminal.market.history import klines_frame, load_bars, to_ms

M = 60_000
FIRST, LAST = 1_000 * M, 6_000 * M  # 5001 one-minute bars


class FakeKlines:
    def __init__(self) -> None:
        self.calls = 0

    async def klines(self, symbol, interval, start_ms=None, end_ms=None, limit=1000):
        self.calls += 1
        hi = LAST if end_ms is None else min(LAST, end_ms - end_ms % M)
        if start_ms is None:
            lo = max(FIRST, hi - (limit - 1) * M)
        else:
            lo = max(FIRST, start_ms + (-start_ms) % M)
            hi = min(hi, lo + (limit - 1) * M)
        return [Bar(symbol, interval, t, Decimal(1), Decimal(2), Decimal(0), Decimal(t // M), Decimal(1))
                for t in range(lo, hi + 1, M)]


async def test_range_pages_forward_and_is_contiguous():
    src = FakeKlines()
    bars = await load_bars(src, "X", Interval.M1, start=2_000 * M, end=4_500 * M)
    assert [b.open_time for b in bars] == list(range(2_000 * M, 4_500 * M + 1, M)) and src.calls == 3


async def test_newest_n_pages_backwards_and_stops_at_the_start_of_history():
    bars = await load_bars(FakeKlines(), "X", Interval.M1, limit=2_500)
    assert len(bars) == 2_500 and bars[-1].open_time == LAST and bars[0].open_time == LAST - 2_499 * M
    everything = await load_bars(FakeKlines(), "X", Interval.M1, limit=9_999)
    assert len(everything) == 5_001 and everything[0].open_time == FIRST


async def test_start_with_limit_and_open_ended_start():
    bars = await load_bars(FakeKlines(), "X", Interval.M1, start=5_500 * M, limit=10)
    assert [b.open_time for b in bars] == list(range(5_500 * M, 5_510 * M, M))
    tail = await load_bars(FakeKlines(), "X", Interval.M1, start=5_990 * M)
    assert tail[0].open_time == 5_990 * M and tail[-1].open_time == LAST


def test_times_and_frame():
    assert to_ms(datetime(1970, 1, 1, 0, 1, tzinfo=timezone.utc)) == M == to_ms("1970-01-01T00:01:00Z") == to_ms(M)
    frame = klines_frame([Bar("X", Interval.M1, M, Decimal("1.5"), Decimal(2), Decimal(1), Decimal("1.25"), Decimal(3))])
    assert frame.index[0].isoformat() == "1970-01-01T00:01:00+00:00" and frame["close"].iloc[0] == 1.25

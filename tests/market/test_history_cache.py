"""The kline history cache (market.history_cache): coverage, incremental extension, resumable downloads, and the
session reading through it against the real sandbox (asserted on the sandbox's request log)."""
from __future__ import annotations

from decimal import Decimal

import pytest

import terminal
from terminal.market.history_cache import HistoryCache, cache_files, cache_path, load_cached
from terminal.model import Bar, Interval
from terminal.venues.ports import TemporaryError

M = 60_000
FIRST = 1_000 * M  # the fake venue's first bar


class FakeKlines:
    """Like the venue: at most ``limit`` bars per call from ``start_ms``, nothing before FIRST or after ``last``."""

    def __init__(self, last: int) -> None:
        self.last, self.calls = last, []

    async def klines(self, symbol, interval, start_ms=None, end_ms=None, limit=1000):
        self.calls.append((start_ms, end_ms))
        lo = max(FIRST, start_ms + (-start_ms) % M)
        hi = min(self.last, end_ms - end_ms % M, lo + (limit - 1) * M)
        return [Bar(symbol, interval, t, Decimal(t // M), Decimal(t // M) + 1, Decimal(t // M) - 1,
                    Decimal(t // M) + Decimal("0.5"), Decimal("1.25")) for t in range(lo, hi + 1, M)]


async def test_second_read_of_a_covered_range_asks_the_venue_nothing():
    src, cache = FakeKlines(last=5_000 * M), HistoryCache()
    now = 5_000 * M + 30_000  # bar 5000 is still forming
    bars = await load_cached(cache, src, "X", Interval.M1, None, None, 1500, now)
    assert [b.open_time for b in bars] == list(range(3_500 * M, 4_999 * M + 1, M)) and len(src.calls) == 2
    assert await load_cached(cache, src, "X", Interval.M1, None, None, 1500, now) == bars
    assert await load_cached(cache, src, "X", Interval.M1, 4_000 * M, 4_100 * M, None, now) == bars[500:601]
    assert len(src.calls) == 2


async def test_a_later_read_fetches_only_the_new_bars_and_an_earlier_one_only_the_older():
    src, cache = FakeKlines(last=5_000 * M), HistoryCache()
    await load_cached(cache, src, "X", Interval.M1, None, None, 100, 4_000 * M + 1)
    assert cache.coverage("X", Interval.M1) == (3_900 * M, 3_999 * M)
    src.calls.clear()
    bars = await load_cached(cache, src, "X", Interval.M1, None, None, 100, 4_010 * M + 1)
    assert src.calls == [(4_000 * M, 4_009 * M)] and bars[-1].open_time == 4_009 * M and len(bars) == 100
    src.calls.clear()
    await load_cached(cache, src, "X", Interval.M1, None, 3_899 * M, 50, 4_010 * M + 1)
    assert src.calls == [(3_850 * M, 3_899 * M)] and cache.coverage("X", Interval.M1) == (3_850 * M, 4_009 * M)


async def test_a_range_before_the_venues_history_is_covered_once_without_bars():
    src, cache = FakeKlines(last=5_000 * M), HistoryCache()
    assert await load_cached(cache, src, "X", Interval.M1, 10 * M, 20 * M, None, 5_000 * M) == []
    assert await load_cached(cache, src, "X", Interval.M1, 10 * M, 20 * M, None, 5_000 * M) == []
    assert len(src.calls) == 1 and cache.series()[0].count == 0


def test_an_interrupted_download_resumes_after_the_last_committed_page(tmp_path):
    src = FakeKlines(last=5_000 * M)
    failing_after = [2]

    async def fetch(symbol, interval, start_ms, end_ms, limit):
        if len(src.calls) >= failing_after[0]:
            raise ConnectionError("network down")
        return await src.klines(symbol, interval, start_ms, end_ms, limit)

    path = cache_path("fake", "live", tmp_path)
    with HistoryCache(path) as cache, pytest.raises(ConnectionError):
        cache.download_sync(fetch, "X", Interval.M1, 1_000 * M, 1_249 * M, limit=100)
    failing_after[0] = 99
    with HistoryCache(path) as cache:  # a new process: the file is all that is left
        assert cache.coverage("X", Interval.M1) == (1_000 * M, 1_199 * M)
        progress = []
        written = cache.download_sync(fetch, "X", Interval.M1, 1_000 * M, 1_249 * M,
                                      lambda done, total: progress.append((done, total)), limit=100)
        assert written == 50 and src.calls[2:] == [(1_200 * M, 1_249 * M)] and progress == [(250, 250)]
        assert [b.open_time for b in cache.bars("X", Interval.M1)] == list(range(1_000 * M, 1_249 * M + 1, M))
    assert list(cache_files(tmp_path)) == ["fake-live"]


def test_delete_forgets_bars_and_coverage(tmp_path):
    with HistoryCache(tmp_path / "h.sqlite") as cache:
        cache.download_sync(FakeKlines(last=5_000 * M).klines, "X", Interval.M1, 1_000 * M, 1_009 * M)
        cache.download_sync(FakeKlines(last=5_000 * M).klines, "Y", Interval.M1, 1_000 * M, 1_004 * M)
        assert cache.delete("X") == 10
        assert [(s.symbol, s.count) for s in cache.series()] == [("Y", 5)] and cache.coverage("X", Interval.M1) is None


async def test_session_reads_history_through_its_cache_second_read_makes_no_request(sandbox):
    session = await terminal.connect("sandbox", sandbox_url=sandbox.url)
    try:
        assert session.history_cache is not None
        first = await session.bars("BTCUSDT", "1m", limit=300)
        asked = len(sandbox.rest.requests("GET", "/api/v3/klines"))
        assert asked >= 1 and len(first) == 300 and all(b.closed for b in first)
        again = await session.bars("BTCUSDT", "1m", end=first[-1].open_time, limit=300)
        frame = await session.klines("BTCUSDT", "1m", start=first[0].open_time, end=first[-1].open_time)
        assert again == first and len(frame) == 300
        assert len(sandbox.rest.requests("GET", "/api/v3/klines")) == asked
    finally:
        await session.close()


async def test_session_without_a_cache_asks_the_venue_every_time(sandbox):
    session = await terminal.connect("sandbox", sandbox_url=sandbox.url, history_cache=False)
    try:
        before = len(sandbox.rest.requests("GET", "/api/v3/klines"))
        await session.bars("BTCUSDT", "1m", limit=10)
        await session.bars("BTCUSDT", "1m", limit=10)
        assert len(sandbox.rest.requests("GET", "/api/v3/klines")) == before + 2
    finally:
        await session.close()


async def test_download_interrupted_by_server_errors_resumes_without_fetching_the_first_part_again(
        fresh_sandbox, tmp_path):
    session = await terminal.connect("sandbox", sandbox_url=fresh_sandbox.url, history_cache=False)
    venue = session.venue
    path = tmp_path / "history-binance-sandbox.sqlite"
    now = venue.now_ms()
    end = now - now % M - M
    start = end - 2_499 * M
    try:
        def break_after_first_page(done: int, total: int) -> None:
            fresh_sandbox.faults.fail_next(50, 503)  # every later request fails (no retries here)

        with HistoryCache(path) as cache:
            with pytest.raises(TemporaryError):
                await cache.download(venue.klines, "BTCUSDT", Interval.M1, start, end, break_after_first_page)
            covered = cache.coverage("BTCUSDT", Interval.M1)
        assert covered == (start, start + 999 * M)
        fresh_sandbox.faults.clear()
        log_before = len(fresh_sandbox.rest.requests("GET", "/api/v3/klines"))
        with HistoryCache(path) as cache:
            written = await cache.download(venue.klines, "BTCUSDT", Interval.M1, start, end)
            queries = fresh_sandbox.rest.requests("GET", "/api/v3/klines")[log_before:]
            assert written == 1_500 and len(queries) == 2
            assert f"startTime={start + 1_000 * M}" in queries[0]
            assert cache.span("BTCUSDT", Interval.M1) == (start, end, 2_500)
    finally:
        await session.close()

"""The history cache writes its pages on the background writer (storage.writer), never on the event loop's thread;
a download still reads back exactly what it wrote, and close() waits for a page still on the writer."""
from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

from terminal.market.history_cache import HistoryCache, load_cached
from terminal.model import Bar, Interval
from terminal.storage.writer import shared

M = 60_000


class Klines:
    def __init__(self) -> None:
        self.calls = 0
        self.fetched = asyncio.Event()  # set as a page is handed over (the cache writes it before it yields)

    async def klines(self, symbol, interval, start_ms=None, end_ms=None, limit=1000):
        self.calls += 1
        self.fetched.set()
        lo = start_ms + (-start_ms) % M
        hi = min(end_ms - end_ms % M, lo + (limit - 1) * M)
        return [Bar(symbol, interval, t, Decimal(t // M), Decimal(t // M) + 1, Decimal(t // M) - 1,
                    Decimal(t // M), Decimal("1")) for t in range(lo, hi + 1, M)]


def _writing_threads(cache: HistoryCache) -> set[int]:
    """The threads that run the cache's INSERTs (SQLite's trace callback runs on the thread executing them)."""
    threads: set[int] = set()
    cache._db.set_trace_callback(
        lambda sql: threads.add(threading.get_ident()) if sql.lstrip().upper().startswith("INSERT") else None)
    return threads


async def test_a_download_writes_its_pages_on_the_writer_thread_not_on_the_loop(tmp_path) -> None:
    writer = shared()  # the app's writer: the cache uses it unless given another
    assert writer.flush(timeout=10)
    writes = writer.writes
    cache = HistoryCache(tmp_path / "history-x-test.sqlite")
    threads = _writing_threads(cache)
    src = Klines()
    bars = await load_cached(cache, src, "X", Interval.M1, 1_000 * M, 3_499 * M, None, 10_000 * M)
    assert [b.open_time for b in bars] == list(range(1_000 * M, 3_499 * M + 1, M)) and src.calls == 3
    assert threads == {writer.thread_id} and threading.get_ident() not in threads
    assert writer.writes - writes == 3  # one job per page (bars and coverage in one transaction)
    cache.close()


async def test_close_waits_for_a_page_still_on_the_writer(tmp_path) -> None:
    writer = shared()
    assert writer.flush(timeout=10)
    path = tmp_path / "history-x-test.sqlite"
    cache = HistoryCache(path)
    gate = threading.Event()
    writer.submit("busy", gate.wait)
    src = Klines()
    task = asyncio.ensure_future(cache.download(src.klines, "X", Interval.M1, 0, 99 * M))
    try:
        await src.fetched.wait()
        assert writer.pending == 2  # the page is queued behind the busy job
        assert not task.done()  # the loop went on while the page waited for the disk
        task.cancel()
        threading.Timer(0.05, gate.set).start()
        cache.close()
    finally:
        gate.set()
    with HistoryCache(path) as again:
        assert again.coverage("X", Interval.M1) == (0, 99 * M) and len(again.bars("X", Interval.M1)) == 100


async def test_a_cached_read_queries_the_file_off_the_loop_thread(tmp_path) -> None:
    cache = HistoryCache(tmp_path / "history-x-test.sqlite")
    src = Klines()
    first = await load_cached(cache, src, "X", Interval.M1, 1_000 * M, 1_499 * M, None, 10_000 * M)
    selects: set[int] = set()  # the threads that query the bars and the coverage
    cache._db.set_trace_callback(lambda sql: selects.add(threading.get_ident()) if sql.lstrip().upper().startswith(
        "SELECT") else None)
    again = await load_cached(cache, src, "X", Interval.M1, 1_000 * M, 1_499 * M, None, 10_000 * M)
    assert again == first and len(again) == 500 and src.calls == 1  # from the cache, not the venue
    assert selects and threading.get_ident() not in selects
    cache.close()

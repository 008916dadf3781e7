"""BookSync: the §10a procedure on a scripted depth source, then against the sandbox (gaps, drops)."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, AsyncIterator

import pytest

from terminal.bus import Bus
from terminal.venues.binance.booksync import BookSync
from terminal.model import BookUpdated, ConnectionChanged, Environment, OrderRequest, OrderType, Side, TimeInForce
from terminal.venues.binance.signing import HmacSigner
from terminal.venues.binance.urls import endpoints
from terminal.venues.binance.venue import BinanceVenue
from venues.binance.wsserver import TinyStreamServer

D = Decimal
Levels = list[tuple[Decimal, Decimal]]


class ScriptedDepth:
    """A DepthSource fake: hands out queued snapshots and counts calls."""

    def __init__(self, *snapshots: tuple[int, Levels, Levels]) -> None:
        self.snapshots = list(snapshots)
        self.calls = 0
        self.called = asyncio.Event()

    async def depth(self, symbol: str, limit: int = 1000) -> tuple[int, Levels, Levels]:
        self.calls += 1
        self.called.set()
        return self.snapshots.pop(0) if len(self.snapshots) > 1 else self.snapshots[0]


async def test_buffered_diffs_are_applied_after_the_snapshot_and_stale_ones_dropped() -> None:
    published: list[BookUpdated] = []
    src = ScriptedDepth((10, [(D(100), D(1))], [(D(101), D(1))]))
    sync = BookSync("X", src, published.append, retry_initial_s=0.01)
    sync.on_diff(5, 8, [(D(99), D(9))], [])  # stale: u <= 10
    sync.on_diff(9, 12, [(D(100), D(2))], [])  # straddles the snapshot id
    sync.on_diff(13, 13, [], [(D(101), D(0)), (D(102), D(3))])
    await sync.wait_synced(5)
    assert sync.book.update_id == 13 and sync.book.bids() == [(D(100), D(2))]
    assert sync.book.asks() == [(D(102), D(3))] and published[-1].is_snapshot
    sync.on_diff(14, 15, [(D(100), D(0))], [])
    await asyncio.sleep(0)  # publications are coalesced to the next loop turn
    assert published[-1].update_id == 15 and published[-1].bids == ()
    await sync.close()


async def test_snapshot_older_than_first_diff_is_fetched_again() -> None:
    src = ScriptedDepth((3, [], []), (20, [(D(1), D(1))], []))
    sync = BookSync("X", src, lambda e: None, retry_initial_s=0.01)
    sync.on_diff(10, 21, [(D(2), D(1))], [])
    await sync.wait_synced(5)
    assert src.calls == 2 and sync.book.update_id == 21 and sync.book.best_bid() == (D(2), D(1))
    await sync.close()


async def test_a_gap_resyncs_and_counts() -> None:
    src = ScriptedDepth((10, [(D(1), D(1))], []), (30, [(D(5), D(5))], []))
    sync = BookSync("X", src, lambda e: None, retry_initial_s=0.01)
    sync.on_diff(9, 11, [], [])
    await sync.wait_synced(5)
    assert src.calls == 1 and sync.book.update_id == 11
    sync.on_diff(15, 31, [(D(6), D(1))], [])  # 12..14 lost
    assert not sync.synced and sync.gaps == 1 and sync.resyncs == 1
    await sync.wait_synced(5)
    assert sync.book.update_id == 31 and sync.book.bids() == [(D(6), D(1)), (D(5), D(5))]
    await sync.close()


# ---------------------------------------------------------------- poisoned diffs (issue 9, item 3)

async def test_diffs_with_non_integer_or_reversed_ids_are_refused_and_the_book_still_syncs() -> None:
    src = ScriptedDepth((10, [(D(1), D(1))], []))
    sync = BookSync("X", src, lambda e: None, retry_initial_s=0.01)
    sync.on_diff("abc", 11, [], [])  # type: ignore[arg-type]  # made every later sync fail with TypeError
    sync.on_diff(True, 11, [], [])
    sync.on_diff(9.0, 11, [], [])  # type: ignore[arg-type]
    sync.on_diff(12, 11, [], [])
    sync.on_diff(9, 11, [(D(2), D(1))], [])
    await sync.wait_synced(5)
    assert sync.book.update_id == 11 and sync.book.best_bid() == (D(2), D(1)) and sync.rejected == 4
    await sync.close()  # used to re-raise the sync task's TypeError


async def test_an_in_sequence_diff_with_an_implausible_last_id_is_refused_instead_of_freezing_the_book() -> None:
    published: list[BookUpdated] = []
    sync = BookSync("X", ScriptedDepth((10, [], [])), published.append, retry_initial_s=0.01)
    sync.on_diff(9, 11, [], [])
    await sync.wait_synced(5)
    sync.on_diff(12, 9_000_000_000_000_000_000, [(D(5), D(5))], [])  # every later diff looked stale
    sync.on_diff(12, 13, [(D(6), D(1))], [])
    assert sync.synced and sync.book.update_id == 13 and sync.book.bids() == [(D(6), D(1))]
    assert (sync.rejected, sync.gaps, sync.resyncs) == (1, 0, 0)
    await sync.close()


async def test_a_book_that_cannot_advance_resyncs_from_a_fresh_snapshot() -> None:
    src = ScriptedDepth((1_000_000, [(D(1), D(1))], []), (65, [(D(2), D(2))], []))  # the first id is no good
    sync = BookSync("X", src, lambda e: None, retry_initial_s=0.01)
    sync.on_diff(9, 11, [], [])
    await sync.wait_synced(5)
    assert sync.book.update_id == 1_000_000
    for i in range(12, 12 + sync.max_stale):  # the stream is live, but every diff is "stale" for this book
        sync.on_diff(i, i, [], [])
    assert not sync.synced and sync.stalls == 1 and sync.resyncs == 1
    sync.on_diff(62, 70, [(D(3), D(1))], [])
    await sync.wait_synced(5)
    assert src.calls == 2 and sync.book.update_id == 70 and sync.book.bids() == [(D(3), D(1)), (D(2), D(2))]
    await sync.close()


async def test_a_first_diff_far_beyond_the_market_does_not_keep_the_book_from_syncing() -> None:
    src = ScriptedDepth((10, [(D(1), D(1))], []))
    sync = BookSync("X", src, lambda e: None, retry_initial_s=0.01)
    sync.on_diff(9_000_000_000_000_000_000, 9_000_000_000_000_000_000, [], [])  # nothing yet to compare it with
    sync.on_diff(9, 11, [(D(2), D(1))], [])
    await sync.wait_synced(5)  # the snapshot never reaches 9e18: "fetch again" forever
    assert sync.book.update_id == 11 and sync.rejected == 1
    await sync.close()


async def test_a_snapshot_with_a_bad_update_id_is_fetched_again() -> None:
    src = ScriptedDepth(("abc", [], []), (10, [(D(1), D(1))], []))  # type: ignore[arg-type]
    sync = BookSync("X", src, lambda e: None, retry_initial_s=0.01)
    sync.on_diff(9, 11, [], [])
    await sync.wait_synced(5)
    sync.on_diff(12, 12, [], [])
    assert src.calls == 2 and sync.book.update_id == 12
    await sync.close()


# ---------------------------------------------------------------- against the sandbox

class Waiter:
    """Bus handler that records events and wakes a test awaiting one that matches."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._waiting: list[tuple[Any, asyncio.Future[Any]]] = []

    def __call__(self, event: Any) -> None:
        self.events.append(event)
        for pred, fut in list(self._waiting):
            if not fut.done() and pred(event):
                fut.set_result(event)

    async def next(self, pred: Any, timeout: float = 10.0) -> Any:
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((pred, fut))
        return await asyncio.wait_for(fut, timeout)


@pytest.fixture
async def book_venue(fresh_sandbox: Any) -> AsyncIterator[tuple[BinanceVenue, Waiter, Any]]:
    waiter = Waiter()
    bus = Bus()
    bus.subscribe(None, waiter)
    ep = endpoints(Environment.SANDBOX, fresh_sandbox.url)
    v = BinanceVenue(Environment.SANDBOX, ep.rest, ep.ws, ep.ws_api, fresh_sandbox.default_api_key,
                     HmacSigner(fresh_sandbox.default_api_secret), bus)
    await v.start()
    try:
        yield v, waiter, fresh_sandbox
    finally:
        await v.close()


def _simulate(server: Any, on: bool) -> None:
    server.call(lambda: setattr(server, "simulate", on))


async def assert_book_matches_rest(v: BinanceVenue, waiter: Waiter, depth: int = 50) -> None:
    """With the market paused, the local book reaches the REST snapshot's id and then equals it."""
    sync = v.book_sync("BTCUSDT")
    assert sync is not None
    last_id, bids, asks = await v.rest.depth("BTCUSDT", 1000)
    for _ in range(20):
        if sync.synced and sync.book.update_id == last_id:
            assert sync.book.bids(depth) == bids[:depth] and sync.book.asks(depth) == asks[:depth]
            return
        if not sync.synced or sync.book.update_id < last_id:
            await waiter.next(lambda e: isinstance(e, BookUpdated) and e.update_id >= last_id)
        last_id, bids, asks = await v.rest.depth("BTCUSDT", 1000)
    raise AssertionError(f"book stuck at {sync.book.update_id}, REST at {last_id}")


async def _place_far_limit(v: BinanceVenue, offset: str) -> None:
    bid = (await v.rest.book_ticker("BTCUSDT")).bid
    price = (bid * D(offset)).quantize(D("0.01"))
    await v.rest.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.001"), price,
                                          time_in_force=TimeInForce.GTC))


async def test_book_matches_rest_after_skipped_sequence_and_dropped_sockets(book_venue: Any) -> None:
    v, waiter, server = book_venue
    await v.watch_book("BTCUSDT", wait_synced_s=10)
    sync = v.book_sync("BTCUSDT")
    _simulate(server, False)
    await _place_far_limit(v, "0.96")
    await assert_book_matches_rest(v, waiter)

    _simulate(server, True)
    server.faults.skip_depth_sequence("BTCUSDT")  # the market keeps moving: the next diff reveals the gap
    await waiter.next(lambda e: isinstance(e, BookUpdated) and e.is_snapshot)
    assert sync.gaps == 1 and sync.resyncs == 1
    _simulate(server, False)
    await _place_far_limit(v, "0.95")
    await assert_book_matches_rest(v, waiter)

    _simulate(server, True)
    server.faults.drop_websockets()
    await waiter.next(lambda e: isinstance(e, ConnectionChanged) and e.stream == "market" and e.connected)
    _simulate(server, False)
    await _place_far_limit(v, "0.94")
    await assert_book_matches_rest(v, waiter)
    health = v.health()["btcusdt@depth@100ms"]
    assert health.gaps >= 1 and health.resyncs >= 1 and health.reconnects == 1


async def test_cancel_and_wait_finishes_the_task_and_tolerates_none():
    import asyncio

    from terminal.tasks import cancel_and_wait

    await cancel_and_wait(None)
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.get_running_loop().create_task(forever())
    await started.wait()
    await cancel_and_wait(task)
    assert task.cancelled()

    async def failing() -> None:
        raise RuntimeError("boom")

    broken = asyncio.get_running_loop().create_task(failing())
    await asyncio.wait([broken])
    await cancel_and_wait(broken, swallow_errors=True)  # a close() that must complete


async def test_malformed_depth_frames_on_the_stream_are_dropped_and_counted_and_the_book_stays_live(
        fresh_sandbox: Any) -> None:
    """The REST snapshot from a (paused) sandbox; the diffs, exact malformed frames included, from a loopback server."""
    server = fresh_sandbox
    _simulate(server, False)
    waiter = Waiter()
    bus = Bus()
    bus.subscribe(None, waiter)
    async with TinyStreamServer() as srv:
        ep = endpoints(Environment.SANDBOX, server.url)
        v = BinanceVenue(Environment.SANDBOX, ep.rest, srv.url, ep.ws_api, server.default_api_key,
                         HmacSigner(server.default_api_secret), bus)
        await v.start()
        try:
            last_id, _, _ = await v.rest.depth("BTCUSDT", 1000)
            await v.watch_book("BTCUSDT")
            await asyncio.wait_for(srv.subscribed.wait(), 5)
            name, diff = "btcusdt@depth@100ms", {"e": "depthUpdate", "E": 1764000000000, "s": "BTCUSDT", "a": []}
            first = asyncio.ensure_future(waiter.next(lambda e: isinstance(e, BookUpdated)
                                                      and e.update_id == last_id + 1))
            await srv.push(name, {**diff, "U": "abc", "u": last_id + 1, "b": []})
            await srv.push(name, {**diff, "U": last_id, "u": last_id + 1, "b": [["1.00000000", "2.00000000"]]})
            await first
            second = asyncio.ensure_future(waiter.next(lambda e: isinstance(e, BookUpdated)
                                                       and e.update_id == last_id + 2))
            await srv.push(name, {**diff, "U": last_id + 2, "u": 9000000000000000000, "b": [["1.00000000", "9"]]})
            await srv.push(name, {**diff, "U": last_id + 2, "u": last_id + 2, "b": [["1.00000000", "3.00000000"]]})
            await second
            sync = v.book_sync("BTCUSDT")
            assert sync is not None and sync.book.update_id == last_id + 2 and dict(sync.book.bids())[D(1)] == D(3)
            health = v.health()[name]
            assert (health.dropped, health.errors, health.gaps, health.resyncs) == (2, 2, 0, 0)
        finally:
            await v.close()  # used to re-raise the TypeError of the poisoned sync

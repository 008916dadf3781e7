"""Record the sandbox's real BTCUSDT feed (about 15 s of frames, with one depth gap the sandbox is told to make), replay
it into a fresh sandbox at maximum speed, and sync a book from the replay with the Binance adapter's BookSync: the
diffs arrive in recorded order, the gap is reproduced, and after every diff the local book equals the book rebuilt
from the recording by an independent applier (snapshot + diffs, reset at a gap until the next recorded snapshot)."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, Callable

import terminal
from terminal.records.feed import read_recording
from terminal.records.feed.files import ReadStats
from terminal.venues.binance.booksync import BookSync
from terminal.venues.binance.parse import DepthDiff
from terminal.venues.binance.rest import BinanceRest
from terminal.venues.binance.stream import MarketStream
from terminal.venues.sandbox import SandboxServer


SYMBOL = "BTCUSDT"
DEPTH = "btcusdt@depth@100ms"


async def until(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> None:
    """Wait for ``condition()`` (a bounded poll of the condition, never a pause)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


Book = tuple[tuple[tuple[Decimal, Decimal], ...], tuple[tuple[Decimal, Decimal], ...]]


def expected_books(folder: Any) -> tuple[dict[int, Book], list[int], int]:
    """u -> the book after the diff ending at u, rebuilt from the recording; the recorded diff ids; gaps."""
    bids: dict[Decimal, Decimal] | None = None
    asks: dict[Decimal, Decimal] = {}
    last = 0
    out: dict[int, Book] = {}
    ids: list[int] = []
    gaps = 0
    prev_u: int | None = None

    def state() -> Book:
        assert bids is not None
        return (tuple(sorted(bids.items(), reverse=True)), tuple(sorted(asks.items())))

    for rec in read_recording(folder):
        if rec.is_snapshot:
            if bids is None:
                snap = rec.data
                bids = {Decimal(p): Decimal(q) for p, q in snap["bids"]}
                asks = {Decimal(p): Decimal(q) for p, q in snap["asks"]}
                last = snap["lastUpdateId"]
                out[last] = state()
            continue
        if rec.stream != DEPTH:
            continue
        d = rec.data
        ids.append(d["u"])
        if prev_u is not None and d["U"] != prev_u + 1:
            gaps += 1
        prev_u = d["u"]
        if bids is None or d["u"] <= last:
            continue
        if not d["U"] <= last + 1 <= d["u"]:
            bids = None  # a gap: the book is unknown until the next snapshot
            continue
        for side, levels in ((bids, d["b"]), (asks, d["a"])):
            for p, q in levels:
                if Decimal(q) == 0:
                    side.pop(Decimal(p), None)
                else:
                    side[Decimal(p)] = Decimal(q)
        last = d["u"]
        out[last] = state()
    return out, ids, gaps


async def test_recorded_feed_replayed_at_max_speed_gives_the_recorded_book_after_every_diff(fresh_sandbox, tmp_path):
    session = await terminal.connect("sandbox", sandbox_url=fresh_sandbox.url)
    try:
        recorder = await session.record([SYMBOL], tmp_path)
        await until(lambda: recorder.stats.snapshots >= 1 and recorder.stats.diffs >= 100, what="a first snapshot")
        fresh_sandbox.faults.skip_depth_sequence(SYMBOL)  # the sandbox drops one diff: the recording has a gap
        await until(lambda: recorder.stats.gaps >= 1 and recorder.stats.snapshots >= 2 and recorder.stats.diffs >= 160,
                    what="a gap, its snapshot, and 15 s of diffs")
        stats = await recorder.stop()
    finally:
        await session.close()
    assert stats.dropped == 0 and stats.snapshot_failures == 0
    kinds = {rec.stream.partition("@")[2] for rec in read_recording(tmp_path)}
    assert {"trade", "depth@100ms", "bookTicker", "kline_1m", "snapshot"} <= kinds
    expected, recorded_ids, recorded_gaps = expected_books(tmp_path)
    assert recorded_gaps == stats.gaps >= 1

    replay = SandboxServer(host="127.0.0.1", port=0, replay_feed=tmp_path, replay_feed_speed=None)
    replay.start()
    rest = BinanceRest(replay.url)
    received: list[int] = []
    first_ids: list[tuple[int, int]] = []
    checked: list[tuple[int, bool]] = []
    sync = BookSync(SYMBOL, rest, lambda event: None, retry_initial_s=0.05, quiet_wait_s=0.05)

    def on_event(event: object) -> None:
        if type(event) is not DepthDiff:
            return
        received.append(event.last_id)
        first_ids.append((event.first_id, event.last_id))
        sync.on_diff(event.first_id, event.last_id, event.bids, event.asks, event.ts_event)
        if sync.synced and sync.book.update_id == event.last_id:
            book = (tuple(sync.book.bids()), tuple(sync.book.asks()))
            checked.append((event.last_id, book == expected.get(event.last_id)))

    stream = MarketStream(replay.ws_url, on_event)
    try:
        sync.start()  # the client holds the book (the recorded snapshot) before the stream begins
        await sync.wait_synced(10)
        await stream.start()
        await stream.wait_connected(10)
        await stream.subscribe([DEPTH])  # the first subscription to a recorded stream starts the playback
        await until(lambda: len(received) == len(recorded_ids), what="every recorded diff")
        await until(lambda: sync.synced, what="the book synced")
    finally:
        await stream.close()
        await sync.close()
        await rest.close()
        replay.stop()
    assert received == recorded_ids  # in recorded order, none lost, none added
    replayed_gaps = sum(1 for (u0, u1) in zip(first_ids, first_ids[1:]) if u1[0] != u0[1] + 1)
    assert replayed_gaps == recorded_gaps  # the recorded gap is a gap for the client too
    mismatches = [u for u, same in checked if not same]
    print(f"{len(recorded_ids)} diffs replayed, {len(checked)} compared after the diff, gaps {sync.gaps}")
    assert not mismatches, f"local book differs from the recorded book after diffs {mismatches[:5]}"
    assert sync.gaps >= 1  # the client was synced when the recorded gap came: it saw it and resynced
    gap_at = next(i for i, (a, b) in enumerate(zip(first_ids, first_ids[1:])) if b[0] != a[1] + 1)
    assert len(checked) >= gap_at - 5  # every diff before the gap (but the few older than the snapshot)
    final = (tuple(sync.book.bids()), tuple(sync.book.asks()))
    assert sync.book.update_id == recorded_ids[-1] and final == expected[recorded_ids[-1]]
    assert replay.playback is not None and replay.playback.stats.corrupt == 0

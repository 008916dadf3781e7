"""Local order book kept in sync with a venue: REST snapshot plus buffered diffs, resync on any gap.

Follows Binance's procedure (reference §10a): buffer diffs, fetch a snapshot, drop stale diffs, apply the rest in
sequence, and start over when a diff does not follow. Publications are coalesced to one per event-loop turn.

One bad diff must not poison the book: a diff whose ids are not integers with ``first_id <= last_id``, or that lies
implausibly far (``max_jump`` ids) beyond the book, is refused and counted (``rejected``); a book that cannot
advance (``max_stale`` diffs in a row refused or stale while the stream keeps sending) starts over from a fresh
snapshot (``stalls``). The sync task survives any error (it logs and retries), and ``close()`` never raises.
"""
from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from typing import Callable, Protocol

from ...model import BookSequenceError, BookUpdated, OrderBook
from ...tasks import cancel_and_wait

log = logging.getLogger(__name__)
Levels = list[tuple[Decimal, Decimal]]


class DepthSource(Protocol):
    """Anything that serves a depth snapshot: ``(last_update_id, bids, asks)``."""

    async def depth(self, symbol: str, limit: int = ...) -> tuple[int, Levels, Levels]: ...


class BookSync:
    """Maintains ``book`` for one symbol from ``on_diff`` calls and REST snapshots."""

    def __init__(self, symbol: str, rest: DepthSource, publish: Callable[[BookUpdated], None], *,
                 depth_limit: int = 1000, top_n: int = 20, max_buffer: int = 10_000,
                 retry_initial_s: float = 0.2, retry_max_s: float = 5.0, quiet_wait_s: float = 1.0,
                 max_jump: int = 10 ** 7, max_stale: int = 50) -> None:
        self.symbol = symbol
        self.book = OrderBook(symbol)
        self._rest = rest
        self._publish = publish
        self.depth_limit = depth_limit
        self.top_n = top_n
        self.max_buffer = max_buffer
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.quiet_wait_s = quiet_wait_s
        self.max_jump = max_jump  # a diff ending more ids than this beyond the book (or buffer) is not plausible
        self.max_stale = max_stale  # this many diffs in a row that do not advance the book: start over
        self.synced = False
        self.resyncs = 0  # restarts after the first sync (gaps, overflow, stalls, requests)
        self.gaps = 0
        self.diffs = 0
        self.snapshots = 0
        self.rejected = 0  # diffs refused: ids not integers, first_id > last_id, or implausibly far ahead
        self.stalls = 0  # restarts because the book could not advance
        self._stuck = 0  # diffs in a row that were refused or stale
        self._buffer: list[tuple[int, int, Levels, Levels, int]] = []
        self._have_diff = asyncio.Event()
        self._synced_event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._publish_scheduled = False
        self._last_ts_event = 0
        self._closed = False

    # ------------------------------------------------------------------ inputs

    def on_diff(self, first_id: int, last_id: int, bids: Levels, asks: Levels, ts_event: int = 0) -> None:
        """One diff event (U=first_id, u=last_id) from the stream, in arrival order."""
        if self._closed:
            return
        if type(first_id) is not int or type(last_id) is not int or not 0 <= first_id <= last_id:
            self._refuse("update ids are not integers with first_id <= last_id")
            return
        reference = self.book.update_id if self.synced else (self._buffer[-1][1] if self._buffer else None)
        if reference is not None and last_id - reference > self.max_jump:
            self._refuse(f"diff ends at {last_id}, more than {self.max_jump} ids after {reference}")
            return
        self.diffs += 1
        self._last_ts_event = ts_event
        if not self.synced:
            if len(self._buffer) >= self.max_buffer:
                log.warning("%s: diff buffer overflow; starting over", self.symbol)
                self._buffer.clear()
            self._stuck = 0
            self._buffer.append((first_id, last_id, bids, asks, ts_event))
            self._have_diff.set()
            self._ensure_task()
            return
        try:
            applied = self.book.apply_diff(first_id, last_id, bids, asks)
        except BookSequenceError as exc:
            self.gaps += 1
            log.warning("%s; resyncing", exc)
            self.resync()
            self._buffer.append((first_id, last_id, bids, asks, ts_event))
            self._have_diff.set()
            return
        if applied:
            self._stuck = 0
            self._schedule_publish()
        else:
            self._not_advancing()

    def _refuse(self, reason: str) -> None:
        self.rejected += 1
        if self._stuck == 0:  # one line per run of bad diffs
            log.warning("%s: diff refused (%s)", self.symbol, reason)
        self._not_advancing()

    def _not_advancing(self) -> None:
        """Another diff that did not move the book: after ``max_stale`` in a row, start over from a snapshot."""
        self._stuck += 1
        if self._stuck >= self.max_stale:
            self.stalls += 1
            log.warning("%s: book stuck at %d for %d diffs; resyncing from a snapshot", self.symbol,
                        self.book.update_id, self._stuck)
            self.resync()

    def resync(self) -> None:
        """Throw the book away and start again from a fresh snapshot."""
        if self._closed:
            return
        if self.synced or self.snapshots:
            self.resyncs += 1
        self._stuck = 0
        self.synced = False
        self._synced_event.clear()
        self._buffer.clear()
        self._have_diff.clear()
        self._ensure_task()

    def start(self) -> None:
        """Begin syncing: the snapshot is fetched once the first diff arrived (or after ``quiet_wait_s``)."""
        self._ensure_task()

    async def wait_synced(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._synced_event.wait(), timeout)

    async def close(self) -> None:
        """Stop syncing; never raises."""
        self._closed = True
        task, self._task = self._task, None
        await cancel_and_wait(task, swallow_errors=True)

    # ------------------------------------------------------------------ snapshot procedure

    def _ensure_task(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._sync(), name=f"booksync-{self.symbol}")

    async def _sync(self) -> None:
        delay = self.retry_initial_s
        while not self.synced and not self._closed:
            try:  # a quiet market may send no diff for a while: then the snapshot alone starts the book
                await asyncio.wait_for(self._have_diff.wait(), self.quiet_wait_s)
            except asyncio.TimeoutError:
                pass
            try:
                last_id, bids, asks = await self._rest.depth(self.symbol, self.depth_limit)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep trying: REST may be rate limited or down
                log.warning("%s: depth snapshot failed (%s); retrying in %.1fs", self.symbol, type(exc).__name__,
                            delay)
                await asyncio.sleep(delay)
                delay = min(self.retry_max_s, delay * 2)
                continue
            self.snapshots += 1
            if type(last_id) is not int or last_id < 0:
                log.warning("%s: depth snapshot without a valid update id; fetching again", self.symbol)
                loaded = False
            else:
                try:
                    loaded = self._try_load(last_id, bids, asks)
                except Exception as exc:  # noqa: BLE001 - a bad snapshot or diff must not end the sync for good
                    log.warning("%s: could not load the snapshot (%s); starting over", self.symbol,
                                type(exc).__name__)
                    self._buffer.clear()
                    self._have_diff.clear()
                    loaded = False
            if loaded:
                self.synced = True
                self._stuck = 0
                self._synced_event.set()
                self._publish_now(is_snapshot=True)
                return
            await asyncio.sleep(delay)  # not usable yet: let a few diffs arrive before fetching again
            delay = min(self.retry_max_s, delay * 2)

    def _try_load(self, last_id: int, bids: Levels, asks: Levels) -> bool:
        """Steps 2-5 on the buffer; False means fetch again (snapshot too old, or a gap in the buffer)."""
        plausible = [d for d in self._buffer if d[1] - last_id <= self.max_jump]
        if len(plausible) < len(self._buffer):  # e.g. one diff with ids far beyond the market's: never reachable
            self.rejected += len(self._buffer) - len(plausible)
            log.warning("%s: %d buffered diffs lie more than %d ids beyond snapshot %d; dropped", self.symbol,
                        len(self._buffer) - len(plausible), self.max_jump, last_id)
            self._buffer[:] = plausible
        if self._buffer and last_id < self._buffer[0][0]:
            return False  # snapshot older than the first buffered diff: fetch again
        kept = [d for d in self._buffer if d[1] > last_id]
        self.book.load_snapshot(last_id, bids, asks)
        if kept and not kept[0][0] <= last_id + 1 <= kept[0][1]:
            self.gaps += 1
            log.warning("%s: buffered diffs do not reach snapshot %d; starting over", self.symbol, last_id)
            self._buffer.clear()
            self._have_diff.clear()
            return False
        try:
            for first_id, u, b, a, _ in kept:
                self.book.apply_diff(first_id, u, b, a)
        except BookSequenceError:
            self.gaps += 1
            self._buffer.clear()
            self._have_diff.clear()
            return False
        self._buffer.clear()
        return True

    # ------------------------------------------------------------------ publication

    def _schedule_publish(self) -> None:
        if not self._publish_scheduled:
            self._publish_scheduled = True
            asyncio.get_running_loop().call_soon(self._publish_now)

    def _publish_now(self, is_snapshot: bool = False) -> None:
        self._publish_scheduled = False
        if not self.synced or self._closed:
            return
        self._publish(BookUpdated(self.symbol, self.book.update_id, tuple(self.book.bids(self.top_n)),
                                  tuple(self.book.asks(self.top_n)), is_snapshot, self._last_ts_event,
                                  int(time.time() * 1000)))

"""Record the raw market frames of chosen symbols, with their receive times, into daily gzip'd JSON-lines files.

The recorder taps the venue's market stream (``MarketStream.on_frame``: the frame as received, before parsing) and
hands each frame to a writer thread through a bounded queue: the loop thread only does a dict lookup and a
``put_nowait``; when the queue is full the frame is dropped and counted (``dropped``, said in a warning at stop),
the feed is never held up. The depth snapshot the book starts from is fetched over REST once the first diff of a
symbol arrived (Binance's procedure) and again after every gap in the recorded diffs (``U != previous u + 1``), and
written in its place among the frames, so a replay reproduces the gap and the book it restarts from.
"""
from __future__ import annotations

import asyncio
import gzip
import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable

from .files import day_of, file_path, frame_line, snapshot_line

log = logging.getLogger(__name__)

FetchDepth = Callable[[str], Awaitable[dict[str, Any]]]
DEFAULT_KINDS = ("trade", "depth@100ms", "bookTicker", "kline_1m")


@dataclass
class RecordStats:
    frames: int = 0  # written
    snapshots: int = 0
    diffs: int = 0  # depth diffs seen (loop thread)
    dropped: int = 0  # the writer could not keep up: not written
    gaps: int = 0  # breaks in the recorded depth diffs (each followed by a fresh snapshot)
    snapshot_failures: int = 0
    write_errors: int = 0  # frames the writer could not write (disk full, no permission, a frame it could not encode)


class Recorder:
    """Use ``await record(session, symbols, folder)`` (or ``session.record``); ``await recorder.stop()`` ends it."""

    def __init__(self, market: Any, fetch_depth: FetchDepth, symbols: Iterable[str], folder: str | Path, *,
                 venue: str = "binance", kinds: Iterable[str] = DEFAULT_KINDS, max_queue: int = 100_000,
                 now_ms: Callable[[], int] | None = None) -> None:
        self.market = market
        self.fetch_depth = fetch_depth
        self.symbols = [s.upper() for s in symbols]
        self.folder = Path(folder)
        self.venue = venue
        self.stats = RecordStats()
        self._symbol_of = {f"{s.lower()}@{k}": s for s in self.symbols for k in kinds}
        self._queue: queue.Queue[tuple[str, int, bytes | str, bool] | None] = queue.Queue(max_queue)
        self._last_u: dict[str, int] = {}
        self._fetching: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._added: list[str] = []
        self._thread: threading.Thread | None = None
        self._now_ms = now_ms
        self.running = False

    @property
    def streams(self) -> list[str]:
        return list(self._symbol_of)

    async def start(self) -> None:
        if getattr(self.market, "on_frame", None) is not None:
            raise RuntimeError("another recorder is already recording this venue's stream")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._write, name="feed-recorder", daemon=True)
        self._thread.start()
        self.market.on_frame = self._tap
        self.running = True
        self._added = [s for s in self.streams if s not in self.market.subscriptions]
        await self.market.subscribe(self._added)

    async def stop(self) -> RecordStats:
        """Stop recording, unsubscribe what the recorder added, write out the queue and close the files."""
        if not self.running:
            return self.stats
        self.running = False
        if self.market.on_frame == self._tap:
            self.market.on_frame = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await self.market.unsubscribe(self._added)
        except Exception as exc:  # noqa: BLE001 - the stream may be closed already
            log.info("recorder: unsubscribe failed (%s)", type(exc).__name__)
        self._queue.put(None)  # blocking put: the writer is draining, the sentinel always gets in
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
        if self.stats.dropped:
            log.warning("recorder: %d frames dropped (the writer could not keep up)", self.stats.dropped)
        return self.stats

    # ------------------------------------------------------------------ loop thread
    def _tap(self, msg: dict[str, Any], frame: bytes | str, ts_recv: int) -> None:
        stream = msg.get("stream")
        symbol = self._symbol_of.get(stream) if isinstance(stream, str) else None
        if symbol is None:
            return
        try:
            self._queue.put_nowait((symbol, ts_recv, frame, False))
        except queue.Full:
            self.stats.dropped += 1
        if "@depth" in stream:  # type: ignore[operator]
            data = msg.get("data") or {}
            first, last = data.get("U"), data.get("u")
            if type(first) is int and type(last) is int:
                self.stats.diffs += 1
                prev = self._last_u.get(symbol)
                if prev is not None and first != prev + 1:
                    self.stats.gaps += 1
                if prev is None or first != prev + 1:
                    self._snapshot_soon(symbol)
                self._last_u[symbol] = last

    def _snapshot_soon(self, symbol: str) -> None:
        if symbol in self._fetching or not self.running:
            return
        self._fetching.add(symbol)
        task = asyncio.get_running_loop().create_task(self._snapshot(symbol), name=f"record snapshot {symbol}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _snapshot(self, symbol: str) -> None:
        try:
            snap = await self.fetch_depth(symbol)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the recording goes on; the next gap fetches again
            self.stats.snapshot_failures += 1
            log.warning("recorder: depth snapshot of %s failed (%s)", symbol, type(exc).__name__)
            return
        finally:
            self._fetching.discard(symbol)
        ts = self._now_ms() if self._now_ms is not None else _wall_ms()
        try:
            self._queue.put_nowait((symbol, ts, snapshot_line(ts, symbol, snap), True))
        except queue.Full:
            self.stats.dropped += 1

    # ------------------------------------------------------------------ writer thread
    def _write(self) -> None:
        handles: dict[tuple[str, str], gzip.GzipFile] = {}
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                symbol, ts, payload, is_snapshot = item
                key = (symbol, day_of(ts))
                fh: gzip.GzipFile | None = handles.get(key)
                if fh is None:
                    for old in [k for k in handles if k[0] == symbol]:  # a new day: close yesterday's file
                        handles.pop(old).close()
                    path = file_path(self.folder, self.venue, symbol, key[1])
                    try:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        fh = handles[key] = gzip.GzipFile(path, "ab", compresslevel=6)
                    except OSError as exc:  # a full disk, no permission: counted, the recording goes on
                        self.stats.write_errors += 1
                        if self.stats.write_errors == 1:
                            log.warning("recorder: cannot write %s (%s)", path, exc)
                        continue
                try:
                    fh.write(payload if isinstance(payload, bytes) and is_snapshot else frame_line(ts, payload))
                except Exception as exc:  # noqa: BLE001 - one bad frame never ends the recording
                    self.stats.write_errors += 1
                    log.warning("recorder: frame not written (%s)", type(exc).__name__)
                    continue
                if is_snapshot:
                    self.stats.snapshots += 1
                else:
                    self.stats.frames += 1
        finally:
            for fh in handles.values():
                fh.close()


def _wall_ms() -> int:
    import time
    return int(time.time() * 1000)


async def record(session: Any, symbols: Iterable[str] | str, folder: str | Path, **options: Any) -> Recorder:
    """Start recording ``symbols`` of the session's venue into ``folder``; returns the running Recorder.

    Works with venues whose market stream offers the raw-frame tap (the Binance protocol: binance, the sandbox)."""
    venue = session.venue
    market = getattr(venue, "market", None)
    if market is None or not hasattr(market, "on_frame"):
        raise ValueError(f"{getattr(session, 'provider', 'this venue')}: recording needs a market stream with a "
                         "raw-frame tap (the Binance protocol)")
    symbols = [symbols] if isinstance(symbols, str) else list(symbols)
    names = [session.instrument(s).symbol for s in symbols]  # unknown symbols are refused here, in words
    rest = venue.rest

    async def fetch_depth(symbol: str) -> dict[str, Any]:
        return dict(await rest.call("GET", "/api/v3/depth", {"symbol": symbol, "limit": 1000}, weight_hint=50))

    recorder = Recorder(market, fetch_depth, names, folder, venue=getattr(session, "provider", "binance"), **options)
    await recorder.start()
    return recorder

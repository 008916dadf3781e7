"""Playback of a recorded feed (``records.feed``): the sandbox serves the recorded frames on its market streams.

Frames go out in recorded order, each on the stream it was recorded from, at ``speed`` x the recorded pace (1, 10)
or, with ``speed=None``, as fast as the clients take them (the playback waits whenever a client's unsent backlog
passes ``MAX_BACKLOG_BYTES``; nothing is reordered or skipped). ``GET /api/v3/depth`` of a played symbol answers with
the recorded snapshot: the latest one played so far, or the first one before any was played, so a client's book
sync sees the recorded market exactly, including its gaps (a recorded gap stays a gap; the snapshot recorded after
it is what the client resyncs from).

Matching (``attach``): each played bookTicker puts the recorded best bid and ask, with their sizes, in the engine's
book as the resting orders of a replay account (the previous pair cancelled first), and each played trade sets the
last price, so a market order fills against the recorded top of book and a limit order that the recorded quotes
cross fills at the quote. Only the top level is there to trade against (deeper recorded levels are not), and recorded
trades do not trade through the users' resting orders. The sandbox's own market streams for the played symbols are
muted so they cannot interleave with the recording; streams not in the recording stay silent. Playback starts when a
client subscribes to one of the recorded streams (or when ``start()`` is called), once.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from aiohttp import web

from terminal.model import OrderType, Side, TimeInForce
from terminal.records.feed.files import ReadStats, Recorded, read_recording
from terminal.sim.reports import EngineReject

from .fanout import Connection, Hub

log = logging.getLogger(__name__)

REPLAY_ACCOUNT = "replay-feed"  # the engine account whose orders are the recorded quotes
REPLAY_BALANCE = Decimal(10) ** 12
MAX_BACKLOG_BYTES = 1 << 20
BATCH = 256  # frames published between two looks at the clients' backlog (maximum speed)


class Playback:
    def __init__(self, folder: str | Path, hub: Hub, speed: float | None = 1.0) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("playback speed must be positive (or None: as fast as the clients take it)")
        self.folder = Path(folder)
        self.hub = hub
        self.speed = speed
        self.stats = ReadStats()  # lines read and corrupt lines skipped (the playback pass)
        self._snapshots: dict[str, dict[str, Any]] = {}  # symbol -> latest played (or first recorded) snapshot
        self.streams: set[str] = set()
        scan = ReadStats()
        for rec in read_recording(self.folder, scan):  # one pass up front: streams and the first snapshots
            if rec.is_snapshot:
                self._snapshots.setdefault(rec.symbol, rec.data)
            else:
                self.streams.add(rec.stream)
        if not scan.files:
            raise ValueError(f"{self.folder}: no recorded feed here (expected <venue>/<SYMBOL>/<day>.jsonl.gz)")
        self.symbols = {s.partition("@")[0].upper() for s in self.streams} | set(self._snapshots)
        self.served = 0
        self.snapshots_played = 0
        self.done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.engine: Any = None
        self.quote_rejects = 0  # recorded quotes the engine refused (a size below the symbol's minimum...)

    def attach(self, engine: Any) -> None:
        """Let the played quotes and trades drive ``engine``'s matching (see the module docstring)."""
        assets = {a for s in self.symbols if s in engine.instruments
                  for a in (engine.instruments[s].base_asset, engine.instruments[s].quote_asset)}
        if not engine.has_account(REPLAY_ACCOUNT):
            engine.add_account(REPLAY_ACCOUNT, {a: REPLAY_BALANCE for a in sorted(assets)})
            engine.set_history_limit(REPLAY_ACCOUNT, 200)
        self.engine = engine

    # ------------------------------------------------------------------ control
    def on_subscribe(self, conn: Connection, name: str) -> None:
        if name in self.streams:
            self.start()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="feed playback")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    # ------------------------------------------------------------------ REST depth
    def snapshot(self, symbol: str) -> dict[str, Any] | None:
        return self._snapshots.get(symbol.upper())

    async def depth(self, request: web.Request, fallback: Any) -> web.StreamResponse:
        """``GET /api/v3/depth``: the recorded snapshot for a played symbol; anything else goes to ``fallback``."""
        symbol = request.query.get("symbol", "").upper()
        snap = self._snapshots.get(symbol)
        if snap is None:
            return await fallback(request)  # type: ignore[no-any-return]
        try:
            limit = int(request.query.get("limit", "100"))
        except ValueError:
            limit = 100
        limit = max(1, min(limit, 5000))
        return web.json_response({"lastUpdateId": snap["lastUpdateId"], "bids": snap["bids"][:limit],
                                  "asks": snap["asks"][:limit]})

    # ------------------------------------------------------------------ the pass
    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(0)  # the subscribing request completes first (every stream of one SUBSCRIBE is in)
        start_at = loop.time()
        first_ts: int | None = None
        try:
            for n, rec in enumerate(read_recording(self.folder, self.stats)):
                if self.speed is not None:
                    first_ts = rec.ts_recv if first_ts is None else first_ts
                    delay = start_at + (rec.ts_recv - first_ts) / 1000 / self.speed - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                elif n % BATCH == 0:
                    await self._backlog_drained()
                self._play(rec)
        except Exception:  # noqa: BLE001 - the sandbox stays up
            log.exception("feed playback failed")
        finally:
            log.info("feed playback finished: %d frames, %d snapshots, %d corrupt lines skipped", self.served,
                     self.snapshots_played, self.stats.corrupt)
            self.done.set()

    def _play(self, rec: Recorded) -> None:
        if rec.is_snapshot:
            self._snapshots[rec.symbol] = rec.data
            self.snapshots_played += 1
            return
        self.hub.publish(rec.stream, rec.data)
        self.served += 1
        if self.engine is not None and isinstance(rec.data, dict):
            kind = rec.stream.partition("@")[2]
            if kind == "bookTicker":
                self._quote(rec.symbol, rec.data)
            elif kind in ("trade", "aggTrade"):
                try:
                    self.engine.set_last_price(rec.symbol, Decimal(str(rec.data["p"])))
                except (KeyError, InvalidOperation, EngineReject):
                    pass

    def _quote(self, symbol: str, data: dict[str, Any]) -> None:
        engine = self.engine
        if symbol not in engine.instruments:
            return
        try:
            quotes = [(Side.BUY, Decimal(str(data["b"])), Decimal(str(data["B"]))),
                      (Side.SELL, Decimal(str(data["a"])), Decimal(str(data["A"])))]
        except (KeyError, InvalidOperation):
            self.quote_rejects += 1
            return
        engine.cancel_all(REPLAY_ACCOUNT, symbol)
        for side, price, qty in quotes:
            if price <= 0 or qty <= 0:
                continue
            try:
                engine.place(REPLAY_ACCOUNT, symbol, side, OrderType.LIMIT, quantity=qty, price=price,
                             time_in_force=TimeInForce.GTC)
            except EngineReject:
                self.quote_rejects += 1

    async def _backlog_drained(self) -> None:
        """Let the frames queued so far be written; wait while any client has fallen more than 1 MB behind."""
        await asyncio.sleep(0)
        while True:
            sizes = [c._transport.get_write_buffer_size() for c in self.hub.connections
                     if c.kind == "market" and not c.closed and c._transport is not None]
            if not sizes or max(sizes) <= MAX_BACKLOG_BYTES:
                return
            await asyncio.sleep(0.005)

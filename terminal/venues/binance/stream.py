"""Binance combined market stream client: one websocket to ``/stream``, live SUBSCRIBE/UNSUBSCRIBE.

It manages the connection only: throttled control messages (< 5/s), a watchdog for silent connections, reconnect
with exponential backoff and jitter, resubscription, rotation before the 24 h limit, ConnectionChanged events and
per-stream health. Frames are decoded once (orjson) and dispatched by stream suffix to a pure parse function; a
malformed frame is dropped, counted in the stream's health and logged by type (rate limited), never fatal.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any, Awaitable, Callable, Coroutine, Iterable

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ...model import ConnectionChanged
from ...tasks import cancel_and_wait
from .dispatch import Batch, Parser, parser_for, stream_symbol
from .health import DropLog, StreamHealth

__all__ = ["MarketStream", "StreamHealth", "parser_for"]
log = logging.getLogger(__name__)
ConnectListener = Callable[[bool], Awaitable[None] | None]


class MarketStream:
    """A self-healing combined-stream connection. ``on_event`` receives parsed records and ConnectionChanged."""

    def __init__(self, ws_base_url: str, on_event: Callable[[object], None], *, name: str = "market",
                 silence_timeout_s: float = 10.0, data_timeout_s: float | None = None,
                 max_lifetime_s: float = 23.5 * 3600,
                 backoff_initial_s: float = 0.25, backoff_max_s: float = 30.0, control_interval_s: float = 0.25,
                 ack_timeout_s: float = 10.0, parsers: Callable[[str], Parser] = parser_for,
                 drop_log_interval_s: float = 10.0) -> None:
        self.url = ws_base_url.rstrip("/") + "/stream"
        self.on_event = on_event
        self.name = name
        self.silence_timeout_s = silence_timeout_s
        self.data_timeout_s = data_timeout_s
        self.max_lifetime_s = max_lifetime_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.control_interval_s = control_interval_s
        self.ack_timeout_s = ack_timeout_s
        self.health = StreamHealth(name)
        self.streams: dict[str, StreamHealth] = {}
        self._wanted: set[str] = set()
        self._parsers = parsers  # stream name -> parse function (dispatch.parser_for)
        # stream name -> (parse function, its health, its symbol)
        self._routes: dict[str, tuple[Parser, StreamHealth, str | None]] = {}
        self._drops = DropLog(log, name, drop_log_interval_s)  # one warning per stream and reason per interval
        self._failures = DropLog(log, name, drop_log_interval_s, action="on_event failed for")
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._outbox: list[tuple[str, list[str], asyncio.Future[None]]] = []
        self._outbox_event = asyncio.Event()
        self._pending: dict[int, list[asyncio.Future[None]]] = {}
        self._next_id = 1
        self._connected = asyncio.Event()
        self._listeners: list[ConnectListener] = []
        self._closing = False
        self._close_reason = ""
        self._background: set[asyncio.Task[None]] = set()
        self.reconnects = 0
        self.connects = 0

    # ------------------------------------------------------------------ public API

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def add_connect_listener(self, listener: ConnectListener) -> None:
        """``listener(is_reconnect)`` runs after every (re)connect, once subscriptions were re-sent."""
        self._listeners.append(listener)

    async def start(self) -> None:
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._run(), name=f"binance-stream-{self.name}")

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def subscribe(self, streams: Iterable[str]) -> None:
        """Add streams; returns once the server acknowledged them (or at once while disconnected)."""
        new = [s for s in streams if s not in self._wanted]
        for s in new:
            health = self.streams.setdefault(s, StreamHealth(s))
            self._routes[s] = (self._parsers(s), health, stream_symbol(s))
            self._wanted.add(s)
        if new:
            await self._request("SUBSCRIBE", new)

    async def unsubscribe(self, streams: Iterable[str]) -> None:
        gone = [s for s in streams if s in self._wanted]
        for s in gone:
            self._wanted.discard(s)
            self.streams.pop(s, None)
            self._routes.pop(s, None)
        if gone:
            await self._request("UNSUBSCRIBE", gone)

    @property
    def subscriptions(self) -> frozenset[str]:
        return frozenset(self._wanted)

    async def reconnect(self, reason: str = "requested") -> None:
        """Drop the current connection; the run loop reconnects and resubscribes."""
        if self._ws is not None:
            log.info("%s: closing connection (%s)", self.name, reason)
            self._close_reason = reason
            await self._ws.close(code=1000, reason=reason[:100])

    async def close(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        await cancel_and_wait(task)
        self._fail_pending()

    # ------------------------------------------------------------------ control messages

    async def _request(self, method: str, streams: list[str]) -> None:
        if not self._connected.is_set():
            return  # the next connection subscribes to everything wanted
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outbox.append((method, streams, fut))
        self._outbox_event.set()
        try:
            await asyncio.wait_for(asyncio.shield(fut), self.ack_timeout_s)
        except asyncio.TimeoutError:
            log.warning("%s: %s not acknowledged within %.0fs", self.name, method, self.ack_timeout_s)

    async def _sender(self, ws: ClientConnection) -> None:
        """Send queued control messages, merging same-method requests, at most one per control interval."""
        while True:
            await self._outbox_event.wait()
            self._outbox_event.clear()
            while self._outbox:
                method, streams, fut = self._outbox.pop(0)
                futs = [fut]
                while self._outbox and self._outbox[0][0] == method:
                    _, more, f = self._outbox.pop(0)
                    streams = streams + more
                    futs.append(f)
                msg_id = self._next_id
                self._next_id += 1
                self._pending[msg_id] = futs
                await ws.send(orjson.dumps({"method": method, "params": streams, "id": msg_id}).decode())
                await asyncio.sleep(self.control_interval_s)

    def _on_control(self, msg: dict[str, Any]) -> None:
        msg_id = msg.get("id")
        if "code" in msg:
            log.warning("%s: control error %s %s (id %s)", self.name, msg.get("code"), msg.get("msg"), msg_id)
        elif msg.get("e") == "serverShutdown":
            log.info("%s: server shutdown notice; reconnecting", self.name)
            self._spawn(self.reconnect("server shutdown"))
            return
        for fut in self._pending.pop(msg_id, ()) if isinstance(msg_id, int) else ():
            if not fut.done():
                fut.set_result(None)

    def _fail_pending(self) -> None:
        """Release waiters of a connection that is gone (the next connection resubscribes everything)."""
        for futs in self._pending.values():
            for fut in futs:
                if not fut.done():
                    fut.set_result(None)
        self._pending.clear()
        for _, _, fut in self._outbox:
            if not fut.done():
                fut.set_result(None)
        self._outbox.clear()

    # ------------------------------------------------------------------ connection loop

    async def _run(self) -> None:
        attempt = 0
        while not self._closing:
            reason = "closed"
            try:
                async with connect(self.url, ping_interval=None, compression=None, max_size=2 ** 24,
                                   open_timeout=10, close_timeout=2) as ws:
                    attempt = 0
                    reason = await self._serve(ws)
            except asyncio.CancelledError:
                raise
            except (OSError, ConnectionClosed, asyncio.TimeoutError) as exc:
                reason = f"{type(exc).__name__}"
            except Exception as exc:  # noqa: BLE001 - the loop must survive anything
                reason = f"{type(exc).__name__}"
                log.exception("%s: connection loop error", self.name)
            finally:
                self._ws = None
                if self._connected.is_set():
                    self._connected.clear()
                    self._emit(ConnectionChanged(self.name, False, reason, self.reconnects, _now_ms()))
                self._fail_pending()
            if self._closing:
                break
            if reason == "rotation":
                attempt = 0
                continue
            delay = min(self.backoff_max_s, self.backoff_initial_s * 2 ** attempt) * random.uniform(0.5, 1.0)
            attempt = min(attempt + 1, 16)
            log.info("%s: disconnected (%s); reconnecting in %.2fs", self.name, reason, delay)
            await asyncio.sleep(delay)

    async def _serve(self, ws: ClientConnection) -> str:
        self._ws = ws
        self._close_reason = ""
        is_reconnect = self.connects > 0
        self.connects += 1
        if is_reconnect:
            self.reconnects += 1
            self.health.reconnects = self.reconnects
            for h in self.streams.values():
                h.reconnects += 1
        self._outbox.clear()
        self._connected.set()
        self._emit(ConnectionChanged(self.name, True, "reconnected" if is_reconnect else "connected",
                                     self.reconnects, _now_ms()))
        sender = asyncio.create_task(self._sender(ws))
        watchdog = asyncio.create_task(self._watchdog(ws))
        try:
            if self._wanted:
                wanted = sorted(self._wanted)
                for i in range(0, len(wanted), 200):
                    fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                    self._outbox.append(("SUBSCRIBE", wanted[i:i + 200], fut))
                self._outbox_event.set()
            for listener in self._listeners:
                self._spawn(self._notify(listener, is_reconnect))
            await self._reader(ws)
            return self._close_reason or "closed by server"
        except ConnectionClosed as exc:
            return self._close_reason or f"connection lost ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
        finally:
            sender.cancel()
            watchdog.cancel()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` in the background, holding a reference until it is done (the loop keeps only weak ones)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _notify(self, listener: ConnectListener, is_reconnect: bool) -> None:
        try:
            result = listener(is_reconnect)
            if result is not None:
                await result
        except Exception:  # noqa: BLE001
            log.exception("%s: connect listener failed", self.name)

    async def _reader(self, ws: ClientConnection) -> None:
        """The hot path: decode once, dispatch by stream name, hand the record on. One bad message is skipped."""
        loads, routes, on_event, health, mono = orjson.loads, self._routes, self.on_event, self.health, time.monotonic
        wall_offset = time.time() - time.monotonic()  # ts_recv from the one clock read per frame
        async for frame in ws:
            now = mono()
            h: StreamHealth | None = None
            try:
                msg = loads(frame)
                route = routes.get(msg.get("stream"))
                if route is None:
                    health.messages += 1
                    health.last_message_mono = now
                    if "stream" not in msg:
                        self._on_control(msg)
                    elif msg["stream"] == "!serverShutdown":
                        self._on_control(msg["data"])
                    continue  # else a late message for a stream we just unsubscribed
                parser, h, symbol = route
                h.messages += 1
                h.last_message_mono = now
                event = parser(msg["data"], int((now + wall_offset) * 1000), symbol)
            except Exception as exc:  # noqa: BLE001 - one bad message never kills the stream
                self._failed(h, exc)
                continue
            try:
                if type(event) is not Batch:
                    on_event(event)
                else:
                    for item in event:
                        on_event(item)
            except Exception as exc:  # noqa: BLE001 - nor does a failing consumer
                self._failed(h, exc, dropped=False)

    def _failed(self, h: StreamHealth | None, exc: Exception, dropped: bool = True) -> None:
        """Count a malformed message (``dropped``) or a failed consumer on the connection and on the message's stream
        (if it got that far), and log its type (rate limited)."""
        self.health.errors += 1
        self.health.dropped += dropped
        if h is not None:
            h.errors += 1
            h.dropped += dropped
        (self._drops if dropped else self._failures).note(h.name if h is not None else self.name, exc)

    def connection_health(self) -> StreamHealth:
        """The connection's health: every message (stream data and control), its last one, reconnects, errors."""
        snap = self.health.snapshot()
        snap.messages += sum(h.messages for h in self.streams.values())
        snap.last_message_mono = max([snap.last_message_mono, *(h.last_message_mono for h in self.streams.values())])
        return snap

    async def _watchdog(self, ws: ClientConnection) -> None:
        """Treat a connection as dead when it is silent (no frame, and no pong to our ping) for
        ``silence_timeout_s``, or when subscribed streams send no data for ``data_timeout_s`` (if set); rotate it
        before the 24 h limit."""
        opened = time.monotonic()
        alive = opened  # last data frame or pong
        step = max(0.05, min(self.silence_timeout_s, self.data_timeout_s or self.silence_timeout_s) / 4)
        while True:
            await asyncio.sleep(step)
            now = time.monotonic()
            if now - opened > self.max_lifetime_s:
                await self.reconnect("rotation")
                return
            last_data = max([opened, *(h.last_message_mono for h in self.streams.values())])
            if self.data_timeout_s and self._wanted and now - last_data > self.data_timeout_s:
                log.warning("%s: no data for %.1fs; treating the connection as dead", self.name, now - last_data)
                await self.reconnect("silent")
                return
            if now - max(alive, last_data, self.health.last_message_mono) < self.silence_timeout_s / 2:
                continue
            try:
                pong = await ws.ping()
                await asyncio.wait_for(pong, self.silence_timeout_s / 2)
                alive = time.monotonic()
            except (asyncio.TimeoutError, ConnectionClosed):
                log.warning("%s: no pong; treating the connection as dead", self.name)
                await self.reconnect("silent")
                return

    def _emit(self, event: object) -> None:
        try:
            self.on_event(event)
        except Exception:  # noqa: BLE001
            log.exception("%s: on_event failed for %s", self.name, type(event).__name__)


def _now_ms() -> int:
    return int(time.time() * 1000)

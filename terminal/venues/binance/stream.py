"""Binance combined market stream client: one websocket to ``/stream``, live SUBSCRIBE/UNSUBSCRIBE.

The connection itself (reconnect with backoff and jitter, the silence/data watchdog, rotation before the 24 h limit,
ConnectionChanged events, connect listeners) is the shared ``WebSocketConnection`` (``venues/socket.py``); this class
is the Binance protocol on it: throttled control messages (< 5/s), resubscription, per-stream health. Frames are
decoded once (orjson) and dispatched by stream suffix to a pure parse function; a malformed frame is dropped, counted
in the stream's health and logged by type (rate limited), never fatal.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Iterable

import orjson

from ..socket import Backoff, ConnectListener, WebSocketConnection, WebSocketTransport
from .dispatch import Batch, Parser, parser_for, stream_symbol
from .health import DropLog, StreamHealth

__all__ = ["ConnectListener", "MarketStream", "StreamHealth", "parser_for"]
log = logging.getLogger(__name__)


class MarketStream(WebSocketConnection):
    """A self-healing combined-stream connection. ``on_event`` receives parsed records and ConnectionChanged."""

    def __init__(self, ws_base_url: str, on_event: Callable[[object], None], *, name: str = "market",
                 silence_timeout_s: float = 10.0, data_timeout_s: float | None = None,
                 max_lifetime_s: float = 23.5 * 3600,
                 backoff_initial_s: float = 0.25, backoff_max_s: float = 30.0, control_interval_s: float = 0.25,
                 ack_timeout_s: float = 10.0, parsers: Callable[[str], Parser] = parser_for,
                 drop_log_interval_s: float = 10.0) -> None:
        super().__init__(ws_base_url.rstrip("/") + "/stream", on_event, name=name,
                         backoff=Backoff(backoff_initial_s, backoff_max_s), silence_timeout_s=silence_timeout_s,
                         data_timeout_s=data_timeout_s, max_lifetime_s=max_lifetime_s, logger=log)
        self.control_interval_s = control_interval_s
        self.ack_timeout_s = ack_timeout_s
        self.streams: dict[str, StreamHealth] = {}
        self._wanted: set[str] = set()
        self._parsers = parsers  # stream name -> parse function (dispatch.parser_for)
        # stream name -> (parse function, its health, its symbol)
        self._routes: dict[str, tuple[Parser, StreamHealth, str | None]] = {}
        self._drops = DropLog(log, name, drop_log_interval_s)  # one warning per stream and reason per interval
        self._failures = DropLog(log, name, drop_log_interval_s, action="on_event failed for")
        self._outbox: list[tuple[str, list[str], asyncio.Future[None]]] = []
        self._outbox_event = asyncio.Event()
        self._pending: dict[int, list[asyncio.Future[None]]] = {}
        self._next_id = 1
        #: a raw-frame tap (a feed recorder): ``on_frame(msg, frame, ts_recv_ms)`` for every frame of a subscribed
        #: stream, before parsing; ``msg`` is the decoded frame. None (the default) costs one attribute read a frame.
        self.on_frame: Callable[[dict[str, Any], bytes | str, int], None] | None = None

    # ------------------------------------------------------------------ public API

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

    async def close(self) -> None:
        await super().close()
        self._fail_pending()

    # ------------------------------------------------------------------ control messages

    async def _request(self, method: str, streams: list[str]) -> None:
        if not self.connected:
            return  # the next connection subscribes to everything wanted
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outbox.append((method, streams, fut))
        self._outbox_event.set()
        try:
            await asyncio.wait_for(asyncio.shield(fut), self.ack_timeout_s)
        except asyncio.TimeoutError:
            log.warning("%s: %s not acknowledged within %.0fs", self.name, method, self.ack_timeout_s)

    async def _sender(self, ws: WebSocketTransport) -> None:
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
            self.spawn_for_connection(self.reconnect("server shutdown"), name=f"{self.name} shutdown notice")
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

    # ------------------------------------------------------------------ the connection's protocol hooks

    async def _resubscribe(self, transport: WebSocketTransport, is_reconnect: bool) -> None:
        """Queue SUBSCRIBE for every wanted stream (200 per message) and start the throttled sender."""
        if is_reconnect:
            for h in self.streams.values():
                h.reconnects += 1
        self._outbox.clear()
        if self._wanted:
            wanted = sorted(self._wanted)
            for i in range(0, len(wanted), 200):
                fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._outbox.append(("SUBSCRIBE", wanted[i:i + 200], fut))
            self._outbox_event.set()
        self.spawn_for_connection(self._sender(transport), name=f"{self.name} sender")

    async def _serve(self, transport: WebSocketTransport) -> str:
        await self._reader(transport)
        return "closed by server"

    def _on_disconnect(self) -> None:
        self._fail_pending()

    def _expects_data(self) -> bool:
        return bool(self._wanted)

    def _last_data_mono(self) -> float:
        return max([0.0, *(h.last_message_mono for h in self.streams.values())])

    async def _reader(self, transport: WebSocketTransport) -> None:
        """The hot path: decode once, dispatch by stream name, hand the record on. One bad message is skipped."""
        loads, routes, on_event, health, mono = orjson.loads, self._routes, self.on_event, self.health, time.monotonic
        wall_offset = time.time() - time.monotonic()  # ts_recv from the one clock read per frame
        async for frame in transport.frames():
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
                ts_recv = int((now + wall_offset) * 1000)
                tap = self.on_frame
                if tap is not None:
                    tap(msg, frame, ts_recv)
                event = parser(msg["data"], ts_recv, symbol)
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
        snap = super().connection_health()
        snap.messages += sum(h.messages for h in self.streams.values())
        snap.last_message_mono = max([snap.last_message_mono, *(h.last_message_mono for h in self.streams.values())])
        return snap

"""WebSocket connections and the fan-out hub: each message is serialized and framed once, then written to
every subscriber's transport. The transport buffer is the per-connection bounded queue: a client whose
unsent backlog passes ``MAX_BACKLOG_BYTES`` has fallen hopelessly behind and is dropped; the loop never waits."""
from __future__ import annotations

import asyncio
import itertools
import logging
import struct
from typing import Any

import orjson
from aiohttp import web

log = logging.getLogger(__name__)

MAX_BACKLOG_BYTES = 8 * 1024 * 1024
MAX_STREAMS_PER_CONNECTION = 1024
_ids = itertools.count(1)


def text_frame(payload: bytes) -> bytes:
    """An unmasked, final WebSocket text frame (server to client)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return b"\x81\x7e" + struct.pack("!H", n) + payload
    return b"\x81\x7f" + struct.pack("!Q", n) + payload


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=str)


class Flusher:
    """Writes each connection's queued frames once per loop iteration (one syscall per batch, not per message)."""

    def __init__(self) -> None:
        self._dirty: list[Connection] = []
        self._scheduled = False

    def mark(self, conn: "Connection") -> None:
        self._dirty.append(conn)
        if not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # not on a loop (a direct call from a test thread): write now
                self.flush()

    def flush(self) -> None:
        self._scheduled = False
        dirty, self._dirty = self._dirty, []
        for conn in dirty:
            conn.write_out()


class Connection:
    """One accepted WebSocket (market streams, a listenKey stream, or the WS API).

    Frames are queued in ``_out`` and written once per loop iteration; the queue plus the transport buffer is
    bounded by ``MAX_BACKLOG_BYTES``, past which the client is dropped as hopelessly behind."""

    def __init__(self, ws: web.WebSocketResponse, kind: str, flusher: Flusher, combined: bool = False) -> None:
        self.id = next(_ids)
        self.ws = ws
        self.kind = kind
        self.combined = combined
        self.streams: set[str] = set()
        self.closed = False
        self.dropped_slow = False
        self.sent = 0
        self._flusher = flusher
        self._out: list[bytes] = []
        self._out_bytes = 0
        writer = getattr(ws, "_writer", None)
        self._transport: asyncio.Transport | None = getattr(writer, "transport", None)

    def send_frame(self, frame: bytes) -> bool:
        """Queue a pre-built frame; drop the connection if its backlog is hopeless. Never blocks."""
        if self.closed:
            return False
        if not self._out:
            self._flusher.mark(self)
        self._out.append(frame)
        self._out_bytes += len(frame)
        self.sent += 1
        return True

    def write_out(self) -> None:
        out, self._out = self._out, []
        size, self._out_bytes = self._out_bytes, 0
        if self.closed or not out:
            return
        transport = self._transport
        if transport is None or transport.is_closing():
            self.close_soon()
            return
        if transport.get_write_buffer_size() + size > MAX_BACKLOG_BYTES:
            log.warning("dropping slow websocket client %s (backlog above %d bytes)", self.id, MAX_BACKLOG_BYTES)
            self.dropped_slow = True
            self.close_soon(code=1008, message=b"client too slow")
            return
        transport.write(out[0] if len(out) == 1 else b"".join(out))

    def send_json(self, obj: Any) -> bool:
        return self.send_frame(text_frame(dumps(obj)))

    def close_soon(self, code: int = 1001, message: bytes = b"") -> None:
        if self.closed:
            return
        self.closed = True
        self._out = []
        try:
            asyncio.get_running_loop().create_task(self._close(code, message))
        except RuntimeError:  # pragma: no cover - no loop
            pass

    async def _close(self, code: int, message: bytes) -> None:
        try:
            await asyncio.wait_for(self.ws.close(code=code, message=message), 2)
        except Exception:  # noqa: BLE001 - the peer may already be gone
            if self._transport is not None:
                self._transport.abort()


class Hub:
    """Stream name -> subscribed connections; publish once, deliver to all."""

    def __init__(self) -> None:
        self.subs: dict[str, set[Connection]] = {}
        self.connections: set[Connection] = set()
        self.published = 0
        self.flusher = Flusher()
        #: a fault: market data stops (connections stay up, pings are answered, nothing is published)
        self.silenced = False

    def connection(self, ws: web.WebSocketResponse, kind: str, combined: bool = False) -> Connection:
        conn = Connection(ws, kind, self.flusher, combined)
        self.register(conn)
        return conn

    def register(self, conn: Connection) -> None:
        self.connections.add(conn)

    def unregister(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for name in list(conn.streams):
            self.unsubscribe(conn, name)

    def subscribe(self, conn: Connection, name: str) -> None:
        conn.streams.add(name)
        self.subs.setdefault(name, set()).add(conn)

    def unsubscribe(self, conn: Connection, name: str) -> None:
        conn.streams.discard(name)
        subs = self.subs.get(name)
        if subs is not None:
            subs.discard(conn)
            if not subs:
                del self.subs[name]

    def has(self, name: str) -> bool:
        return name in self.subs

    def publish(self, name: str, payload: Any) -> int:
        """Serialize ``payload`` once and send it to every subscriber of ``name``; return deliveries."""
        subs = self.subs.get(name)
        if not subs or (self.silenced and "@" in name):  # market streams only (user data is keyed by listenKey)
            return 0
        data = dumps(payload)
        raw_frame: bytes | None = None
        combined_frame: bytes | None = None
        delivered = 0
        for conn in tuple(subs):
            if conn.combined:
                if combined_frame is None:
                    combined_frame = text_frame(b'{"stream":"' + name.encode() + b'","data":' + data + b"}")
                ok = conn.send_frame(combined_frame)
            else:
                if raw_frame is None:
                    raw_frame = text_frame(data)
                ok = conn.send_frame(raw_frame)
            delivered += ok
        self.published += 1
        return delivered

    def announce_shutdown(self, now_ms: int) -> None:
        """``serverShutdown`` to every market-stream client ("reconnect now"), written at once."""
        event = {"e": "serverShutdown", "E": now_ms}
        for conn in tuple(self.connections):
            if conn.kind == "market":
                conn.send_json({"stream": "!serverShutdown", "data": event} if conn.combined else event)
        self.flusher.flush()

    def close_all(self) -> None:
        for conn in tuple(self.connections):
            conn.close_soon(code=1001, message=b"dropped by sandbox")

"""A tiny local combined-stream server for stream client tests (not the sandbox: no exchange, just frames)."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve


class TinyStreamServer:
    def __init__(self) -> None:
        self.server: Server | None = None
        self.connections: list[ServerConnection] = []
        self.subs: dict[ServerConnection, set[str]] = {}
        self.controls: list[tuple[float, dict[str, Any]]] = []
        self.connected = asyncio.Event()
        self.subscribed = asyncio.Event()
        self.ack = True
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def __aenter__(self) -> "TinyStreamServer":
        self.server = await serve(self._handler, "127.0.0.1", 0, compression=None)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        self.subs[ws] = set()
        self.connected.set()
        try:
            async for frame in ws:
                msg = json.loads(frame)
                self.controls.append((time.monotonic(), msg))
                if msg.get("method") == "SUBSCRIBE":
                    self.subs[ws].update(msg["params"])
                    self.subscribed.set()
                elif msg.get("method") == "UNSUBSCRIBE":
                    self.subs[ws].difference_update(msg["params"])
                if self.ack:
                    await ws.send(json.dumps({"result": None, "id": msg.get("id")}))
        except Exception:
            pass
        finally:
            self.subs.pop(ws, None)

    async def push(self, stream: str, data: Any) -> int:
        """Send to every connection subscribed to ``stream``; returns how many got it."""
        n = 0
        for ws, subs in list(self.subs.items()):
            if stream in subs:
                await ws.send(json.dumps({"stream": stream, "data": data}))
                n += 1
        return n

    async def push_raw(self, text: str) -> None:
        for ws in list(self.subs):
            await ws.send(text)

    def drop_all(self) -> None:
        """Abort every connection without a close frame (like a network failure)."""
        self.connected.clear()
        self.subscribed.clear()
        for ws in list(self.subs):
            ws.transport.abort()

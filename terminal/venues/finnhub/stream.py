"""Finnhub's WebSocket on the shared reconnecting base: ``{"type":"subscribe","symbol":...}`` per symbol (no
acknowledgement; everything wanted is sent again after every reconnect), trade batches, pings (a liveness signal),
company news (``subscribe-news``) and error frames. Frames are decoded once; a malformed one is dropped, counted and
logged by type, never fatal."""
from __future__ import annotations

import json
import logging
import time
from decimal import Decimal
from typing import Any, Callable

from websockets.exceptions import InvalidStatus

from ..socket import Backoff, WebSocketConnection, WebSocketTransport
from . import parse

log = logging.getLogger(__name__)


class TradeStream(WebSocketConnection):
    def __init__(self, ws_url: str, token: str, on_event: Callable[[object], None],
                 on_trades: Callable[[list[Any]], None], *, name: str = "market",
                 silence_timeout_s: float = 30.0) -> None:
        super().__init__(f"{ws_url.rstrip('/')}/?token={token}", on_event, name=name, backoff=Backoff(0.25, 30.0),
                         silence_timeout_s=silence_timeout_s, logger=log)
        self.on_trades = on_trades
        self.trades: set[str] = set()
        self.news: set[str] = set()
        self.pings = 0
        self._ws: WebSocketTransport | None = None

    async def subscribe(self, symbol: str, kind: str = "subscribe") -> None:
        (self.news if kind.endswith("news") else self.trades).add(symbol)
        await self._send(kind, symbol)

    async def unsubscribe(self, symbol: str, kind: str = "unsubscribe") -> None:
        (self.news if kind.endswith("news") else self.trades).discard(symbol)
        await self._send(kind, symbol)

    async def _send(self, kind: str, symbol: str) -> None:
        ws = self._ws
        if ws is None or not self.connected:
            return  # the next connection sends everything wanted
        try:
            await ws.send(json.dumps({"type": kind, "symbol": symbol}))
        except self.lost_errors:
            pass  # the reconnect sends it again

    # ------------------------------------------------------------------ protocol hooks
    def _is_fatal(self, exc: BaseException) -> bool:
        return isinstance(exc, InvalidStatus) and exc.response.status_code == 401

    def _failure_reason(self, exc: BaseException) -> str:
        if self._is_fatal(exc):
            return "finnhub refused the token (HTTP 401): check it in Accounts"
        return super()._failure_reason(exc)

    async def _resubscribe(self, transport: WebSocketTransport, is_reconnect: bool) -> None:
        self._ws = transport
        for symbol in sorted(self.trades):
            await transport.send(json.dumps({"type": "subscribe", "symbol": symbol}))
        for symbol in sorted(self.news):
            await transport.send(json.dumps({"type": "subscribe-news", "symbol": symbol}))

    def _on_disconnect(self) -> None:
        self._ws = None

    async def _serve(self, transport: WebSocketTransport) -> str:
        health, mono = self.health, time.monotonic
        async for frame in transport.frames():
            health.messages += 1
            health.last_message_mono = mono()
            ts_recv = int(time.time() * 1000)
            try:
                msg = json.loads(frame, parse_float=Decimal)
                kind = msg.get("type")
                if kind == "trade":
                    ticks = [t for t in parse.trades(msg.get("data") or [], ts_recv) if t.symbol in self.trades]
                    if ticks:
                        self.on_trades(ticks)
                elif kind == "ping":
                    self.pings += 1
                elif kind == "news":
                    for item in parse.news(msg.get("data")):
                        self.on_event(item)
                elif kind == "error":
                    log.warning("%s: finnhub said: %s", self.name, str(msg.get("msg"))[:200])
            except Exception as exc:  # noqa: BLE001 - one bad message never kills the stream
                health.errors += 1
                health.dropped += 1
                log.warning("%s: dropped a malformed frame (%s)", self.name, type(exc).__name__)
        return "closed by server"

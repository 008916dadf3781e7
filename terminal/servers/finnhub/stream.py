"""The WebSocket half: ``ws://host:port/?token=...``; ``{"type":"subscribe","symbol":...}`` / ``unsubscribe`` for
trades (batched per 100 ms step, ``{"type":"trade","data":[{"p","s","t","v","c"}]}``), ``subscribe-news`` /
``unsubscribe-news`` for company news frames, ``{"type":"ping"}`` every ``ping_s``. No acknowledgements, as Finnhub.
A bad token is refused at the upgrade (401)."""
from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from typing import Any, Callable

from aiohttp import WSMsgType, web

from terminal.sim.reports import Trade

from .news import Item

log = logging.getLogger(__name__)


class _Client:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.trades: set[str] = set()
        self.news: set[str] = set()


class Streams:
    def __init__(self, tokens: set[str], is_stock: Callable[[str], bool], base_url: Callable[[], str],
                 watch_news: Callable[[str], None]) -> None:
        self.tokens = tokens
        self.is_stock = is_stock
        self.base_url = base_url
        self.watch_news = watch_news
        self.clients: set[_Client] = set()
        self._pending: list[Trade] = []
        self.connections = 0  # accepted so far

    def on_trade(self, trade: Trade) -> None:
        if self.clients:
            self._pending.append(trade)

    def on_news(self, item: Item) -> None:
        frame = None
        for c in list(self.clients):
            if item.related and item.related in c.news:
                frame = frame or json.dumps({"type": "news", "data": [item.wire(self.base_url())]})
                self._send(c, frame)

    def _send(self, client: _Client, frame: str) -> None:
        if not client.ws.closed:
            asyncio.get_running_loop().create_task(self._send_now(client, frame))

    async def _send_now(self, client: _Client, frame: str) -> None:
        try:
            await client.ws.send_str(frame)
        except (ConnectionError, RuntimeError):
            pass

    def flush(self) -> None:
        """Send the trades of the last step to the clients subscribed to their symbols."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        for c in list(self.clients):
            data = [self._wire(t) for t in pending if t.symbol in c.trades]
            if data:
                self._send(c, json.dumps({"type": "trade", "data": data}))

    def _wire(self, t: Trade) -> dict[str, Any]:
        out: dict[str, Any] = {"p": _num(t.price), "s": t.symbol, "t": t.time, "v": _num(t.qty)}
        if self.is_stock(t.symbol):
            out["c"] = ["1"]
        return out

    def ping(self) -> None:
        for c in list(self.clients):
            self._send(c, '{"type":"ping"}')

    def drop_all(self) -> None:
        """As a network failure: the sockets are cut, no close handshake."""
        for c in list(self.clients):
            transport = c.ws._req.transport if c.ws._req is not None else None  # noqa: SLF001 - aiohttp has no API
            if transport is not None:
                transport.abort()
        self.clients.clear()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("token", "") not in self.tokens:
            return web.json_response({"error": "Invalid API key."}, status=401)
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        client = _Client(ws)
        self.clients.add(client)
        self.connections += 1
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                self._on_message(client, msg.data)
        finally:
            self.clients.discard(client)
        return ws

    def _on_message(self, client: _Client, text: str) -> None:
        try:
            msg = json.loads(text)
            kind, symbol = msg.get("type"), msg.get("symbol")
        except (ValueError, AttributeError):
            self._send(client, json.dumps({"type": "error", "msg": "Invalid request."}))
            return
        if not isinstance(symbol, str) or not symbol:
            self._send(client, json.dumps({"type": "error", "msg": "Invalid symbol."}))
            return
        if kind == "subscribe":
            client.trades.add(symbol)
            self.watch_news(symbol)  # a watched stock gets new headlines over time
        elif kind == "unsubscribe":
            client.trades.discard(symbol)
        elif kind == "subscribe-news":
            client.news.add(symbol)
            self.watch_news(symbol)
        elif kind == "unsubscribe-news":
            client.news.discard(symbol)
        else:
            self._send(client, json.dumps({"type": "error", "msg": f"Unknown message type {kind!r}."}))


def _num(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)

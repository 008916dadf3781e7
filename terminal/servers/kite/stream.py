"""The ticker WebSocket (``/ws?api_key=..&access_token=..``): subscribe/unsubscribe/mode as JSON text, ticks as binary
frames (one frame per publish with every subscribed instrument that traded since the last one, in its mode), a 1-byte
heartbeat after a second with nothing else, order updates as ``{"type": "order", "data": {...}}`` and errors as
``{"type": "error", "data": "..."}``. A bad or expired token is refused at the handshake with HTTP 403 (the client
then retries); at most 3 connections per api_key and 3000 instruments per connection. No unsolicited Pong frames
(the official client would then drop the connection every 5 s).
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from aiohttp import WSMsgType, web

from .auth import Auth, Session
from .envelope import KiteError, dumps, error, from_error
from .market import Market
from .ticker import HEARTBEAT, Snapshot, frame, packet

log = logging.getLogger(__name__)
MODES = ("ltp", "quote", "full")
MAX_TOKENS = 3000
MAX_CONNECTIONS = 3
TICK_INTERVAL_MS = 500
HEARTBEAT_MS = 1000


@dataclass(eq=False)
class Client:
    session: Session
    ws: web.WebSocketResponse
    modes: dict[int, str] = field(default_factory=dict)
    sent: dict[int, int] = field(default_factory=dict)  # token -> Day.changed when last sent
    last_tick_ms: int = 0
    last_send_ms: int = 0
    outbox: list[str] = field(default_factory=list)


class Stream:
    def __init__(self, market: Market, auth: Auth, now_ms: Callable[[], int]) -> None:
        self.market = market
        self.auth = auth
        self.now_ms = now_ms
        self.clients: list[Client] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            session = self.auth.lookup(request.query.get("api_key", ""), request.query.get("access_token", ""))
        except KiteError as exc:
            return from_error(exc)
        if sum(1 for c in self.clients if c.session.api_key == session.api_key) >= MAX_CONNECTIONS:
            return error("NetworkException", "Maximum WebSocket connections reached for this api_key.", 429)
        ws = web.WebSocketResponse(autoping=True, heartbeat=None)
        await ws.prepare(request)
        client = Client(session, ws, last_send_ms=self.now_ms())
        self.clients.append(client)
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_text(client, msg.data)
                elif msg.type is WSMsgType.ERROR:
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if client in self.clients:
                self.clients.remove(client)
        return ws

    async def _on_text(self, client: Client, text: str) -> None:
        try:
            message = json.loads(text)
            action, value = message["a"], message["v"]
            if action == "mode":
                mode, tokens = value
                if mode not in MODES:
                    raise ValueError(f"unknown mode {mode!r}")
            else:
                mode, tokens = "quote", value
            tokens = [int(t) for t in tokens]
        except (ValueError, KeyError, TypeError) as exc:
            await self._send_text(client, {"type": "error", "data": f"Invalid message: {exc}"})
            return
        if action == "subscribe":
            known = [t for t in tokens if t in self.market.by_token]
            if len(set(client.modes) | set(known)) > MAX_TOKENS:
                await self._send_text(client, {"type": "error", "data": "Maximum 3000 instruments per connection."})
                return
            for token in known:
                client.modes.setdefault(token, "quote")
                client.sent.pop(token, None)
        elif action == "unsubscribe":
            for token in tokens:
                client.modes.pop(token, None)
                client.sent.pop(token, None)
        elif action == "mode":
            for token in tokens:
                if token in client.modes:
                    client.modes[token] = mode
                    client.sent.pop(token, None)
        else:
            await self._send_text(client, {"type": "error", "data": f"Unknown action {action!r}."})

    async def _send_text(self, client: Client, payload: Any) -> None:
        try:
            await client.ws.send_str(dumps(payload))
            client.last_send_ms = self.now_ms()
        except (ConnectionError, RuntimeError):
            pass

    # ------------------------------------------------------------------ publishing
    def on_order(self, payload: dict[str, Any]) -> None:
        text = dumps({"type": "order", "data": {**payload, "user_id": payload.get("account_id"),
                                                "unfilled_quantity": payload.get("pending_quantity", 0),
                                                "app_id": 0, "checksum": ""}})
        for client in self.clients:
            client.outbox.append(text)

    def snapshot(self, token: int) -> Snapshot:
        item = self.market.by_token[token]
        day = self.market.days[item.key]
        now_s = self.now_ms() // 1000
        if not item.tradable:
            return Snapshot(token, day.last, day.open, day.high, day.low, day.prev_close, now_s)
        bids, asks = self.market.depth(item.key, 20)
        return Snapshot(
            token, day.last, day.open, day.high, day.low, day.prev_close, now_s, int(day.last_qty), day.average,
            int(day.volume), int(sum((q for _, q in bids), Decimal(0))), int(sum((q for _, q in asks), Decimal(0))),
            day.last_ms // 1000, day.oi, day.oi_high, day.oi_low,
            tuple((int(q), p, 1) for p, q in bids[:5]), tuple((int(q), p, 1) for p, q in asks[:5]))

    async def publish(self) -> None:
        now = self.now_ms()
        for client in list(self.clients):
            try:
                await self._publish(client, now)
            except (ConnectionError, RuntimeError):
                pass
            except Exception:  # noqa: BLE001 - one client must not stop the others
                log.exception("Kite ticker publish failed")

    async def _publish(self, client: Client, now: int) -> None:
        outbox, client.outbox = client.outbox, []
        for text in outbox:
            await client.ws.send_str(text)
            client.last_send_ms = now
        if now - client.last_tick_ms >= TICK_INTERVAL_MS:
            client.last_tick_ms = now
            packets = []
            for token, mode in client.modes.items():
                changed = self.market.days[self.market.by_token[token].key].changed
                if client.sent.get(token) != changed:
                    client.sent[token] = changed
                    packets.append(packet(self.snapshot(token), mode))
            if packets:
                await client.ws.send_bytes(frame(packets))
                client.last_send_ms = now
        if now - client.last_send_ms >= HEARTBEAT_MS:
            await client.ws.send_bytes(HEARTBEAT)
            client.last_send_ms = now

    async def drop(self, sessions: list[Session] | None = None) -> None:
        """Close the connections (of ``sessions`` only, if given)."""
        tokens = None if sessions is None else {s.access_token for s in sessions}
        for client in list(self.clients):
            if tokens is None or client.session.access_token in tokens:
                await client.ws.close()

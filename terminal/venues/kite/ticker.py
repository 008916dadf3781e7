"""Kite's WebSocket ticker on the shared reconnecting connection (``venues/socket.py``).

The URL is ``<ticker_url>?api_key=K&access_token=T`` (read at every dial: a new token after a login is used at the
next connection). Subscriptions are kept as token -> mode and sent again after every reconnect (``subscribe`` with
every token, then one ``mode`` message per mode). Binary frames go through ``parse.parse_frame`` (heartbeats keep
the watchdog fed; malformed packets are counted in ``health.dropped``), text frames through ``parse.parse_text``
(order updates and errors). A handshake refused with 403 (the token expired or was revoked) stops the loop with
``SessionExpired``: retrying cannot fix it, the user logs in again.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable
from urllib.parse import urlencode

from websockets.exceptions import InvalidStatus

from ..ports import SessionExpired
from ..socket import Backoff, WebSocketConnection, WebSocketTransport
from . import parse

log = logging.getLogger(__name__)


class KiteTicker(WebSocketConnection):
    def __init__(self, ticker_url: str, api_key: str, token: Callable[[], str | None],
                 on_ticks: Callable[[tuple[parse.Tick, ...], int], None],
                 on_text: Callable[[parse.TextMessage], None], on_event: Callable[[object], None], *,
                 name: str = "market", silence_timeout_s: float = 10.0, backoff_initial_s: float = 0.25,
                 backoff_max_s: float = 30.0) -> None:
        super().__init__(ticker_url, on_event, name=name, backoff=Backoff(backoff_initial_s, backoff_max_s),
                         silence_timeout_s=silence_timeout_s, logger=log)
        self._base_url = ticker_url.rstrip("/") if "?" not in ticker_url else ticker_url
        self._api_key = api_key
        self._token = token
        self._on_ticks = on_ticks
        self._on_text = on_text
        self.modes: dict[int, str] = {}  # token -> mode wanted
        self._ws: WebSocketTransport | None = None
        self.heartbeats = 0
        self.ticks = 0

    @property  # type: ignore[override]
    def url(self) -> str:
        query = urlencode({"api_key": self._api_key, "access_token": self._token() or ""})
        return f"{self._base_url}?{query}"

    @url.setter
    def url(self, value: str) -> None:
        self._base_url = value

    # ------------------------------------------------------------------ subscriptions

    async def subscribe(self, tokens: list[int], mode: str) -> None:
        """Stream ``tokens`` in ``mode`` (ltp/quote/full); a token already streamed changes mode."""
        new = [t for t in tokens if t not in self.modes]
        changed = [t for t in tokens if self.modes.get(t) != mode]
        for t in tokens:
            self.modes[t] = mode
        ws = self._ws
        if ws is None or not changed:
            return
        if new:
            await ws.send(parse.subscribe_message(new))
        await ws.send(parse.mode_message(mode, changed))

    async def unsubscribe(self, tokens: list[int]) -> None:
        gone = [t for t in tokens if self.modes.pop(t, None) is not None]
        if gone and self._ws is not None:
            await self._ws.send(parse.unsubscribe_message(gone))

    # ------------------------------------------------------------------ the connection's protocol hooks

    async def _resubscribe(self, transport: Any, is_reconnect: bool) -> None:
        self._ws = transport
        if not self.modes:
            return
        await transport.send(parse.subscribe_message(sorted(self.modes)))
        by_mode: dict[str, list[int]] = {}
        for token, mode in self.modes.items():
            by_mode.setdefault(mode, []).append(token)
        for mode, tokens in sorted(by_mode.items()):
            await transport.send(parse.mode_message(mode, sorted(tokens)))

    def _on_disconnect(self) -> None:
        self._ws = None

    def _is_fatal(self, exc: BaseException) -> bool:
        return isinstance(exc, InvalidStatus) and exc.response.status_code in (401, 403)

    def _failure_reason(self, exc: BaseException) -> str:
        if self._is_fatal(exc):
            return "session expired — log in again"
        return super()._failure_reason(exc)

    async def wait_connected(self, timeout: float | None = None) -> None:
        try:
            await super().wait_connected(timeout)
        except InvalidStatus as exc:
            raise SessionExpired("Kite refused the ticker's access token: log in again",
                                 http_status=exc.response.status_code) from None

    async def _serve(self, transport: Any) -> str:
        health, mono = self.health, time.monotonic
        async for frame in transport.frames():
            health.messages += 1
            health.last_message_mono = mono()
            try:
                if isinstance(frame, (bytes, bytearray)):
                    parsed = parse.parse_frame(bytes(frame))
                    if parsed.dropped:
                        health.dropped += parsed.dropped
                        health.errors += parsed.dropped
                    if parsed.heartbeat:
                        self.heartbeats += 1
                    elif parsed.ticks:
                        self.ticks += len(parsed.ticks)
                        self._on_ticks(parsed.ticks, int(time.time() * 1000))
                else:
                    self._on_text(parse.parse_text(frame))
            except Exception as exc:  # noqa: BLE001 - one bad message never kills the stream
                health.errors += 1
                health.dropped += 1
                log.warning("%s: message dropped (%s)", self.name, type(exc).__name__)
        return "closed by server"

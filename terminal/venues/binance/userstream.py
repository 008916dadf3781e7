"""Account events over the WebSocket API: ``userDataStream.subscribe.signature``.

The connection (backoff with jitter, ping watchdog, ConnectionChanged events, connect listeners) is the shared
``WebSocketConnection`` (``venues/socket.py``); this class is the protocol on it: the signed subscription as the
handshake (refused keys stop the loop: AuthError), then the events. Unwraps ``{"subscriptionId", "event"}``;
executionReport -> OrderUpdated (+ Fill on TRADE), outboundAccountPosition -> BalancesUpdated, balanceUpdate ->
BalanceChanged. Listeners hear about
every (re)subscription so orders can be reconciled.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, Callable

import orjson

from ...model import OrderUpdated
from ..ports import AuthError, VenueError
from ..socket import Backoff, ConnectListener, WebSocketConnection, WebSocketTransport
from . import orderlists, parse
from .enums import AUTH_CODES
from .signing import Signer, ws_payload

__all__ = ["ConnectListener", "UserStream"]
log = logging.getLogger(__name__)


class UserStream(WebSocketConnection):
    """One WS API connection subscribed to the account's user data stream."""

    lost_errors = WebSocketConnection.lost_errors + (VenueError,)  # a refused subscription: try again later

    def __init__(self, ws_api_url: str, api_key: str, signer: Signer, on_event: Callable[[object], None], *,
                 now_ms: Callable[[], int] | None = None, name: str = "user", backoff_initial_s: float = 0.25,
                 backoff_max_s: float = 30.0, request_timeout_s: float = 10.0,
                 silence_timeout_s: float = 20.0) -> None:
        super().__init__(ws_api_url, on_event, name=name, backoff=Backoff(backoff_initial_s, backoff_max_s),
                         silence_timeout_s=silence_timeout_s, max_size=2 ** 20, logger=log)
        self._api_key = api_key
        self._signer = signer
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.request_timeout_s = request_timeout_s
        self.subscription_id: int | None = None

    async def start(self, timeout: float = 15.0) -> None:  # type: ignore[override]
        """Connect and subscribe; returns once subscribed. Raises AuthError if the keys are refused."""
        await super().start()
        try:
            await self.wait_connected(timeout)
        except BaseException:
            await self.close()
            raise

    # the figures the venue's health report reads
    @property
    def messages(self) -> int:
        return self.health.messages

    @property
    def errors(self) -> int:
        return self.health.errors

    @property
    def last_message_mono(self) -> float:
        return self.health.last_message_mono

    # ------------------------------------------------------------------ the connection's protocol hooks

    def _is_fatal(self, exc: BaseException) -> bool:
        return isinstance(exc, AuthError)

    def _failure_reason(self, exc: BaseException) -> str:
        return f"auth failed: {exc.message}" if isinstance(exc, AuthError) else super()._failure_reason(exc)

    async def _handshake(self, transport: WebSocketTransport) -> None:
        params: dict[str, Any] = {"apiKey": self._api_key, "timestamp": self._now_ms()}
        params["signature"] = self._signer.sign(ws_payload(params))
        req_id = uuid.uuid4().hex
        await transport.send(orjson.dumps({"id": req_id, "method": "userDataStream.subscribe.signature",
                                           "params": params}).decode())
        deadline = time.monotonic() + self.request_timeout_s
        while True:
            frame = await asyncio.wait_for(transport.recv(), max(0.01, deadline - time.monotonic()))
            msg = orjson.loads(frame)
            if msg.get("id") != req_id:
                continue
            if msg.get("status") == 200:
                self.subscription_id = (msg.get("result") or {}).get("subscriptionId")
                return
            err = msg.get("error") or {}
            code, text = err.get("code"), str(err.get("msg", "subscription refused"))
            if code in AUTH_CODES or msg.get("status") in (401, 403):
                raise AuthError(text, code, msg.get("status"))
            raise VenueError(text, code, msg.get("status"))

    def _on_disconnect(self) -> None:
        self.subscription_id = None

    async def _serve(self, transport: WebSocketTransport) -> str:
        health = self.health
        async for frame in transport.frames():
            health.last_message_mono = time.monotonic()
            health.messages += 1
            try:
                msg = orjson.loads(frame)
                event = msg.get("event") if "subscriptionId" in msg else msg
                if not isinstance(event, dict):
                    continue
                if self._dispatch(event):
                    return "subscription ended"
            except Exception as exc:  # noqa: BLE001 - one bad message never kills the stream
                health.errors += 1
                log.warning("%s: dropped a message (%s)", self.name, type(exc).__name__)
        return "closed by server"

    def _dispatch(self, event: dict[str, Any]) -> bool:
        """Publish one account event; True means the stream ended and must be re-established."""
        kind = event.get("e")
        ts_recv = int(time.time() * 1000)
        if kind == "executionReport":
            order, fill = parse.execution_report(event, ts_recv)
            self.on_event(OrderUpdated(order, int(event["E"]), ts_recv))
            if fill is not None:
                self.on_event(fill)
        elif kind == "outboundAccountPosition":
            self.on_event(parse.account_position(event, ts_recv))
        elif kind == "balanceUpdate":  # a deposit, withdrawal or transfer (not a trade): journaled by the session
            self.on_event(parse.balance_update(event, ts_recv))
        elif kind == "listStatus":  # an order list changed; its members' executionReports update the orders
            self.on_event(orderlists.list_status(event, ts_recv))
        elif kind in ("eventStreamTerminated", "listenKeyExpired"):
            log.info("%s: %s; resubscribing", self.name, kind)
            return True
        else:
            log.debug("%s: ignoring %s", self.name, kind)
        return False

"""Account events over the WebSocket API: ``userDataStream.subscribe.signature``.

Unwraps ``{"subscriptionId", "event"}``; executionReport -> OrderUpdated (+ Fill on TRADE), outboundAccountPosition
-> BalancesUpdated. Reconnects with backoff and tells listeners on every (re)connect so orders can be reconciled.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from typing import Any, Awaitable, Callable

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ...model import ConnectionChanged, OrderUpdated
from ..ports import AuthError, VenueError
from ...tasks import cancel_and_wait
from . import parse
from .enums import AUTH_CODES
from .signing import Signer, ws_payload

log = logging.getLogger(__name__)
ConnectListener = Callable[[bool], Awaitable[None] | None]


class UserStream:
    """One WS API connection subscribed to the account's user data stream."""

    def __init__(self, ws_api_url: str, api_key: str, signer: Signer, on_event: Callable[[object], None], *,
                 now_ms: Callable[[], int] | None = None, name: str = "user", backoff_initial_s: float = 0.25,
                 backoff_max_s: float = 30.0, request_timeout_s: float = 10.0) -> None:
        self.url = ws_api_url
        self._api_key = api_key
        self._signer = signer
        self.on_event = on_event
        self.name = name
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.request_timeout_s = request_timeout_s
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._ws: ClientConnection | None = None
        self._listeners: list[ConnectListener] = []
        self._closing = False
        self._background: set[asyncio.Task[None]] = set()
        self.connects = 0
        self.reconnects = 0
        self.messages = 0
        self.errors = 0
        self.last_message_mono = 0.0
        self.subscription_id: int | None = None
        self.connected = False

    def add_connect_listener(self, listener: ConnectListener) -> None:
        """``listener(is_reconnect)`` runs after every successful subscription."""
        self._listeners.append(listener)

    async def start(self, timeout: float = 15.0) -> None:
        """Connect and subscribe; returns once subscribed. Raises AuthError if the keys are refused."""
        if self._task is not None:
            return
        self._closing = False
        self._ready = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(), name=f"binance-{self.name}")
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), timeout)
        except BaseException:
            await self.close()
            raise

    async def reconnect(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def close(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        await cancel_and_wait(task, swallow_errors=True)

    async def _run(self) -> None:
        attempt = 0
        while not self._closing:
            reason = "closed"
            try:
                async with connect(self.url, ping_interval=20, ping_timeout=20, compression=None,
                                   open_timeout=10, close_timeout=2) as ws:
                    self._ws = ws
                    await self._subscribe(ws)
                    attempt = 0
                    await self._connected_now()
                    await self._reader(ws)
                    reason = "closed by server"
            except asyncio.CancelledError:
                raise
            except AuthError as exc:
                log.error("%s: the venue refused the keys (%s); not reconnecting", self.name, exc.code)
                if self._ready is not None and not self._ready.done():
                    self._ready.set_exception(exc)
                self._emit(ConnectionChanged(self.name, False, f"auth failed: {exc.message}", self.reconnects,
                                             _now_ms()))
                return
            except (OSError, ConnectionClosed, asyncio.TimeoutError, VenueError) as exc:
                reason = type(exc).__name__
            except Exception as exc:  # noqa: BLE001
                reason = type(exc).__name__
                log.exception("%s: connection loop error", self.name)
            finally:
                self._ws = None
                self.subscription_id = None
                if self.connected:
                    self.connected = False
                    self._emit(ConnectionChanged(self.name, False, reason, self.reconnects, _now_ms()))
            if self._closing:
                return
            delay = min(self.backoff_max_s, self.backoff_initial_s * 2 ** attempt) * random.uniform(0.5, 1.0)
            attempt = min(attempt + 1, 16)
            log.info("%s: disconnected (%s); reconnecting in %.2fs", self.name, reason, delay)
            await asyncio.sleep(delay)

    async def _subscribe(self, ws: ClientConnection) -> None:
        params: dict[str, Any] = {"apiKey": self._api_key, "timestamp": self._now_ms()}
        params["signature"] = self._signer.sign(ws_payload(params))
        req_id = uuid.uuid4().hex
        await ws.send(orjson.dumps({"id": req_id, "method": "userDataStream.subscribe.signature",
                                    "params": params}).decode())
        deadline = time.monotonic() + self.request_timeout_s
        while True:
            frame = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
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

    async def _connected_now(self) -> None:
        is_reconnect = self.connects > 0
        self.connects += 1
        if is_reconnect:
            self.reconnects += 1
        self.connected = True
        self._emit(ConnectionChanged(self.name, True, "reconnected" if is_reconnect else "connected",
                                     self.reconnects, _now_ms()))
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)
        for listener in self._listeners:
            try:
                result = listener(is_reconnect)
                if result is not None:
                    task = asyncio.get_running_loop().create_task(_guard(result, self.name))
                    self._background.add(task)
                    task.add_done_callback(self._background.discard)
            except Exception:  # noqa: BLE001
                log.exception("%s: connect listener failed", self.name)

    async def _reader(self, ws: ClientConnection) -> None:
        async for frame in ws:
            self.last_message_mono = time.monotonic()
            self.messages += 1
            try:
                msg = orjson.loads(frame)
                event = msg.get("event") if "subscriptionId" in msg else msg
                if not isinstance(event, dict):
                    continue
                if self._dispatch(event):
                    return
            except Exception as exc:  # noqa: BLE001 - one bad message never kills the stream
                self.errors += 1
                log.warning("%s: dropped a message (%s)", self.name, type(exc).__name__)

    def _dispatch(self, event: dict[str, Any]) -> bool:
        """Publish one account event; True means the stream ended and must be re-established."""
        kind = event.get("e")
        ts_recv = _now_ms()
        if kind == "executionReport":
            order, fill = parse.execution_report(event, ts_recv)
            self.on_event(OrderUpdated(order, int(event["E"]), ts_recv))
            if fill is not None:
                self.on_event(fill)
        elif kind == "outboundAccountPosition":
            self.on_event(parse.account_position(event, ts_recv))
        elif kind in ("eventStreamTerminated", "listenKeyExpired"):
            log.info("%s: %s; resubscribing", self.name, kind)
            return True
        else:
            log.debug("%s: ignoring %s", self.name, kind)
        return False

    def _emit(self, event: object) -> None:
        try:
            self.on_event(event)
        except Exception:  # noqa: BLE001
            log.exception("%s: on_event failed for %s", self.name, type(event).__name__)


async def _guard(awaitable: Awaitable[None], name: str) -> None:
    try:
        await awaitable
    except Exception:  # noqa: BLE001
        log.exception("%s: connect listener failed", name)


def _now_ms() -> int:
    return int(time.time() * 1000)

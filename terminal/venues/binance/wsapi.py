"""Trading over Binance's WebSocket API (``order.place``, ``order.cancel``, ``order.status``): one persistent
connection, requests by id -> futures, signed like REST, answers parsed by the same parse functions as REST.

The connection is the shared ``WebSocketConnection`` (``venues/socket.py``: backoff with jitter, ping watchdog,
rotation before the 24 h lifetime). A request goes out only while the connection is up; otherwise ``NotSent`` is
raised and nothing left, so the caller may use REST instead. Outcomes are those of REST, from the same table
(``BinanceRest.error_for``):

- an error answer -> the same ``VenueError`` REST would raise for the same HTTP status, code and message (429/418
  with ``retry_after_s`` from the error's ``data.retryAfter``, a timestamp in ms);
- a state-changing request whose answer never comes (the socket dropped after the send, or no answer within
  ``timeout_s``) -> ``MayHaveLanded(settle_ms=...)``: what is left of its recvWindow counted from its own
  ``timestamp``; the same on a read -> ``TemporaryError``.

The answers' ``rateLimits`` feed the REST client's weight accounting (Binance counts weight per IP, over both), and
the REST client's Retry-After gate and weight budget hold here too. The clock and recvWindow are the REST client's.

An answer wakes its request from the connection's own read callback (``_AnswerFirst``: the frame is matched to its
waiting request as it is read), not through the connection's message queue and a reader task one loop step later;
every other frame goes the usual way.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import statistics
import time
from collections import deque
from decimal import Decimal
from typing import Any, Callable, Mapping

import orjson
from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from ...model import Fill, Order, OrderRequest
from ...model.numbers import fmt_wire
from ..ports import MayHaveLanded, TemporaryError
from ..socket import Backoff, WebSocketConnection, WebSocketTransport
from . import parse
from .rest import BinanceRest
from .signing import Signer, ws_payload

__all__ = ["NotSent", "WsApiTrading"]
log = logging.getLogger(__name__)

#: WS API method -> (HTTP method, REST path) it mirrors: the outcome table and the logs speak REST's terms
ROUTES: dict[str, tuple[str, str]] = {
    "order.place": ("POST", "/api/v3/order"),
    "order.cancel": ("DELETE", "/api/v3/order"),
    "order.status": ("GET", "/api/v3/order"),
}
_LIFETIME_S = 23 * 3600.0  # rotate before Binance's 24 h limit


class NotSent(TemporaryError):
    """The WS API connection was not up: the request did not leave (REST may be used instead)."""


class _Lost(Exception):
    """The connection ended while requests were waiting for their answers."""


_NO_ANSWER: tuple[type[BaseException], ...] = (asyncio.TimeoutError, _Lost, *WebSocketConnection.lost_errors)


class _AnswerFirst(ClientConnection):
    """A ``websockets`` client connection that offers each complete text frame to ``answer`` as it is read (in the
    protocol's data callback); a frame ``answer`` takes (True) goes no further, any other is queued for ``recv`` and
    ``async for`` as usual. ``answer`` must not raise; a failure only sends the frame the usual way."""

    answer: Callable[[Any], bool] | None = None

    def process_event(self, event: Any) -> None:
        answer = self.answer
        if answer is not None and type(event) is Frame and event.opcode is Opcode.TEXT and event.fin:
            try:
                if answer(event.data):
                    return
            except Exception:  # noqa: BLE001 - the usual way then (the reader counts a bad frame)
                pass
        super().process_event(event)


class WsApiTrading(WebSocketConnection):
    """One WS API connection for signed trading requests. ``await start()``, then ``submit``/``cancel_order``/
    ``query_order`` while ``connected``; ``await close()`` at the end."""

    def __init__(self, ws_api_url: str, api_key: str, signer: Signer, rest: BinanceRest, *, name: str = "ws-api",
                 timeout_s: float | None = None, backoff_initial_s: float = 0.25, backoff_max_s: float = 30.0,
                 silence_timeout_s: float = 20.0, on_event: Callable[[object], None] | None = None) -> None:
        super().__init__(ws_api_url, on_event or _ignore, name=name,
                         backoff=Backoff(backoff_initial_s, backoff_max_s), silence_timeout_s=silence_timeout_s,
                         max_lifetime_s=_LIFETIME_S, max_size=2 ** 22, logger=log)
        self._api_key = api_key
        self._signer = signer
        self.rest = rest
        self.timeout_s = rest.timeout if timeout_s is None else timeout_s
        self._ids = itertools.count(1)
        self._pending: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self._latencies_ms: deque[float] = deque(maxlen=512)
        self.requests_sent = 0
        self._last_stamp = 0
        self._ws_options["create_connection"] = _AnswerFirst

    # ------------------------------------------------------------------ figures

    def latency_ms(self, pct: float = 50) -> float | None:
        """Round-trip latency percentile over recent requests (None before any)."""
        if not self._latencies_ms:
            return None
        if len(self._latencies_ms) == 1:
            return self._latencies_ms[0]
        qs = statistics.quantiles(self._latencies_ms, n=100, method="inclusive")
        return qs[max(0, min(98, int(pct) - 1))]

    # ------------------------------------------------------------------ the connection's protocol hooks

    def _answer(self, data: Any) -> bool:
        """A text frame just read: True if it was the answer to a waiting request (which it wakes)."""
        msg = orjson.loads(data)
        fut = self._pending.pop(msg.get("id"), None) if type(msg) is dict else None
        if fut is None:
            return False
        health = self.health
        health.last_message_mono = time.monotonic()
        health.messages += 1
        if not fut.done():
            fut.set_result(msg)
        return True

    async def _serve(self, transport: WebSocketTransport) -> str:
        health, pending = self.health, self._pending
        ws = getattr(transport, "ws", None)
        if isinstance(ws, _AnswerFirst):
            ws.answer = self._answer
        async for frame in transport.frames():
            health.last_message_mono = time.monotonic()
            health.messages += 1
            try:
                # as the user stream: amounts are strings on the wire, parsed to Decimal by ``parse`` (a float that
                # slipped in goes through its repr there, never binary)
                msg = orjson.loads(frame)
                fut = pending.pop(msg.get("id"), None) if isinstance(msg, dict) else None
                if fut is None:
                    if isinstance(msg, dict) and msg.get("status") == 401:  # the key was revoked (§18)
                        log.warning("%s: %s", self.name, (msg.get("error") or {}).get("msg", "key revoked"))
                    continue
                if not fut.done():
                    fut.set_result(msg)
            except Exception as exc:  # noqa: BLE001 - one bad message never kills the connection
                health.errors += 1
                log.warning("%s: dropped a message (%s)", self.name, type(exc).__name__)
        return "closed by server"

    def _on_disconnect(self) -> None:
        pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(_Lost())
                fut.exception()  # retrieved here: a waiter that already gave up must not warn at collection

    # ------------------------------------------------------------------ requests

    async def request(self, method: str, params: Mapping[str, Any], *, weight: int = 1) -> Any:
        """Send one signed request and return its ``result``; raises the ports' outcomes (see the module).
        A ``-1021`` (our clock is off) resyncs the clock and sends once more, as REST does."""
        http_method, path = ROUTES[method]
        await self.rest.before_send(http_method, path, weight)
        try:
            return await self._request(method, http_method, path, params)
        except TemporaryError as exc:
            if exc.code != -1021 or isinstance(exc, MayHaveLanded):
                raise
            log.info("timestamp outside recvWindow: resyncing the clock offset and retrying once")
            await self.rest.sync_time()
            return await self._request(method, http_method, path, params)

    async def _request(self, method: str, http_method: str, path: str, params: Mapping[str, Any]) -> Any:
        transport = self._transport
        ws = getattr(transport, "ws", None)  # a close already read (the base notices when the reader ends): not sent
        if not self.connected or transport is None or (ws is not None and ws.state is not State.OPEN):
            raise NotSent(f"{method}: the WS API connection is down")
        rest = self.rest
        signed: dict[str, Any] = {k: (fmt_wire(v) if isinstance(v, Decimal) else v)
                                  for k, v in params.items() if v is not None}
        signed["apiKey"] = self._api_key
        if rest.recv_window != 5000:
            signed["recvWindow"] = rest.recv_window
        # strictly increasing stamps: the same request twice within a millisecond would otherwise carry the same
        # signature, which a venue may refuse as a replay
        now = rest.now_ms()
        stamped = self._last_stamp = self._last_stamp + 1 if 0 <= self._last_stamp - now < 100 else now
        signed["timestamp"] = stamped
        signed["signature"] = self._signer.sign(ws_payload(signed))
        req_id = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = fut
        t0 = time.perf_counter()
        try:
            await transport.send(orjson.dumps({"id": req_id, "method": method, "params": signed}).decode())
            self.requests_sent += 1
            # a timer that fails the future, rather than wait_for's extra task hops on the answer's way back
            timer = fut.get_loop().call_later(self.timeout_s, _expire, fut)
            try:
                msg = await fut
            finally:
                timer.cancel()
        except asyncio.CancelledError:
            self._pending.pop(req_id, None)
            raise
        except _NO_ANSWER as exc:
            self._pending.pop(req_id, None)
            why = (f"no answer within {self.timeout_s}s" if isinstance(exc, asyncio.TimeoutError)
                   else "the connection dropped before the answer")
            what = f"{method} ({http_method} {path}): {why}"
            if http_method == "GET":
                raise TemporaryError(what) from None
            raise MayHaveLanded(what + " (outcome unknown)", settle_ms=rest.settle_left_ms(stamped)) from None
        self._latencies_ms.append((time.perf_counter() - t0) * 1000)
        self._record_limits(msg.get("rateLimits"))
        status = msg.get("status")
        if status == 200:
            return msg.get("result")
        raw_error = msg.get("error")
        error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
        status = status if isinstance(status, int) else 500
        retry_s = _retry_after_s(error.get("data"), rest.now_ms(), 1.0 if status != 418 else 120.0)
        raise rest.error_for(http_method, path, status, error.get("code"), str(error.get("msg", "")), retry_s,
                             stamped)

    def _record_limits(self, limits: Any) -> None:
        if not isinstance(limits, list):
            return
        weight = orders = None
        for entry in limits:
            if not isinstance(entry, dict):
                continue
            kind, interval, num = entry.get("rateLimitType"), entry.get("interval"), entry.get("intervalNum")
            count = entry.get("count")
            if not isinstance(count, int):
                continue
            if kind == "REQUEST_WEIGHT" and interval == "MINUTE" and num == 1:
                weight = count
                limit = entry.get("limit")
                if isinstance(limit, int) and limit > 0:
                    self.rest.weight_limit_1m = limit
            elif kind == "ORDERS" and interval == "SECOND" and num == 10:
                orders = count
        self.rest.record_usage(weight, orders)

    # ------------------------------------------------------------------ trading (as BinanceRest's)

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        data = await self.request("order.place", BinanceRest._order_params(request))
        placed = parse.order(data, request)
        return placed, parse.response_fills(data, placed)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        return parse.order(await self.request("order.cancel", {"symbol": symbol,
                                                               "origClientOrderId": client_order_id}))

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        return parse.order(await self.request("order.status", {"symbol": symbol, "origClientOrderId": client_order_id},
                                              weight=4))


def _retry_after_s(data: Any, now_ms: int, default: float) -> float:
    """Seconds to wait from the WS API error's ``data.retryAfter`` (a timestamp in ms, on the venue's clock)."""
    if isinstance(data, dict):
        at = data.get("retryAfter")
        if isinstance(at, int) and not isinstance(at, bool):
            server = data.get("serverTime")
            base = server if isinstance(server, int) and not isinstance(server, bool) else now_ms
            return max(0.0, (at - base) / 1000)
    return default


def _expire(fut: "asyncio.Future[dict[str, Any]]") -> None:
    if not fut.done():
        fut.set_exception(asyncio.TimeoutError())


def _ignore(event: object) -> None:
    """The trading connection's ConnectionChanged events stay inside the adapter (health reports it)."""

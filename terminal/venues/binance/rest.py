"""Signed Binance REST client: ``requests`` on a thread pool it owns, awaitable from the event loop.

It keeps the server-clock offset, the used request weight (X-MBX-USED-WEIGHT-1M), a Retry-After gate after 429/418,
and REST latency stats. Neither secrets nor signed URLs reach logs or messages.

Binance's answers become the ports' outcomes here, and only here (``_handle``/``_send``):

- a state-changing request (POST/DELETE) without an answer (read timeout, dropped connection), answered -1007
  ("Timeout waiting for response from backend server") or 504, or 503 "Unknown error, please check your request..."
  -> ``MayHaveLanded(settle_ms=...)``: it may still be processed until the recvWindow counted from its own
  ``timestamp`` has passed; ``settle_ms`` is what is left of that when the error is raised;
- any other 5xx / -1000-style failure of a state-changing request -> ``MayHaveLanded(settle_ms=0)``: it may have
  been processed, and a look-up now tells;
- the same on a read, or a request that never left (connection refused, connect timeout) -> ``TemporaryError``;
- 429/418/-1003 -> ``RateLimited``; -2010 "Duplicate order sent." -> ``DuplicateOrder``; -2013 and -2011 "Unknown
  order sent." -> ``UnknownOrder``; 401/403/-2014/-2015/-1022 -> ``AuthError``; other 4xx -> ``Rejected``.

Nothing here looks an order up after an unknown outcome: query-before-retry is the order manager's job.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import re
import statistics
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, Mapping

import requests
from urllib3.exceptions import NewConnectionError

from ...model import Balance, Bar, Fill, Instrument, Interval, Order, OrderRequest, QuoteTick, Ticker24h
from ...model.numbers import fmt_wire
from ..ports import (AuthError, DuplicateOrder, MayHaveLanded, RateLimited, Rejected, TemporaryError, UnknownOrder,
                     VenueError)
from . import parse
from .enums import (AUTH_CODES, ORDER_TYPE_TO_WIRE, RATE_LIMIT_CODES, REJECT_CODES, SIDE_TO_WIRE, TIF_TO_WIRE,
                    UNKNOWN_ORDER_CODES)
from .orderlists import trailing_delta
from .signing import Signer, encode_params, quote_signature, rest_payload

log = logging.getLogger(__name__)
Levels = list[tuple[Decimal, Decimal]]
_SIGNATURE = re.compile(r"(signature=)[^&\s\"']+")
#: codes of a request whose processing failed in a way that says nothing of whether it was done
_UNKNOWN_OUTCOME_CODES = frozenset({-1000, -1001, -1006, -1007, -1008})
#: the backend did not answer in time: the request may still be processed until its recvWindow has passed
_STILL_IN_FLIGHT_CODES = frozenset({-1007})
_STILL_IN_FLIGHT_TEXT = "unknown error, please check your request"  # Binance's 503 for "sent, no answer"
_DUPLICATE_TEXT = "duplicate order sent"


class RedactSignatures(logging.Filter):
    """Masks ``signature=...`` in records of the HTTP libraries (urllib3 logs request lines at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "signature=" in record.msg:
            record.msg = _SIGNATURE.sub(r"\1<redacted>", record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            if any(isinstance(a, str) and "signature=" in a for a in args):
                record.args = tuple(_SIGNATURE.sub(r"\1<redacted>", a) if isinstance(a, str) else a for a in args)
        return True


for _name in ("urllib3.connectionpool", "requests"):
    if not any(isinstance(f, RedactSignatures) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(RedactSignatures())


class BinanceRest:
    """Async facade over blocking ``requests`` calls. One instance per (base URL, key)."""

    #: POST/PUT/DELETE parameters travel in a form body (keeps signatures out of URLs); GET in the query.
    params_in_body = True

    def __init__(self, base_url: str, api_key: str | None = None, signer: Signer | None = None, *,
                 recv_window: int = 5000, timeout: float = 10, max_workers: int = 4) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._signer = signer
        self.recv_window = recv_window
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="binance-rest")
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        # the environment (proxies, CA bundle) is read once here: with ``trust_env`` requests would read it, and
        # ~/.netrc, again on every call (about 1 ms a request on this machine's loopback benchmark)
        self._env_proxies = requests.utils.get_environ_proxies(self.base_url)
        self._env_ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        self.time_offset_ms = 0
        self.offset_uncertainty_ms = 0  # half the round trip of the last clock sync
        self.used_weight = 0
        self.weight_limit_1m: int | None = None  # REQUEST_WEIGHT per minute, from exchangeInfo
        self._weight_minute = 0
        self.order_count_10s: int | None = None
        self._gate_until = 0.0  # monotonic time before which no request is sent (Retry-After)
        self._latencies_ms: deque[float] = deque(maxlen=512)
        self.requests_sent = 0
        self._closed = False

    # ------------------------------------------------------------------ plumbing

    @property
    def has_keys(self) -> bool:
        return bool(self._api_key and self._signer)

    def now_ms(self) -> int:
        """Local time corrected by the last measured server offset."""
        return int(time.time() * 1000) + self.time_offset_ms

    def settle_ms(self) -> int:
        """How long after a send (venue clock) a signed request may still be accepted: its recvWindow, plus how far
        our clock is off the venue's and the uncertainty of that measurement."""
        return self.recv_window + abs(self.time_offset_ms) + self.offset_uncertainty_ms

    def latency_ms(self, pct: float = 50) -> float | None:
        """REST round-trip latency percentile over recent calls (None before any call)."""
        if not self._latencies_ms:
            return None
        if len(self._latencies_ms) == 1:
            return self._latencies_ms[0]
        qs = statistics.quantiles(self._latencies_ms, n=100, method="inclusive")
        return qs[max(0, min(98, int(pct) - 1))]

    @property
    def backoff_remaining_s(self) -> float:
        return max(0.0, self._gate_until - time.monotonic())

    async def call(self, method: str, path: str, params: Mapping[str, Any] | None = None, signed: bool = False,
                   weight_hint: int = 1) -> Any:
        """Send one request and return its decoded JSON (floats as Decimal). Raises VenueError subclasses."""
        if self._closed:
            raise TemporaryError("REST client is closed")
        await self.before_send(method, path, weight_hint)
        if signed and not self.has_keys:
            raise AuthError(f"{method} {path} needs API keys")
        try:
            return await self._run(method, path, params, signed)
        except TemporaryError as exc:
            if exc.code != -1021 or not signed:
                raise
            log.info("timestamp outside recvWindow: resyncing the clock offset and retrying once")
            await self.sync_time()
            return await self._run(method, path, params, signed)

    async def _run(self, method: str, path: str, params: Mapping[str, Any] | None, signed: bool) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, self._send, method, path, dict(params or {}), signed)
        except RuntimeError as exc:  # pool shut down
            raise TemporaryError(f"{method} {path}: {exc}") from None

    async def before_send(self, method: str, path: str, weight: int) -> None:
        """Honour a Retry-After gate and the weight budget (shared with the WS API: Binance counts per IP)."""
        wait = self._gate_until - time.monotonic()
        if wait > 0:
            log.info("rate-limit gate: waiting %.2fs before %s %s", wait, method, path)
            await asyncio.sleep(wait)
        await self._respect_weight(method, path, weight)

    def record_usage(self, used_weight_1m: int | None, orders_10s: int | None = None) -> None:
        """The venue's own count of the weight used this minute (and of orders in 10 s), from an answer."""
        if used_weight_1m is not None:
            self.used_weight = used_weight_1m
            self._weight_minute = self.now_ms() // 60_000
        if orders_10s is not None:
            self.order_count_10s = orders_10s

    async def _respect_weight(self, method: str, path: str, weight: int) -> None:
        """Wait for the next minute when this call would take the used weight past 95% of the venue's limit."""
        if not self.weight_limit_1m:
            return
        now = self.now_ms()
        if now // 60_000 != self._weight_minute:
            return  # a new minute: the venue's counter has reset
        if self.used_weight + weight <= self.weight_limit_1m * 0.95:
            return
        wait = (60_000 - now % 60_000) / 1000 + 0.05
        log.warning("request weight %d/%d: waiting %.1fs before %s %s", self.used_weight, self.weight_limit_1m,
                    wait, method, path)
        await asyncio.sleep(wait)

    def _session(self) -> requests.Session:
        s: requests.Session | None = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.trust_env = False
            s.proxies.update(self._env_proxies)
            if self._env_ca_bundle:
                s.verify = self._env_ca_bundle
            s.headers["Accept"] = "application/json"
            s.headers["User-Agent"] = "trading-terminal"
            if self._api_key:
                s.headers["X-MBX-APIKEY"] = self._api_key
            self._local.session = s
            with self._sessions_lock:
                self._sessions.append(s)
        return s

    def _send(self, method: str, path: str, params: dict[str, Any], signed: bool) -> Any:
        """Runs on a pool thread."""
        clean = {k: (fmt_wire(v) if isinstance(v, Decimal) else v) for k, v in params.items() if v is not None}
        stamped: int | None = None
        if signed:
            if self.recv_window != 5000:
                clean["recvWindow"] = self.recv_window
            clean["timestamp"] = stamped = self.now_ms()
        encoded = encode_params(clean)
        in_body = self.params_in_body and method != "GET"
        if signed:
            assert self._signer is not None
            sig = quote_signature(self._signer.sign(rest_payload("", encoded) if in_body else rest_payload(encoded)))
            encoded = f"{encoded}&signature={sig}" if encoded else f"signature={sig}"
        url = self.base_url + path
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if in_body:
            kwargs["data"] = encoded
            kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
        elif encoded:
            url = f"{url}?{encoded}"
        t0 = time.perf_counter()
        try:
            resp = self._session().request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise self._no_answer(method, path, exc, stamped) from None
        finally:
            self.requests_sent += 1
        self._latencies_ms.append((time.perf_counter() - t0) * 1000)
        return self._handle(method, path, resp, stamped)

    def _handle(self, method: str, path: str, resp: requests.Response, stamped: int | None = None) -> Any:
        weight = resp.headers.get("X-MBX-USED-WEIGHT-1M") or resp.headers.get("X-MBX-USED-WEIGHT")
        orders = resp.headers.get("X-MBX-ORDER-COUNT-10S")
        self.record_usage(int(weight) if weight and weight.isdigit() else None,
                          int(orders) if orders and orders.isdigit() else None)
        status = resp.status_code
        try:
            body = json.loads(resp.content, parse_float=Decimal) if resp.content else None
        except ValueError:
            body = None
        if status < 400:
            if body is None and resp.content:
                raise TemporaryError(f"{method} {path}: HTTP {status} with a non-JSON body")
            return body
        code = body.get("code") if isinstance(body, dict) else None
        msg = str(body.get("msg", "")) if isinstance(body, dict) else resp.text[:200]
        retry = _retry_after(resp.headers.get("Retry-After"), 1.0 if status != 418 else 120.0)
        raise self.error_for(method, path, status, code, msg, retry, stamped)

    def error_for(self, method: str, path: str, status: int, code: Any, msg: str, retry_after_s: float,
                  stamped: int | None) -> VenueError:
        """The ports' outcome of an error answer (REST or WS API: the same table): ``status`` is the HTTP status
        (the WS API's ``status``), ``code``/``msg`` Binance's, ``stamped`` the request's signed timestamp."""
        what = f"{method} {path}: {msg or 'HTTP ' + str(status)}"
        log.warning("%s %s -> HTTP %s code %s", method, path, status, code)
        if status in (429, 418) or code in RATE_LIMIT_CODES:
            retry = retry_after_s
            self._gate_until = max(self._gate_until, time.monotonic() + retry)
            return RateLimited(what, code, status, retry_after_s=retry)
        if status >= 500 or code in _UNKNOWN_OUTCOME_CODES:
            if method == "GET":
                return TemporaryError(what, code, status)
            in_flight = (code in _STILL_IN_FLIGHT_CODES or status == 504
                         or msg.lower().startswith(_STILL_IN_FLIGHT_TEXT))
            return MayHaveLanded(what + " (outcome unknown)", code, status,
                                 settle_ms=self.settle_left_ms(stamped) if in_flight else 0)
        if code in AUTH_CODES or status in (401, 403):
            return AuthError(what, code, status)
        if code in UNKNOWN_ORDER_CODES and (code == -2013 or "unknown order" in msg.lower()):
            return UnknownOrder(what, code, status)
        if code == -1021:
            return TemporaryError(what, code, status)
        if code == -2010 and _DUPLICATE_TEXT in msg.lower():
            return DuplicateOrder(msg, code, status)
        if code in REJECT_CODES or code in UNKNOWN_ORDER_CODES or 400 <= status < 500:
            return Rejected(msg or what, code, status)
        return VenueError(what, code, status)

    def settle_left_ms(self, stamped: int | None) -> int:
        """How much longer from now a request stamped ``stamped`` (venue ms) may still be accepted."""
        if stamped is None:
            return self.settle_ms()
        return max(0, stamped + self.settle_ms() - self.now_ms())

    def _no_answer(self, method: str, path: str, exc: requests.RequestException,
                   stamped: int | None = None) -> TemporaryError:
        """The outcome of a request that got no HTTP answer. One that never reached the venue (refused, connect
        timeout) did nothing; a state-changing one that may have been sent may still land within ``settle_ms``."""
        if isinstance(exc, requests.Timeout) and not isinstance(exc, requests.ConnectTimeout):
            what = f"{method} {path}: timed out after {self.timeout}s"
        else:
            what = f"{method} {path}: connection failed ({type(exc).__name__})"
        if method == "GET" or _never_sent(exc):
            return TemporaryError(what)
        return MayHaveLanded(what + " (outcome unknown)", settle_ms=self.settle_left_ms(stamped))

    async def close(self) -> None:
        """Shut the pool down (waiting for calls in flight, off the loop thread) and close sessions."""
        if self._closed:
            return
        self._closed = True
        await asyncio.get_running_loop().run_in_executor(None, self._pool.shutdown, True)
        with self._sessions_lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()

    # ------------------------------------------------------------------ market data

    async def server_time(self) -> int:
        data = await self.call("GET", "/api/v3/time")
        return int(data["serverTime"])

    async def sync_time(self) -> int:
        """Measure the server clock offset (midpoint of the round trip); returns it in ms."""
        t0 = time.time() * 1000
        server = await self.server_time()
        t1 = time.time() * 1000
        self.time_offset_ms = int(server - (t0 + t1) / 2)
        self.offset_uncertainty_ms = math.ceil((t1 - t0) / 2)
        return self.time_offset_ms

    async def exchange_info(self, symbols: list[str] | None = None) -> dict[str, Instrument]:
        params = {"symbols": json.dumps(symbols, separators=(",", ":"))} if symbols else None
        info = await self.call("GET", "/api/v3/exchangeInfo", params, weight_hint=20)
        self.weight_limit_1m = parse.request_weight_limit(info) or self.weight_limit_1m
        return parse.instruments(info)

    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000) -> list[Bar]:
        rows = await self.call("GET", "/api/v3/klines", {"symbol": symbol, "interval": interval.value,
                                                         "startTime": start_ms, "endTime": end_ms, "limit": limit},
                               weight_hint=2)
        now = self.now_ms()
        return [parse.kline_row(symbol, interval, r, closed=int(r[6]) < now) for r in rows]

    async def depth(self, symbol: str, limit: int = 1000) -> tuple[int, Levels, Levels]:
        weight = 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
        snap = parse.depth_snapshot(await self.call("GET", "/api/v3/depth", {"symbol": symbol, "limit": limit},
                                                    weight_hint=weight))
        return snap.last_update_id, snap.bids, snap.asks

    async def ticker_24h(self, symbol: str) -> Ticker24h:
        return parse.ticker(await self.call("GET", "/api/v3/ticker/24hr", {"symbol": symbol}, weight_hint=2))

    async def book_ticker(self, symbol: str) -> QuoteTick:
        return parse.book_ticker(await self.call("GET", "/api/v3/ticker/bookTicker", {"symbol": symbol},
                                                 weight_hint=2))

    # ------------------------------------------------------------------ trading (Execution port)

    @staticmethod
    def _order_params(request: OrderRequest) -> dict[str, Any]:
        return {
            "symbol": request.symbol, "side": SIDE_TO_WIRE[request.side], "type": ORDER_TYPE_TO_WIRE[request.type],
            "timeInForce": TIF_TO_WIRE[request.time_in_force] if request.time_in_force else None,
            "quantity": request.quantity, "quoteOrderQty": request.quote_quantity, "price": request.price,
            "stopPrice": request.stop_price, "newClientOrderId": request.client_order_id, "newOrderRespType": "FULL",
            "trailingDelta": trailing_delta(request),  # BIPS, for a trailing stop (orderlists.py)
        }

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        """Place an order; returns it with its immediate fills. An unknown outcome raises ``MayHaveLanded``."""
        data = await self.call("POST", "/api/v3/order", self._order_params(request), signed=True)
        placed = parse.order(data, request)
        return placed, parse.response_fills(data, placed)

    async def test_order(self, request: OrderRequest) -> None:
        """Binance's validation endpoint: the order is checked as if placed, and nothing is placed."""
        await self.call("POST", "/api/v3/order/test", self._order_params(request), signed=True)

    async def place_order(self, request: OrderRequest) -> Order:
        return (await self.submit(request))[0]

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        return parse.order(await self.call("DELETE", "/api/v3/order",
                                           {"symbol": symbol, "origClientOrderId": client_order_id}, signed=True))

    async def cancel_all(self, symbol: str) -> list[Order]:
        rows = await self.call("DELETE", "/api/v3/openOrders", {"symbol": symbol}, signed=True)
        return [parse.order(r) for r in rows if "orderId" in r and "type" in r]

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        return parse.order(await self.call("GET", "/api/v3/order", {"symbol": symbol,
                                                                    "origClientOrderId": client_order_id},
                                           signed=True, weight_hint=4))

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        rows = await self.call("GET", "/api/v3/openOrders", {"symbol": symbol}, signed=True,
                               weight_hint=6 if symbol else 80)
        return [parse.order(r) for r in rows]

    async def all_orders(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Order]:
        rows = await self.call("GET", "/api/v3/allOrders", {"symbol": symbol, "startTime": start_ms, "limit": limit},
                               signed=True, weight_hint=20)
        return [parse.order(r) for r in rows]

    async def my_trades(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        rows = await self.call("GET", "/api/v3/myTrades", {"symbol": symbol, "startTime": start_ms, "limit": limit},
                               signed=True, weight_hint=20)
        return [parse.my_trade(r) for r in rows]

    async def account(self) -> list[Balance]:
        return parse.balances(await self.call("GET", "/api/v3/account", signed=True, weight_hint=20))

    async def api_restrictions(self) -> dict[str, Any]:
        """``GET /sapi/v1/account/apiRestrictions``: what the signing key may do (a wallet endpoint; live and the
        sandbox serve it, the testnet does not)."""
        answer = await self.call("GET", "/sapi/v1/account/apiRestrictions", signed=True, weight_hint=1)
        return answer if isinstance(answer, dict) else {}

    def __repr__(self) -> str:
        return f"BinanceRest({self.base_url!r}, keys={'yes' if self.has_keys else 'no'})"


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the venue: no connection was ever made."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError)
    return False


def _retry_after(value: str | None, default: float) -> float:
    try:
        return max(0.0, float(value)) if value else default
    except ValueError:
        return default

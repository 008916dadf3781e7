"""REST dispatch under ``/api``: routing, weights and headers, security (NONE / USER_STREAM / SIGNED on raw bytes),
fault injection (``faults.py``: delays, 429, 5xx, requests held before processing, answers held after) and
``{code, msg}`` error bodies."""
from __future__ import annotations

import asyncio
import collections
import logging
from dataclasses import dataclass
from typing import Any, Callable

import orjson
from aiohttp import web

from . import errors
from .accounts import ApiKey
from .intake import read_body
from .marketdata import MarketData, depth_weight
from .orderlists import OrderLists
from .params import Params, strip_signature
from .trading import Trading
from .venue import Venue

log = logging.getLogger(__name__)

NONE, USER_STREAM, SIGNED = "NONE", "USER_STREAM", "SIGNED"
ORDER_PATHS = frozenset({"/api/v3/order", "/api/v3/orderList/oco", "/api/v3/orderList/oto",
                         "/api/v3/orderList/otoco", "/api/v3/order/oco"})


def _count(p: Params, one: int, few: int, many: int, all_: int) -> int:
    if p.has("symbol"):
        return one
    raw = p.values.get("symbols")
    if raw:
        n = raw.count(",") + 1
        return few if n <= 20 else (many if n <= 100 else all_)
    return all_


WEIGHTS: dict[str, Callable[[Params], int]] = {
    "depth": lambda p: depth_weight(int(p.values.get("limit", "100") or 100)),
    "ticker/price": lambda p: 2 if p.has("symbol") else 4,
    "ticker/bookTicker": lambda p: 2 if p.has("symbol") else 4,
    "ticker/24hr": lambda p: _count(p, 2, 2, 40, 80),
    "ticker": lambda p: 4 if p.has("symbol") else min(200, 4 * ((p.values.get("symbols") or "").count(",") + 1)),
    "order/test": lambda p: 20 if p.values.get("computeCommissionRates") == "true" else 1,
    "openOrders": lambda p: 6 if p.has("symbol") else 80,
    "myTrades": lambda p: 5 if p.has("orderId") else 20,
}


@dataclass(frozen=True, slots=True)
class Route:
    handler: Callable[..., Any]
    security: str
    weight: int
    #: a successful call costs no weight (placements and cancels since 2026-04-02; a refused one pays ``weight``)
    free_when_ok: bool = False


class RestApi:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        #: every REST request as it arrived, (method, path, query string), the newest 10,000 (tests assert on it)
        self.request_log: collections.deque[tuple[str, str, str]] = collections.deque(maxlen=10_000)
        md, tr, ol = MarketData(venue), Trading(venue), OrderLists(venue)
        self.market_data, self.trading, self.order_lists = md, tr, ol
        self.routes: dict[tuple[str, str], Route] = {}
        for path, handler, weight in [
            ("ping", md.ping, 1), ("time", md.time, 1), ("exchangeInfo", md.exchange_info, 20),
            ("depth", md.depth, 5), ("trades", md.trades, 25), ("historicalTrades", md.trades, 25),
            ("aggTrades", md.agg_trades, 4), ("klines", md.klines, 2), ("uiKlines", md.klines, 2),
            ("avgPrice", md.avg_price, 2), ("ticker/price", md.ticker_price, 2),
            ("ticker/bookTicker", md.book_ticker, 2), ("ticker/24hr", md.ticker_24h, 2),
            ("ticker", md.rolling_ticker, 4),
        ]:
            self._add("GET", path, handler, NONE, weight)
        self._add("POST", "order", tr.new_order, SIGNED, 1)
        self._add("POST", "order/test", tr.test_order, SIGNED, 1)
        self._add("GET", "order", tr.get_order, SIGNED, 4)
        self._add("DELETE", "order", tr.cancel_order, SIGNED, 1)
        self._add("GET", "openOrders", tr.open_orders, SIGNED, 6)
        self._add("DELETE", "openOrders", tr.cancel_open_orders, SIGNED, 1)
        self._add("GET", "allOrders", tr.all_orders, SIGNED, 20)
        self._add("GET", "account", tr.account, SIGNED, 20)
        self._add("GET", "myTrades", tr.my_trades, SIGNED, 20)
        self._add("POST", "userDataStream", tr.listen_key_open, USER_STREAM, 2)
        self._add("PUT", "userDataStream", tr.listen_key_keepalive, USER_STREAM, 2)
        self._add("DELETE", "userDataStream", tr.listen_key_close, USER_STREAM, 2)
        self._add("POST", "orderList/oco", ol.new_oco, SIGNED, 1, free_when_ok=True)
        self._add("POST", "orderList/oto", ol.new_oto, SIGNED, 1, free_when_ok=True)
        self._add("POST", "orderList/otoco", ol.new_otoco, SIGNED, 1, free_when_ok=True)
        self._add("POST", "order/oco", ol.new_legacy_oco, SIGNED, 1, free_when_ok=True)
        self._add("DELETE", "orderList", ol.cancel, SIGNED, 1, free_when_ok=True)
        self._add("GET", "orderList", ol.get, SIGNED, 4)
        self._add("GET", "allOrderList", ol.all, SIGNED, 20)
        self._add("GET", "openOrderList", ol.open, SIGNED, 6)
        self._add("POST", "order/cancelReplace", self._unsupported, SIGNED, 1)
        # a wallet (SAPI) endpoint the testnet lacks and live Binance serves: what the signing key may do (§19)
        self.routes[("GET", "/sapi/v1/account/apiRestrictions")] = Route(self._api_restrictions, SIGNED, 1, False)

    def _add(self, method: str, path: str, handler: Callable[..., Any], security: str, weight: int, *,
             free_when_ok: bool = False) -> None:
        self.routes[(method, "/api/v3/" + path)] = Route(handler, security, weight, free_when_ok)
        if path == "userDataStream":  # some clients still use the v1 paths for listenKeys
            self.routes[(method, "/api/v1/" + path)] = Route(handler, security, weight, free_when_ok)

    def requests(self, method: str, path: str) -> list[str]:
        """The query strings of the logged requests to ``method`` ``path`` (e.g. ``"GET"``, ``"/api/v3/klines"``)."""
        return [q for m, p, q in list(self.request_log) if m == method and p == path]

    def _api_restrictions(self, p: Params, key: ApiKey) -> Any:
        return self.venue.accounts.restrictions(key.api_key)

    @staticmethod
    def _unsupported(p: Params, key: ApiKey) -> Any:
        raise errors.unsupported()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.request_log.append((request.method, request.path, request.query_string))
        faults = self.venue.faults
        held = faults.take_request_hold(request.method, request.path)
        if held is not None:
            await request.read()  # all of it has arrived: a client that dies now cannot take it back
            await held.wait()
        response = await self._answer(request)
        delayed = faults.take_response_hold(request.method, request.path)
        if delayed is not None:
            await delayed.wait()  # processed (an order IS placed); only the answer waits
        for hold in (held, delayed):
            if hold is not None:
                hold.mark_answered()
        return response

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        venue = self.venue
        faults = venue.faults
        delay = faults.take_delay()
        if delay:
            await asyncio.sleep(delay)
        retry_after = faults.take_rate_limit()
        if retry_after is not None:
            return self._error(errors.too_many_requests(retry_after), 0)
        failure = faults.take_failure()
        if failure is not None and not failure[1]:
            return self._error(errors.server_fault(failure[0]), 0)
        ip = request.remote or "?"
        used = 0
        try:
            route = self.routes.get((request.method, request.path))
            if route is None:
                if any(path == request.path for _, path in self.routes):
                    raise errors.ApiError(-1000, f"Method {request.method} is not allowed on {request.path}.", 405)
                raise errors.not_found()
            raw_path = request.raw_path
            query = raw_path.partition("?")[2]
            body_bytes = await read_body(request)  # read() caches: a hold may have read it
            try:
                body = body_bytes.decode("ascii")
            except UnicodeDecodeError:
                raise errors.ApiError(-1100, "Illegal characters found in the request body; percent-encode "
                                      "non-ASCII characters.") from None
            if body.lstrip().startswith("{"):
                body = ""  # a JSON body is not a Binance parameter source
            query_payload, query_sig = strip_signature(query)
            body_payload, body_sig = strip_signature(body)
            params = Params.from_raw(query_payload, body_payload)
            weight_fn = WEIGHTS.get(request.path.rsplit("/v3/", 1)[-1])
            try:
                weight = weight_fn(params) if weight_fn else route.weight
            except (ValueError, TypeError):
                weight = route.weight
            now = venue.now_ms()
            used = venue.limiter.charge(ip, weight, now)
            key: ApiKey | None = None
            if route.security == USER_STREAM:
                key = venue.accounts.lookup(request.headers.get("X-MBX-APIKEY"))
            elif route.security == SIGNED:
                signature = query_sig if query_sig is not None else body_sig
                key = venue.auth.verify(request.headers.get("X-MBX-APIKEY"), query_payload + body_payload,
                                        signature, params, now, replay_check=request.method != "GET")
            result = route.handler(params, key) if key is not None else route.handler(params)
            if route.free_when_ok:
                used = venue.limiter.refund(ip, weight, now)
        except errors.ApiError as exc:
            if exc.status in (429, 418):
                used = venue.limiter.used_weight(ip, venue.now_ms())
            return self._error(exc, used)
        except Exception:  # noqa: BLE001 - never crash on a request
            log.exception("unhandled error on %s %s", request.method, request.path)
            return self._error(errors.unknown(), used)
        if failure is not None:
            return self._error(errors.server_fault(failure[0]), used)
        headers = {"X-MBX-USED-WEIGHT-1M": str(used), "X-MBX-USED-WEIGHT": str(used)}
        if request.path in ORDER_PATHS and request.method == "POST" and key is not None:
            c10, c1d = venue.limiter.order_counts(key.account_id, venue.now_ms())
            headers["X-MBX-ORDER-COUNT-10S"] = str(c10)
            headers["X-MBX-ORDER-COUNT-1D"] = str(c1d)
        return web.Response(body=orjson.dumps(result), headers=headers, content_type="application/json")

    @staticmethod
    def _error(exc: errors.ApiError, used: int) -> web.Response:
        headers = {"X-MBX-USED-WEIGHT-1M": str(used), "X-MBX-USED-WEIGHT": str(used), **exc.headers}
        return web.Response(status=exc.status, body=orjson.dumps(exc.body()), headers=headers,
                            content_type="application/json")

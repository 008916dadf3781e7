"""The WebSocket API subset on ``/ws-api/v3``: ping, time, session.status, userDataStream.subscribe.signature
(HMAC over the sorted params), userDataStream.unsubscribe, and the signed trading methods that mirror REST routes
(order.*, openOrders.*, orderList.place[.oco|.oto|.otoco], orderList.cancel/status, openOrderLists.status,
allOrderLists, account.status...). Events arrive as ``{"subscriptionId": N, "event": ...}``.

The trading methods share the REST routes' backend, so the same fault switches (``faults.py``) reach them: a request
matching ``hold_next_request``/``hold_next_response`` (armed for the REST route it mirrors, e.g. ``"POST"``,
``"/api/v3/order"`` for ``order.place``), ``delay_next``, ``rate_limit_next`` and ``fail_next`` is answered from
its own task, so the connection keeps serving the requests behind it (answers go by ``id``)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlencode

import json

from aiohttp import WSMsgType, web

from . import errors
from .auth import check_window, signature_matches, ws_payload
from .fanout import Connection, Hub
from .params import Params
from .userdata import UserStreams
from .venue import Venue

log = logging.getLogger(__name__)


# WS API method -> (REST route it mirrors, signed?)
ROUTES: dict[str, tuple[str, str, bool]] = {
    "order.place": ("POST", "order", True),
    "order.test": ("POST", "order/test", True),
    "order.status": ("GET", "order", True),
    "order.cancel": ("DELETE", "order", True),
    "openOrders.status": ("GET", "openOrders", True),
    "openOrders.cancelAll": ("DELETE", "openOrders", True),
    "allOrders": ("GET", "allOrders", True),
    "myTrades": ("GET", "myTrades", True),
    "account.status": ("GET", "account", True),
    "orderList.place.oco": ("POST", "orderList/oco", True),
    "orderList.place.oto": ("POST", "orderList/oto", True),
    "orderList.place.otoco": ("POST", "orderList/otoco", True),
    "orderList.place": ("POST", "order/oco", True),
    "orderList.cancel": ("DELETE", "orderList", True),
    "orderList.status": ("GET", "orderList", True),
    "openOrderLists.status": ("GET", "openOrderList", True),
    "allOrderLists": ("GET", "allOrderList", True),
    "exchangeInfo": ("GET", "exchangeInfo", False),
    "depth": ("GET", "depth", False),
    "trades.recent": ("GET", "trades", False),
    "trades.aggregate": ("GET", "aggTrades", False),
    "klines": ("GET", "klines", False),
    "uiKlines": ("GET", "uiKlines", False),
    "avgPrice": ("GET", "avgPrice", False),
    "ticker.24hr": ("GET", "ticker/24hr", False),
    "ticker": ("GET", "ticker", False),
    "ticker.price": ("GET", "ticker/price", False),
    "ticker.book": ("GET", "ticker/bookTicker", False),
}


# documented WS API methods (§18) the sandbox does not serve: -1020, where an unknown name is -1102
UNSERVED = frozenset({
    "order.cancelReplace", "order.amend.keepPriority", "account.commission", "account.rateLimits.orders",
    "session.logon", "session.logout", "userDataStream.start", "userDataStream.ping", "userDataStream.stop",
})
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def invalid_json() -> errors.ApiError:
    return errors.ApiError(-1135, "Invalid JSON Request")


def _has_lone_surrogate(value: Any) -> bool:
    """True if a string anywhere in the decoded request holds a lone surrogate (a ``\\ud800`` escape): JSON may
    spell it, UTF-8 cannot carry it, so it is not text a client could have meant (or signed)."""
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ",".join(json.dumps(v) if isinstance(v, str) else _text(v) for v in value) + "]"
    return str(value)


class WsApi:
    """Requests mirror the REST routes; signed ones carry apiKey, timestamp and signature in ``params``."""

    def __init__(self, venue: Venue, users: UserStreams, hub: Hub, rest: Any = None) -> None:
        self.venue = venue
        self.users = users
        self.hub = hub
        self.rest = rest
        self._faulted: set[asyncio.Task[None]] = set()  # requests answered on their own (a fault switch met them)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=20.0, compress=False, max_msg_size=1 << 16)
        await ws.prepare(request)
        conn = self.hub.connection(ws, "ws-api")
        conn.connected_since = self.venue.now_ms()  # type: ignore[attr-defined]
        conn.next_sid = 0  # type: ignore[attr-defined]
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    parsed = self._read(msg.data)
                    if isinstance(parsed, dict):
                        reply = parsed
                    else:
                        faults = self._faults_for(parsed[1])
                        if faults is not None:
                            task = asyncio.get_running_loop().create_task(self._answer_faulted(conn, parsed, faults))
                            self._faulted.add(task)
                            task.add_done_callback(self._faulted.discard)
                            continue
                        reply = self._reply(conn, *parsed)
                except Exception:  # noqa: BLE001 - never kill the session on one request
                    log.exception("ws-api request failed")
                    reply = self._error(None, errors.unknown())
                conn.send_json(reply)
        finally:
            conn.closed = True
            self.users.unsubscribe(conn)
            self.hub.unregister(conn)
        return ws

    def _faults_for(self, method: str) -> tuple[Any, ...] | None:
        """The fault switches a trading request meets, as REST's handler takes them; None when none is armed."""
        route = ROUTES.get(method)
        if route is None or self.rest is None:
            return None
        faults = self.venue.faults
        http_method, path = route[0], "/api/v3/" + route[1]
        taken = (faults.take_request_hold(http_method, path), faults.take_delay(), faults.take_rate_limit(),
                 faults.take_failure(), faults.take_response_hold(http_method, path))
        return taken if any(t is not None and t != 0.0 for t in taken) else None

    async def _answer_faulted(self, conn: Connection, parsed: tuple[Any, str, dict[str, Any]],
                              faults: tuple[Any, ...]) -> None:
        """Answer one request the way REST's handler would under the same switches (see ``faults.py``)."""
        held, delay, retry_after, failure, answer_hold = faults
        req_id = parsed[0]
        try:
            if held is not None:
                await held.wait()  # it has arrived in full: it is processed even if the client goes meanwhile
            if delay:
                await asyncio.sleep(delay)
            if retry_after is not None:
                reply = self._error(req_id, errors.too_many_requests(retry_after), conn)
            elif failure is not None and not failure[1]:
                reply = self._error(req_id, errors.server_fault(failure[0]), conn)
            else:
                reply = self._reply(conn, *parsed)
                if failure is not None:  # processed, then answered 5xx
                    reply = self._error(req_id, errors.server_fault(failure[0]), conn)
            if answer_hold is not None:
                await answer_hold.wait()  # processed (an order IS placed); only the answer waits
        except Exception:  # noqa: BLE001
            log.exception("ws-api request failed")
            reply = self._error(req_id, errors.unknown(), conn)
        finally:
            for hold in (held, answer_hold):
                if hold is not None:
                    hold.mark_answered()
        if not conn.closed:
            conn.send_json(reply)

    def _rate_limits(self, conn: Connection | None) -> list[dict[str, Any]]:
        used = self.venue.limiter.used_weight(f"ws:{conn.id}", self.venue.now_ms()) if conn is not None else 0
        return [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                 "limit": self.venue.limiter.limits.weight_per_minute, "count": used}]

    def _ok(self, req_id: Any, result: Any, conn: Connection | None = None) -> dict[str, Any]:
        return {"id": req_id, "status": 200, "result": result, "rateLimits": self._rate_limits(conn)}

    def _error(self, req_id: Any, exc: errors.ApiError, conn: Connection | None = None) -> dict[str, Any]:
        status = exc.status if exc.status != 401 else 400
        error: dict[str, Any] = {"code": exc.code, "msg": exc.msg}
        if status in (429, 418):  # §18: retryAfter is a timestamp in ms (REST's Retry-After header is seconds)
            now = self.venue.now_ms()
            seconds = exc.headers.get("Retry-After", "1")
            error["data"] = {"retryAfter": now + int(seconds) * 1000 if seconds.isdigit() else now + 1000,
                             "serverTime": now}
        return {"id": req_id, "status": status, "error": error, "rateLimits": self._rate_limits(conn)}

    def request(self, conn: Connection, text: str) -> dict[str, Any]:
        """Answer one text frame. Malformed envelopes (§18: no documented answer) get 400 with id null when the id
        could not be read: -1135 for text that is not a JSON object of valid Unicode, -1102 for a missing or
        unusable ``id``, ``method`` or an unknown method."""
        parsed = self._read(text)
        return parsed if isinstance(parsed, dict) else self._reply(conn, *parsed)

    def _reply(self, conn: Connection, req_id: Any, method: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._ok(req_id, self._dispatch(conn, method, params), conn)
        except errors.ApiError as exc:
            return self._error(req_id, exc, conn)

    def _read(self, text: str) -> dict[str, Any] | tuple[Any, str, dict[str, Any]]:
        """(id, method, params) of a well-formed request, or the error reply to a malformed one."""
        try:
            req = json.loads(text, parse_float=str)  # keep numbers exactly as sent (they are signed as text)
        except ValueError:  # includes ints too long to convert
            return self._error(None, invalid_json())
        if not isinstance(req, dict) or ("\\u" in text and _has_lone_surrogate(req)):
            return self._error(None, invalid_json())
        if "id" not in req:
            return self._error(None, errors.mandatory("id"))
        req_id = req["id"]
        if not (req_id is None or isinstance(req_id, str)
                or (isinstance(req_id, int) and not isinstance(req_id, bool) and INT64_MIN <= req_id <= INT64_MAX)):
            return self._error(None, errors.mandatory("id"))
        method = req.get("method")
        params = req.get("params")
        if not isinstance(method, str) or not method:
            return self._error(req_id, errors.mandatory("method"))
        if params is None:
            params = {}
        elif not isinstance(params, dict):
            return self._error(req_id, errors.ApiError(-1135, "JSON sent for parameter 'params' is not valid"))
        return req_id, method, params

    def _dispatch(self, conn: Connection, method: str, params: dict[str, Any]) -> Any:
        now = self.venue.now_ms()
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": now}
        if method == "session.status":
            return {"apiKey": None, "authorizedSince": None, "connectedSince": conn.connected_since,  # type: ignore[attr-defined]
                    "returnRateLimits": True, "serverTime": now,
                    "userDataStream": any(c is conn for subs in self.users.ws_api.values() for c, _ in subs)}
        if method == "userDataStream.subscribe.signature":
            account_id = self._verify(params, now)
            sid = conn.next_sid  # type: ignore[attr-defined]
            conn.next_sid += 1  # type: ignore[attr-defined]
            self.users.subscribe(account_id, conn, sid)
            return {"subscriptionId": sid}
        if method == "userDataStream.subscribe":
            raise errors.ApiError(-1002, "You are not authorized to execute this request. Use "
                                  "userDataStream.subscribe.signature (session.logon needs Ed25519).", 401)
        if method == "userDataStream.unsubscribe":
            sid = params.get("subscriptionId")
            if sid is not None and (not isinstance(sid, int) or isinstance(sid, bool)):
                raise errors.illegal_chars_plain("subscriptionId")
            removed = self.users.unsubscribe(conn, sid)
            if sid is not None and not removed:
                raise errors.ApiError(-2, "Not subscribed.")
            return {}
        route = ROUTES.get(method)
        if route is None or self.rest is None:
            if method in UNSERVED:
                raise errors.ApiError(-1020, f"Method '{method}' is not supported by the sandbox WebSocket API.")
            raise errors.ApiError(-1102, f"Mandatory parameter 'method' was not sent, was empty/null, or malformed: "
                                  f"unknown method '{method[:64]}'.")
        http_method, path, is_signed = route
        entry = self.rest.routes[(http_method, "/api/v3/" + path)]
        self.venue.limiter.charge(f"ws:{conn.id}", entry.weight, now)
        if not is_signed:
            return entry.handler(Params({k: _text(v) for k, v in params.items()}))
        account_id = self._verify(params, now, replay_check=http_method != "GET")
        key = self.venue.accounts.by_account(account_id)
        assert key is not None
        values = {k: _text(v) for k, v in params.items() if k not in ("apiKey", "signature")}
        result = entry.handler(Params(values), key)
        if entry.free_when_ok:
            self.venue.limiter.refund(f"ws:{conn.id}", entry.weight, now)
        return result

    def _verify(self, params: dict[str, Any], now: int, replay_check: bool = True) -> str:
        for name in ("apiKey", "timestamp", "signature"):
            if name not in params or params[name] in (None, ""):
                raise errors.mandatory(name)
        for name, value in params.items():
            if isinstance(value, (dict, list)) and name != "symbols":
                raise errors.illegal_chars_plain(name)
        entry = self.venue.accounts.lookup(str(params["apiKey"]))
        signature = str(params["signature"])
        texts = {k: _text(v) for k, v in params.items()}
        raw = ws_payload(texts)
        encoded = urlencode(sorted((k, v) for k, v in texts.items() if k != "signature"))
        if not (signature_matches(entry.secret, raw, signature) or signature_matches(entry.secret, encoded, signature)):
            raise errors.bad_signature()
        p = Params(texts)
        timestamp = p.integer("timestamp", required=True)
        assert timestamp is not None
        window = self.venue.auth.recv_window(p)
        check_window(timestamp, window, now)
        if replay_check:
            self.venue.auth.replays.check(signature, timestamp + int(window) + 1000, now)
        return entry.account_id

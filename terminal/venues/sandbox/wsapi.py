"""The WebSocket API subset on ``/ws-api/v3``: ping, time, session.status, userDataStream.subscribe.signature
(HMAC over the sorted params), userDataStream.unsubscribe. Events arrive as ``{"subscriptionId": N, "event": ...}``."""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import orjson
from aiohttp import WSMsgType, web

from . import errors
from .auth import check_window, signature_matches, ws_payload
from .fanout import Connection, Hub
from .params import Params
from .userdata import UserStreams
from .venue import Venue

log = logging.getLogger(__name__)


class WsApi:
    def __init__(self, venue: Venue, users: UserStreams, hub: Hub) -> None:
        self.venue = venue
        self.users = users
        self.hub = hub

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
                    reply = self.request(conn, msg.data)
                except Exception:  # noqa: BLE001 - never kill the session on one request
                    log.exception("ws-api request failed")
                    reply = self._error(None, errors.unknown())
                conn.send_json(reply)
        finally:
            conn.closed = True
            self.users.unsubscribe(conn)
            self.hub.unregister(conn)
        return ws

    def _rate_limits(self) -> list[dict[str, Any]]:
        return [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                 "limit": self.venue.limiter.limits.weight_per_minute, "count": 0}]

    def _ok(self, req_id: Any, result: Any) -> dict[str, Any]:
        return {"id": req_id, "status": 200, "result": result, "rateLimits": self._rate_limits()}

    def _error(self, req_id: Any, exc: errors.ApiError) -> dict[str, Any]:
        status = exc.status if exc.status != 401 else 400
        return {"id": req_id, "status": status, "error": {"code": exc.code, "msg": exc.msg},
                "rateLimits": self._rate_limits()}

    def request(self, conn: Connection, text: str) -> dict[str, Any]:
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            return self._error(None, errors.ApiError(-1000, "Malformed request: invalid JSON."))
        if not isinstance(req, dict):
            return self._error(None, errors.ApiError(-1000, "Malformed request: expected a JSON object."))
        req_id = req.get("id")
        if req_id is not None and not isinstance(req_id, (int, str)) or isinstance(req_id, bool):
            return self._error(None, errors.ApiError(-1000, "Malformed request: invalid 'id'."))
        method = req.get("method")
        params = req.get("params") or {}
        if not isinstance(method, str):
            return self._error(req_id, errors.mandatory("method"))
        if not isinstance(params, dict):
            return self._error(req_id, errors.ApiError(-1000, "Malformed request: 'params' must be an object."))
        try:
            return self._ok(req_id, self._dispatch(conn, method, params))
        except errors.ApiError as exc:
            return self._error(req_id, exc)

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
        raise errors.ApiError(-1020, f"Method '{method[:64]}' is not supported by the sandbox WebSocket API.")

    def _verify(self, params: dict[str, Any], now: int) -> str:
        for name in ("apiKey", "timestamp", "signature"):
            if name not in params or params[name] in (None, ""):
                raise errors.mandatory(name)
        for name, value in params.items():
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise errors.illegal_chars_plain(name)
        entry = self.venue.accounts.lookup(str(params["apiKey"]))
        signature = str(params["signature"])
        raw = ws_payload(params)
        encoded = urlencode(sorted((k, str(v)) for k, v in params.items() if k != "signature"))
        if not (signature_matches(entry.secret, raw, signature) or signature_matches(entry.secret, encoded, signature)):
            raise errors.bad_signature()
        p = Params({k: str(v) for k, v in params.items()})
        timestamp = p.integer("timestamp", required=True)
        assert timestamp is not None
        window = self.venue.auth.recv_window(p)
        check_window(timestamp, window, now)
        self.venue.auth.replays.check(signature, timestamp + int(window) + 1000, now)
        return entry.account_id

"""Market stream WebSockets: ``/ws/<s>[/<s>...]``, bare ``/ws``, ``/stream?streams=``, bare ``/stream``,
with the live control protocol (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY)."""
from __future__ import annotations

import logging
import re
import time
from typing import Any, Callable, Iterable

import orjson
from aiohttp import WSMsgType, web

from .fanout import MAX_STREAMS_PER_CONNECTION, Connection, Hub
from .wire import INTERVAL_FROM_WIRE

log = logging.getLogger(__name__)

MAX_INCOMING_PER_SECOND = 5
_ID_TEXT = re.compile(r"^[A-Za-z0-9\-_]{1,36}$")
_SYMBOL_STREAM = re.compile(r"^([a-z0-9]{1,20})@(.+)$")
_DEPTH = re.compile(r"^depth(5|10|20)?(@100ms|@1000ms)?$")
METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")


class StreamNames:
    """Which stream names exist: per-symbol streams, ``!...@arr`` and live listenKeys."""

    def __init__(self, symbols: Iterable[str], is_listen_key: Callable[[str], bool]) -> None:
        self.symbols = {s.lower() for s in symbols}
        self.is_listen_key = is_listen_key

    def valid(self, name: str) -> bool:
        if name in ("!miniTicker@arr", "!ticker@arr", "!ticker_1h@arr", "!ticker_4h@arr", "!ticker_1d@arr"):
            return True
        match = _SYMBOL_STREAM.match(name)
        if match is None:
            return self.is_listen_key(name)
        symbol, kind = match.groups()
        if symbol not in self.symbols:
            return False
        if kind in ("trade", "aggTrade", "bookTicker", "miniTicker", "ticker", "ticker_1h", "ticker_4h",
                    "ticker_1d"):
            return True
        if kind.startswith("kline_"):
            return kind[len("kline_"):] in INTERVAL_FROM_WIRE
        return _DEPTH.match(kind) is not None


def _error(code: int, msg: str, req_id: Any) -> dict[str, Any]:
    return {"code": code, "msg": msg, "id": req_id}


class MarketSockets:
    """Accepts market-stream connections and answers their control messages."""

    def __init__(self, hub: Hub, names: StreamNames, on_subscribe: Callable[[Connection, str], None]) -> None:
        self.hub = hub
        self.names = names
        self.on_subscribe = on_subscribe

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("streams", "")
        combined = request.path.startswith("/stream")
        wanted = [s for s in path.split("/") if s]
        if combined and request.query.get("streams"):
            wanted += [s for s in request.query["streams"].split("/") if s]
        bad = [s for s in wanted if not self.names.valid(s)]
        if bad or len(wanted) > MAX_STREAMS_PER_CONNECTION:
            detail = f"Invalid stream name: '{bad[0]}'" if bad else "Too many streams"
            return web.json_response({"code": 2, "msg": f"Invalid request: {detail}"}, status=400)
        ws = web.WebSocketResponse(heartbeat=20.0, compress=False, max_msg_size=1 << 16)
        await ws.prepare(request)
        conn = self.hub.connection(ws, "market", combined=combined)
        try:
            for name in wanted:
                self.hub.subscribe(conn, name)
                self.on_subscribe(conn, name)
            await self._serve(conn)
        finally:
            conn.closed = True
            self.hub.unregister(conn)
        return ws

    async def _serve(self, conn: Connection) -> None:
        window_start, count = 0.0, 0
        async for msg in conn.ws:
            if msg.type != WSMsgType.TEXT:
                if msg.type == WSMsgType.BINARY:
                    conn.send_json(_error(3, "Invalid JSON: binary frames are not supported", None))
                continue
            now = time.monotonic()
            if now - window_start >= 1.0:
                window_start, count = now, 0
            count += 1
            if count == MAX_INCOMING_PER_SECOND + 1:
                log.info("websocket %s sent more than %d messages in a second", conn.id, MAX_INCOMING_PER_SECOND)
            try:
                reply = self.control(conn, msg.data)
            except Exception:  # noqa: BLE001 - one bad message never kills a stream
                log.exception("control message failed")
                reply = _error(2, "Invalid request: internal error", None)
            conn.send_json(reply)

    def control(self, conn: Connection, text: str) -> dict[str, Any]:
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            return _error(3, f"Invalid JSON: {exc}", None)
        if not isinstance(req, dict):
            return _error(3, "Invalid JSON: expected an object", None)
        req_id = req.get("id")
        if not _valid_id(req_id):
            return _error(2, "Invalid request: 'id' must be an int64, an alphanumeric string of up to 36 "
                          "characters, or null", None)
        method = req.get("method")
        if not isinstance(method, str):
            return _error(2, "Invalid request: missing field `method`", req_id)
        if method not in METHODS:
            expected = ", ".join(f"`{m}`" for m in METHODS)
            return _error(2, f"Invalid request: unknown variant `{method}`, expected one of {expected}", req_id)
        params = req.get("params", [])
        if params is None:
            params = []
        if not isinstance(params, list):
            return _error(1, "Invalid value type: expected an array of params", req_id)
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            return self._subscribe(conn, method, params, req_id)
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": sorted(conn.streams), "id": req_id}
        if method == "SET_PROPERTY":
            if len(params) != 2:
                return _error(2, "Invalid request: SET_PROPERTY takes [name, value]", req_id)
            if params[0] != "combined":
                return _error(0, "Unknown property", req_id)
            if not isinstance(params[1], bool):
                return _error(1, "Invalid value type: expected Boolean", req_id)
            conn.combined = params[1]
            return {"result": None, "id": req_id}
        if len(params) != 1:
            return _error(2, "Invalid request: GET_PROPERTY takes [name]", req_id)
        if params[0] != "combined":
            return _error(0, "Unknown property", req_id)
        return {"result": conn.combined, "id": req_id}

    def _subscribe(self, conn: Connection, method: str, params: list[Any], req_id: Any) -> dict[str, Any]:
        if not params:
            return _error(2, "Invalid request: params must not be empty", req_id)
        for name in params:
            if not isinstance(name, str):
                return _error(1, "Invalid value type: expected a string stream name", req_id)
        if method == "UNSUBSCRIBE":
            for name in params:
                self.hub.unsubscribe(conn, name)
            return {"result": None, "id": req_id}
        for name in params:
            if not self.names.valid(name):
                return _error(2, f"Invalid request: unknown stream name '{name[:80]}'", req_id)
        if len(conn.streams | set(params)) > MAX_STREAMS_PER_CONNECTION:
            return _error(2, f"Invalid request: more than {MAX_STREAMS_PER_CONNECTION} streams", req_id)
        for name in params:
            if name not in conn.streams:
                self.hub.subscribe(conn, name)
                self.on_subscribe(conn, name)
        return {"result": None, "id": req_id}


def _valid_id(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, str):
        return _ID_TEXT.match(value) is not None
    return False

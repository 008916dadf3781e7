"""Kite Connect REST client: ``requests`` on a thread pool it owns, awaitable from the event loop.

Requests are form-encoded (GET/DELETE in the query), signed with ``X-Kite-Version: 3`` and ``Authorization: token
api_key:access_token``; answers are the JSON envelope ``{"status": "success", "data": ...}`` (numbers as Decimal) or
``{"status": "error", "error_type": ..., "message": ...}``; the instruments dump is CSV. Every call first takes a
slot from the ``Limiter`` of its endpoint class.

Kite's failures become the ports' outcomes here, and only here (``outcome``/``_no_answer``):

- ``TokenException`` (403) -> ``SessionExpired`` (the daily token lapsed or was revoked: log in again, never retry);
  ``PermissionException``/``UserException`` -> ``AuthError``;
- HTTP 429 (Kite's ``NetworkException`` "Too many requests") -> ``RateLimited`` (Retry-After if given, else 1 s);
- 5xx, ``NetworkException``/``DataException``/``GeneralException`` or no answer at all on a state-changing request
  (place/modify/cancel/GTT) -> ``MayHaveLanded`` (look the order up by its tag before any retry); on a read, or a
  request that never left (connection refused) -> ``TemporaryError``;
- a 4xx naming a missing order, or 404 on an order or GTT route -> ``UnknownOrder``; other ``InputException``,
  ``OrderException``, ``MarginException``, ``HoldingException`` and 4xx -> ``Rejected`` with Kite's message.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, Mapping, Sequence

import requests
from urllib3.exceptions import NewConnectionError

from ..ports import (AuthError, MayHaveLanded, RateLimited, Rejected, SessionExpired, TemporaryError, UnknownOrder,
                     VenueError)
from .enums import AUTH_EXCEPTIONS, NETWORK_EXCEPTION, TOKEN_EXCEPTION
from .limiter import HISTORY, MODIFY, ORDER, OTHER, QUOTE, Limiter

log = logging.getLogger(__name__)
_MISSING_ORDER = ("not found", "does not exist", "invalid order id", "invalid `order_id`", "no such order")
__all__ = ["KiteRest", "checksum", "outcome", "HISTORY", "MODIFY", "ORDER", "OTHER", "QUOTE"]


def checksum(api_key: str, token: str, api_secret: str) -> str:
    """SHA-256 hex of api_key + request_token (or refresh token) + api_secret (reference §2.2)."""
    return hashlib.sha256(f"{api_key}{token}{api_secret}".encode()).hexdigest()


def outcome(method: str, path: str, status: int, body: Any, retry_after: str | None = None) -> VenueError:
    """The port outcome of an answer that is not a success (see the module)."""
    body = body if isinstance(body, dict) else {}
    kind = str(body.get("error_type") or "")
    message = str(body.get("message") or f"HTTP {status}")
    what = f"{method} {path}: {message}"
    mutating = method != "GET"
    if kind == TOKEN_EXCEPTION:
        return SessionExpired(message, http_status=status)
    if kind in AUTH_EXCEPTIONS:
        return AuthError(message, http_status=status)
    if status == 429 or (kind == NETWORK_EXCEPTION and "too many" in message.lower()):
        try:
            wait = max(0.0, float(retry_after)) if retry_after else 1.0
        except ValueError:
            wait = 1.0
        return RateLimited(what, http_status=status, retry_after_s=wait)
    missing = any(t in message.lower() for t in _MISSING_ORDER)
    if status < 500 and ((missing and kind != NETWORK_EXCEPTION)
                         or (status == 404 and ("/orders/" in path or "/gtt/" in path))):
        return UnknownOrder(message, http_status=status)
    if status >= 500 or kind in (NETWORK_EXCEPTION, "DataException"):
        return (MayHaveLanded(what + " (outcome unknown)", http_status=status) if mutating
                else TemporaryError(what, http_status=status))
    if 400 <= status < 500 or kind:
        return Rejected(message, http_status=status)
    return VenueError(what, http_status=status)


class KiteRest:
    """Async facade over blocking ``requests`` calls to one Kite root (``https://api.kite.trade`` or a paper server)."""

    def __init__(self, root: str, api_key: str, access_token: str | None = None, *, timeout: float = 7.0,
                 max_workers: int = 4, limiter: Limiter | None = None, settle_ms: int = 1000) -> None:
        self.root = root.rstrip("/")
        self.api_key = api_key
        self.access_token = access_token
        self.timeout = timeout
        self.limiter = limiter or Limiter()
        self.settle_ms = settle_ms
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="kite-rest")
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._closed = False
        self.requests_sent = 0
        self.rate_limited = 0

    @property
    def has_token(self) -> bool:
        return bool(self.access_token)

    async def call(self, method: str, path: str, params: Mapping[str, Any] | None = None, *, kind: str = OTHER,
                   signed: bool = True) -> Any:
        """Send one request; return the envelope's ``data`` (or the CSV text). Raises the ports' outcomes."""
        if self._closed:
            raise TemporaryError("the Kite REST client is closed")
        if signed and not self.access_token:
            raise SessionExpired("no Kite access token: log in first")
        await self.limiter.acquire(kind)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, self._send, method, path, dict(params or {}), signed)
        except RuntimeError as exc:  # the pool was shut down
            raise TemporaryError(f"{method} {path}: {exc}") from None

    def _session(self) -> requests.Session:
        s: requests.Session | None = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.headers.update({"X-Kite-Version": "3", "User-Agent": "trading-terminal"})
            self._local.session = s
            with self._lock:
                self._sessions.append(s)
        return s

    def _send(self, method: str, path: str, params: dict[str, Any], signed: bool) -> Any:
        """Runs on a pool thread."""
        clean = {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in params.items() if v is not None}
        headers = {"Authorization": f"token {self.api_key}:{self.access_token}"} if signed else {}
        kwargs: dict[str, Any] = {"timeout": self.timeout, "headers": headers}
        if method in ("POST", "PUT"):
            kwargs["data"] = clean
        else:
            kwargs["params"] = clean
        try:
            resp = self._session().request(method, self.root + path, **kwargs)
        except requests.RequestException as exc:
            raise self._no_answer(method, path, exc) from None
        finally:
            self.requests_sent += 1
        return self._handle(method, path, resp)

    def _handle(self, method: str, path: str, resp: requests.Response) -> Any:
        ctype = resp.headers.get("Content-Type", "")
        status = resp.status_code
        if "csv" in ctype and status < 400:
            return resp.content.decode("utf-8")
        body: Any = None
        if "json" in ctype:
            try:
                body = json.loads(resp.content, parse_float=Decimal)
            except ValueError:
                body = None
        ok = isinstance(body, dict) and body.get("status") != "error" and not body.get("error_type")
        if ok and status < 400 and "data" in body:
            return body["data"]
        error: VenueError
        if status < 400 and not ok and body is None:
            error = (MayHaveLanded if method != "GET" else TemporaryError)(
                f"{method} {path}: HTTP {status} without a Kite envelope", http_status=status)
        else:
            error = outcome(method, path, status, body, resp.headers.get("Retry-After"))
        if isinstance(error, RateLimited):
            self.rate_limited += 1
        log.warning("%s %s -> HTTP %s %s", method, path, status, type(error).__name__)
        raise error

    def _no_answer(self, method: str, path: str, exc: requests.RequestException) -> TemporaryError:
        if isinstance(exc, requests.Timeout) and not isinstance(exc, requests.ConnectTimeout):
            what = f"{method} {path}: timed out after {self.timeout}s"
        else:
            what = f"{method} {path}: connection failed ({type(exc).__name__})"
        if method == "GET" or _never_sent(exc):
            return TemporaryError(what)
        return MayHaveLanded(what + " (outcome unknown)", settle_ms=self.settle_ms)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.get_running_loop().run_in_executor(None, self._pool.shutdown, True)
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()

    # ------------------------------------------------------------------ session

    async def generate_session(self, request_token: str, api_secret: str) -> dict[str, Any]:
        """Exchange a request token for the access token (POST /session/token); keeps the token. A refused exchange
        (bad checksum, used or stale request token) is an ``AuthError``."""
        try:
            data = await self.call("POST", "/session/token", {
                "api_key": self.api_key, "request_token": request_token,
                "checksum": checksum(self.api_key, request_token, api_secret)}, signed=False)
        except SessionExpired as exc:
            raise AuthError(f"Kite refused the login: {exc.message}", http_status=exc.http_status) from None
        if not isinstance(data, dict) or not data.get("access_token"):
            raise AuthError("Kite's login answer has no access token")
        self.access_token = str(data["access_token"])
        return data

    async def invalidate_token(self) -> None:
        await self.call("DELETE", "/session/token", {"api_key": self.api_key, "access_token": self.access_token})

    # ------------------------------------------------------------------ reads

    async def profile(self) -> dict[str, Any]:
        return dict(await self.call("GET", "/user/profile"))

    async def margins(self) -> dict[str, Any]:
        return dict(await self.call("GET", "/user/margins"))

    async def instruments_csv(self) -> str:
        return str(await self.call("GET", "/instruments"))

    async def quote(self, keys: list[str], what: str = "") -> dict[str, Any]:
        """/quote, /quote/ltp or /quote/ohlc (``what`` = "", "ltp", "ohlc") for ``EXCHANGE:TRADINGSYMBOL`` keys."""
        path = "/quote" + (f"/{what}" if what else "")
        return dict(await self.call("GET", path, {"i": keys}, kind=QUOTE))

    async def historical(self, token: int, interval: str, start: str, end: str, *, continuous: bool = False,
                         oi: bool = False) -> list[list[Any]]:
        data = await self.call("GET", f"/instruments/historical/{token}/{interval}",
                               {"from": start, "to": end, "interval": interval, "continuous": int(continuous),
                                "oi": int(oi)}, kind=HISTORY)
        return list(data.get("candles") or [])

    async def orders(self) -> list[dict[str, Any]]:
        return list(await self.call("GET", "/orders"))

    async def order_history(self, order_id: str) -> list[dict[str, Any]]:
        return list(await self.call("GET", f"/orders/{order_id}"))

    async def trades(self) -> list[dict[str, Any]]:
        return list(await self.call("GET", "/trades"))

    async def order_trades(self, order_id: str) -> list[dict[str, Any]]:
        return list(await self.call("GET", f"/orders/{order_id}/trades"))

    async def positions(self) -> dict[str, Any]:
        return dict(await self.call("GET", "/portfolio/positions"))

    async def holdings(self) -> list[dict[str, Any]]:
        return list(await self.call("GET", "/portfolio/holdings"))

    async def gtts(self) -> list[dict[str, Any]]:
        return list(await self.call("GET", "/gtt/triggers"))

    # ------------------------------------------------------------------ state-changing

    async def place_order(self, variety: str, params: Mapping[str, Any]) -> str:
        data = await self.call("POST", f"/orders/{variety}", {"variety": variety, **params}, kind=ORDER)
        return str(data["order_id"])

    async def modify_order(self, variety: str, order_id: str, params: Mapping[str, Any]) -> str:
        data = await self.call("PUT", f"/orders/{variety}/{order_id}",
                               {"variety": variety, "order_id": order_id, **params}, kind=MODIFY)
        return str(data["order_id"])

    async def cancel_order(self, variety: str, order_id: str, parent_order_id: str | None = None) -> str:
        data = await self.call("DELETE", f"/orders/{variety}/{order_id}", {"parent_order_id": parent_order_id},
                               kind=MODIFY)
        return str(data["order_id"])

    async def place_gtt(self, kind: str, condition: Mapping[str, Any], orders: Sequence[Mapping[str, Any]]) -> int:
        data = await self.call("POST", "/gtt/triggers", {
            "type": kind, "condition": json.dumps(condition, default=_json_number),
            "orders": json.dumps(orders, default=_json_number)})
        return int(data["trigger_id"])

    async def delete_gtt(self, trigger_id: int) -> int:
        return int((await self.call("DELETE", f"/gtt/triggers/{trigger_id}"))["trigger_id"])

    def __repr__(self) -> str:
        return f"KiteRest({self.root!r}, token={'yes' if self.access_token else 'no'})"


def _json_number(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    raise TypeError(type(value).__name__)


def _never_sent(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError)
    return False

"""TrueData's REST side for the adapter: the bearer token (OAuth2 password grant), history (bars and ticks over a
range or the last N) and the symbol master, with ``requests`` on a thread pool this client owns.

HTTP outcomes become the ports' errors: 401 renews the token once, then AuthError; 429 RateLimited (the body is
base64 text); 5xx and network failures TemporaryError. Answers in words with HTTP 200 (``Invalid interval``) are
Rejected; "no data" is an empty list.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

import requests

from ..ports import AuthError, RateLimited, Rejected, TemporaryError
from . import parse

log = logging.getLogger(__name__)
T = TypeVar("T")
TIME = "%y%m%dT%H:%M:%S"  # ``from``/``to``: two-digit year, naive IST


class TrueDataRest:
    def __init__(self, auth_url: str, history_url: str, api_url: str, username: str, password: str, *,
                 timeout_s: float = 15.0, workers: int = 2) -> None:
        self.auth_url = auth_url
        self.history_url = history_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self._username = username
        self._password = password
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="truedata-rest")
        self._http = requests.Session()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expiry = 0.0
        self.requests = 0
        self.errors = 0

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()

    # ------------------------------------------------------------------ token
    def _bearer(self, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None or time.monotonic() >= self._token_expiry:
                body = {"username": self._username, "password": self._password, "grant_type": "password"}
                resp = self._send("POST", self.auth_url, data=body)
                try:
                    answer = resp.json()
                except ValueError:
                    answer = {}
                if resp.status_code != 200 or not answer.get("access_token"):
                    reason = answer.get("error_description") or resp.text[:200] or f"HTTP {resp.status_code}"
                    raise AuthError(f"TrueData refused the login: {reason}", http_status=resp.status_code)
                self._token = str(answer["access_token"])
                self._token_expiry = time.monotonic() + max(30.0, float(answer.get("expires_in") or 3600) - 15)
            return self._token

    def _send(self, method: str, url: str, **kw: Any) -> requests.Response:
        self.requests += 1
        try:
            return self._http.request(method, url, timeout=self.timeout_s, **kw)
        except requests.RequestException as exc:
            self.errors += 1
            raise TemporaryError(f"TrueData: {type(exc).__name__} reaching {url.split('?')[0]}") from None

    # ------------------------------------------------------------------ history
    def _history(self, path: str, params: dict[str, Any], raw: str = "") -> str:
        url = f"{self.history_url}/{path}" + (f"?{raw}" if raw else "")
        for attempt in (0, 1):
            resp = self._send("GET", url, params=params, headers={"Authorization": f"Bearer {self._bearer(attempt > 0)}"})
            if resp.status_code == 401 and attempt == 0:
                continue  # the token expired early: renew it once
            return self._check(resp)
        raise AssertionError("unreachable")

    def _check(self, resp: requests.Response) -> str:
        status = resp.status_code
        if status == 200:
            return resp.text
        self.errors += 1
        if status == 401:
            raise AuthError("TrueData history: authorization denied", http_status=401)
        if status == 429:
            try:
                text = base64.b64decode(resp.content, validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                text = resp.text
            raise RateLimited(f"TrueData history: {text.strip() or 'rate limited'}", http_status=429,
                              retry_after_s=float(resp.headers.get("Retry-After") or 1.0))
        if status >= 500:
            raise TemporaryError(f"TrueData history: HTTP {status}", http_status=status)
        raise Rejected(f"TrueData history: HTTP {status} {resp.text[:200]}", http_status=status)

    def _words(self, fn: Callable[[str], T], body: str) -> T:
        try:
            return fn(body)
        except parse.HistoryRefused as exc:
            raise Rejected(f"TrueData history: {exc}") from None
        except parse.Malformed as exc:
            raise TemporaryError(f"TrueData history: unreadable answer ({exc})") from None

    async def bars(self, symbol: str, interval: str, start_ms: int, end_ms: int) -> list[parse.BarRow]:
        raw = f"from={parse.ist_text(start_ms, TIME)}&to={parse.ist_text(end_ms, TIME)}"  # unencoded, as TrueData has it
        params = {"symbol": symbol, "interval": interval, "response": "csv"}
        return self._words(parse.bar_rows, await self._run(lambda: self._history("getbars", params, raw)))

    async def last_bars(self, symbol: str, interval: str, count: int) -> list[parse.BarRow]:
        params = {"symbol": symbol, "interval": interval, "nbars": count, "response": "csv", "bidask": 0}
        return self._words(parse.bar_rows, await self._run(lambda: self._history("getlastnbars", params)))

    async def ticks(self, symbol: str, start_ms: int, end_ms: int, bidask: bool = True) -> list[parse.TickRow]:
        raw = f"from={parse.ist_text(start_ms, TIME)}&to={parse.ist_text(end_ms, TIME)}"
        params = {"symbol": symbol, "bidask": int(bidask), "interval": "tick", "response": "csv"}
        return self._words(parse.tick_rows, await self._run(lambda: self._history("getticks", params, raw)))

    async def last_ticks(self, symbol: str, count: int, bidask: bool = True) -> list[parse.TickRow]:
        params = {"symbol": symbol, "nticks": count, "interval": "tick", "bidask": int(bidask), "response": "csv"}
        return self._words(parse.tick_rows, await self._run(lambda: self._history("getlastnticks", params)))

    # ------------------------------------------------------------------ symbol master
    async def master(self, segment: str) -> list[parse.MasterRow]:
        params = {"segment": segment, "user": self._username, "password": self._password, "allexpiry": "false"}

        def fetch() -> str:
            return self._check(self._send("GET", f"{self.api_url}/getAllSymbols", params=params))
        body = await self._run(fetch)
        try:
            return parse.master_rows(body)
        except parse.HistoryRefused as exc:
            raise AuthError(f"TrueData symbol master: {exc}") if "password" in str(exc).lower() \
                else Rejected(f"TrueData symbol master: {exc}") from None

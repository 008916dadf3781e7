"""Finnhub REST on ``requests``, on a thread pool this client owns (never on the loop thread), through the shared
request budget (``budget.py``). The token goes in the ``X-Finnhub-Token`` header (never in a URL, so never in a log).
Answers are parsed with ``parse_float=Decimal``; failures become the ports' outcomes: 401 AuthError, 403 Rejected
(the plan lacks the data), 429 RateLimited (and the budget pauses everyone), 5xx/timeouts TemporaryError."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, Mapping

import requests

from ..ports import AuthError, Rejected, RateLimited, TemporaryError, VenueError
from .budget import RateBudget

log = logging.getLogger(__name__)
TIMEOUT_S = 10.0


class FinnhubRest:
    def __init__(self, base_url: str, token: str, budget: RateBudget, *, workers: int = 4,
                 timeout_s: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.timeout_s = timeout_s
        self._http = requests.Session()
        self._http.headers.update({"Accept": "application/json", "X-Finnhub-Token": token})
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="finnhub-rest")
        self.calls = 0
        self.latencies_ms: list[float] = []

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """``GET {base}{path}`` once the budget allows; the decoded JSON."""
        delay = self.budget.reserve()
        if delay > 0:
            await asyncio.sleep(delay)  # queued behind the budget: waits its turn, not refused
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._get, path, dict(params or {}))

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        started = time.monotonic()
        try:
            r = self._http.get(self.base_url + path, params=params, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise TemporaryError(f"finnhub: {path} failed ({type(exc).__name__})") from None
        self.calls += 1
        self.latencies_ms = (self.latencies_ms + [(time.monotonic() - started) * 1000])[-100:]
        try:
            body = json.loads(r.text, parse_float=Decimal) if r.text else None
        except ValueError:
            body = None
        message = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), str) else ""
        if r.status_code == 200:
            if body is None:
                raise TemporaryError(f"finnhub: {path} answered something that is not JSON")
            return body
        message = message or r.text[:200] or f"HTTP {r.status_code}"
        if r.status_code == 401:
            raise AuthError(f"finnhub refused the token: {message}", http_status=401)
        if r.status_code == 403:
            raise Rejected(f"finnhub: {message} (your plan does not include {path})", http_status=403)
        if r.status_code == 429:
            wait = self._retry_after(r)
            self.budget.pause(wait)
            raise RateLimited(f"finnhub: {message}", http_status=429, retry_after_s=wait)
        if r.status_code >= 500:
            raise TemporaryError(f"finnhub: {message}", http_status=r.status_code)
        raise VenueError(f"finnhub: {message}", http_status=r.status_code)

    def _retry_after(self, r: requests.Response) -> float:
        """Finnhub documents no Retry-After: the reset header when the server sends one, else the window."""
        reset = r.headers.get("X-Ratelimit-Reset", "")
        if reset.isdigit():
            return max(1.0, min(self.budget.window_s, int(reset) - time.time()))
        return self.budget.window_s

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()

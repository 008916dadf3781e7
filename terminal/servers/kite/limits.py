"""Kite's rate limits, per api_key: requests per second per endpoint class (``/quote*`` 1, historical candles 3, order
placement/modification/cancellation 10, everything else 10) and orders placed per second, minute and day (10, 200,
3000). Sliding windows; past a limit the request answers HTTP 429 ``NetworkException`` "Too many requests" (the
commonly reported form; the docs do not name the error type).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

SECOND_MS = 1000
MINUTE_MS = 60_000
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Limits:
    quote_per_s: int = 1
    historical_per_s: int = 3
    order_requests_per_s: int = 10
    other_per_s: int = 10
    orders_per_s: int = 10
    orders_per_minute: int = 200
    orders_per_day: int = 3000


def endpoint_class(method: str, path: str) -> str:
    if path.startswith("/quote"):
        return "quote"
    if path.startswith("/instruments/historical"):
        return "historical"
    if path.startswith("/orders") and method in ("POST", "PUT", "DELETE"):
        return "order"
    return "other"


class Window:
    """Timestamps of the last events within ``span_ms``."""

    __slots__ = ("span_ms", "limit", "times")

    def __init__(self, span_ms: int, limit: int) -> None:
        self.span_ms = span_ms
        self.limit = limit
        self.times: deque[int] = deque()

    def full(self, now_ms: int) -> bool:
        while self.times and self.times[0] <= now_ms - self.span_ms:
            self.times.popleft()
        return len(self.times) >= self.limit

    def add(self, now_ms: int) -> None:
        self.times.append(now_ms)


class RateLimiter:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._windows: dict[tuple[str, str], Window] = {}

    def _window(self, key: str, name: str, span_ms: int, limit: int) -> Window:
        window = self._windows.get((key, name))
        if window is None:
            window = self._windows[(key, name)] = Window(span_ms, limit)
        return window

    def allow(self, key: str, method: str, path: str, now_ms: int) -> bool:
        """Count one request of ``key``; False when it is over a limit (then it is not counted)."""
        lim = self.limits
        cls = endpoint_class(method, path)
        per_s = {"quote": lim.quote_per_s, "historical": lim.historical_per_s, "order": lim.order_requests_per_s,
                 "other": lim.other_per_s}[cls]
        windows = [self._window(key, cls, SECOND_MS, per_s)]
        if cls == "order" and method == "POST":
            windows += [self._window(key, "placed/s", SECOND_MS, lim.orders_per_s),
                        self._window(key, "placed/min", MINUTE_MS, lim.orders_per_minute),
                        self._window(key, "placed/day", DAY_MS, lim.orders_per_day)]
        if any(w.full(now_ms) for w in windows):
            return False
        for w in windows:
            w.add(now_ms)
        return True

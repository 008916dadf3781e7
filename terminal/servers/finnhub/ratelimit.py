"""Finnhub's documented limits, per API key: ``per_window`` calls per ``window_s`` (free plan: 60 a minute) and, on
top, 30 calls a second, as sliding windows. A call over either is answered 429 and not counted."""
from __future__ import annotations

import time
from collections import deque
from typing import Callable

LIMIT_BODY = {"error": "API limit reached. Please try again later. Remaining Limit: 0"}


class RateLimiter:
    def __init__(self, per_window: int = 60, window_s: float = 60.0, per_second: int = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_window = per_window
        self.window_s = window_s
        self.per_second = per_second
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}

    def admit(self, key: str) -> tuple[bool, int, float]:
        """``(admitted, remaining in the window, seconds until the window frees a call)``; counts an admitted call."""
        now = self._clock()
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - self.window_s:
            calls.popleft()
        in_second = sum(1 for t in reversed(calls) if t > now - 1.0) if self.per_second else 0
        if len(calls) >= self.per_window:
            return False, 0, calls[-self.per_window] + self.window_s - now
        if self.per_second and in_second >= self.per_second:
            return False, self.per_window - len(calls), 1.0
        calls.append(now)
        return True, self.per_window - len(calls), (calls[0] + self.window_s - now)

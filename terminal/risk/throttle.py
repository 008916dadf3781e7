"""Sliding-window counters for the order-rate throttle: how many events in the last ``window_ms``."""
from __future__ import annotations

from collections import deque


class Window:
    """Timestamps (ms) of recent events; ``count(now)`` is how many fall in ``(now - window_ms, now]``."""

    __slots__ = ("window_ms", "_times")

    def __init__(self, window_ms: int) -> None:
        self.window_ms = window_ms
        self._times: deque[int] = deque()

    def _expire(self, now_ms: int) -> None:
        edge = now_ms - self.window_ms
        times = self._times
        while times and times[0] <= edge:
            times.popleft()

    def count(self, now_ms: int) -> int:
        self._expire(now_ms)
        return len(self._times)

    def add(self, now_ms: int) -> None:
        self._expire(now_ms)
        self._times.append(now_ms)

    def free_in_ms(self, now_ms: int, allowed: int) -> int:
        """How long until one more event fits under ``allowed`` (0: now)."""
        self._expire(now_ms)
        if len(self._times) < allowed or not self._times:
            return 0
        oldest_blocking = self._times[len(self._times) - allowed] if allowed > 0 else self._times[-1]
        return max(0, oldest_blocking + self.window_ms - now_ms + 1)


class Rates:
    """Per key (an origin, or "" for the account), one window per length."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, int], Window] = {}

    def window(self, key: str, window_ms: int) -> Window:
        w = self._windows.get((key, window_ms))
        if w is None:
            w = self._windows[(key, window_ms)] = Window(window_ms)
        return w

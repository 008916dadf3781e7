"""The request budget: one per API token (and server), shared by everything that asks (the chart, the watchlist,
strategies, several sessions), sized from the documented limit with a safety margin. A request past the budget waits
for its turn (it is not refused); a 429 pauses everyone until the server's window frees.

Each call reserves the earliest time it may be sent such that no window (``limit`` per ``window_s``, and the
per-second cap) holds more than the budget; the caller sleeps until then. Reservations are thread-safe and made in
order, so waiting requests go out first come, first served.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

MARGIN = 0.1  # of each limit, kept unused (the server counts arrivals, we count sends)
SLACK_S = 0.05  # added to each window for the time a request takes to arrive


class _Window:
    def __init__(self, limit: int, window_s: float) -> None:
        self.budget = max(1, int(limit - max(1, round(limit * MARGIN))))
        self.window_s = window_s * (1 + MARGIN / 2) + SLACK_S
        self.sent: deque[float] = deque()

    def earliest(self, now: float) -> float:
        while self.sent and self.sent[0] <= now - self.window_s:
            self.sent.popleft()
        if len(self.sent) < self.budget:
            return now
        return self.sent[-self.budget] + self.window_s

    def used(self, now: float) -> int:
        return sum(1 for t in self.sent if now - self.window_s < t <= now)


class RateBudget:
    def __init__(self, limit: int, window_s: float = 60.0, per_second: int | None = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.per_second = per_second
        self._windows = [_Window(limit, window_s)] + ([_Window(per_second, 1.0)] if per_second else [])
        self._clock = clock
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self.waited = 0  # requests that had to wait for the budget
        self.limited = 0  # 429s answered anyway

    def reserve(self) -> float:
        """Reserve a send slot; returns how long to wait before sending (seconds, 0 = now)."""
        with self._lock:
            now = self._clock()
            at = max([now, self._paused_until] + [w.earliest(now) for w in self._windows])
            for w in self._windows:
                w.sent.append(at)
            if at > now:
                self.waited += 1
            return at - now

    def pause(self, seconds: float) -> None:
        """The server said 429: nobody sends before ``seconds`` from now."""
        with self._lock:
            self.limited += 1
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def used(self) -> int:
        """Requests sent (or due) in the current window."""
        with self._lock:
            return self._windows[0].used(self._clock())

    @property
    def budget(self) -> int:
        return self._windows[0].budget


_shared: dict[tuple[str, str], RateBudget] = {}
_shared_lock = threading.Lock()


def shared(url: str, token: str, limit: int, window_s: float, per_second: int | None = 30) -> RateBudget:
    """The budget of ``token`` at ``url`` (one per token and server in this process)."""
    with _shared_lock:
        key = (url, token)
        budget = _shared.get(key)
        if budget is None or (budget.limit, budget.window_s, budget.per_second) != (limit, window_s, per_second):
            budget = _shared[key] = RateBudget(limit, window_s, per_second)
        return budget

"""Historical-data pacing: at most ``limit`` requests per ``window_s`` (IB: 60 per 10 minutes), and an identical
request within ``identical_s`` (IB: 15 s, a violation) shares the first one's answer instead of being sent again.

``HistoryPacer.run(key, make)`` awaits ``make()`` (the request) or the answer of an identical one in flight or
answered within ``identical_s``; over the budget it raises ``RateLimited`` with the time until a slot frees, and
sends nothing. ``clock`` is monotonic seconds (injectable for tests).
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Awaitable, Callable, Hashable

from ..ports import RateLimited


class HistoryPacer:
    def __init__(self, limit: int, window_s: float, identical_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.identical_s = identical_s
        self.clock = clock
        self._sent: deque[float] = deque()
        self._recent: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}
        self.coalesced = 0
        self.refused = 0
        self._blocked_until = 0.0

    @property
    def used(self) -> int:
        self._expire(self.clock())
        return len(self._sent)

    def _expire(self, now: float) -> None:
        while self._sent and now - self._sent[0] >= self.window_s:
            self._sent.popleft()
        for key in [k for k, (t, f) in self._recent.items() if f.done() and now - t >= self.identical_s]:
            del self._recent[key]

    def penalise(self, retry_after_s: float) -> None:
        """The venue said we went too fast: send nothing for ``retry_after_s``."""
        self._blocked_until = max(self._blocked_until, self.clock() + retry_after_s)

    async def run(self, key: Hashable, make: Callable[[], Awaitable[Any]]) -> Any:
        now = self.clock()
        self._expire(now)
        earlier = self._recent.get(key)
        if earlier is not None and not (earlier[1].done() and earlier[1].exception() is not None):
            self.coalesced += 1
            return await asyncio.shield(earlier[1])
        if now < self._blocked_until:
            self.refused += 1
            wait = self._blocked_until - now
            raise RateLimited(f"IB historical data pacing violation: try again in {wait:.0f} s", retry_after_s=wait)
        if len(self._sent) >= self.limit:
            self.refused += 1
            wait = max(0.0, self.window_s - (now - self._sent[0]))
            raise RateLimited(f"IB historical data pacing: {self.limit} requests per {self.window_s:.0f} s used; "
                              f"try again in {wait:.0f} s", retry_after_s=wait)
        self._sent.append(now)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._recent[key] = (now, future)
        try:
            result = await make()
        except BaseException as exc:
            if isinstance(exc, Exception):
                future.set_exception(exc)
                future.exception()  # marked retrieved: nobody else may be waiting on it
            else:
                future.cancel()
            del self._recent[key]
            raise
        future.set_result(result)
        return result

"""Kite's documented request and order limits (reference §12.5), kept on our side so the venue rarely says 429.

Each endpoint class has its own requests-per-second window (quotes 1/s, historical candles 3/s, order placement,
order modification/cancellation and everything else 10/s); order placement also counts against 200 orders a minute and 3000 a day. ``acquire`` waits
for a free slot when the wait is short (up to ``max_wait_s``) and otherwise raises ``RateLimited`` with the time to
wait, so nothing is sent that the venue would refuse for its rate. Times are monotonic seconds.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Callable

from ..ports import RateLimit, RateLimited

QUOTE, HISTORY, ORDER, MODIFY, OTHER = "quote", "history", "order", "modify", "other"

#: class -> windows of (limit, seconds)
LIMITS: dict[str, tuple[tuple[int, float], ...]] = {
    QUOTE: ((1, 1.0),),
    HISTORY: ((3, 1.0),),
    ORDER: ((10, 1.0), (200, 60.0), (3000, 86_400.0)),
    MODIFY: ((10, 1.0),),  # order modification and cancellation (counted apart from placement, as Kite does)
    OTHER: ((10, 1.0),),
}

#: what Capabilities.rate_limits declares
DECLARED = (RateLimit("requests", 10, 1.0), RateLimit("orders", 10, 1.0), RateLimit("orders", 200, 60.0),
            RateLimit("orders", 3000, 86_400.0))


class Limiter:
    def __init__(self, limits: dict[str, tuple[tuple[int, float], ...]] | None = None, *, max_wait_s: float = 2.0,
                 margin_s: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or LIMITS
        self.max_wait_s = max_wait_s
        #: added to every window: requests sent a window apart may arrive closer together (network jitter)
        self.margin_s = margin_s
        self._clock = clock
        self._sent: dict[tuple[str, int], deque[float]] = {}
        self._lock = asyncio.Lock()
        self.waits = 0

    def wait_s(self, kind: str) -> float:
        """How long until one more request of ``kind`` fits every window (0: now)."""
        now = self._clock()
        longest = 0.0
        for i, (limit, window) in enumerate(self.limits.get(kind, self.limits[OTHER])):
            sent = self._sent.setdefault((kind, i), deque())
            span = window + self.margin_s
            while sent and sent[0] <= now - span:
                sent.popleft()
            if len(sent) >= limit:
                longest = max(longest, sent[len(sent) - limit] + span - now)
        return longest

    async def acquire(self, kind: str) -> None:
        async with self._lock:
            wait = self.wait_s(kind)
            if wait > self.max_wait_s:
                raise RateLimited(f"Kite's {kind} limit is reached; try again in {wait:.0f}s", http_status=429,
                                  retry_after_s=wait)
            if wait > 0:
                self.waits += 1
                await asyncio.sleep(wait)
            now = self._clock()
            for i, _ in enumerate(self.limits.get(kind, self.limits[OTHER])):
                self._sent.setdefault((kind, i), deque()).append(now)

"""A safety net for live bar series: after the market stream reconnects, fetch from REST (with retries) every bar
since the last one seen and publish those the venue's own backfill has not already delivered."""
from __future__ import annotations

import logging
from collections import deque
from typing import Any, Callable

from ..model import Bar, Interval
from .history import load_bars

log = logging.getLogger(__name__)


class BarGapFiller:
    """Remembers the open times seen per (symbol, interval) and fills holes after a reconnect."""

    def __init__(self, source: Any, publish: Callable[[Bar], None], keep: int = 5000) -> None:
        self._source = source  # klines(symbol, interval, start_ms, end_ms, limit), already retrying
        self._publish = publish
        self._keep = keep
        self._seen: dict[tuple[str, Interval], tuple[set[int], deque[int]]] = {}
        self.filled = 0

    def track(self, symbol: str, interval: Interval) -> None:
        self._seen.setdefault((symbol, interval), (set(), deque()))

    def untrack(self, symbol: str, interval: Interval) -> None:
        self._seen.pop((symbol, interval), None)

    def on_bar(self, bar: Bar) -> None:
        entry = self._seen.get((bar.symbol, bar.interval))
        if entry is None or bar.open_time in entry[0]:
            return
        seen, order = entry
        seen.add(bar.open_time)
        order.append(bar.open_time)
        if len(order) > self._keep:
            seen.discard(order.popleft())

    async def fill(self) -> None:
        """Publish every bar from the last one seen on, per tracked series, that was not seen yet."""
        for (symbol, interval), (seen, order) in list(self._seen.items()):
            if not order:
                continue
            try:
                bars = await load_bars(self._source, symbol, interval, start=max(order))
            except Exception as exc:  # noqa: BLE001 - the next reconnect tries again
                log.warning("%s %s: gap fill failed (%s)", symbol, interval.value, type(exc).__name__)
                continue
            for bar in bars:
                if bar.open_time not in seen:
                    self.on_bar(bar)
                    self.filled += 1
                    self._publish(bar)

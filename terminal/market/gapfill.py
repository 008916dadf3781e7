"""A safety net for live bar series: after the market stream reconnects, fetch from REST (with retries) every bar
since the series was last known complete and publish those the venue's own backfill has not already delivered.

"Known complete" is the open time up to which every bar has been seen (it advances as bars arrive in order and after
each successful fill), so a hole stays a hole to fill even when newer bars arrive before the fill (two reconnects in
a row, or a fill that failed): it is not measured from the newest bar. A failed fill is tried again with backoff.
"""
from __future__ import annotations

import asyncio
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
        #: per series: every bar up to this open time has been seen
        self._complete: dict[tuple[str, Interval], int] = {}
        self.filled = 0
        self.retry_delays_s: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)

    def track(self, symbol: str, interval: Interval) -> None:
        self._seen.setdefault((symbol, interval), (set(), deque()))

    def untrack(self, symbol: str, interval: Interval) -> None:
        self._seen.pop((symbol, interval), None)
        self._complete.pop((symbol, interval), None)

    def on_bar(self, bar: Bar) -> None:
        entry = self._seen.get((bar.symbol, bar.interval))
        if entry is None or bar.open_time in entry[0]:
            return
        seen, order = entry
        seen.add(bar.open_time)
        order.append(bar.open_time)
        if len(order) > self._keep:
            seen.discard(order.popleft())
        key = (bar.symbol, bar.interval)
        done = self._complete.get(key)
        if done is None:
            self._complete[key] = bar.open_time
        elif bar.open_time == done + bar.interval.ms:
            self._advance(key, seen)

    def _advance(self, key: tuple[str, Interval], seen: set[int]) -> None:
        step = key[1].ms
        t = self._complete[key]
        while t + step in seen:
            t += step
        self._complete[key] = t

    async def fill(self) -> None:
        """Publish every bar since the series was last known complete, per tracked series, that was not seen yet."""
        for (symbol, interval), (seen, order) in list(self._seen.items()):
            if not order:
                continue
            key = (symbol, interval)
            start = self._complete.get(key, min(order))
            bars = None
            for attempt, delay in enumerate((0.0, *self.retry_delays_s)):
                if delay:
                    await asyncio.sleep(delay)  # backoff before trying the venue again
                if key not in self._seen:
                    break  # untracked meanwhile
                try:
                    bars = await load_bars(self._source, symbol, interval, start=start)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - tried again after a pause, then at the next reconnect
                    log.warning("%s %s: gap fill failed (%s), attempt %d", symbol, interval.value,
                                type(exc).__name__, attempt + 1)
            if bars is None:
                continue
            for bar in bars:
                if bar.open_time not in seen:
                    self.on_bar(bar)
                    self.filled += 1
                    self._publish(bar)
            if key in self._seen and bars:
                # the venue answered for the whole span: what it does not have is no hole of ours
                self._complete[key] = max(self._complete.get(key, start), bars[-1].open_time)
                self._advance(key, seen)

"""Clocks: live (wall time) and simulated (driven by a backtest or replay)."""
from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class LiveClock:
    def __init__(self, offset_ms: int = 0) -> None:
        self.offset_ms = offset_ms

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.offset_ms


class SimClock:
    def __init__(self, start_ms: int = 0) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def set(self, ts_ms: int) -> None:
        if ts_ms < self._now:
            raise ValueError("simulated time cannot go backwards")
        self._now = ts_ms

    def advance(self, delta_ms: int) -> None:
        self.set(self._now + delta_ms)


def now_ms() -> int:
    return int(time.time() * 1000)

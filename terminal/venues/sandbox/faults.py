"""Fault switches for tests and demos: dropped sockets, 5xx, 429, delays, depth sequence gaps.

``fail_next(n, status)`` alternates deterministically, counting from the call that armed it: the 1st, 3rd, 5th...
failing request is answered ``status`` **before** it is processed (an order is NOT placed), the 2nd, 4th...
is processed first and then answered ``status`` (an order IS placed). A client must therefore treat any 5xx as
"outcome unknown" and query the order by its client id.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fail: list[tuple[int, bool]] = []  # (status, process_first)
        self._rate_limit: list[int] = []  # retry_after seconds
        self._delay: list[float] = []
        self._depth_gaps: set[str] = set()
        self._drop: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop, drop: Callable[[], None]) -> None:
        self._loop, self._drop = loop, drop

    # -- switches (thread-safe) -----------------------------------------------------------------
    def drop_websockets(self) -> None:
        """Close every WebSocket now (market, user data, ws-api); returns once they are closing."""
        if self._drop is None or self._loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._drop()
            return
        done = threading.Event()

        def run() -> None:
            try:
                self._drop()  # type: ignore[misc]
            finally:
                done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(5)

    def fail_next(self, n: int, status: int = 500) -> None:
        with self._lock:
            self._fail = [(status, i % 2 == 1) for i in range(n)]

    def rate_limit_next(self, n: int, retry_after: int = 1) -> None:
        with self._lock:
            self._rate_limit = [retry_after] * n

    def delay_next(self, n: int, seconds: float) -> None:
        with self._lock:
            self._delay = [seconds] * n

    def skip_depth_sequence(self, symbol: str) -> None:
        with self._lock:
            self._depth_gaps.add(symbol.upper())

    def clear(self) -> None:
        with self._lock:
            self._fail.clear()
            self._rate_limit.clear()
            self._delay.clear()
            self._depth_gaps.clear()

    # -- consumed by the server -------------------------------------------------------------------
    def take_delay(self) -> float:
        with self._lock:
            return self._delay.pop(0) if self._delay else 0.0

    def take_rate_limit(self) -> int | None:
        with self._lock:
            return self._rate_limit.pop(0) if self._rate_limit else None

    def take_failure(self) -> tuple[int, bool] | None:
        with self._lock:
            return self._fail.pop(0) if self._fail else None

    def take_depth_gap(self, symbol: str) -> bool:
        with self._lock:
            if symbol in self._depth_gaps:
                self._depth_gaps.discard(symbol)
                return True
            return False

    def apply(self, spec: dict[str, Any]) -> None:
        """The same switches from JSON (``POST /sandbox/faults``)."""
        if spec.get("clear"):
            self.clear()
        if "fail_next" in spec:
            self.fail_next(int(spec["fail_next"]), int(spec.get("status", 500)))
        if "rate_limit_next" in spec:
            self.rate_limit_next(int(spec["rate_limit_next"]), int(spec.get("retry_after", 1)))
        if "delay_next" in spec:
            self.delay_next(int(spec["delay_next"]), float(spec.get("seconds", 1.0)))
        if "skip_depth_sequence" in spec:
            self.skip_depth_sequence(str(spec["skip_depth_sequence"]))
        if spec.get("drop_websockets"):
            self.drop_websockets()

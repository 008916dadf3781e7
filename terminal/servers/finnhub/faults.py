"""Fault switches of the Finnhub paper server (thread-safe: tests call them from their own thread)."""
from __future__ import annotations

import threading
from typing import Any, Callable


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rate_limit = 0
        self._fail: list[int] = []
        self._drop: Callable[[], None] | None = None
        self._loop: Any = None

    def bind(self, loop: Any, drop: Callable[[], None]) -> None:
        self._loop, self._drop = loop, drop

    def rate_limit_next(self, n: int = 1) -> None:
        """The next ``n`` REST calls are answered 429 (Finnhub's body)."""
        with self._lock:
            self._rate_limit += n

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """The next ``n`` REST calls are answered ``status`` with a JSON error."""
        with self._lock:
            self._fail.extend([status] * n)

    def drop_websockets(self) -> None:
        """Close every WebSocket connection as a network failure would (no close handshake)."""
        if self._loop is not None and self._drop is not None:
            self._loop.call_soon_threadsafe(self._drop)

    def take(self) -> tuple[bool, int | None]:
        """For the next call: (answer 429?, failure status or None)."""
        with self._lock:
            if self._rate_limit:
                self._rate_limit -= 1
                return True, None
            if self._fail:
                return False, self._fail.pop(0)
            return False, None

    def clear(self) -> None:
        with self._lock:
            self._rate_limit = 0
            self._fail.clear()

"""Fault switches for tests and demos: dropped sockets, 5xx, 429, delays, held requests/answers, depth gaps.

``fail_next(n, status)`` alternates deterministically, counting from the call that armed it: the 1st, 3rd, 5th...
failing request is answered ``status`` **before** it is processed (an order is NOT placed), the 2nd, 4th...
is processed first and then answered ``status`` (an order IS placed). A client must therefore treat any 5xx as
"outcome unknown" and query the order by its client id.

Where a REST request waits (``rest.RestApi.handle``):

- ``delay_next(n, s)``: before the request is even read; a client that gives up meanwhile places nothing.
- ``hold_next_request(n)``: the request has fully arrived and waits, unprocessed, until ``Hold.release()``;
  processing does not depend on the client still being there (a request that reached the exchange can land after
  its sender died), and the venue checks ``timestamp``/``recvWindow`` only when it is processed.
- ``delay_response_next(n, s)`` / ``hold_next_response(n)``: the request is processed (an order IS placed), then
  the answer waits ``s`` seconds / until released.

The request-matching switches take an optional ``method`` and ``path`` (e.g. ``"POST"``, ``"/api/v3/order"``) so a
client's other traffic passes; each arming is queued and used up by the first matching requests.
"""
from __future__ import annotations

import asyncio
import math
import threading
from dataclasses import dataclass
from typing import Any, Callable

from .hold import Hold


@dataclass
class _Gate:
    hold: Hold
    remaining: int
    method: str | None
    path: str | None

    def matches(self, method: str, path: str) -> bool:
        return (self.remaining > 0 and (self.method is None or self.method == method.upper())
                and (self.path is None or self.path == path))


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fail: list[tuple[int, bool]] = []  # (status, process_first)
        self._rate_limit: list[int] = []  # retry_after seconds
        self._delay: list[float] = []
        self._depth_gaps: set[str] = set()
        self._request_gates: list[_Gate] = []
        self._response_gates: list[_Gate] = []
        self._holds: list[Hold] = []  # every hold armed since the last clear(), used up or not
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

    def hold_next_request(self, n: int = 1, *, method: str | None = None, path: str | None = None) -> Hold:
        """The next ``n`` matching REST requests arrive in full, then wait unprocessed until ``release()``."""
        return self._arm(self._request_gates, Hold(), n, method, path)

    def delay_response_next(self, n: int, seconds: float, *, method: str | None = None,
                            path: str | None = None) -> Hold:
        """The next ``n`` matching REST requests are processed, then answered ``seconds`` later (or when the
        returned hold is released, or the faults are cleared, if that comes first)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, not {seconds!r}")
        return self._arm(self._response_gates, Hold(timeout_s=seconds), n, method, path)

    def hold_next_response(self, n: int = 1, *, method: str | None = None, path: str | None = None) -> Hold:
        """The next ``n`` matching REST requests are processed, then their answers wait until ``release()``."""
        return self._arm(self._response_gates, Hold(), n, method, path)

    def _arm(self, gates: list[_Gate], hold: Hold, n: int, method: str | None, path: str | None) -> Hold:
        if n < 0:
            raise ValueError(f"n must be >= 0, not {n!r}")
        if n > 0:
            with self._lock:
                gates.append(_Gate(hold, n, method.upper() if method else None, path))
                self._holds.append(hold)
        return hold

    def skip_depth_sequence(self, symbol: str) -> None:
        with self._lock:
            self._depth_gaps.add(symbol.upper())

    def clear(self) -> None:
        """Disarm every switch and release every held request and answer."""
        self.release_holds()
        with self._lock:
            self._fail.clear()
            self._rate_limit.clear()
            self._delay.clear()
            self._depth_gaps.clear()
            self._request_gates.clear()
            self._response_gates.clear()
            self._holds.clear()

    def release_holds(self) -> None:
        """Release every armed hold (the server does this when it stops, so no handler is left waiting)."""
        with self._lock:
            holds = list(self._holds)
        for hold in holds:
            hold.release()

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

    def take_request_hold(self, method: str, path: str) -> Hold | None:
        return self._take(self._request_gates, method, path)

    def take_response_hold(self, method: str, path: str) -> Hold | None:
        return self._take(self._response_gates, method, path)

    def _take(self, gates: list[_Gate], method: str, path: str) -> Hold | None:
        with self._lock:
            for gate in gates:
                if gate.matches(method, path):
                    gate.remaining -= 1
                    if gate.remaining == 0:
                        gates.remove(gate)
                    return gate.hold
        return None

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
        if "delay_response_next" in spec:
            self.delay_response_next(int(spec["delay_response_next"]), float(spec.get("seconds", 1.0)),
                                     method=_text(spec, "method"), path=_text(spec, "path"))
        if "skip_depth_sequence" in spec:
            self.skip_depth_sequence(str(spec["skip_depth_sequence"]))
        if spec.get("drop_websockets"):
            self.drop_websockets()


def _text(spec: dict[str, Any], key: str) -> str | None:
    value = spec.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{key} must be a string")
    return value

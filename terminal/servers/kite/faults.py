"""Fault switches of the Kite paper server (set from any thread through the server; read on its loop).

- ``rate_limit_next(n)``: the next ``n`` API requests answer 429 NetworkException "Too many requests".
- ``fail_next(n, status, after_processing, path)``: the next ``n`` API requests (under ``path`` if given, e.g.
  ``/orders``) answer ``status`` (500 GeneralException, 502/503/504 NetworkException); with ``after_processing`` the
  request is carried out first (an order is placed) and only the answer is lost.
- ``delay_next(n, delay_ms)``: the next ``n`` API requests are answered ``delay_ms`` late (a slow OMS).
The login page and the ticker are not affected (``drop_ticker`` and ``expire_tokens`` are on the server).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Failure:
    status: int
    after_processing: bool
    path: str | None


@dataclass
class Faults:
    rate_limited: int = 0
    delay_count: int = 0
    delay_ms: int = 0

    def __post_init__(self) -> None:
        self.failures: list[Failure] = []

    def take_rate_limit(self) -> bool:
        if self.rate_limited > 0:
            self.rate_limited -= 1
            return True
        return False

    def take_delay(self) -> int:
        if self.delay_count > 0:
            self.delay_count -= 1
            return self.delay_ms
        return 0

    def take_failure(self, path: str) -> Failure | None:
        for i, failure in enumerate(self.failures):
            if failure.path is None or path.startswith(failure.path):
                del self.failures[i]
                return failure
        return None

    def clear(self) -> None:
        self.rate_limited = self.delay_count = self.delay_ms = 0
        self.failures.clear()


def failure_type(status: int) -> str:
    return "NetworkException" if status in (502, 503, 504) else "GeneralException"

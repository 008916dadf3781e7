"""Per-stream liveness figures, shared by the market and user streams and the venue's health report, and the
rate-limited log line for dropped messages."""
from __future__ import annotations

import logging
import time
from typing import Callable

from ..ports import StreamHealth  # the ports' record: every adapter reports its streams with it

__all__ = ["DropLog", "StreamHealth"]


class DropLog:
    """Warnings about dropped messages, at most one line per (stream, reason) every ``interval_s``, saying how many
    were dropped since the last line. A reason is the exception's type and the wire field it names (a constant of
    the parser); the message itself (which might carry anything) is never logged."""

    def __init__(self, logger: logging.Logger, name: str, interval_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, *, action: str = "dropped") -> None:
        self._log = logger
        self._name = name
        self._action = action
        self.interval_s = interval_s
        self._clock = clock
        self._seen: dict[tuple[str, str, str], list[float | int]] = {}  # reason -> [last line at, dropped since]

    def note(self, stream: str, exc: BaseException) -> None:
        wire_field = getattr(exc, "field", None)
        key = (stream, type(exc).__name__, wire_field if isinstance(wire_field, str) else "")
        now = self._clock()
        entry = self._seen.get(key)
        if entry is None:
            if len(self._seen) >= 1000:  # stream names come from our subscriptions; bound it all the same
                self._seen.clear()
            entry = self._seen[key] = [now - self.interval_s, 0]
        entry[1] += 1
        if now - entry[0] >= self.interval_s:
            what = f"{key[1]}: {key[2]}" if key[2] else key[1]
            self._log.warning("%s: %s %d message(s) on %s (%s)", self._name, self._action, entry[1], stream, what)
            entry[0], entry[1] = now, 0

"""Per-stream liveness figures, shared by the market and user streams and the venue's health report, and the
rate-limited log line for dropped messages."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable


@dataclass(slots=True)
class StreamHealth:
    """Liveness of one stream (or of a whole connection). Times are monotonic seconds / epoch ms.

    ``errors`` counts every failure on the stream (dropped messages and consumer failures); ``dropped`` counts the
    malformed messages among them (not JSON, wrong shape, or refused by the parser's wire rules)."""

    name: str
    messages: int = 0
    last_message_mono: float = 0.0
    reconnects: int = 0
    gaps: int = 0
    resyncs: int = 0
    errors: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    dropped: int = 0

    @property
    def age_s(self) -> float | None:
        """Seconds since the last message (None if none yet)."""
        return None if not self.last_message_mono else time.monotonic() - self.last_message_mono

    def snapshot(self) -> "StreamHealth":
        return replace(self, extra=dict(self.extra))


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

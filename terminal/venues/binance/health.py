"""Per-stream liveness figures, shared by the market and user streams and the venue's health report."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(slots=True)
class StreamHealth:
    """Liveness of one stream (or of a whole connection). Times are monotonic seconds / epoch ms."""

    name: str
    messages: int = 0
    last_message_mono: float = 0.0
    reconnects: int = 0
    gaps: int = 0
    resyncs: int = 0
    errors: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def age_s(self) -> float | None:
        """Seconds since the last message (None if none yet)."""
        return None if not self.last_message_mono else time.monotonic() - self.last_message_mono

    def snapshot(self) -> "StreamHealth":
        return replace(self, extra=dict(self.extra))

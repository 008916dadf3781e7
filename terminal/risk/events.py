"""What the risk engine publishes on the bus (frozen records, past-tense nouns)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RiskHalted:
    """A loss limit was reached: opening orders are refused until ``until_ms`` (the next day's start) or a resume.
    ``flatten``: the limits ask for the positions to be closed as well (``RiskEngine.flatten_requested``)."""

    limit: str
    message: str
    flatten: bool
    until_ms: int
    ts_event: int = 0


@dataclass(frozen=True, slots=True)
class RiskResumed:
    """Opening orders are allowed again (a new day, or ``actor`` resumed trading)."""

    actor: str
    ts_event: int = 0


@dataclass(frozen=True, slots=True)
class StrategyLimitReached:
    """``strategy`` went past its own limit: its runner stops it (the others go on)."""

    strategy: str
    limit: str
    message: str
    ts_event: int = 0


@dataclass(frozen=True, slots=True)
class RiskLimitsChanged:
    """The limits were edited: ``changes`` lists ``(path, old, new)`` (None: no limit)."""

    actor: str
    changes: tuple[tuple[str, str | None, str | None], ...]
    ts_event: int = 0

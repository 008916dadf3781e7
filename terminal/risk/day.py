"""The trading day's equity: where it opened, its peak, where it is now; the loss and drawdown limits read these.

A day starts at ``day_start_hour_utc`` (00:00 UTC by default, Binance's day). The first equity seen in a day is its
open; a sample may be missing (equity unknown while an asset has no price): the figures keep their last values. The
state survives a restart through ``to_dict``/``from_dict`` (the engine saves it), so a restart never resets the
day's loss.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


@dataclass
class DayEquity:
    day_start_hour_utc: int = 0
    day: int | None = None  # days since the epoch, counted from the day start hour
    open: Decimal | None = None
    peak: Decimal | None = None
    last: Decimal | None = None
    halt: str = ""  # why opening orders are halted today ("" = not halted)
    halt_limit: str = ""  # the limit that halted them ("loss.max_daily_loss", "loss.max_drawdown")

    def day_of(self, ts_ms: int) -> int:
        return (ts_ms - self.day_start_hour_utc * HOUR_MS) // DAY_MS

    def next_day_ms(self, ts_ms: int) -> int:
        """When the day of ``ts_ms`` ends (epoch ms)."""
        return (self.day_of(ts_ms) + 1) * DAY_MS + self.day_start_hour_utc * HOUR_MS

    def roll(self, ts_ms: int) -> bool:
        """Start a new day if ``ts_ms`` is in a later one (the open, peak and halt start again). True if it did."""
        day = self.day_of(ts_ms)
        if self.day == day:
            return False
        self.day, self.open, self.peak, self.halt, self.halt_limit = day, None, None, "", ""
        return True

    def sample(self, ts_ms: int, equity: Decimal | None) -> None:
        self.roll(ts_ms)
        if equity is None:
            return
        if self.open is None:
            self.open = equity
        if self.peak is None or equity > self.peak:
            self.peak = equity
        self.last = equity

    def transfer(self, amount: Decimal) -> None:
        """A deposit (> 0) or withdrawal (< 0) worth ``amount``: money moved, not won or lost. The day's open and
        peak move with it, so the loss and the drawdown read only what trading did."""
        if self.open is not None:
            self.open += amount
        if self.peak is not None:
            self.peak += amount

    @property
    def loss(self) -> Decimal | None:
        """Equity at the day's open minus equity now (> 0: a loss)."""
        return None if self.open is None or self.last is None else self.open - self.last

    @property
    def drawdown(self) -> Decimal | None:
        return None if self.peak is None or self.last is None else self.peak - self.last

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day, "open": _s(self.open), "peak": _s(self.peak), "halt": self.halt,
                "halt_limit": self.halt_limit}

    def restore(self, data: Any, now_ms: int) -> None:
        """Take a saved state if it is today's (a state of an earlier day is dropped)."""
        if not isinstance(data, dict) or data.get("day") != self.day_of(now_ms):
            return
        try:
            self.open = _d(data.get("open"))
            self.peak = _d(data.get("peak"))
        except ArithmeticError:
            return
        self.day = data["day"]
        self.halt = str(data.get("halt") or "")
        self.halt_limit = str(data.get("halt_limit") or "")


def _s(v: Decimal | None) -> str | None:
    return None if v is None else format(v, "f")


def _d(v: Any) -> Decimal | None:
    if v is None:
        return None
    d = Decimal(str(v))
    if not d.is_finite():
        raise ArithmeticError(v)
    return d

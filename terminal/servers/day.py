"""A symbol's figures for the trading day, as a paper server over ``terminal.sim`` keeps them for its quotes and
ticks: open, high, low against the previous close, the last trade, volume, turnover and its average price, open
interest. A server subclasses ``Day`` for what only its protocol carries.

``Day.from_store`` starts the figures from the simulated market's 1-minute history (the day so far since
``midnight_ms``, the previous close before it); ``trade`` moves them on each trade.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any, Self

from terminal.model import Interval
from terminal.sim.klines import KlineStore

ZERO = Decimal(0)
CENT = Decimal("0.01")


def midnight_ms(ts_ms: int, tz: tzinfo) -> int:
    """The start of the day of ``ts_ms`` in ``tz``, epoch ms."""
    day = datetime.fromtimestamp(ts_ms / 1000, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(day.timestamp() * 1000)


@dataclass(slots=True)
class Day:
    open: Decimal
    high: Decimal
    low: Decimal
    prev_close: Decimal
    last: Decimal
    last_qty: Decimal = ZERO
    last_ms: int = 0
    volume: Decimal = ZERO
    turnover: Decimal = ZERO
    oi: int = 0

    @classmethod
    def from_store(cls, store: KlineStore, last: Decimal, midnight_ms: int, now_ms: int, **extra: Any) -> Self:
        """The day so far from the store's 1-minute bars (``last`` where it has none), ``extra`` fields as given."""
        before = store.klines(Interval.M1, end_ms=midnight_ms - 1, limit=1)
        today = [r for r in store.klines(Interval.M1, midnight_ms, now_ms, limit=1500) if r.open_time >= midnight_ms]
        return cls(open=today[0].open if today else last, high=max((r.high for r in today), default=last),
                   low=min((r.low for r in today), default=last), prev_close=before[-1].close if before else last,
                   last=last, last_ms=now_ms, volume=sum((r.volume for r in today), ZERO),
                   turnover=sum((r.quote_volume for r in today), ZERO), **extra)

    @property
    def average(self) -> Decimal:
        """The day's volume-weighted average price (the last price before any volume)."""
        return (self.turnover / self.volume).quantize(CENT) if self.volume else self.last

    def trade(self, price: Decimal, qty: Decimal, quote_qty: Decimal, ts_ms: int) -> None:
        self.high, self.low = max(self.high, price), min(self.low, price)
        self.last, self.last_qty, self.last_ms = price, qty, ts_ms
        self.volume += qty
        self.turnover += quote_qty

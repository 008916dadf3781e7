"""What a venue charges for a trade, as declared by its adapter (``Capabilities.fees``): the ticket's estimate.

A ``FeeRule`` is the usual broker shape: a rate of the notional and/or an amount per unit (share, contract), then a
minimum, a cap as a fraction of the notional and an absolute cap, all in the instrument's currency. A
``FeeSchedule`` picks a rule by asset class (falling back to its default rule). Estimates only: what the venue
reports on the fill is what is booked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Mapping

from .enums import AssetClass
from .instrument import Instrument

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class FeeRule:
    rate: Decimal = ZERO          # fraction of the notional (0.001 = 0.1 %)
    per_unit: Decimal = ZERO      # per share / contract / unit of quantity
    minimum: Decimal = ZERO       # per order
    max_pct: Decimal | None = None  # cap as a fraction of the notional
    cap: Decimal | None = None    # absolute cap per order

    def estimate(self, notional: Decimal, qty: Decimal) -> Decimal:
        fee = notional * self.rate + abs(qty) * self.per_unit
        if fee or self.minimum:
            fee = max(fee, self.minimum)
        if self.max_pct is not None:
            fee = min(fee, max(self.minimum, notional * self.max_pct))
        if self.cap is not None:
            fee = min(fee, self.cap)
        return fee


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    default: FeeRule = FeeRule()
    by_class: Mapping[AssetClass, FeeRule] = field(default_factory=dict)
    note: str = ""  # shown with the estimate where the schedule simplifies (e.g. "delivery is free")

    @classmethod
    def flat(cls, rate: Decimal | str) -> "FeeSchedule":
        return cls(FeeRule(rate=Decimal(rate)))

    def rule(self, instrument: Instrument) -> FeeRule:
        return self.by_class.get(instrument.asset_class, self.default)

    @property
    def rate(self) -> Decimal:
        """The default rule's rate of the notional (what sizing by a share of the balance leaves room for)."""
        return self.default.rate

    def estimate(self, instrument: Instrument, qty: Decimal, price: Decimal) -> Decimal:
        """The fee of trading ``qty`` at ``price``, in the instrument's currency (the notional's own precision)."""
        return self.rule(instrument).estimate(instrument.notional(price, qty), qty)

"""Price grouping for a book ladder: levels aggregated into buckets of a coarser price step, in Decimal.

A bid is grouped down (the bucket's price is the best price a seller gets at least) and an ask up, as exchange
terminals do: ``group_levels(bids, Decimal("1"), Side.BUY)`` turns 100.37 and 100.02 into one level at 100 holding
both sizes. Levels come best first and leave best first.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Iterable, Sequence

from ..model import Side

Level = tuple[Decimal, Decimal]


def bucket(price: Decimal, step: Decimal, side: Side) -> Decimal:
    """The grouped price of ``price``: a multiple of ``step``, down for a bid, up for an ask."""
    if step <= 0:
        raise ValueError(f"the grouping step must be positive, got {step}")
    n = (price / step).to_integral_value(ROUND_FLOOR if side is Side.BUY else ROUND_CEILING)
    p = n * step
    return p.quantize(step) if int(step.as_tuple().exponent) < 0 else p


def group_levels(levels: Iterable[Level], step: Decimal | None, side: Side) -> list[Level]:
    """``levels`` (best first) summed per bucket of ``step``; ``None`` leaves them as they are. Exact in Decimal."""
    if step is None:
        return list(levels)
    out: list[Level] = []
    for price, qty in levels:
        p = bucket(price, step, side)
        if out and out[-1][0] == p:
            out[-1] = (p, out[-1][1] + qty)
        else:
            out.append((p, qty))
    return out


def grouping_steps(tick: Decimal, count: int = 4) -> list[Decimal]:
    """The steps offered for an instrument: its tick, then 10x, 100x, 1000x (0.01, 0.1, 1, 10 for a 0.01 tick)."""
    if tick <= 0:
        raise ValueError(f"the tick size must be positive, got {tick}")
    return [tick.scaleb(k).normalize() for k in range(count)]


def step_label(step: Decimal) -> str:
    """``0.01``, ``0.1``, ``1``, ``10`` (never ``1E+1``)."""
    return format(step.normalize(), "f")


def is_grouped(step: Decimal | None, tick: Decimal) -> bool:
    return step is not None and step != tick


__all__: Sequence[str] = ("bucket", "group_levels", "grouping_steps", "step_label", "is_grouped")

"""A bracket's exit prices from offsets (the ticket's "by %" and "by ticks"), snapped to the instrument's tick away from
the reference price so that an offset never rounds onto the wrong side of it."""
from __future__ import annotations

from decimal import Decimal

from ..model import Instrument, Side
from ..model.numbers import InvalidArgument

HUNDRED = Decimal(100)


def exit_price(instrument: Instrument, entry_side: Side, reference: Decimal, *, take_profit: bool,
               percent: Decimal | None = None, ticks: int | None = None) -> Decimal:
    """The take-profit (``take_profit=True``) or stop-loss price ``percent`` % or ``ticks`` ticks from ``reference``
    (the entry's price) for an entry on ``entry_side``: a buy's take-profit above and its stop below (a sell's
    mirrored)."""
    if (percent is None) == (ticks is None):
        raise InvalidArgument("give a percent or a number of ticks", "percent")
    if percent is not None and not (Decimal(0) < percent < HUNDRED):
        raise InvalidArgument(f"percent: must be between 0 and 100, got {percent}", "percent")
    if ticks is not None and (isinstance(ticks, bool) or not isinstance(ticks, int) or ticks <= 0):
        raise InvalidArgument(f"ticks: must be a whole number above 0, got {ticks!r}", "ticks")
    up = (entry_side is Side.BUY) == take_profit
    offset = reference * percent / HUNDRED if percent is not None else instrument.tick_size * (ticks or 0)
    price = instrument.snap_price(reference + offset if up else reference - offset, "up" if up else "down")
    if price <= 0:
        raise InvalidArgument(f"the offset puts the price at or below zero ({price})", "percent")
    return price

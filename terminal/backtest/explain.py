"""Why a backtest made no trades, in one sentence a user can act on.

A backtest with an empty trade list is usually not a strategy without signals but one whose orders could not be
paid for: "all in" sizing buys whole lots, and 10,000 of cash buys 0 whole units of something priced 64,000. The
engine asks ``no_trades_reason`` and keeps the answer on the result (``BacktestResult.note``), so the command line
and the backtest dock can say it.
"""
from __future__ import annotations

from decimal import Decimal

from .broker import Shortfall

_ONE = Decimal(1)


def number(value: Decimal) -> str:
    """64000 -> '64,000'; 9876.54321 -> '9,876.54321' (no exponent, thousands separated)."""
    v = value.normalize()
    if v == v.to_integral_value():
        return f"{v:,.0f}"
    return f"{v:,f}"


def money(value: Decimal) -> str:
    """Cash to the cent, or whole when it is whole: '10,000', '9,876.54'."""
    return number(value) if value == value.to_integral_value() else f"{value:,.2f}"


def _units(lot: Decimal) -> str:
    return "whole units" if lot == _ONE else f"lots of {number(lot)}"


def no_trades_reason(*, bars: int, orders: int, fills: int, shortfall: Shortfall | None, lot_size: Decimal,
                     finalize_trades: bool) -> str:
    """The reason a backtest closed no trade (call it only then)."""
    if not bars:
        return "No trades: there are no bars."
    if shortfall is not None and not fills:
        if shortfall.all_in:
            hint = "use fractional sizing (a lot step such as 0.00001) or more cash" if lot_size == _ONE \
                else "use a smaller lot step or more cash"
            return (f"No trades: cash {money(shortfall.cash)} buys 0 {_units(lot_size)} at {number(shortfall.price)} "
                    f"(one costs {money(shortfall.need)} with commission); {hint}.")
        return (f"No trades: an order for {number(shortfall.quantity)} at {number(shortfall.price)} needs "
                f"{money(shortfall.need)} with commission, but the cash is {money(shortfall.cash)}.")
    if not orders:
        return f"No trades: the strategy placed no orders in {bars:,} bars."
    if fills and not finalize_trades:
        return "No closed trades: the position opened is still open at the end (closing it at the end is off)."
    return (f"No trades: the strategy placed {orders:,} order{'s' if orders != 1 else ''} and none filled "
            f"(limit or stop prices never reached, or cancelled).")

"""Trailing stops: a stop order that follows the best price by a delta in basis points (Binance's ``trailingDelta``).

The rules (reference §15, the trailing-stop FAQ):
- without a stop price, tracking starts at placement from the last price;
- with a stop price, nothing happens until a trade meets the order's ordinary stop condition (``stops.would_trigger``);
  that trade is the first extreme and tracking begins (``trailing_time``);
- while tracking, a SELL remembers the highest trade price and triggers on a trade at or below
  ``highest x (1 - delta/10000)``; a BUY remembers the lowest and triggers at or above ``lowest x (1 + delta/10000)``.
  Once triggered it works as any triggered stop (a MARKET order, or a LIMIT at its price).

Comparisons are exact: ``price x 10000`` against ``extreme x (10000 -/+ delta)``, no division.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from .matching import WorkingOrder

BIPS = 10_000


def start(order: WorkingOrder, last_price: Decimal | None, now: int) -> None:
    """Begin tracking from ``last_price`` (an order placed without a stop price)."""
    order.tracking = True
    order.extreme = last_price
    order.trailing_time = now


def walk(order: WorkingOrder, path: Sequence[Decimal], now: int, rises: bool) -> int | None:
    """Follow the trades of ``path`` in order; return the index of the trade that triggers ``order``, else None.

    ``rises``: the order's stop condition is ``last >= stopPrice`` (else ``last <= stopPrice``), see
    ``stops.fires_on_rise``. Updates the tracking state (activation, extreme) for every trade up to the trigger.
    """
    delta = order.trailing_delta
    buy = order.is_buy
    stop = order.stop_price
    for i, price in enumerate(path):
        if not order.tracking:
            if price >= stop if rises else price <= stop:
                start(order, price, now)
            continue
        extreme = order.extreme
        if extreme is None:
            order.extreme = price
        elif buy:
            if price < extreme:
                order.extreme = price
            elif price * BIPS >= extreme * (BIPS + delta):
                return i
        elif price > extreme:
            order.extreme = price
        elif price * BIPS <= extreme * (BIPS - delta):
            return i
    return None


def trigger_price(order: WorkingOrder) -> Decimal | None:
    """The price at which a tracking order would trigger now (None before tracking or without a price yet)."""
    if not order.tracking or order.extreme is None:
        return None
    factor = BIPS + order.trailing_delta if order.is_buy else BIPS - order.trailing_delta
    return order.extreme * factor / BIPS

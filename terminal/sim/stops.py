"""Armed stop orders of one symbol, waiting for the last trade price to reach their stop price.

STOP_LOSS* BUY and TAKE_PROFIT* SELL fire when last >= stop ("rising" list); STOP_LOSS* SELL and TAKE_PROFIT* BUY
when last <= stop ("falling" list). Each list is sorted so the next order to fire is found in O(1).
Orders that the same trades fire are worked oldest first (by order id).
"""
from __future__ import annotations

import bisect
from decimal import Decimal

from terminal.model.enums import OrderType, Side

from .matching import WorkingOrder

_RISING = {(OrderType.STOP_LOSS, Side.BUY), (OrderType.STOP_LOSS_LIMIT, Side.BUY),
           (OrderType.TAKE_PROFIT, Side.SELL), (OrderType.TAKE_PROFIT_LIMIT, Side.SELL)}


def fires_on_rise(order_type: OrderType, side: Side) -> bool:
    """True if the order triggers when the last price rises to its stop (last >= stop)."""
    return (order_type, side) in _RISING


def would_trigger(order_type: OrderType, side: Side, stop: Decimal, last: Decimal | None) -> bool:
    if last is None:
        return False
    return last >= stop if fires_on_rise(order_type, side) else last <= stop


class StopBook:
    __slots__ = ("_rising", "_falling", "_orders")

    def __init__(self) -> None:
        self._rising: list[tuple[Decimal, int]] = []   # (stop, id) ascending: lowest stop fires first
        self._falling: list[tuple[Decimal, int]] = []  # (-stop, id) ascending: highest stop fires first
        self._orders: dict[int, WorkingOrder] = {}

    def __len__(self) -> int:
        return len(self._orders)

    def _key(self, order: WorkingOrder) -> tuple[list[tuple[Decimal, int]], tuple[Decimal, int]]:
        if fires_on_rise(order.type, order.side):
            return self._rising, (order.stop_price, order.order_id)
        return self._falling, (-order.stop_price, order.order_id)

    def arm(self, order: WorkingOrder) -> None:
        keys, key = self._key(order)
        bisect.insort(keys, key)
        self._orders[order.order_id] = order

    def disarm(self, order: WorkingOrder) -> None:
        if self._orders.pop(order.order_id, None) is None:
            return
        keys, key = self._key(order)
        i = bisect.bisect_left(keys, key)
        del keys[i]

    def pop_triggered(self, low: Decimal, high: Decimal) -> list[WorkingOrder]:
        """Remove and return the orders that trades between ``low`` and ``high`` fire, oldest order first.

        Rising orders fire when ``high`` reached their stop, falling ones when ``low`` did.
        """
        fired: list[WorkingOrder] = []
        rising, falling, orders = self._rising, self._falling, self._orders
        n = 0
        while n < len(rising) and rising[n][0] <= high:
            fired.append(orders.pop(rising[n][1]))
            n += 1
        del rising[:n]
        n = 0
        while n < len(falling) and -falling[n][0] >= low:
            fired.append(orders.pop(falling[n][1]))
            n += 1
        del falling[:n]
        if len(fired) > 1:
            fired.sort(key=lambda o: o.order_id)
        return fired

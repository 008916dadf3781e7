"""Armed stop orders of one symbol, waiting for the last trade price to reach their stop price.

STOP_LOSS* BUY and TAKE_PROFIT* SELL fire when last >= stop ("rising" list); STOP_LOSS* SELL and TAKE_PROFIT* BUY
when last <= stop ("falling" list). Each list is sorted so the next order to fire is found in O(1).
Orders that fire together fire in (stop price reached first, then order id) order.
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

    def pop_triggered(self, last: Decimal | None) -> WorkingOrder | None:
        """Remove and return the next order the last price fires, or None."""
        if last is None:
            return None
        r = self._rising[0] if self._rising else None
        f = self._falling[0] if self._falling else None
        r_ok = r is not None and last >= r[0]
        f_ok = f is not None and last <= -f[0]
        if r_ok and (not f_ok or r[1] <= f[1]):  # type: ignore[index]
            del self._rising[0]
            return self._orders.pop(r[1])  # type: ignore[index]
        if f_ok:
            del self._falling[0]
            return self._orders.pop(f[1])  # type: ignore[index]
        return None

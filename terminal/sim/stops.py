"""Armed stop orders of one symbol, waiting for the last trade price to reach their stop price.

STOP_LOSS* BUY and TAKE_PROFIT* SELL fire when last >= stop ("rising" list); STOP_LOSS* SELL and TAKE_PROFIT* BUY
when last <= stop ("falling" list). Each list is sorted so the next order to fire is found in O(1).
Trailing stops (``trailing.py``) follow the trades one by one, so they sit apart and walk the round's price path.
Fired orders are worked in the order the trades reached them; orders that the same trade fires, oldest first
(by order id).
"""
from __future__ import annotations

import bisect
from decimal import Decimal

from terminal.model.enums import OrderType, Side

from .matching import WorkingOrder
from .trailing import walk

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
    __slots__ = ("_rising", "_falling", "_orders", "_trailing")

    def __init__(self) -> None:
        self._rising: list[tuple[Decimal, int]] = []   # (stop, id) ascending: lowest stop fires first
        self._falling: list[tuple[Decimal, int]] = []  # (-stop, id) ascending: highest stop fires first
        self._orders: dict[int, WorkingOrder] = {}
        self._trailing: dict[int, WorkingOrder] = {}    # trailing stops (also in _orders), by id

    def __len__(self) -> int:
        return len(self._orders)

    def _key(self, order: WorkingOrder) -> tuple[list[tuple[Decimal, int]], tuple[Decimal, int]]:
        if fires_on_rise(order.type, order.side):
            return self._rising, (order.stop_price, order.order_id)
        return self._falling, (-order.stop_price, order.order_id)

    def arm(self, order: WorkingOrder) -> None:
        self._orders[order.order_id] = order
        if order.trailing_delta:
            self._trailing[order.order_id] = order
            return
        keys, key = self._key(order)
        bisect.insort(keys, key)

    def disarm(self, order: WorkingOrder) -> None:
        if self._orders.pop(order.order_id, None) is None:
            return
        if self._trailing.pop(order.order_id, None) is not None:
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

    def fire(self, low: Decimal, high: Decimal, path: list[Decimal], now: int) -> list[WorkingOrder]:
        """Remove and return every order the trades of this round fire, in the order the trades reached them.

        ``low``/``high`` bound the round's traded prices, ``path`` lists them in order (``now`` stamps the time a
        trailing stop starts tracking).
        """
        fired = self.pop_triggered(low, high)
        if self._trailing:
            hits: list[tuple[int, int, WorkingOrder]] = []
            for order in list(self._trailing.values()):
                i = walk(order, path, now, fires_on_rise(order.type, order.side))
                if i is not None:
                    del self._trailing[order.order_id], self._orders[order.order_id]
                    hits.append((i, order.order_id, order))
            if hits:
                hits.extend((_reached_at(o, path), o.order_id, o) for o in fired)
                hits.sort(key=lambda h: (h[0], h[1]))
                return [h[2] for h in hits]
        if len(fired) > 1:
            ranked = sorted((_reached_at(o, path), o.order_id, o) for o in fired)
            fired = [h[2] for h in ranked]
        return fired


def _reached_at(order: WorkingOrder, path: list[Decimal]) -> int:
    """Index of the first trade of ``path`` that reaches the order's stop price (0 when none does)."""
    stop = order.stop_price
    if fires_on_rise(order.type, order.side):
        return next((i for i, p in enumerate(path) if p >= stop), 0)
    return next((i for i, p in enumerate(path) if p <= stop), 0)

"""What each symbol allows beyond its price and size filters: order lists, trailing stops, and the count filters
(reference §7, §14.1, §15). Served in exchangeInfo and enforced before the engine sees a request."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from . import errors


@dataclass(frozen=True, slots=True)
class SymbolRules:
    """One symbol's flags and limits (real symbols commonly show 200 orders, 5 algo orders, 20 lists and trailing
    deltas of 10 to 2000 basis points)."""

    oco_allowed: bool = True
    oto_allowed: bool = True
    allow_trailing_stop: bool = True
    min_trailing_above: int = 10
    max_trailing_above: int = 2000
    min_trailing_below: int = 10
    max_trailing_below: int = 2000
    #: open orders per account on the symbol (list members count, pending ones included)
    max_num_orders: int = 200
    #: open STOP_LOSS(_LIMIT) and TAKE_PROFIT(_LIMIT) orders per account on the symbol
    max_num_algo_orders: int = 5
    #: open order lists per account on the symbol
    max_num_order_lists: int = 20

    def filters(self) -> list[dict[str, Any]]:
        """The exchangeInfo entries (these filters carry integers, not strings)."""
        return [
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": self.max_num_orders},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": self.max_num_algo_orders},
            {"filterType": "MAX_NUM_ORDER_LISTS", "maxNumOrderLists": self.max_num_order_lists},
            {"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": self.min_trailing_above,
             "maxTrailingAboveDelta": self.max_trailing_above, "minTrailingBelowDelta": self.min_trailing_below,
             "maxTrailingBelowDelta": self.max_trailing_below},
        ]

    def check_trailing(self, delta: int, fires_on_rise: bool) -> None:
        """-2010 when the symbol has no trailing stops; -1013 TRAILING_DELTA outside the bounds. Orders whose stop
        condition is a rise (STOP_LOSS BUY, TAKE_PROFIT SELL) use the ``Above`` bounds, the others ``Below``."""
        if not self.allow_trailing_stop:
            raise errors.order_rejected("Trailing stop orders are not supported for this symbol.")
        low, high = ((self.min_trailing_above, self.max_trailing_above) if fires_on_rise
                     else (self.min_trailing_below, self.max_trailing_below))
        if not low <= delta <= high:
            raise errors.filter_failure("TRAILING_DELTA")

    def check_counts(self, open_orders: Iterable[Any], open_lists: int, orders: int, algo: int, lists: int) -> None:
        """-1013 for the first count filter that adding ``orders`` (of which ``algo`` are stop or take-profit
        orders) and ``lists`` would push over its limit; the request is refused whole."""
        current = list(open_orders)
        if len(current) + orders > self.max_num_orders:
            raise errors.filter_failure("MAX_NUM_ORDERS")
        if algo and sum(1 for o in current if o.type.has_stop) + algo > self.max_num_algo_orders:
            raise errors.filter_failure("MAX_NUM_ALGO_ORDERS")
        if lists and open_lists + lists > self.max_num_order_lists:
            raise errors.filter_failure("MAX_NUM_ORDER_LISTS")


DEFAULT_RULES = SymbolRules()

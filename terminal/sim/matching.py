"""Per-symbol order book with price-time priority, and the engine's mutable working order.

Each side keeps ``price -> Level`` in a dict plus a sorted key list (bids negated) searched with ``bisect``,
so finding the best level is O(1) and adding a level O(log n) plus a C-level list insert. A level holds a FIFO
``deque`` of orders. Cancels are lazy: the order is marked off the book, the level total drops at once, and the
dead entry is discarded when it reaches the front of the queue (O(1) cancel, no deque scan).
"""
from __future__ import annotations

import bisect
from collections import deque
from decimal import Decimal
from typing import Any, Callable

from terminal.model.enums import OrderStatus, OrderType, Side, TimeInForce
from terminal.model.numbers import ZERO

from .reports import ExpiryReason, OrderView, make_view

# tuples, not sets: membership is then an identity check (an Enum's __hash__ is a Python call)
_STOP_TYPES = tuple(t for t in OrderType if t.has_stop)
_PRICED_TYPES = tuple(t for t in OrderType if t.has_price)


class WorkingOrder:
    """The engine's mutable order. ``locked`` is what this order still holds locked (quote for BUY, base for SELL)."""

    __slots__ = ("order_id", "client_order_id", "account_id", "symbol", "side", "type", "time_in_force", "price",
                 "stop_price", "quantity", "quote_quantity", "executed_qty", "cum_quote", "status", "time",
                 "update_time", "working_time", "is_working", "on_book", "locked", "limit", "is_buy", "target",
                 "is_stop", "tracked", "order_list", "order_list_id", "trailing_delta", "trailing_time", "tracking",
                 "extreme", "expiry_reason", "_view")

    def __init__(self, order_id: int, client_order_id: str, account_id: str, symbol: str, side: Side,
                 type: OrderType, time_in_force: TimeInForce | None, price: Decimal, stop_price: Decimal,
                 quantity: Decimal, quote_quantity: Decimal, time: int) -> None:
        self.order_id = order_id
        self.client_order_id = client_order_id
        self.account_id = account_id
        self.symbol = symbol
        self.side = side
        self.is_buy = side is Side.BUY
        self.type = type
        self.time_in_force = time_in_force
        self.price = price
        self.stop_price = stop_price
        self.quantity = quantity
        self.quote_quantity = quote_quantity
        self.executed_qty = ZERO
        self.cum_quote = ZERO
        self.status = OrderStatus.NEW
        self.time = time
        self.update_time = time
        self.is_stop = is_stop = type in _STOP_TYPES
        self.working_time = -1 if is_stop else time
        self.is_working = not is_stop
        self.on_book = False
        self.locked = ZERO
        #: limit price while matching (None = market)
        self.limit: Decimal | None = price if type in _PRICED_TYPES else None
        #: executed quantity at which the order is FILLED (None: never, it ends EXPIRED)
        self.target: Decimal | None = quantity
        #: the engine collects this order's executions for the caller of the current place
        self.tracked = False
        #: the order list it belongs to (an ``OrderList``; None and -1 for a lone order)
        self.order_list: Any = None
        self.order_list_id = -1
        #: trailing stop: delta in basis points (0: none), when tracking began (-1: not yet), whether it tracks
        #: and the extreme price so far (highest for a SELL, lowest for a BUY; None until a price is seen)
        self.trailing_delta = 0
        self.trailing_time = -1
        self.tracking = False
        self.extreme: Decimal | None = None
        self.expiry_reason = ExpiryReason.NONE
        self._view: OrderView | None = None

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed_qty

    def view(self) -> OrderView:
        """A frozen snapshot (reused while nothing it shows has changed)."""
        v = self._view
        if v is not None and v.status is self.status and v.executed_qty == self.executed_qty \
                and v.update_time == self.update_time and v.quantity == self.quantity \
                and v.is_working is self.is_working and v.trailing_time == self.trailing_time:
            return v
        v = self._view = make_view(self.order_id, self.client_order_id, self.account_id, self.symbol, self.side,
                                   self.type, self.time_in_force, self.price, self.stop_price, self.quantity,
                                   self.quote_quantity, self.executed_qty, self.cum_quote, self.status, self.time,
                                   self.update_time, self.working_time, self.is_working, self.order_list_id,
                                   self.trailing_delta, self.trailing_time, self.expiry_reason)
        return v

    def __repr__(self) -> str:
        return (f"<WorkingOrder {self.symbol}#{self.order_id} {self.side.name} {self.type.name} "
                f"{self.executed_qty}/{self.quantity}@{self.price} {self.status.name}>")


class Level:
    __slots__ = ("price", "orders", "total", "live")

    #: compact the queue when it holds more than this many canceled entries and more dead than live ones
    COMPACT_AT = 32

    def __init__(self, price: Decimal) -> None:
        self.price = price
        self.orders: deque[WorkingOrder] = deque()
        self.total = ZERO   # sum of remaining qty of live orders
        self.live = 0       # number of live orders


#: (symbol, update_id, is_bid, price, new total at the level)
BookListener = Callable[[str, int, bool, Decimal, Decimal], None]


class SymbolBook:
    """Resting orders of one symbol. ``changed(is_bid, price, total)`` must be called once per level change;
    it advances ``update_id`` and tells the engine (which notifies listeners)."""

    __slots__ = ("symbol", "bids", "asks", "bid_keys", "ask_keys", "update_id", "on_change")

    def __init__(self, symbol: str, on_change: BookListener | None = None) -> None:
        self.symbol = symbol
        self.bids: dict[Decimal, Level] = {}
        self.asks: dict[Decimal, Level] = {}
        self.bid_keys: list[Decimal] = []  # negated prices ascending == prices descending
        self.ask_keys: list[Decimal] = []
        self.update_id = 0
        self.on_change = on_change

    def changed(self, is_bid: bool, price: Decimal, total: Decimal) -> None:
        self.update_id += 1
        if self.on_change is not None:
            self.on_change(self.symbol, self.update_id, is_bid, price, total)

    def add(self, order: WorkingOrder) -> None:
        """Rest ``order`` (its remaining quantity) at the back of its price level."""
        price = order.price
        if order.is_buy:
            levels, keys, key = self.bids, self.bid_keys, -price
        else:
            levels, keys, key = self.asks, self.ask_keys, price
        level = levels.get(price)
        if level is None:
            level = levels[price] = Level(price)
            bisect.insort(keys, key)
        level.orders.append(order)
        level.total += order.quantity - order.executed_qty
        level.live += 1
        order.on_book = True
        self.changed(order.is_buy, price, level.total)

    def remove(self, order: WorkingOrder) -> None:
        """Take a live order off the book (cancel/expire); its deque entry is dropped lazily."""
        price = order.price
        is_bid = order.is_buy
        levels = self.bids if is_bid else self.asks
        level = levels[price]
        order.on_book = False
        level.total -= order.quantity - order.executed_qty
        level.live -= 1
        if level.live and len(level.orders) > 2 * level.live + Level.COMPACT_AT:
            # many cancels behind a long-lived front order: drop the dead entries (amortised O(1) per cancel)
            level.orders = deque(o for o in level.orders if o.on_book)
        if level.live == 0:
            self.drop_level(is_bid, price)
            self.changed(is_bid, price, ZERO)
        else:
            self.changed(is_bid, price, level.total)

    def drop_level(self, is_bid: bool, price: Decimal) -> None:
        """Remove a level (no listener call: the caller reports the change)."""
        if is_bid:
            del self.bids[price]
            keys, key = self.bid_keys, -price
        else:
            del self.asks[price]
            keys, key = self.ask_keys, price
        i = bisect.bisect_left(keys, key)
        del keys[i]

    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        if not self.bid_keys:
            return None
        level = self.bids[-self.bid_keys[0]]
        return level.price, level.total

    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        if not self.ask_keys:
            return None
        level = self.asks[self.ask_keys[0]]
        return level.price, level.total

    def depth(self, limit: int) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        bids = [(-k, self.bids[-k].total) for k in self.bid_keys[:limit]]
        asks = [(k, self.asks[k].total) for k in self.ask_keys[:limit]]
        return bids, asks

    def opposite(self, is_buy: bool) -> tuple[dict[Decimal, Level], list[Decimal]]:
        """Levels and keys a taker of this side trades against (asks for a BUY)."""
        return (self.asks, self.ask_keys) if is_buy else (self.bids, self.bid_keys)

    def crosses(self, is_buy: bool, price: Decimal) -> bool:
        """Would a limit at ``price`` take liquidity right now?"""
        if is_buy:
            return bool(self.ask_keys) and self.ask_keys[0] <= price
        return bool(self.bid_keys) and -self.bid_keys[0] >= price

    def available(self, is_buy: bool, limit: Decimal | None, wanted: Decimal) -> Decimal:
        """Quantity a taker could fill now up to ``limit`` (stops counting once ``wanted`` is reached)."""
        levels, keys = self.opposite(is_buy)
        got = ZERO
        for key in keys:
            price = key if is_buy else -key
            if limit is not None and (price > limit if is_buy else price < limit):
                break
            got += levels[price].total
            if got >= wanted:
                break
        return got

    def cost_to_buy(self, qty: Decimal) -> Decimal:
        """Quote a market BUY of ``qty`` would spend (only what the book holds)."""
        cost = ZERO
        left = qty
        for key in self.ask_keys:
            level = self.asks[key]
            q = level.total if level.total < left else left
            cost += q * key
            left -= q
            if not left:
                break
        return cost

    def qty_for_quote(self, is_buy: bool, quote: Decimal, step: Decimal) -> tuple[Decimal, bool]:
        """Base quantity a market order sized by ``quote`` trades (spend for BUY, receive for SELL).

        Per level it takes the largest multiple of ``step`` that fits the quote left, so LOT_SIZE always holds.
        Returns (qty, exhausted): exhausted is True when the book ran out before the quote was used up.
        """
        levels, keys = self.opposite(is_buy)
        qty = ZERO
        left = quote
        for key in keys:
            price = key if is_buy else -key
            total = levels[price].total
            q = _units(left / price, step)
            if q * price > left:   # the division rounded up across a step boundary
                q -= step
            if q < total:   # the quote runs out inside this level
                return qty + q, False
            qty += total
            left -= total * price
        return qty, bool(left)


def _units(value: Decimal, step: Decimal) -> Decimal:
    """Largest multiple of ``step`` not above ``value`` (value >= 0)."""
    if not step:
        return value
    return (value // step) * step

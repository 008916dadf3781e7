"""The narrow API a strategy sees: data, indicators, its own orders, position, cash; and the port it trades through.

The same ``Context`` serves the backtester and the live runner; only the ``OrderPort`` behind it differs.
Order quantities, prices, cash and position are ``Decimal``.

``lot_step`` is the instrument's quantity step (LOT_SIZE; the backtest's lot size, 1 = whole units): "all in"
orders are sized to whole multiples of it, and ``close_position()`` closes the largest multiple of it the position
holds (a venue that takes its commission in the base asset leaves a position off the step: the rest is dust no
order can sell).
"""
from __future__ import annotations

import itertools
import logging
import secrets
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Callable, Protocol

import numpy as np
import pandas as pd

from ..model import ZERO, Fill, Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from .params import Params
from .series import BarSeries, Indicator

_BUY, _SELL, _MARKET = Side.BUY, Side.SELL, OrderType.MARKET
_TYPES = {t.value: t for t in OrderType}
_STATUSES = {s.value: s for s in OrderStatus}
_TIFS = {t.value: t for t in TimeInForce}


class OrderRecord(Protocol):
    """A port's live record of an accepted order (backtests): frozen into an ``Order`` when someone looks."""

    @property
    def is_open(self) -> bool: ...
    def freeze(self) -> Order: ...


class OrderPort(Protocol):
    """Where a context's orders go. A MARKET request with neither quantity nor quote quantity means "all in":
    the port sizes it (the backtest broker at the fill price, a live port from the free balance)."""

    def submit(self, request: OrderRequest) -> "Order | OrderRecord | None":
        """Send the request; return the accepted order if the port knows it at once (backtests), else None.

        A port that accepts at once may return a mutable record it keeps up to date instead of an ``Order``: any
        object with ``is_open`` and ``freeze() -> Order`` (the backtest broker's ``SimOrder``)."""
    def cancel(self, symbol: str, client_order_id: str) -> None: ...


class Context:
    def __init__(self, symbol: str, series: BarSeries, port: OrderPort, *, cash: Decimal, params: Params,
                 name: str = "strategy", base_asset: str = "", logger: logging.Logger | None = None,
                 lot_step: Decimal | None = None) -> None:
        if lot_step is not None and not lot_step > 0:
            raise ValueError(f"lot step must be positive, got {lot_step}")
        self.symbol = symbol
        self.lot_step = lot_step  # None: quantities are not stepped (a port that knows no instrument)
        # a step of exactly Decimal('1') (whole units): flooring to it is to_integral_value alone (tradable)
        self._unit_step = lot_step if lot_step is not None and lot_step == 1 and \
            lot_step.as_tuple().exponent == 0 else None
        self.series = series
        self.params = params
        self.base_asset = base_asset
        self.log = logger or logging.getLogger(f"terminal.strategy.{name}")
        self._port = port
        self._indicators: list[Indicator] = []
        # Order, or (backtests) the port's live record of it, frozen into an Order when someone looks
        # or (backtests) a finished order's row of atoms (see order_of_row), or a pending market order's row
        self._orders: dict[str, Order | OrderRecord | tuple] = {}
        self._at_once = getattr(port, "accepts_at_once", False)
        self._accept = getattr(port, "accept", None) if self._at_once else None
        # a port's lean path for market orders (the backtest broker's rows, see backtest.market_rows)
        self._accept_market = getattr(port, "accept_market", None) if self._accept is not None else None
        self._position = ZERO
        self._cash = cash
        self._entry_price: Decimal | None = None
        # client order ids: a random prefix per context and a counter (os.urandom per order is slow in backtests)
        self._id_prefix = f"st-{secrets.token_hex(6)}-"
        self._id_counter = itertools.count(1)

    # ---- data ----------------------------------------------------------------------------------------------
    @property
    def bar_index(self) -> int:
        """Index of the current bar (0-based)."""
        return self.series.n - 1

    @property
    def time_ms(self) -> int:
        return int(self.series.open_time[self.series.n - 1]) if self.series.n else 0

    def bars(self, last: int | None = None) -> pd.DataFrame:
        """The visible bars (or the ``last`` ones) as a DataFrame: open, high, low, close, volume; datetime index."""
        return self.series.frame(last)

    def values(self, column: str = "close", last: int | None = None) -> np.ndarray:
        """A read-only float view of one column of the visible bars."""
        arr = self.series.column(column)
        view = arr if last is None else arr[-last:]
        view = view.view()
        view.flags.writeable = False
        return view

    @property
    def last_price(self) -> Decimal:
        n = self.series.n
        return Decimal(repr(float(self.series.cols["close"][n - 1]))) if n else ZERO

    def indicator(self, fn: Callable[..., Any], *args: Any, source: str = "close", name: str | None = None) -> Indicator:
        """Register ``fn(values_of_source, *args) -> array`` (causal). Call from ``on_start``."""
        ind = Indicator(name or f"{getattr(fn, '__name__', 'indicator')}{args}", fn, args, source, self.series)
        self._indicators.append(ind)
        return ind

    # ---- account -------------------------------------------------------------------------------------------
    @property
    def position(self) -> Decimal:
        """Signed position in base units (negative when short)."""
        return self._position

    @property
    def cash(self) -> Decimal:
        return self._cash

    @property
    def entry_price(self) -> Decimal | None:
        """Average entry price of the current position."""
        return self._entry_price

    @property
    def equity(self) -> Decimal:
        return self._cash + self._position * self.last_price

    @property
    def open_orders(self) -> list[Order]:
        return [_frozen(o) for o in self._orders.values() if _is_open(o)]

    def order(self, client_order_id: str) -> Order | None:
        o = self._orders.get(client_order_id)
        return None if o is None else _frozen(o)

    @property
    def orders(self) -> list[Order]:
        """Every order this context placed, in placement order, as it is now."""
        return [_frozen(o) for o in self._orders.values()]

    # ---- orders --------------------------------------------------------------------------------------------
    def buy(self, quantity: Decimal | None = None, *, price: Decimal | None = None,
            stop: Decimal | None = None) -> str:
        """Buy ``quantity`` (None: all the cash). ``price`` makes it a limit order, ``stop`` a stop order."""
        if price is None and stop is None:
            if quantity is None and self._accept_market is not None:  # _market's all-in case, without the call
                coid = f"{self._id_prefix}{next(self._id_counter)}"
                self._orders[coid] = self._accept_market(_BUY, coid, None)
                return coid
            if self._accept is not None:
                return self._market(_BUY, quantity)
        return self._order(_BUY, quantity, price, stop)

    def sell(self, quantity: Decimal | None = None, *, price: Decimal | None = None,
             stop: Decimal | None = None) -> str:
        """Sell ``quantity`` (None: all in, i.e. a short worth the equity). To exit a long, use close_position()."""
        if price is None and stop is None:
            if quantity is None and self._accept_market is not None:  # _market's all-in case, without the call
                coid = f"{self._id_prefix}{next(self._id_counter)}"
                self._orders[coid] = self._accept_market(_SELL, coid, None)
                return coid
            if self._accept is not None:
                return self._market(_SELL, quantity)
        return self._order(_SELL, quantity, price, stop)

    def tradable(self, quantity: Decimal) -> Decimal:
        """``quantity`` floored to a whole number of lot steps (unchanged without a lot step)."""
        step = self.lot_step
        if step is None or quantity <= ZERO:
            return quantity
        if step is self._unit_step:  # q / 1 and x * 1 give q and x back (same digits, same exponent)
            return quantity.to_integral_value(ROUND_FLOOR)
        return (quantity / step).to_integral_value(rounding=ROUND_FLOOR) * step

    def close_position(self) -> str | None:
        """Close the position (the part of it that is a whole number of lot steps); None if there is none."""
        pos = self._position
        if not pos:
            return None
        if pos < ZERO:  # a non-zero position: short, else long
            qty, side = -pos, _BUY
        else:
            qty, side = pos, _SELL
        step = self.lot_step  # tradable(qty), inline: once per exit in a backtest
        if step is self._unit_step and step is not None:
            qty = qty.to_integral_value(ROUND_FLOOR)
        elif step is not None:
            qty = (qty / step).to_integral_value(rounding=ROUND_FLOOR) * step
        if qty <= ZERO:
            return None
        if self._accept_market is not None:  # _market without the call (qty > 0 here)
            coid = f"{self._id_prefix}{next(self._id_counter)}"
            self._orders[coid] = self._accept_market(side, coid, qty)
            return coid
        if self._accept is not None:
            return self._market(side, qty)
        return self._order(side, qty, None, None)

    def place(self, request: OrderRequest) -> str:
        if request.symbol != self.symbol:
            raise ValueError(f"this strategy trades {self.symbol}, not {request.symbol}")
        if request.quantity is not None and request.quantity <= 0:
            raise ValueError(f"order quantity must be positive, got {request.quantity}")
        coid = request.client_order_id
        if self._at_once:  # backtests: the port returns the accepted order
            accepted = self._port.submit(request)
            assert accepted is not None
            self._orders[coid] = accepted
        else:  # live: known locally before it is sent, so the venue's answer always finds it
            self._orders[coid] = Order.from_request(request, self.time_ms)
            self._port.submit(request)
        return coid

    def cancel(self, client_order_id: str) -> None:
        order = self._orders.get(client_order_id)
        if order is not None and _is_open(order):
            self._port.cancel(self.symbol, client_order_id)

    def cancel_all(self) -> None:
        for order in self.open_orders:
            self._port.cancel(self.symbol, order.client_order_id)

    def _market(self, side: Side, quantity: Decimal | None) -> str:
        """A market order in a backtest (the port accepts at once): ``_order`` without the type's branches."""
        if quantity is not None and quantity <= ZERO:
            raise ValueError(f"order quantity must be positive, got {quantity}")
        coid = f"{self._id_prefix}{next(self._id_counter)}"
        accept_market = self._accept_market
        self._orders[coid] = accept_market(side, coid, quantity) if accept_market is not None else \
            self._accept(side, _MARKET, coid, quantity)  # type: ignore[misc]
        return coid

    def _order(self, side: Side, quantity: Decimal | None, price: Decimal | None, stop: Decimal | None) -> str:
        if stop is not None:
            otype = OrderType.STOP_LOSS_LIMIT if price is not None else OrderType.STOP_LOSS
        else:
            otype = OrderType.LIMIT if price is not None else OrderType.MARKET
        if quantity is None and otype is not OrderType.MARKET:
            raise ValueError("limit and stop orders need a quantity")
        if self._accept is not None:  # backtests: no request record on the hot path
            if quantity is not None and quantity <= ZERO:
                raise ValueError(f"order quantity must be positive, got {quantity}")
            coid = f"{self._id_prefix}{next(self._id_counter)}"
            self._orders[coid] = self._accept(side, otype, coid, quantity, price, stop)
            return coid
        return self.place(OrderRequest(self.symbol, side, otype, quantity=quantity, price=price, stop_price=stop,
                                       client_order_id=f"{self._id_prefix}{next(self._id_counter)}"))

    # ---- driver side: called by the backtest broker or the live runner -------------------------------------
    def apply_order(self, order: Order) -> bool:
        """Record an order update; False if it is not one of this context's orders."""
        if order.client_order_id not in self._orders:
            return False
        self._orders[order.client_order_id] = order
        return True

    def apply_fill(self, fill: Fill) -> bool:
        """Book a fill into position and cash; False if the order is not this context's."""
        if fill.client_order_id not in self._orders:
            return False
        self.book_fill(fill.side is Side.BUY, fill.qty, fill.price, fill.quote_qty, fill.commission,
                       fill.commission_asset)
        return True

    def book_fill(self, buy: bool, qty: Decimal, price: Decimal, quote_qty: Decimal, commission: Decimal,
                  commission_asset: str) -> None:
        """Book one of this context's fills into position and cash (``apply_fill`` without the record)."""
        signed = qty if buy else -qty
        old = self._position
        new = old + signed
        if old == ZERO or (old > ZERO) != (signed > ZERO):
            if new != ZERO and (old == ZERO or (new > ZERO) != (old > ZERO)):
                self._entry_price = price  # opened, or flipped through zero
            elif new == ZERO:
                self._entry_price = None
        elif self._entry_price is not None:
            self._entry_price = (self._entry_price * abs(old) + price * qty) / abs(new)
        self._position = new
        self._cash -= quote_qty if buy else -quote_qty
        if commission:
            if self.base_asset and commission_asset == self.base_asset:
                self._position -= commission
            else:
                self._cash -= commission


def lot_step_of(instrument: Any) -> Decimal | None:
    """The step a strategy's market order quantities must be on: the instrument's MARKET_LOT_SIZE step, else its
    LOT_SIZE step; None without an instrument."""
    if instrument is None:
        return None
    step = getattr(instrument, "market_step_size", None) or getattr(instrument, "step_size", None)
    return step if isinstance(step, Decimal) and step > 0 else None


def order_of_row(row: tuple) -> Order:
    """The ``Order`` of a finished order's row: its fields in ``Order``'s order, with the side as "is buy" and the
    enums as their values. A backtest broker keeps a filled, rejected or cancelled order (it changes no more) as
    such a row: a tuple of atoms is untracked by the cyclic garbage collector at its first pass, so thousands of
    finished orders do not make every later full collection longer (and trigger more of them), as records do.
    Shorter rows are market orders of the broker's lean path (``_market_order_of_row``)."""
    if len(row) != 16:
        return _market_order_of_row(row)
    (symbol, buy, type_, coid, qty, price, stop, quote_qty, tif, status, venue_id, filled_qty, filled_quote, ts_created,
     ts_updated, reason) = row
    return Order(symbol, _BUY if buy else _SELL, _TYPES[type_], coid, qty, price, stop, quote_qty,
                 None if tif is None else _TIFS[tif], _STATUSES[status], venue_id, filled_qty, filled_quote, ts_created,
                 ts_updated, reason)


def _market_order_of_row(row: tuple) -> Order:
    """A market order a backtest broker keeps on its lean path (backtest.market_rows): pending, the row (symbol, is
    buy, client order id, quantity (0: all in), venue order id, time placed); filled, its fill's row (symbol, client
    order id, venue order id, trade id, is buy, price, quantity, quote quantity, commission, commission asset, time
    filled, time placed)."""
    if len(row) == 6:
        symbol, buy, coid, qty, venue_id, ts = row
        return Order(symbol, _BUY if buy else _SELL, _MARKET, coid, qty, None, None, None, None, OrderStatus.NEW,
                     venue_id, ZERO, ZERO, ts, ts, None)
    symbol, coid, venue_id, _, buy, _, qty, quote_qty, _, _, ts_filled, ts = row
    return Order(symbol, _BUY if buy else _SELL, _MARKET, coid, qty, None, None, None, None, OrderStatus.FILLED,
                 venue_id, qty, quote_qty, ts, ts_filled, None)


_OPEN_VALUES = frozenset(s.value for s in OrderStatus if s.is_open)


def _is_open(o: "Order | OrderRecord | tuple") -> bool:
    """Whether an order is open, whatever form its keeper holds it in (of the rows, a pending market order's, see
    _market_order_of_row, and a full row whose status is open)."""
    if type(o) is tuple:
        n = len(o)  # type: ignore[arg-type]
        return n == 6 or (n == 16 and o[9] in _OPEN_VALUES)  # type: ignore[index]
    return o.is_open  # type: ignore[union-attr]


def frozen_order(o: "Order | OrderRecord | tuple") -> Order:
    """An order as the public record, whatever form its keeper holds it in."""
    if type(o) is tuple:
        return order_of_row(o)
    return o if isinstance(o, Order) else o.freeze()  # type: ignore[union-attr]


_frozen = frozen_order

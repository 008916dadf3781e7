"""The backtest broker: fills a strategy's orders against the next bars and keeps the trade list.

Fill rules (backtesting.py 0.6.6's, with ``trade_on_close=False`` and no hedging):

* MARKET: at the open of the bar after the order was placed.
* LIMIT (and LIMIT_MAKER): when the bar trades through the limit (low <= limit for a buy, high >= limit for a sell),
  at the limit or at the open if the bar opened beyond it.
* STOP_LOSS: a buy triggers when high >= stop, a sell when low <= stop; fills at the stop or at a worse open.
  TAKE_PROFIT triggers the other way (buy when low <= stop, sell when high >= stop).
  The *_LIMIT variants become limit orders once triggered, and may fill in the same bar.
* Commission: ``commission`` x traded value, per side, in the quote currency. ``slippage`` moves market and stop
  fills against the trader by that fraction. Quantities are whole multiples of ``lot_size`` (1 by default).
* "All in" (a MARKET order with neither quantity nor quote quantity): the quantity is
  floor(available cash / (fill price x (1 + commission))) lots, computed at the fill, after any order placed
  before it in the same bar has filled (so close-then-reverse sizes from the cash the close freed).
* An order the cash cannot pay for is REJECTED ("insufficient cash"), as backtesting.py cancels it; the first such
  rejection is kept as a ``Shortfall`` (what was asked, at what price, against what cash) to explain a backtest
  without trades.

Trades are matched FIFO: a fill first reduces opposite open trades, the rest opens a new trade. A closed trade's
commission is the exit fee plus the entry fee of the closed part; its return is
sign x (exit/entry - 1) - commission / (size x entry), as backtesting.py defines ``Trade.pl_pct``.

Speed: this is the hot path of every event-driven backtest. Orders live here as mutable ``SimOrder`` records and
fills as tuples; the public frozen ``Order`` / ``Fill`` records are built only when someone looks (a strategy
that overrides ``on_order`` / ``on_trade``, ``ctx.order()`` / ``ctx.open_orders``, or the result's ``orders`` /
``fills``). Money stays Decimal throughout; the values are the same either way. A market order of a strategy that
listens to no order events is not even a ``SimOrder``: see ``market_rows`` (its lean path, mixed in here).
"""
from __future__ import annotations

import itertools
from decimal import ROUND_FLOOR, Decimal
from typing import NamedTuple

import numpy as np

from ..model import ZERO, Fill, Liquidity, Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from ..model.order import InvalidTransition, can_transition
from ..strategy.context import Context
from ..strategy.series import BarSeries
from .market_rows import MarketRows

_ONE = Decimal(1)
_BUY, _SELL = Side.BUY, Side.SELL
_MARKET = OrderType.MARKET
_TAKER = Liquidity.TAKER
_NEW, _FILLED, _REJECTED, _CANCELED = OrderStatus.NEW, OrderStatus.FILLED, OrderStatus.REJECTED, OrderStatus.CANCELED


def _items(values: np.ndarray) -> memoryview:
    """A memoryview of a 1-d array: its items read as Python ints / floats, in about half the time of
    ``ndarray.item(i)`` (the same numbers)."""
    return memoryview(values)  # type: ignore[arg-type]  # numpy arrays are buffers (numpy's stubs say so from 3.12)


def dec(x: float) -> Decimal:
    """A float price as the shortest Decimal that round-trips (what a CSV most likely said)."""
    return Decimal(repr(float(x)))


class SimOrder:
    """The broker's mutable record of one order (the fields of ``Order``); ``freeze()`` gives the public record."""

    __slots__ = ("symbol", "side", "type", "client_order_id", "quantity", "price", "stop_price", "quote_quantity",
                 "time_in_force", "status", "venue_order_id", "filled_qty", "filled_quote", "ts_created",
                 "ts_updated", "reject_reason")

    def __init__(self, symbol: str, side: Side, type_: OrderType, client_order_id: str, quantity: Decimal,
                 price: Decimal | None, stop_price: Decimal | None, quote_quantity: Decimal | None,
                 time_in_force: TimeInForce | None, venue_order_id: int, ts: int) -> None:
        self.symbol = symbol
        self.side = side
        self.type = type_
        self.client_order_id = client_order_id
        self.quantity = quantity
        self.price = price
        self.stop_price = stop_price
        self.quote_quantity = quote_quantity
        self.time_in_force = time_in_force
        self.status = _NEW  # PENDING_NEW -> NEW at once: a backtest accepts every order
        self.venue_order_id = venue_order_id
        self.filled_qty = ZERO
        self.filled_quote = ZERO
        self.ts_created = ts
        self.ts_updated = ts
        self.reject_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def set_status(self, status: OrderStatus) -> None:
        if not can_transition(self.status, status):
            raise InvalidTransition(f"order {self.client_order_id}: {self.status.name} -> {status.name} is not allowed")
        self.status = status

    def row(self) -> tuple:
        """This order as a row of atoms (``Context.order_of_row`` gives the ``Order``): kept once it is finished."""
        tif = self.time_in_force  # enum values read as _value_: the .value property costs a descriptor call
        return (self.symbol, self.side is _BUY, self.type._value_, self.client_order_id, self.quantity, self.price,
                self.stop_price, self.quote_quantity, None if tif is None else tif._value_, self.status._value_,
                self.venue_order_id, self.filled_qty, self.filled_quote, self.ts_created, self.ts_updated,
                self.reject_reason)

    def freeze(self) -> Order:
        return Order(self.symbol, self.side, self.type, self.client_order_id, self.quantity, self.price,
                     self.stop_price, self.quote_quantity, self.time_in_force, self.status, self.venue_order_id,
                     self.filled_qty, self.filled_quote, self.ts_created, self.ts_updated, self.reject_reason)


# An open trade is a list (made and changed on the hot path; a list costs a fraction of an object):
# [size (signed Decimal), entry price (Decimal), entry bar, entry price as a float (for the trade's return),
#  value and fee of the opening fill while the trade is whole (None once partly closed: a close of the whole trade
#  reuses them instead of multiplying again, the same Decimals: size x entry price, x commission)]
OT_SIZE, OT_PRICE, OT_BAR, OT_FLOAT, OT_VALUE, OT_FEE = range(6)


class ClosedTrade(NamedTuple):
    size: Decimal  # signed
    entry_bar: int
    exit_bar: int
    entry_price: Decimal
    exit_price: Decimal
    pnl: Decimal
    commission: Decimal
    return_pct: float  # a fraction, as backtesting.py's ReturnPct
    entry_float: float = float("nan")  # float(entry_price), float(exit_price): for the trades' float columns
    exit_float: float = float("nan")


_new_object = object.__new__  # SimOrder records made field by field in SimBroker.accept
# Closed trades are kept as their fields, one trade after another, in one flat list (``SimBroker.closed_flat``;
# ``closed_trades`` gives the rows, ``ClosedTrade(*row)`` the record): no object per trade for the cyclic garbage
# collector to count and visit (NamedTuple instances, or even tuples until its first pass), and each column of the
# trades is a slice of the list with a step, not a pass over rows.


class Shortfall(NamedTuple):
    """The first order the cash could not pay for: an "all in" order that came to 0 lots, or a quantity too dear."""
    bar: int
    all_in: bool
    quantity: Decimal  # asked for, or what all-in sizing gave (0)
    price: Decimal  # the fill price
    cash: Decimal  # what was available for it
    need: Decimal  # quantity x price, commission included (all in: one lot)


def fill_of(row: tuple) -> Fill:
    """The ``Fill`` of a broker's fill row: (symbol, client order id, venue order id, trade id, buy, price, qty,
    quote qty, commission, commission asset, time[, time the order was placed: the row of a market order filled on
    the lean path, which is also that order's record, see market_rows]). A row holds only atoms (no enum members), so
    the garbage collector stops tracking it at its first pass instead of walking it in every full collection."""
    symbol, coid, vid, tid, buy, price, qty, value, fee, asset, t = row[:11]
    return Fill(symbol, coid, vid, tid, _BUY if buy else _SELL, price, qty, value, fee, asset, _TAKER, t)


class SimBroker(MarketRows):
    """An ``OrderPort`` for backtests. ``process`` runs once per bar, before the strategy sees the bar."""

    accepts_at_once = True

    def __init__(self, symbol: str, *, commission: Decimal = ZERO, slippage: Decimal = ZERO,
                 lot_size: Decimal = _ONE, quote_asset: str = "USD") -> None:
        if commission < 0 or slippage < 0 or lot_size <= 0:
            raise ValueError("commission and slippage must be >= 0 and lot_size > 0")
        self.symbol = symbol
        self.commission = commission
        self.slippage = slippage
        self.lot_size = lot_size
        self.quote_asset = quote_asset
        self.ctx: Context | None = None
        self._orders: dict = {}  # the context's orders (attach)
        self.pending: list[SimOrder] = []
        self.events: list[Order | Fill] = []  # for the engine to deliver to the strategy
        self.collect_events = True
        self.open_trades: list[list] = []  # see OT_SIZE...
        # closed trades one after another in one flat list, ClosedTrade's ten fields each (closed_trades gives the
        # rows): no tuple per trade for the garbage collector to count and visit, and a column is a slice of it
        self.closed_flat: list = []
        self._fills: list[Fill | tuple] = []  # Fill, or its row (see fill_of) until someone asks
        # (bar, cash, position) after fills on that bar, as three columns: no tuple per bar with fills (one object
        # less for the garbage collector to count and visit), and the equity curve reads each column as it is
        self.mark_bars: list[int] = []
        self.mark_cash: list[Decimal] = []
        self.mark_pos: list[Decimal] = []
        self._waiting = 0  # pending orders that are not MARKET (limits and stops wait for their price)
        self._triggered: set[str] = set()
        self.shortfall: Shortfall | None = None  # the first order rejected for insufficient cash
        self._ids = itertools.count(1)
        self._open = self._high = self._low = np.empty(0)
        self._times = np.empty(0, np.int64)
        # the times and opens read one at a time on the hot path: a memoryview's item is a Python int / float, read
        # in about half the time of ndarray.item() (the same numbers)
        self._time_of = _items(self._times)
        self._open_of = _items(self._open)
        self._series: BarSeries | None = None
        self._unit = _ONE + commission  # cost of one unit of value, commission included
        # whole units (lot Decimal('1')): dividing and multiplying by it would give back the same Decimal
        self._unit_lots = lot_size == _ONE and lot_size.as_tuple().exponent == 0
        # no commission: the unit cost is Decimal('1') itself, and price x it is the price (same digits, exponent)
        self._unit_one = self._unit == _ONE and self._unit.as_tuple().exponent == 0

    @property
    def closed_trades(self) -> list[tuple]:
        """The closed trades as rows of ClosedTrade's fields (``ClosedTrade(*row)`` gives the record)."""
        fields = iter(self.closed_flat)
        return list(zip(*[fields] * 10))

    @property
    def marks(self) -> list[tuple[int, Decimal, Decimal]]:
        """(bar, cash, position) after the fills of each bar that had fills."""
        return list(zip(self.mark_bars, self.mark_cash, self.mark_pos))

    def mark(self, i: int, ctx: Context) -> None:
        """Record cash and position after the fills on bar ``i``."""
        self.mark_bars.append(i)
        self.mark_cash.append(ctx._cash)
        self.mark_pos.append(ctx._position)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)  # a result pickles with its strategy, whose context holds this broker
        del state["_time_of"], state["_open_of"]  # memoryviews do not pickle: made again from the arrays
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._time_of = _items(self._times)
        self._open_of = _items(self._open)

    @property
    def fills(self) -> list[Fill]:
        """Every fill so far, as frozen ``Fill`` records (built on first access)."""
        f = self._fills
        for k, row in enumerate(f):
            if type(row) is tuple:
                f[k] = fill_of(row)
        return f  # type: ignore[return-value]

    # ---- OrderPort -----------------------------------------------------------------------------------------
    def submit(self, request: OrderRequest) -> SimOrder:
        return self.accept(request.side, request.type, request.client_order_id, request.quantity, request.price,
                           request.stop_price, request.quote_quantity, request.time_in_force, request.symbol)

    def accept(self, side: Side, type_: OrderType, client_order_id: str, quantity: Decimal | None,
               price: Decimal | None = None, stop_price: Decimal | None = None,
               quote_quantity: Decimal | None = None, time_in_force: TimeInForce | None = None,
               symbol: str | None = None) -> SimOrder:
        """``submit`` without the request record (what the context calls in backtests)."""
        n = self._series.n if self._series is not None else 0
        ts = self._times.item(n - 1) if n else 0  # _now(); item(): a Python int, no numpy scalar
        # SimOrder(...) field by field: a Python __init__ costs about twice as much, once per order
        order = _new_object(SimOrder)
        order.symbol = symbol or self.symbol
        order.side = side
        order.type = type_
        order.client_order_id = client_order_id
        order.quantity = quantity if quantity is not None else ZERO
        order.price = price
        order.stop_price = stop_price
        order.quote_quantity = quote_quantity
        order.time_in_force = time_in_force
        order.status = _NEW
        order.venue_order_id = next(self._ids)
        order.filled_qty = order.filled_quote = ZERO
        order.ts_created = order.ts_updated = ts
        order.reject_reason = None
        self.pending.append(order)
        if type_ is not _MARKET:
            self._waiting += 1
        if self.collect_events:
            self.events.append(order.freeze())
        return order

    def cancel(self, symbol: str, client_order_id: str) -> None:
        self._upgrade_pending()  # a market order kept as a row (market_rows) becomes a record to be cancelled
        for k, order in enumerate(self.pending):
            if order.client_order_id == client_order_id:
                del self.pending[k]
                if order.type is not _MARKET:
                    self._waiting -= 1
                order.set_status(_CANCELED)
                order.ts_updated = self._now()
                self._update(order)
                self._retire(order)
                return

    # ---- simulation ----------------------------------------------------------------------------------------
    def attach(self, ctx: Context) -> None:
        self.ctx = ctx
        self._orders = ctx._orders
        cols = ctx.series.cols
        self._open, self._high, self._low = cols["open"], cols["high"], cols["low"]
        self._times = ctx.series.open_time
        self._series = ctx.series
        self._time_of = _items(self._times)
        self._open_of = _items(self._open)

    def _now(self) -> int:
        """Open time of the last visible bar (0 before the first)."""
        s = self._series
        if s is None:
            return 0
        n = s.n
        return self._times.item(n - 1) if n else 0  # type: ignore[no-any-return]

    # process(i), once per bar with pending orders: MarketRows.process (the market-only bar in one pass, in the
    # same frame; anything else through _process)

    def _process(self, i: int, o: float, h: float, l: float) -> None:
        """Try every pending order (in submission order) against bar ``i`` (open, high, low)."""
        filled = False
        pending = self.pending
        self._upgrade_pending()  # the general path works on records
        t = self._times.item(i)  # bar i is the last visible one
        for order in list(pending):
            price = self._fill_price(order, o, h, l)
            if price is None:
                continue
            pending.remove(order)
            if self._triggered:
                self._triggered.discard(order.client_order_id)
            filled = self._execute(order, price, i, t) or filled
        self._waiting = sum(order.type is not _MARKET for order in pending)
        if filled:
            ctx = self.ctx
            assert ctx is not None
            self.mark(i, ctx)

    def close_all(self, i: int, o: float) -> None:
        """Close what is still open at ``o`` (end of a backtest with finalize_trades)."""
        assert self.ctx is not None
        pos = self.ctx.position
        if pos == 0:
            return
        req = OrderRequest(self.symbol, Side.SELL if pos > 0 else Side.BUY, OrderType.MARKET, quantity=abs(pos))
        self.ctx.place(req)  # registers the order with the context, then comes back through submit()
        self._process(i, o, o, o)

    def _fill_price(self, order: SimOrder, o: float, h: float, l: float) -> Decimal | None:
        buy = order.side is _BUY
        t = order.type
        if t is _MARKET:
            return self._slip(dec(o), buy) if self.slippage else Decimal(repr(o))
        stop = float(order.stop_price) if order.stop_price is not None else None
        if stop is not None and order.client_order_id not in self._triggered:
            upward = (t in (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT)) == buy
            if not ((h >= stop) if upward else (l <= stop)):
                return None
            if t in (OrderType.STOP_LOSS, OrderType.TAKE_PROFIT):
                px = max(o, stop) if upward else min(o, stop)
                return self._slip(dec(px), buy)
            self._triggered.add(order.client_order_id)
            start = stop
        else:
            start = o
        assert order.price is not None
        limit = float(order.price)
        if buy and l <= limit:
            return order.price if start >= limit else dec(start)
        if not buy and h >= limit:
            return order.price if start <= limit else dec(start)
        return None

    def _slip(self, price: Decimal, buy: bool) -> Decimal:
        if not self.slippage:
            return price
        return price * (_ONE + self.slippage) if buy else price * (_ONE - self.slippage)

    def _execute(self, order: SimOrder, price: Decimal, i: int, t: int, fprice: float | None = None) -> bool:
        """Fill ``order`` at ``price`` (``fprice``: the same price as a float, when the caller has it) on bar ``i``,
        or reject it for want of cash."""
        ctx = self.ctx
        assert ctx is not None
        buy = order.side is _BUY
        pos, cash = ctx._position, ctx._cash
        qty = order.quantity
        if pos and not ctx.base_asset and len(self.open_trades) == 1 and qty > ZERO:
            if self._close_whole(order, buy, pos, cash, qty, price, i, t, fprice):
                return True
        unit_cost = price * self._unit
        all_in = not qty > ZERO
        if all_in:
            budget = order.quote_quantity if order.quote_quantity is not None else (
                cash if not pos else max(ZERO, cash + pos * price - abs(pos) * price))
            if self._unit_lots:
                qty = (budget / unit_cost).to_integral_value(ROUND_FLOOR)
            else:
                lot = self.lot_size
                qty = (budget / unit_cost / lot).to_integral_value(ROUND_FLOOR) * lot
        value = qty * price
        fee = value * self.commission
        avail, opening = cash, qty
        booked = False
        if not pos:
            ok = qty > ZERO and qty * unit_cost <= cash
            if ok and not ctx.base_asset and not self.open_trades:
                # opening from flat: Context.book_fill and _book's operations for this case, without the calls
                signed = qty if buy else -qty
                ctx._position = pos + signed
                ctx._entry_price = price
                new_cash = cash - (value if buy else -value)
                if fee:
                    new_cash -= fee
                ctx._cash = new_cash
                self.open_trades.append([signed, price, i, float(price) if fprice is None else fprice, value, fee])
                booked = True
        else:  # exposure added beyond what closes the opposite position must be paid for
            closing = min(qty, abs(pos)) if (pos < ZERO) == buy else ZERO
            opening = qty - closing
            if closing is qty:  # the whole order closes: its value and fee are the closing part's
                close_value, close_fee = value, fee
            else:
                close_value = closing * price
                close_fee = close_value * self.commission
            cash_after_close = cash - (close_value if buy else -close_value) - close_fee
            pos_after_close = pos + (closing if buy else -closing)
            # flat after the close: pos x price - |pos| x price is 0 (only compared below)
            avail = cash_after_close + pos_after_close * price - abs(pos_after_close) * price \
                if pos_after_close else cash_after_close
            ok = qty > ZERO and opening * unit_cost <= avail
        if not ok:  # NEW -> REJECTED
            if self.shortfall is None:
                need = (self.lot_size if all_in else opening) * unit_cost
                self.shortfall = Shortfall(i, all_in, qty, price, avail if not all_in else budget, need)
            order.status = _REJECTED
            order.ts_updated = t
            order.reject_reason = "insufficient cash"
            self._update(order)
            self._retire(order)
            return False
        quote = self.quote_asset
        if not booked:
            ctx.book_fill(buy, qty, price, value, fee, quote)
            # value, fee: of |signed| units; float(Decimal(repr(x))) == x, so a caller's float is the price's
            self._book(qty if buy else -qty, price, i, value, fee, float(price) if fprice is None else fprice)
        # NEW -> FILLED
        order.quantity = order.filled_qty = qty
        order.filled_quote = value
        order.status = _FILLED
        order.ts_updated = t
        row = (self.symbol, order.client_order_id, order.venue_order_id, next(self._ids), buy, price, qty, value, fee,
               quote, t)
        if self.collect_events:
            fill = fill_of(row)
            self._fills.append(fill)
            self.events.append(order.freeze())
            self.events.append(fill)
        else:
            self._fills.append(row)
        orders = self._orders
        if orders.get(order.client_order_id) is order:  # finished: kept as a row (see Context.order_of_row)
            orders[order.client_order_id] = order.row()
        return True

    def _close_whole(self, order: SimOrder, buy: bool, pos: Decimal, cash: Decimal, qty: Decimal, price: Decimal,
                     i: int, t: int, fprice: float | None) -> bool:
        """The common close: ``order`` (a quantity, the other side) closes the whole position, which is one whole
        open trade. Books it with the same Decimal operations as ``_execute``, ``Context.book_fill`` and ``_book``
        (so the same numbers), without their general bookkeeping; False (nothing done) if it is not that case or
        the cash after it would be negative (the general path then rejects it)."""
        trade = self.open_trades[0]
        t_size = trade[OT_SIZE]
        entry_fee, entry_value = trade[OT_FEE], trade[OT_VALUE]
        if entry_fee is None or entry_value is None or t_size != pos or (pos < ZERO) is not buy:
            return False
        n = abs(t_size)  # min(size, wanted) of _book: the size itself
        if qty != n:
            return False
        value = qty * price
        fee = value * self.commission
        new_cash = cash - (value if buy else -value)
        if fee:
            new_cash -= fee
        if new_cash < ZERO:  # _execute's check: 0 x unit cost <= the cash after the close
            return False
        ctx = self.ctx
        assert ctx is not None
        ctx._position = pos + (qty if buy else -qty)  # 0: Context.book_fill with the entry price cleared
        ctx._entry_price = None
        ctx._cash = new_cash
        if fprice is None:
            fprice = float(price)
        part = n if t_size > ZERO else -n
        entry_price, entry_float = trade[OT_PRICE], trade[OT_FLOAT]
        comm = fee + entry_fee
        pnl = part * (price - entry_price) - comm
        ret = (1 if part > ZERO else -1) * (fprice / entry_float - 1)
        if comm:
            ret -= float(comm / entry_value)
        self.closed_flat.extend((part, trade[OT_BAR], i, entry_price, price, pnl, comm, ret, entry_float, fprice))
        self.open_trades.clear()
        order.quantity = order.filled_qty = qty
        order.filled_quote = value
        order.status = _FILLED
        order.ts_updated = t
        row = (self.symbol, order.client_order_id, order.venue_order_id, next(self._ids), buy, price, qty, value, fee,
               self.quote_asset, t)
        if self.collect_events:
            fill = fill_of(row)
            self._fills.append(fill)
            self.events.append(order.freeze())
            self.events.append(fill)
        else:
            self._fills.append(row)
        orders = self._orders
        if orders.get(order.client_order_id) is order:  # finished: kept as a row (see Context.order_of_row)
            orders[order.client_order_id] = order.row()
        return True

    def _book(self, signed: Decimal, price: Decimal, i: int, value: Decimal, fee: Decimal, fprice: float) -> None:
        """Match a fill of ``signed`` units (``value`` = |signed| x price, ``fee`` = value x commission, ``fprice`` =
        float(price)) FIFO against the open trades (lists: see OT_SIZE...)."""
        open_trades = self.open_trades
        whole_fill = True  # signed is still the whole fill: value and fee are its own
        while signed and open_trades and (open_trades[0][OT_SIZE] > ZERO) != (signed > ZERO):
            t = open_trades[0]
            t_size, entry_price, entry_float = t[OT_SIZE], t[OT_PRICE], t[OT_FLOAT]
            size, wanted = abs(t_size), abs(signed)
            n = min(size, wanted)
            part = n if t_size > ZERO else -n
            entry_fee, entry_value = t[OT_FEE], t[OT_VALUE]
            if whole_fill and entry_fee is not None and entry_value is not None and size == wanted:
                # the whole fill closes the whole trade (n = size = fill qty = entry qty):
                # n x price x rate + n x entry x rate and n x entry are the fills' own products
                comm = fee + entry_fee
                cost = entry_value
            else:
                rate = self.commission
                comm = n * price * rate + n * entry_price * rate
                cost = n * entry_price
            pnl = part * (price - entry_price) - comm
            ret = (1 if part > ZERO else -1) * (fprice / entry_float - 1)
            if comm:  # x - float(0 / cost) is x: the division is only made for a commission
                ret -= float(comm / cost)
            self.closed_flat.extend((part, t[OT_BAR], i, entry_price, price, pnl, comm, ret, entry_float, fprice))
            t[OT_SIZE] = left = t_size - part
            t[OT_VALUE] = t[OT_FEE] = None
            signed += part
            whole_fill = False
            if not left:
                open_trades.pop(0)
        if signed:
            open_trades.append([signed, price, i, fprice, value, fee] if whole_fill else
                               [signed, price, i, fprice, None, None])

    def _retire(self, order: SimOrder) -> None:
        """A finished order is kept by the context as a row of atoms (see ``Context.order_of_row``)."""
        orders = self._orders
        if orders.get(order.client_order_id) is order:
            orders[order.client_order_id] = order.row()

    def _update(self, order: SimOrder) -> None:
        if self.collect_events:
            self.events.append(order.freeze())

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
* An order the cash cannot pay for is REJECTED ("insufficient cash"), as backtesting.py cancels it.

Trades are matched FIFO: a fill first reduces opposite open trades, the rest opens a new trade. A closed trade's
commission is the exit fee plus the entry fee of the closed part; its return is
sign x (exit/entry - 1) - commission / (size x entry), as backtesting.py defines ``Trade.pl_pct``.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from decimal import ROUND_FLOOR, Decimal

from ..model import ZERO, Fill, Liquidity, Order, OrderRequest, OrderStatus, OrderType, Side
from ..strategy.context import Context

_ONE = Decimal(1)


def dec(x: float) -> Decimal:
    """A float price as the shortest Decimal that round-trips (what a CSV most likely said)."""
    return Decimal(repr(float(x)))


@dataclass(slots=True)
class OpenTrade:
    size: Decimal  # signed
    entry_price: Decimal
    entry_bar: int


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    size: Decimal  # signed
    entry_bar: int
    exit_bar: int
    entry_price: Decimal
    exit_price: Decimal
    pnl: Decimal
    commission: Decimal
    return_pct: float  # a fraction, as backtesting.py's ReturnPct


class SimBroker:
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
        self.pending: list[Order] = []
        self.events: list[Order | Fill] = []  # for the engine to deliver to the strategy
        self.collect_events = True
        self.open_trades: list[OpenTrade] = []
        self.closed_trades: list[ClosedTrade] = []
        self.fills: list[Fill] = []
        self.marks: list[tuple[int, float, float]] = []  # (bar, cash, position) after fills on that bar
        self._triggered: set[str] = set()
        self._ids = itertools.count(1)
        self._open = self._high = self._low = np.empty(0)

    # ---- OrderPort -----------------------------------------------------------------------------------------
    def submit(self, request: OrderRequest) -> Order:
        t = self._now()
        # PENDING_NEW -> NEW (accepted at once): built directly, this is the backtest's hot path
        order = Order(request.symbol, request.side, request.type, request.client_order_id,
                      request.quantity if request.quantity is not None else ZERO, request.price, request.stop_price,
                      request.quote_quantity, request.time_in_force, OrderStatus.NEW, next(self._ids),
                      ts_created=t, ts_updated=t)
        self.pending.append(order)
        if self.collect_events:
            self.events.append(order)
        return order

    def cancel(self, symbol: str, client_order_id: str) -> None:
        for k, order in enumerate(self.pending):
            if order.client_order_id == client_order_id:
                del self.pending[k]
                self._update(order.with_status(OrderStatus.CANCELED, ts_updated=self._now()))
                return

    # ---- simulation ----------------------------------------------------------------------------------------
    def attach(self, ctx: Context) -> None:
        self.ctx = ctx
        cols = ctx.series.cols
        self._open, self._high, self._low = cols["open"], cols["high"], cols["low"]

    def _now(self) -> int:
        s = self.ctx.series if self.ctx is not None else None
        return int(s.open_time[s.n - 1]) if s is not None and s.n else 0

    def process(self, i: int) -> None:
        """Try every pending order (in submission order) against bar ``i``."""
        self._process(i, float(self._open[i]), float(self._high[i]), float(self._low[i]))

    def _process(self, i: int, o: float, h: float, l: float) -> None:
        filled = False
        for order in list(self.pending):
            price = self._fill_price(order, o, h, l)
            if price is None:
                continue
            self.pending.remove(order)
            self._triggered.discard(order.client_order_id)
            filled = self._execute(order, price, i) or filled
        if filled:
            assert self.ctx is not None
            self.marks.append((i, float(self.ctx.cash), float(self.ctx.position)))

    def close_all(self, i: int, o: float) -> None:
        """Close what is still open at ``o`` (end of a backtest with finalize_trades)."""
        assert self.ctx is not None
        pos = self.ctx.position
        if pos == 0:
            return
        req = OrderRequest(self.symbol, Side.SELL if pos > 0 else Side.BUY, OrderType.MARKET, quantity=abs(pos))
        self.ctx.place(req)  # registers the order with the context, then comes back through submit()
        self._process(i, o, o, o)

    def _fill_price(self, order: Order, o: float, h: float, l: float) -> Decimal | None:
        buy = order.side is Side.BUY
        t = order.type
        if t is OrderType.MARKET:
            return self._slip(dec(o), buy)
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

    def _execute(self, order: Order, price: Decimal, i: int) -> bool:
        ctx = self.ctx
        assert ctx is not None
        buy = order.side is Side.BUY
        pos, cash = ctx.position, ctx.cash
        unit_cost = price * (_ONE + self.commission)
        if order.quantity > 0:
            qty = order.quantity
        else:
            budget = order.quote_quantity if order.quote_quantity is not None else (
                cash if not pos else max(ZERO, cash + pos * price - abs(pos) * price))
            qty = (budget / unit_cost / self.lot_size).to_integral_value(rounding=ROUND_FLOOR) * self.lot_size
        if not pos:
            ok = qty > 0 and qty * unit_cost <= cash
        else:  # exposure added beyond what closes the opposite position must be paid for
            closing = min(qty, abs(pos)) if (pos < 0) == buy else ZERO
            opening = qty - closing
            cash_after_close = cash - (closing * price if buy else -closing * price) - closing * price * self.commission
            pos_after_close = pos + (closing if buy else -closing)
            avail = cash_after_close + pos_after_close * price - abs(pos_after_close) * price
            ok = qty > 0 and opening * unit_cost <= avail
        if not ok:
            t = self._now()  # NEW -> REJECTED, built directly (hot path when the cash has run out)
            self._update(Order(order.symbol, order.side, order.type, order.client_order_id, order.quantity,
                               order.price, order.stop_price, order.quote_quantity, order.time_in_force,
                               OrderStatus.REJECTED, order.venue_order_id, ts_created=order.ts_created,
                               ts_updated=t, reject_reason="insufficient cash"))
            return False
        fee = qty * price * self.commission
        t = self._now()
        value = qty * price
        fill = Fill(self.symbol, order.client_order_id, order.venue_order_id, next(self._ids), order.side, price, qty,
                    value, fee, self.quote_asset, Liquidity.TAKER, ts_event=t)
        ctx.apply_fill(fill)
        self.fills.append(fill)
        self._book(qty if buy else -qty, price, i)
        # NEW -> FILLED, built directly (hot path)
        self._update(Order(order.symbol, order.side, order.type, order.client_order_id, qty, order.price,
                           order.stop_price, order.quote_quantity, order.time_in_force, OrderStatus.FILLED,
                           order.venue_order_id, qty, value, order.ts_created, t))
        if self.collect_events:
            self.events.append(fill)
        return True

    def _book(self, signed: Decimal, price: Decimal, i: int) -> None:
        rate = self.commission
        while signed and self.open_trades and (self.open_trades[0].size > 0) != (signed > 0):
            t = self.open_trades[0]
            n = min(abs(t.size), abs(signed))
            part = n if t.size > 0 else -n
            comm = n * price * rate + n * t.entry_price * rate
            pnl = part * (price - t.entry_price) - comm
            direction = 1 if part > 0 else -1
            ret = direction * (float(price) / float(t.entry_price) - 1) - float(comm / (n * t.entry_price))
            self.closed_trades.append(ClosedTrade(part, t.entry_bar, i, t.entry_price, price, pnl, comm, ret))
            t.size -= part
            signed += part
            if t.size == 0:
                self.open_trades.pop(0)
        if signed:
            self.open_trades.append(OpenTrade(signed, price, i))

    def _update(self, order: Order) -> None:
        assert self.ctx is not None
        self.ctx.apply_order(order)
        if self.collect_events:
            self.events.append(order)

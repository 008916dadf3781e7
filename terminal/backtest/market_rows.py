"""The backtest broker's lean path for market orders: an order that is a row of atoms from placement to fill.

A strategy that places a market order (``ctx.buy()``, ``ctx.sell()``, ``ctx.close_position()``) and listens to no
order events gets no ``SimOrder`` record: the broker keeps the order as a short row of atoms, (symbol, is buy,
client order id, quantity, venue order id, time placed), queued and held by the context (``Context.order_of_row``
reads it as the order, status NEW). At the next bar's open it is filled, and the order is then its fill's row with
the time it was placed added (twelve fields; ``broker.fill_of`` reads the first eleven, ``Context.order_of_row``
the FILLED order): no other record is made. Rows of atoms are untracked by the garbage collector at its first pass,
and short rows make that pass short (it walks every field of every young row). Two fills are booked here,
with the same Decimal operations, in the same order, as ``SimBroker._execute`` (and ``Context.book_fill``,
``SimBroker._book``): the close of the whole position when it is one whole open trade, and an opening from flat.
Anything else (a partial close, a reversal in one order, a rejection, a base-asset commission, slippage, a limit
or stop order waiting, a cancel) turns the row into a ``SimOrder`` (``_upgrade``) and takes the general path: the
same numbers, the same ids (venue order ids and trade ids come from the one counter, in the same order), the same
rows at the end. tests/backtest/test_market_rows.py holds the two paths to each other.
"""
from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from ..model import ZERO, OrderType, Side

if TYPE_CHECKING:
    from .broker import SimOrder

_BUY, _SELL = Side.BUY, Side.SELL
_MARKET = OrderType.MARKET

# fields of a pending market order's row (Context.order_of_row reads it)
R_SYMBOL, R_BUY, R_COID, R_QTY, R_VID, R_CREATED = range(6)


class MarketRows:
    """Mixed into ``SimBroker``: ``accept_market`` and ``process`` (see the module docstring)."""

    # provided by SimBroker
    ctx: Any
    pending: list
    collect_events: bool
    open_trades: list[list]
    closed_flat: list
    commission: Decimal
    lot_size: Decimal
    quote_asset: str
    symbol: str
    _fills: list
    _orders: dict
    _unit: Decimal
    _unit_lots: bool
    _unit_one: bool

    def accept_market(self, side: Side, client_order_id: str, quantity: Decimal | None) -> Any:
        """A market order of the context's symbol (None: all in), as a row (or through ``accept`` when order
        events are collected: the listener gets the records it always got)."""
        if self.collect_events:
            return self.accept(side, _MARKET, client_order_id, quantity)  # type: ignore[attr-defined]
        s = self._series  # type: ignore[attr-defined]
        n = s.n if s is not None else 0
        ts = self._time_of[n - 1] if n else 0  # type: ignore[attr-defined]
        row = (self.symbol, side is _BUY, client_order_id, ZERO if quantity is None else quantity,
               next(self._ids), ts)  # type: ignore[attr-defined]
        self.pending.append(row)
        return row

    def _upgrade(self, row: tuple) -> "SimOrder":
        """The ``SimOrder`` of a pending row (the context then holds the record instead of the row)."""
        from .broker import SimOrder
        order = SimOrder(row[R_SYMBOL], _BUY if row[R_BUY] else _SELL, _MARKET, row[R_COID], row[R_QTY], None, None,
                         None, None, row[R_VID], row[R_CREATED])
        if self._orders.get(row[R_COID]) is row:
            self._orders[row[R_COID]] = order
        return order

    def _upgrade_pending(self) -> None:
        pending = self.pending
        for k, order in enumerate(pending):
            if type(order) is tuple:
                pending[k] = self._upgrade(order)

    def process(self, i: int) -> None:
        """Try every pending order (in submission order) against bar ``i``. When they are all market orders and
        there is no slippage (the common case), fill them here at the bar's open: rows, and records and the cases
        above through ``SimBroker._execute``; else ``SimBroker._process`` (limit and stop orders wait)."""
        fprice = self._open_of[i]  # type: ignore[attr-defined]  # a Python float (no numpy scalar)
        if self.slippage or self._waiting:  # type: ignore[attr-defined]
            self._process(i, fprice, self._high.item(i), self._low.item(i))  # type: ignore[attr-defined]
            return
        pending = self.pending
        t = self._time_of[i]  # type: ignore[attr-defined]
        price = Decimal(repr(fprice))  # broker.dec()
        ctx = self.ctx
        commission, fills, orders_of, ids = self.commission, self._fills, self._orders, self._ids  # type: ignore[attr-defined]
        open_trades, quote = self.open_trades, self.quote_asset
        # a base-asset account (a commission taken in the base asset) always takes the general path
        lean = not ctx.base_asset
        filled = False
        # the pending orders are read where they are and cleared after: filling places no order (no copy to take)
        for row in pending:
            if type(row) is not tuple:
                if self._execute(row, price, i, t, fprice):  # type: ignore[attr-defined]
                    filled = True
                continue
            symbol, buy, coid, qty, vid, created = row
            pos, cash = ctx._position, ctx._cash
            general = True
            if not lean:
                pass
            elif pos:
                # the whole position, one whole open trade, closed by an order of that quantity (_close_whole)
                if len(open_trades) == 1 and qty > ZERO:
                    trade = open_trades[0]
                    t_size, entry_price, entry_bar, entry_float, entry_value, entry_fee = trade
                    long = t_size > ZERO
                    n = t_size if long else -t_size  # abs(t_size): the same digits and exponent
                    if not (entry_fee is None or entry_value is None or t_size != pos or (pos < ZERO) is not buy
                            or qty != n):
                        value = qty * price
                        fee = value * commission
                        # x + y is x - (-y) (a subtraction is the addition of the negated operand): one op less
                        new_cash = cash - value if buy else cash + value
                        if fee:
                            new_cash -= fee
                        if not new_cash < ZERO:
                            general = False
                            ctx._position = pos + qty if buy else pos - qty
                            ctx._entry_price = None
                            ctx._cash = new_cash
                            comm = fee + entry_fee
                            # the trade's size itself is the part closed (n or -n)
                            pnl = t_size * (price - entry_price) - comm
                            ret = (1 if long else -1) * (fprice / entry_float - 1)
                            if comm:
                                ret -= float(comm / entry_value)
                            self.closed_flat.extend((t_size, entry_bar, i, entry_price, price, pnl, comm, ret,
                                                     entry_float, fprice))
                            open_trades.clear()
            elif not open_trades:
                # opening from flat (the first branch of _execute)
                unit_one = self._unit_one
                # x * Decimal('1') is x (the same digits and exponent): no commission, no multiplication
                unit_cost = price if unit_one else price * self._unit
                if not qty > ZERO:  # all in: the cash (a row has no quote quantity)
                    if self._unit_lots:
                        qty = (cash / unit_cost).to_integral_value(ROUND_FLOOR)
                    else:
                        lot = self.lot_size
                        qty = (cash / unit_cost / lot).to_integral_value(ROUND_FLOOR) * lot
                value = qty * price  # qty x unit cost, when the unit cost is the price
                if qty > ZERO and (value if unit_one else qty * unit_cost) <= cash:  # else rejected (general path)
                    general = False
                    fee = value * commission
                    signed = qty if buy else -qty
                    ctx._position = pos + signed
                    ctx._entry_price = price
                    new_cash = cash - value if buy else cash + value
                    if fee:
                        new_cash -= fee
                    ctx._cash = new_cash
                    open_trades.append([signed, price, i, fprice, value, fee])
            if general:
                if self._execute(self._upgrade(row), price, i, t, fprice):  # type: ignore[attr-defined]
                    filled = True
                continue
            # NEW -> FILLED: the fill's row (_execute's) with the time placed, which is the filled order too
            fill = (symbol, coid, vid, next(ids), buy, price, qty, value, fee, quote, t, created)
            fills.append(fill)
            if orders_of.get(coid) is row:
                orders_of[coid] = fill
            filled = True
        pending.clear()
        if filled:  # SimBroker.mark, inline
            self.mark_bars.append(i)  # type: ignore[attr-defined]
            self.mark_cash.append(ctx._cash)  # type: ignore[attr-defined]
            self.mark_pos.append(ctx._position)  # type: ignore[attr-defined]

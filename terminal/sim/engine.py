"""The matching engine: accounts, order entry, price-time matching, stop triggers and queries.

Pure Python, single-threaded and deterministic (no I/O, no asyncio, no randomness). The sandbox exchange server and
the market simulation drive it; listeners receive what changed.

Conventions:
- Order ids and trade ids count from 1 per symbol (as on Binance).
- History is bounded: per (account, symbol) the latest ``history_limit`` closed orders and account trades are kept
  for queries (open orders always are); older ones are forgotten (get_order then answers UNKNOWN_ORDER).
- Listeners are called synchronously after the public call's state is consistent, in order of occurrence.
  A listener may call the engine again; the new events are delivered after the ones already queued.
  A listener that raises is logged and the others still run.
- Locking: a BUY locks quote (limit price x remaining quantity; for MARKET by quantity the exact cost of walking the
  book; for MARKET by quote the quote amount; for STOP_LOSS/TAKE_PROFIT BUY stop price x quantity as an estimate,
  topped up from free balance when it triggers, or EXPIRED with reject reason INSUFFICIENT_BALANCES if the account
  cannot pay then). A SELL locks the base quantity. Whatever is left is unlocked when the order ends.
- Commission is charged on the received asset (base for BUY, quote for SELL) at the maker or taker rate,
  rounded down to 8 decimals, and added to ``fees_collected``.
- A stop order has no execution of its own when it triggers: it works (``is_working`` flips) and then reports its
  TRADEs and an EXPIRED, or rests silently on the book. Stops trigger on every traded price, not only the last one
  of a sweep; stops fired by the same trades work oldest first; ``set_last_price`` counts as a traded price.
- A MARKET order sized by quote takes, level by level, the largest multiple of the (market) step size the quote left
  pays for; its ``quantity`` is 0 until it runs and then the quantity it trades. It ends FILLED when the quote is
  used up to less than one step, EXPIRED when the book ran out first.
- Trailing stops (``trailing_delta`` in basis points, ``trailing.py``) follow every traded price in order; the prices a
  round of matching printed are kept in ``path`` for them, and fired stops are worked in the order the trades reached
  them (stops the same trade fires, oldest first).
- Order lists (OCO, OTO, OTOCO; ``lists.py``, placed by ``contingent.py``): one leg of an OCO trading or triggering
  expires the other in the same step, before any later trade; OTO pending orders are placed once the working order
  is filled, after the sweep that filled it.
- Self-trades are allowed (STP mode NONE).
- Arithmetic is exact within the default decimal context (28 significant digits), far beyond any real balance.
"""
from __future__ import annotations

import logging
from collections import deque
from decimal import ROUND_DOWN, Decimal
from typing import Any, Callable, Iterable

from terminal.clock import Clock
from terminal.model.enums import OrderStatus, OrderType, Side, TimeInForce
from terminal.model.instrument import Instrument
from terminal.model.numbers import ZERO
from terminal.model.order import InvalidTransition, can_transition

from . import trailing
from .account import Ledger
from .contingent import ContingentOrders
from .entry import check_request, lock_for
from .registry import Registry
from .matching import SymbolBook, WorkingOrder
from .reports import (REPORT_REASONS, AccountTrade, EngineReject, Execution, ExecType, ExpiryReason, OrderView,
                      PlaceResult, RejectReason, Trade, make_account_trade, make_execution, make_place_result,
                      make_trade)
from .stops import StopBook

log = logging.getLogger(__name__)

_FEE_Q = Decimal("1E-8")
_S = OrderStatus
RECENT_TRADES = 1000


class _Symbol:
    __slots__ = ("instrument", "book", "stops", "last_price", "trades", "next_order_id", "next_trade_id", "low",
                 "high", "path", "due")

    def __init__(self, instrument: Instrument, on_book: Callable[..., None]) -> None:
        self.instrument = instrument
        self.book = SymbolBook(instrument.symbol, on_book)
        self.stops = StopBook()
        self.last_price: Decimal | None = None
        self.trades: deque[Trade] = deque(maxlen=RECENT_TRADES)
        self.next_order_id = 1
        self.next_trade_id = 1
        #: range of prices traded (or set) since stops were last checked; None when nothing traded
        self.low: Decimal | None = None
        self.high: Decimal | None = None
        #: the prices traded (or set) since stops were last checked, in order
        self.path: list[Decimal] = []
        #: order lists whose working order filled: their pending orders are placed after the current sweep
        self.due: list[Any] = []


class Engine(ContingentOrders):
    """Accounts and per-symbol books; see the module docstring for the conventions.

    Every public method either raises ``EngineReject`` having changed nothing, or changes the state and then
    notifies the listeners. Amount parameters take ``Decimal`` (or ``str``/``int``), never ``float``.
    """

    def __init__(self, instruments: Iterable[Instrument], clock: Clock, *, maker_fee: Decimal = Decimal("0.001"),
                 taker_fee: Decimal = Decimal("0.001"), history_limit: int = 10_000) -> None:
        self.clock = clock
        self.maker_fee = Decimal(maker_fee)
        self.taker_fee = Decimal(taker_fee)
        self.instruments: dict[str, Instrument] = {}
        self.execution_listeners: list[Callable[[Execution], None]] = []
        self.balance_listeners: list[Callable[[str, dict[str, tuple[Decimal, Decimal]]], None]] = []
        self.trade_listeners: list[Callable[[Trade], None]] = []
        self.book_listeners: list[Callable[[str, int, bool, Decimal, Decimal], None]] = []
        #: commission charged so far, per asset
        self.fees_collected: dict[str, Decimal] = {}
        self._ledger = Ledger()
        self._history = Registry(history_limit)
        self._symbols: dict[str, _Symbol] = {}
        self._pending: list[tuple[list[Callable[..., None]], tuple[Any, ...]]] = []
        self._flushing = False
        #: executions of the orders flagged ``tracked``, for the caller of the current place
        self._tracked_execs: list[Execution] = []
        self._now = 0
        self._cid_seq = 0
        ContingentOrders.__init__(self)
        for inst in instruments:
            self.add_instrument(inst)

    # -- setup -------------------------------------------------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        self.instruments[instrument.symbol] = instrument
        if instrument.symbol in self._symbols:
            self._symbols[instrument.symbol].instrument = instrument
        else:
            self._symbols[instrument.symbol] = _Symbol(instrument, self._on_book)

    def add_account(self, account_id: str, balances: dict[str, Decimal]) -> None:
        self._ledger.add_account(account_id, balances)

    def set_history_limit(self, account_id: str, limit: int) -> None:
        """Keep at most about ``limit`` closed orders and trades per symbol for this account (open ones always)."""
        if limit < 1:
            raise ValueError("history limit must be at least 1")
        self._history.account_limits[account_id] = limit

    def has_account(self, account_id: str) -> bool:
        return self._ledger.has(account_id)

    def deposit(self, account_id: str, asset: str, amount: Decimal) -> None:
        self._ledger.require(account_id)
        self._ledger.deposit(account_id, asset, Decimal(amount))
        self._emit_balance(account_id, (asset,))
        self._flush()

    def balances(self, account_id: str) -> dict[str, tuple[Decimal, Decimal]]:
        return self._ledger.snapshot(account_id)

    def asset_totals(self) -> dict[str, Decimal]:
        """free + locked per asset over all accounts (commission has left these totals)."""
        return self._ledger.totals()

    # -- order entry -------------------------------------------------------------------------------------------
    def place(self, account_id: str, symbol: str, side: Side, type: OrderType, *, quantity: Decimal | None = None,
              quote_quantity: Decimal | None = None, price: Decimal | None = None, stop_price: Decimal | None = None,
              time_in_force: TimeInForce | None = None, client_order_id: str | None = None,
              trailing_delta: int | None = None, test: bool = False) -> PlaceResult:
        st = self._symbol(symbol)
        self._ledger.require(account_id)
        req = check_request(st.instrument, st.book, st.last_price, side, type, quantity, quote_quantity, price,
                            stop_price, time_in_force, trailing_delta)
        if client_order_id is not None and self._history.open_with_cid(account_id, symbol, client_order_id):
            raise EngineReject(RejectReason.DUPLICATE_ORDER)
        lock_asset, lock_amount = lock_for(st.instrument, st.book, req, st.last_price)
        if lock_amount > self._ledger.free(account_id, lock_asset):
            raise EngineReject(RejectReason.INSUFFICIENT_BALANCE)
        req.check_matching(st.book, st.last_price)
        now = self._now = self.clock.now_ms()
        if test:
            order = req.order(0, client_order_id or "", account_id, symbol, now)
            return make_place_result(order.view(), [])
        order = req.order(st.next_order_id, client_order_id or self._new_client_id(), account_id, symbol, now)
        st.next_order_id += 1
        if order.trailing_delta and not order.stop_price:
            trailing.start(order, st.last_price, now)   # no stop price: it trails from the last price at once
        prev = self._tracked_execs
        self._tracked_execs = []
        order.tracked = True
        try:
            self._history.add(order)
            if lock_amount:
                self._ledger.lock(account_id, lock_asset, lock_amount)
                order.locked = lock_amount
            self._report(order, ExecType.NEW)
            self._emit_balance(account_id, (lock_asset,))
            self._work(st, order)
            if st.high is not None or st.due:
                self._run_triggers(st)
            result = make_place_result(order.view(), self._tracked_execs)
        finally:
            order.tracked = False
            self._tracked_execs = prev
        if self._pending:
            self._flush()
        return result

    def cancel(self, account_id: str, symbol: str, *, order_id: int | None = None,
               client_order_id: str | None = None, cancel_client_order_id: str | None = None) -> OrderView:
        st = self._symbol(symbol)
        self._ledger.require(account_id)
        if order_id is None and client_order_id is None:
            raise EngineReject(RejectReason.INVALID, "Either orderId or origClientOrderId must be sent.")
        order = self._history.find(account_id, symbol, order_id, client_order_id)
        if order is None or not order.status.is_open:
            raise EngineReject(RejectReason.UNKNOWN_ORDER)
        self._now = self.clock.now_ms()
        lst = order.order_list
        if lst is not None and not lst.done:
            self._cancel_list(st, lst, cancel_client_order_id)   # a member takes its whole list with it
        else:
            self._cancel(st, order, cancel_client_order_id)
        self._flush()
        return order.view()

    def cancel_all(self, account_id: str, symbol: str) -> list[OrderView]:
        """Cancel every open order of the account on the symbol, order lists included (an empty list when there is
        none)."""
        st = self._symbol(symbol)
        self._ledger.require(account_id)
        self._now = self.clock.now_ms()
        out = []
        for order in self._history.open_orders(account_id, symbol):
            if not order.status.is_open:
                continue   # a list member its list's cancel already took
            lst = order.order_list
            if lst is not None and not lst.done:
                self._cancel_list(st, lst, None)
            else:
                self._cancel(st, order, None)
            out.append(order.view())
        self._flush()
        return out

    def set_last_price(self, symbol: str, price: Decimal) -> None:
        """Seed (or move) the last price; armed stops it reaches trigger."""
        st = self._symbol(symbol)
        self._now = self.clock.now_ms()
        st.last_price = st.low = st.high = Decimal(price)
        st.path.append(st.last_price)
        self._run_triggers(st)
        self._flush()

    # -- queries -----------------------------------------------------------------------------------------------
    def get_order(self, account_id: str, symbol: str, *, order_id: int | None = None,
                  client_order_id: str | None = None) -> OrderView:
        self._symbol(symbol)
        self._ledger.require(account_id)
        order = self._history.find(account_id, symbol, order_id, client_order_id)
        if order is None:
            raise EngineReject(RejectReason.UNKNOWN_ORDER, "Order does not exist.")
        return order.view()

    def open_orders(self, account_id: str, symbol: str | None = None) -> list[OrderView]:
        if symbol is not None:
            self._symbol(symbol)
        self._ledger.require(account_id)
        return [o.view() for o in self._history.open_orders(account_id, symbol)]

    def all_orders(self, account_id: str, symbol: str, *, order_id: int | None = None, start_ms: int | None = None,
                   end_ms: int | None = None, limit: int = 500) -> list[OrderView]:
        self._symbol(symbol)
        self._ledger.require(account_id)
        return [o.view() for o in self._history.all_orders(account_id, symbol, order_id, start_ms, end_ms, limit)]

    def account_trades(self, account_id: str, symbol: str, *, order_id: int | None = None,
                       from_id: int | None = None, start_ms: int | None = None, end_ms: int | None = None,
                       limit: int = 500) -> list[AccountTrade]:
        self._symbol(symbol)
        self._ledger.require(account_id)
        return self._history.account_trades(account_id, symbol, order_id, from_id, start_ms, end_ms, limit)

    def depth(self, symbol: str, limit: int = 100) -> tuple[int, list[tuple[Decimal, Decimal]],
                                                             list[tuple[Decimal, Decimal]]]:
        book = self._symbol(symbol).book
        bids, asks = book.depth(limit)
        return book.update_id, bids, asks

    def best(self, symbol: str) -> tuple[tuple[Decimal, Decimal] | None, tuple[Decimal, Decimal] | None]:
        book = self._symbol(symbol).book
        return book.best_bid(), book.best_ask()

    def last_price(self, symbol: str) -> Decimal | None:
        return self._symbol(symbol).last_price

    def recent_trades(self, symbol: str, limit: int = 500) -> list[Trade]:
        trades = self._symbol(symbol).trades
        if limit >= len(trades):
            return list(trades)
        return list(trades)[len(trades) - limit:]

    # -- matching ----------------------------------------------------------------------------------------------
    def _symbol(self, symbol: str) -> _Symbol:
        st = self._symbols.get(symbol)
        if st is None:
            raise EngineReject(RejectReason.UNKNOWN_SYMBOL)
        return st

    def _work(self, st: _Symbol, order: WorkingOrder) -> None:
        """Put a newly accepted order to work: arm a stop, match anything else. The caller then runs what its trades
        set off (``_run_triggers``)."""
        if order.is_stop:
            st.stops.arm(order)
        else:
            self._execute(st, order)

    def _execute(self, st: _Symbol, order: WorkingOrder) -> None:
        """Match a working order as taker, then rest, fill or expire it."""
        book = st.book
        if order.limit is None and order.quote_quantity and not order.quantity:
            inst = st.instrument
            step = inst.market_step_size if inst.market_step_size is not None else inst.step_size
            qty, exhausted = book.qty_for_quote(order.is_buy, order.quote_quantity, step)
            order.quantity = qty
            order.target = None if exhausted else qty
        want = order.quantity - order.executed_qty
        if order.time_in_force is TimeInForce.FOK and book.available(order.is_buy, order.limit, want) < want:
            order.expiry_reason = ExpiryReason.UNFILLED_FOK_ORDER_EXPIRED
            self._close(st, order, _S.EXPIRED)
            return
        if want:
            self._match(st, order, want)
        if order.status is _S.FILLED:
            return
        if order.limit is not None and order.time_in_force is not TimeInForce.IOC \
                and order.time_in_force is not TimeInForce.FOK:
            book.add(order)
            return
        order.expiry_reason = (ExpiryReason.INSUFFICIENT_LIQUIDITY if order.limit is None
                               else ExpiryReason.UNFILLED_IOC_QUANTITY_EXPIRED)
        self._close(st, order, _S.EXPIRED)

    def _match(self, st: _Symbol, taker: WorkingOrder, want: Decimal) -> None:
        book = st.book
        is_buy = taker.is_buy
        levels, keys = book.opposite(is_buy)
        limit = taker.limit
        while want and keys:
            key = keys[0]
            price = key if is_buy else -key
            if limit is not None and (price > limit if is_buy else price < limit):
                break
            level = levels[price]
            orders = level.orders
            while want:
                maker = orders[0]
                if not maker.on_book:
                    orders.popleft()
                    continue
                left = maker.quantity - maker.executed_qty
                q = left if left < want else want
                want -= q
                level.total -= q
                if q == left:
                    orders.popleft()
                    level.live -= 1
                    maker.on_book = False
                self._fill(st, maker, taker, price, q)
                if not level.live:
                    break
            if level.live:
                book.changed(not is_buy, price, level.total)
            else:
                book.drop_level(not is_buy, price)
                book.changed(not is_buy, price, ZERO)

    def _fill(self, st: _Symbol, maker: WorkingOrder, taker: WorkingOrder, price: Decimal, qty: Decimal) -> None:
        quote = price * qty
        tid = st.next_trade_id
        st.next_trade_id = tid + 1
        st.last_price = price
        st.path.append(price)
        if st.high is None:
            st.low = st.high = price
        elif price > st.high:
            st.high = price
        elif price < st.low:  # type: ignore[operator]
            st.low = price
        buy, sell = (maker, taker) if maker.is_buy else (taker, maker)
        trade = make_trade(tid, st.instrument.symbol, price, qty, quote, self._now, maker.is_buy, buy.order_id,
                      sell.order_id)
        st.trades.append(trade)
        if self.trade_listeners:
            self._pending.append((self.trade_listeners, (trade,)))
        self._settle(st, maker, price, qty, quote, tid, True)
        self._settle(st, taker, price, qty, quote, tid, False)

    def _settle(self, st: _Symbol, order: WorkingOrder, price: Decimal, qty: Decimal, quote: Decimal, tid: int,
                is_maker: bool) -> None:
        inst = st.instrument
        acct = order.account_id
        lst = order.order_list
        resolved = lst is not None and self._resolve_pair(st, order)   # the other leg goes first, with its lock
        book = self._ledger.book(acct)
        eq = book.get(inst.quote_asset) or self._ledger.entry(acct, inst.quote_asset)
        eb = book.get(inst.base_asset) or self._ledger.entry(acct, inst.base_asset)
        rate = self.maker_fee if is_maker else self.taker_fee
        if order.is_buy:
            if order.limit is not None:
                release = order.limit * qty
                eq[1] -= release
                order.locked -= release
                eq[0] += release - quote
            else:
                eq[1] -= quote
                order.locked -= quote
            fee = (qty * rate).quantize(_FEE_Q, ROUND_DOWN)
            eb[0] += qty - fee
            fee_asset = inst.base_asset
        else:
            eb[1] -= qty
            order.locked -= qty
            fee = (quote * rate).quantize(_FEE_Q, ROUND_DOWN)
            eq[0] += quote - fee
            fee_asset = inst.quote_asset
        if fee:
            self.fees_collected[fee_asset] = self.fees_collected.get(fee_asset, ZERO) + fee
        order.executed_qty += qty
        order.cum_quote += quote
        order.update_time = self._now
        if order.executed_qty == order.target:
            _set_status(order, _S.FILLED)
            if order.locked:
                self._ledger.unlock(acct, inst.quote_asset if order.is_buy else inst.base_asset, order.locked)
                order.locked = ZERO
            self._history.closed(order)
        elif order.status is not _S.PARTIALLY_FILLED:
            _set_status(order, _S.PARTIALLY_FILLED)
        self._history.add_trade(acct, make_account_trade(inst.symbol, tid, order.order_id, price, qty, quote, fee,
                                                         fee_asset, self._now, order.is_buy, is_maker,
                                                         order.order_list_id))
        if self.execution_listeners or order.tracked:
            self._report(order, ExecType.TRADE, qty, price, quote, fee, fee_asset, tid, is_maker)
        if self.balance_listeners:
            self._emit_balance(acct, (inst.base_asset, inst.quote_asset))
        if lst is not None:
            self._member_traded(st, lst, order, resolved)

    def _cancel(self, st: _Symbol, order: WorkingOrder, cancel_client_order_id: str | None) -> None:
        if order.on_book:
            st.book.remove(order)
        elif order.is_stop and not order.is_working:
            st.stops.disarm(order)
        self._close(st, order, _S.CANCELED, cancel_client_order_id=cancel_client_order_id)

    def _close(self, st: _Symbol, order: WorkingOrder, status: OrderStatus, reason: str = "NONE",
               cancel_client_order_id: str | None = None) -> None:
        """End an order that is off the book: CANCELED or EXPIRED, unlocking what it still holds."""
        _set_status(order, status)
        order.update_time = self._now
        inst = st.instrument
        asset = inst.quote_asset if order.is_buy else inst.base_asset
        if order.locked:
            self._ledger.unlock(order.account_id, asset, order.locked)
            order.locked = ZERO
        self._history.closed(order)
        if order.quote_quantity and order.limit is None and order.quantity > order.executed_qty:
            order.quantity = order.executed_qty   # a quote-sized market order reports what it traded
        exec_type = ExecType.CANCELED if status is _S.CANCELED else ExecType.EXPIRED
        self._report(order, exec_type, cancel_client_order_id=cancel_client_order_id, reject_reason=reason)
        self._emit_balance(order.account_id, (asset,))
        lst = order.order_list
        if lst is not None and not lst.done and not lst.closing:
            self._member_closed(st, lst, order)

    def _run_triggers(self, st: _Symbol) -> None:
        """Fire the armed stops that the prices traded since the last check reached (every trade counts, not only
        the last, in order), then place the pending orders of lists whose working order filled. Fired and placed
        orders trade in turn; their trades are checked in the next round. A loop, not recursion: each stop fires
        and each list's pending orders are placed at most once, so it ends."""
        while st.high is not None or st.due:
            if st.high is not None:
                low, high, path = st.low, st.high, st.path
                st.low = st.high = None
                st.path = []
                if len(st.stops):
                    assert low is not None
                    for order in st.stops.fire(low, high, path, self._now):
                        if order.status.is_open:   # not expired meanwhile by its OCO partner
                            self._trigger(st, order)
            if st.due:
                due, st.due = st.due, []
                for lst in due:
                    self._place_pending(st, lst)

    def _trigger(self, st: _Symbol, order: WorkingOrder) -> None:
        lst = order.order_list
        resolved = lst is not None and self._resolve_pair(st, order)
        try:
            self._start_working(st, order)
        finally:
            if resolved:
                self._list_done(lst)

    def _start_working(self, st: _Symbol, order: WorkingOrder) -> None:
        order.is_working = True
        order.working_time = order.update_time = self._now
        if order.limit is None and order.is_buy:   # stop-market BUY: lock the real cost now
            need = st.book.cost_to_buy(order.quantity - order.executed_qty) - order.locked
            if need > 0:
                quote = st.instrument.quote_asset
                if need > self._ledger.free(order.account_id, quote):
                    self._close(st, order, _S.EXPIRED, REPORT_REASONS[RejectReason.INSUFFICIENT_BALANCE])
                    return
                self._ledger.lock(order.account_id, quote, need)
                order.locked += need
        self._execute(st, order)

    # -- notification ------------------------------------------------------------------------------------------
    def _report(self, order: WorkingOrder, exec_type: ExecType, last_qty: Decimal = ZERO,
                last_price: Decimal = ZERO, last_quote: Decimal = ZERO, commission: Decimal = ZERO,
                commission_asset: str | None = None, trade_id: int = -1, is_maker: bool = False,
                cancel_client_order_id: str | None = None, reject_reason: str = "NONE") -> None:
        tracked = order.tracked
        if not tracked and not self.execution_listeners:
            return
        execution: Execution = make_execution(order.account_id, order.view(), exec_type, self._now, last_qty,
                                              last_price, last_quote, commission, commission_asset, trade_id,
                                              is_maker, cancel_client_order_id, reject_reason)
        if tracked:
            self._tracked_execs.append(execution)
        if self.execution_listeners:
            self._pending.append((self.execution_listeners, (execution,)))

    def _emit_balance(self, account_id: str, assets: tuple[str, ...]) -> None:
        if self.balance_listeners:
            self._pending.append((self.balance_listeners, (account_id, self._ledger.snapshot(account_id, assets))))

    def _on_book(self, symbol: str, update_id: int, is_bid: bool, price: Decimal, total: Decimal) -> None:
        if self.book_listeners:
            self._pending.append((self.book_listeners, (symbol, update_id, is_bid, price, total)))

    def _flush(self) -> None:
        if self._flushing:
            return   # a listener called the engine: the outer loop delivers the new events in order
        self._flushing = True
        pending = self._pending
        try:
            i = 0
            while i < len(pending):
                listeners, args = pending[i]
                i += 1
                for fn in list(listeners):
                    try:
                        fn(*args)
                    except Exception:
                        log.exception("engine listener %r failed", fn)
        finally:
            pending.clear()
            self._flushing = False

    def _new_client_id(self) -> str:
        self._cid_seq += 1
        return f"sim{self._cid_seq:019d}"   # 22 characters, like Binance's generated ids


def _set_status(order: WorkingOrder, status: OrderStatus) -> None:
    if not can_transition(order.status, status):
        raise InvalidTransition(f"order {order.symbol}#{order.order_id}: {order.status.name} -> {status.name}")
    order.status = status

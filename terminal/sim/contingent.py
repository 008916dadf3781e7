"""The matching engine's order lists: placing OCO, OTO and OTOCO lists, cancelling and querying them, and the hooks
the engine calls when a member trades, triggers or ends (``lists.py`` has the records and the rules).

``ContingentOrders`` is a part of ``Engine`` (a base class that shares its state): it uses the engine's ledger,
registry, books and notification queue, and the engine calls back into it from matching. Every public method either
raises ``EngineReject`` having changed nothing, or changes the state and then notifies the listeners, as the engine's.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable

from terminal.model.enums import OrderStatus
from terminal.model.numbers import ZERO
from terminal.model.order import InvalidTransition, can_transition

from . import trailing
from .entry import Request, check_request, lock_for
from .lists import (ContingencyType, Leg, ListResult, ListStatusType, ListView, OrderList, WORKING_TYPES,
                    check_pair, check_pair_prices, pair_order)
from .matching import WorkingOrder
from .reports import REPORT_REASONS, EngineReject, ExecType, ExpiryReason, RejectReason

if TYPE_CHECKING:
    from terminal.clock import Clock

    from .account import Ledger
    from .engine import _Symbol
    from .registry import Registry

_S = OrderStatus


class ContingentOrders:
    """Order lists of every account: ids count from 0 over the whole engine (one counter per exchange)."""

    if TYPE_CHECKING:   # the engine's state and steps this part uses
        clock: Clock
        _ledger: Ledger
        _history: Registry
        _now: int
        _pending: list[tuple[list[Callable[..., None]], tuple[Any, ...]]]
        _tracked_execs: list[Any]

        def _symbol(self, symbol: str) -> _Symbol: ...
        def _new_client_id(self) -> str: ...
        def _report(self, order: WorkingOrder, exec_type: ExecType) -> None: ...
        def _emit_balance(self, account_id: str, assets: tuple[str, ...]) -> None: ...
        def _work(self, st: _Symbol, order: WorkingOrder) -> None: ...
        def _run_triggers(self, st: _Symbol) -> None: ...
        def _cancel(self, st: _Symbol, order: WorkingOrder, cancel_client_order_id: str | None) -> None: ...
        def _close(self, st: _Symbol, order: WorkingOrder, status: OrderStatus, reason: str = "NONE") -> None: ...
        def _flush(self) -> None: ...

    def __init__(self) -> None:
        #: called with a ``ListView`` whenever a list is placed, changes or ends
        self.list_listeners: list[Callable[[ListView], None]] = []
        self._lists: dict[int, OrderList] = {}
        self._account_lists: dict[str, list[OrderList]] = {}
        self._list_by_cid: dict[tuple[str, str], OrderList] = {}
        self._next_list_id = 0

    # -- placing -----------------------------------------------------------------------------------------------
    def place_oco(self, account_id: str, symbol: str, above: Leg, below: Leg, *,
                  list_client_order_id: str | None = None) -> ListResult:
        """Two legs on one side and quantity, ``above`` priced above the last price and ``below`` under it
        (OCO_BAD_PRICES otherwise); the stop-loss leg is reported first."""
        check_pair(above, below)
        legs = pair_order([above, below])
        roles = (0, 1) if legs[0] is above else (1, 0)
        return self._place_list(account_id, symbol, ContingencyType.OCO, legs, None, roles, list_client_order_id)

    def place_oto(self, account_id: str, symbol: str, working: Leg, pending: Leg, *,
                  list_client_order_id: str | None = None) -> ListResult:
        """A working LIMIT or LIMIT_MAKER order now; ``pending`` once it is fully filled."""
        return self._place_list(account_id, symbol, ContingencyType.OTO, [working, pending], 0, None,
                                list_client_order_id)

    def place_otoco(self, account_id: str, symbol: str, working: Leg, pending_above: Leg,
                    pending_below: Leg, *, list_client_order_id: str | None = None) -> ListResult:
        """A working order now; an OCO pair (checked against the last price then) once it is fully filled."""
        check_pair(pending_above, pending_below)
        pair = pair_order([pending_above, pending_below])
        roles = (1, 2) if pair[0] is pending_above else (2, 1)
        return self._place_list(account_id, symbol, ContingencyType.OTO, [working, *pair], 0, roles,
                                list_client_order_id)

    def _place_list(self, account_id: str, symbol: str, contingency: ContingencyType, legs: list[Leg],
                    working: int | None, roles: tuple[int, int] | None, list_cid: str | None) -> ListResult:
        st = self._symbol(symbol)
        self._ledger.require(account_id)
        inst, book, last = st.instrument, st.book, st.last_price
        if working is not None and legs[working].type not in WORKING_TYPES:
            raise EngineReject(RejectReason.INVALID, "The working order must be LIMIT or LIMIT_MAKER.")
        reqs = [check_request(inst, book, last, leg.side, leg.type, leg.quantity, None, leg.price, leg.stop_price,
                              leg.time_in_force, leg.trailing_delta) for leg in legs]
        cids = [leg.client_order_id for leg in legs if leg.client_order_id is not None]
        if len(set(cids)) < len(cids) or any(self._history.open_with_cid(account_id, symbol, c) for c in cids):
            raise EngineReject(RejectReason.DUPLICATE_ORDER)
        if list_cid is not None and self._open_list_with_cid(account_id, list_cid) is not None:
            raise EngineReject(RejectReason.DUPLICATE_ORDER)
        live = [working] if working is not None else list(range(len(legs)))
        if working is None and roles is not None:
            check_pair_prices(_ref(reqs[roles[0]]), _ref(reqs[roles[1]]), last)
        asset, amount = self._lock_need(st, [reqs[i] for i in live], pair=working is None)
        if amount > self._ledger.free(account_id, asset):
            raise EngineReject(RejectReason.INSUFFICIENT_BALANCE)
        for i in live:
            reqs[i].check_matching(book, last)
        now = self._now = self.clock.now_ms()
        orders = []
        for leg, req in zip(legs, reqs):
            orders.append(req.order(st.next_order_id, leg.client_order_id or self._new_client_id(), account_id,
                                    symbol, now))
            st.next_order_id += 1
        for i in live:
            if orders[i].trailing_delta and not orders[i].stop_price:
                trailing.start(orders[i], last, now)
        pending = [o for i, o in enumerate(orders) if i not in live]
        for o in pending:
            o.status = _S.PENDING_NEW
            o.is_working = False
            o.working_time = -1
        lst = OrderList(self._next_list_id, list_cid or self._new_client_id(), account_id, symbol, contingency,
                        orders, orders[working] if working is not None else None,
                        (orders[roles[0]], orders[roles[1]]) if roles is not None else (),
                        {o.order_id: reqs[i] for i, o in enumerate(orders) if i not in live}, now)
        self._next_list_id += 1
        self._remember(lst)
        prev = self._tracked_execs
        self._tracked_execs = []
        for o in orders:
            o.tracked = True
        try:
            for o in orders:
                self._history.add(o)
            if amount:
                self._ledger.lock(account_id, asset, amount)
                orders[live[0]].locked = amount
            for o in orders:
                self._report(o, ExecType.NEW)
            self._emit_balance(account_id, (asset,))
            self._emit_list(lst)
            before = [o.view() for o in pending]
            for i in live:
                if orders[i].status.is_open:
                    self._work(st, orders[i])
            if st.high is not None or st.due:
                self._run_triggers(st)
            view = lst.view()
            if pending and not lst.done:   # as Binance answers: pending members as placed, however fast they moved
                shown = {v.order_id: v for v in before}
                view = _with_orders(view, tuple(shown.get(v.order_id, v) for v in view.orders))
            result = ListResult(view, self._tracked_execs)
        finally:
            for o in orders:
                o.tracked = False
            self._tracked_execs = prev
        if self._pending:
            self._flush()
        return result

    def _lock_need(self, st: _Symbol, reqs: list[Request], pair: bool) -> tuple[str, Decimal]:
        """What placing these members locks: an OCO pair once (a SELL its quantity, a BUY its dearer leg), other
        members each their own."""
        inst = st.instrument
        needs = [lock_for(inst, st.book, r, st.last_price) for r in reqs]
        asset = needs[0][0]
        if pair and len(needs) == 2:
            return asset, max(needs[0][1], needs[1][1])
        return asset, sum((n[1] for n in needs), ZERO)

    # -- cancelling and queries --------------------------------------------------------------------------------
    def cancel_list(self, account_id: str, symbol: str, *, order_list_id: int | None = None,
                    list_client_order_id: str | None = None, cancel_client_order_id: str | None = None) -> ListView:
        """Cancel every open member (UNKNOWN_ORDER for a list that is unknown, of another symbol or done)."""
        st = self._symbol(symbol)
        self._ledger.require(account_id)
        if order_list_id is None and list_client_order_id is None:
            raise EngineReject(RejectReason.INVALID, "Either orderListId or listClientOrderId must be sent.")
        lst = self._find_list(account_id, order_list_id, list_client_order_id)
        if lst is None or lst.symbol != symbol or lst.done:
            raise EngineReject(RejectReason.UNKNOWN_ORDER)
        self._now = self.clock.now_ms()
        self._cancel_list(st, lst, cancel_client_order_id)
        self._flush()
        return lst.view()

    def get_list(self, account_id: str, *, order_list_id: int | None = None,
                 list_client_order_id: str | None = None) -> ListView:
        self._ledger.require(account_id)
        lst = self._find_list(account_id, order_list_id, list_client_order_id)
        if lst is None:
            raise EngineReject(RejectReason.UNKNOWN_LIST)
        return lst.view()

    def open_lists(self, account_id: str, symbol: str | None = None) -> list[ListView]:
        self._ledger.require(account_id)
        return [lst.view() for lst in self._account_lists.get(account_id, ())
                if not lst.done and (symbol is None or lst.symbol == symbol)]

    def all_lists(self, account_id: str, *, from_id: int | None = None, start_ms: int | None = None,
                  end_ms: int | None = None, limit: int = 500) -> list[ListView]:
        """Oldest first. With no bound, the most recent ``limit``; with bounds, the first ``limit`` that match."""
        self._ledger.require(account_id)
        out = [lst for lst in self._account_lists.get(account_id, ())
               if (from_id is None or lst.order_list_id >= from_id)
               and (start_ms is None or lst.members[0].time >= start_ms)
               and (end_ms is None or lst.members[0].time <= end_ms)]
        if from_id is None and start_ms is None and end_ms is None:
            out = out[-limit:] if limit > 0 else []
        else:
            out = out[:limit]
        return [lst.view() for lst in out]

    def _find_list(self, account_id: str, order_list_id: int | None, cid: str | None) -> OrderList | None:
        if order_list_id is not None:
            lst = self._lists.get(order_list_id)
            if lst is None or lst.account_id != account_id or (cid is not None and lst.client_id != cid):
                return None
            return lst
        if cid is not None:
            return self._list_by_cid.get((account_id, cid))
        return None

    def _open_list_with_cid(self, account_id: str, cid: str) -> OrderList | None:
        lst = self._list_by_cid.get((account_id, cid))
        return lst if lst is not None and not lst.done else None

    def _remember(self, lst: OrderList) -> None:
        self._lists[lst.order_list_id] = lst
        self._list_by_cid[(lst.account_id, lst.client_id)] = lst
        mine = self._account_lists.setdefault(lst.account_id, [])
        mine.append(lst)
        limit = self._history.account_limits.get(lst.account_id, self._history.limit)
        if len(mine) >= 2 * limit:   # forget the oldest finished lists, as the registry forgets orders
            cut = len(mine) - limit
            for old in mine[:cut]:
                if old.done:
                    self._lists.pop(old.order_list_id, None)
                    if self._list_by_cid.get((old.account_id, old.client_id)) is old:
                        del self._list_by_cid[(old.account_id, old.client_id)]
            mine[:cut] = [old for old in mine[:cut] if not old.done]

    # -- hooks from matching -----------------------------------------------------------------------------------
    def _resolve_pair(self, st: _Symbol, order: WorkingOrder) -> bool:
        """``order`` is about to trade or has triggered: expire its OCO partner now (its locked funds pass to
        ``order``) and end the list. True if there was a partner; the caller then reports the list done."""
        lst = order.order_list
        other = lst.other(order)
        if other is None:
            return False
        lst.done = True
        lst.closing = True
        try:
            if other.on_book:
                st.book.remove(other)
            elif other.is_stop and not other.is_working:
                st.stops.disarm(other)
            order.locked += other.locked   # one lock for the pair: it stays locked, for the survivor
            other.locked = ZERO
            other.expiry_reason = ExpiryReason.OCO_TRIGGER
            self._close(st, other, _S.EXPIRED)
        finally:
            lst.closing = False
        return True

    def _member_traded(self, st: _Symbol, lst: OrderList, order: WorkingOrder, resolved: bool) -> None:
        if resolved:
            self._list_done(lst)
        if order.status is not _S.FILLED or lst.done:
            return
        if order is lst.working:
            st.due.append(lst)   # its pending orders go on after the current sweep
        elif lst.all_final():
            lst.done = True
            self._list_done(lst)

    def _member_closed(self, st: _Symbol, lst: OrderList, order: WorkingOrder) -> None:
        """A member ended CANCELED or EXPIRED on its own (not by its list): an unfilled working order takes the
        pending members with it; the list is done when nothing in it is open."""
        if order is lst.working:
            lst.closing = True
            try:
                for m in lst.pending:
                    if m.status.is_open:
                        m.expiry_reason = ExpiryReason.OTO_PHASE_ONE_EXPIRED
                        self._close(st, m, _S.EXPIRED)
            finally:
                lst.closing = False
        if lst.all_final():
            lst.done = True
            self._list_done(lst)

    def _cancel_list(self, st: _Symbol, lst: OrderList, cancel_client_order_id: str | None) -> None:
        lst.closing = True
        try:
            for m in lst.members:
                if m.status.is_open:
                    self._cancel(st, m, cancel_client_order_id)
        finally:
            lst.closing = False
        lst.done = True
        self._list_done(lst)

    def _place_pending(self, st: _Symbol, lst: OrderList) -> None:
        """The working order filled: place the pending members (an OCO pair as one), or expire them REJECTED if
        they no longer fit (funds, would trigger or match, pair prices against the last price now)."""
        pend = [m for m in lst.pending if m.status is _S.PENDING_NEW]
        if lst.done or not pend:
            return
        reqs: list[Request] = [lst.requests[m.order_id] for m in pend]
        pair = len(pend) == 2 and all(m in lst.pair for m in pend)
        account_id = lst.account_id
        try:
            if pair:
                above, below = (lst.requests[o.order_id] for o in lst.pair)
                check_pair_prices(_ref(above), _ref(below), st.last_price)
            for r in reqs:
                r.check_matching(st.book, st.last_price)
            asset, amount = self._lock_need(st, reqs, pair=pair)
            if amount > self._ledger.free(account_id, asset):
                raise EngineReject(RejectReason.INSUFFICIENT_BALANCE)
        except EngineReject as exc:
            lst.closing = True
            try:
                for m in pend:
                    m.expiry_reason = ExpiryReason.REJECTED
                    self._close(st, m, _S.EXPIRED, REPORT_REASONS.get(exc.reason, "NONE"))
            finally:
                lst.closing = False
            lst.done = True
            self._list_done(lst)
            return
        if amount:
            self._ledger.lock(account_id, asset, amount)
            if pair:
                pend[0].locked = amount
            else:
                for m, r in zip(pend, reqs):
                    m.locked = lock_for(st.instrument, st.book, r, st.last_price)[1]
        for m in pend:
            _to_new(m, self._now)
            if m.trailing_delta and not m.stop_price:
                trailing.start(m, st.last_price, self._now)
            self._report(m, ExecType.NEW)
        self._emit_balance(account_id, (asset,))
        lst.status_type = ListStatusType.EXEC_STARTED
        lst.transaction_time = self._now
        self._emit_list(lst)
        for m in pend:
            if m.status.is_open:
                self._work(st, m)

    def _list_done(self, lst: OrderList) -> None:
        lst.status_type = ListStatusType.ALL_DONE
        lst.transaction_time = self._now
        self._emit_list(lst)

    def _emit_list(self, lst: OrderList) -> None:
        if self.list_listeners:
            self._pending.append((self.list_listeners, (lst.view(),)))


def _ref(req: Request) -> tuple[Any, Decimal | None, Decimal | None]:
    return req.type, req.price, req.stop_price


def _to_new(order: WorkingOrder, now: int) -> None:
    """A pending member goes on: NEW, working now unless it is a stop that waits for its trigger."""
    if not can_transition(order.status, _S.NEW):
        raise InvalidTransition(f"order {order.symbol}#{order.order_id}: {order.status.name} -> NEW")
    order.status = _S.NEW
    order.update_time = now
    if not order.is_stop:
        order.is_working = True
        order.working_time = now


def _with_orders(view: ListView, orders: tuple[Any, ...]) -> ListView:
    return ListView(view.order_list_id, view.contingency_type, view.list_status_type, view.list_order_status,
                    view.list_client_order_id, view.transaction_time, view.symbol, view.account_id, orders)


__all__ = ["ContingentOrders"]

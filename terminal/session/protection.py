"""The session's protective orders: brackets, OCO groups, trailing stops and stops attached to a position.

``held_by``: "auto" takes the venue's native form when its Capabilities declare it for that shape (and it implements
``NativeProtection``), else the app holds it; "app" always holds it in the app (a "hidden stop": the venue sees only
the order sent when it fires); "venue" takes the native form or refuses. App-held groups work only while the app runs
(``oms.protective``); they are journaled and re-armed at the next start.
"""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from ..model import (Order, OrderOptions, OrderRequest, OrderStatus, OrderType, Side, TimeInForce,
                     new_client_order_id)
from ..model.numbers import InvalidArgument, fmt
from ..oms.protective import ProtectiveEngine
from ..oms.protective_group import GroupState, HeldBy, Kind, Leg, ProtectionGroup
from ..oms.protective_store import ProtectionStore
from ..venues.ports import NativeProtection, VenueError
from . import input as arg

if TYPE_CHECKING:
    from .facade import Session

Bracket = OcoGroup = ProtectionGroup
HELD_BY = ("auto", "venue", "app")
_ENTRY_TYPES = (OrderType.LIMIT, OrderType.MARKET, OrderType.LIMIT_MAKER)
_OCO_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT,
              OrderType.TAKE_PROFIT, OrderType.TAKE_PROFIT_LIMIT)


def make_engine(session: "Session") -> ProtectiveEngine:
    async def place(request: OrderRequest) -> Order:
        # an exit only closes what its group protects: like flatten, it passes the kill switch (a stop that cannot
        # fire while trading is locked would leave the position unprotected); every other check applies
        exempt = engine.role_of(request.client_order_id) not in (None, "entry")
        if exempt:
            session.risk.kill_exempt.add(request.client_order_id)
        try:
            return await session.place_order(request)
        finally:
            session.risk.kill_exempt.discard(request.client_order_id)

    async def send_exits(requests: list[OrderRequest]) -> list[Order]:
        """A filled bracket's exits handed to the venue: one stop through the usual order path, two as its native
        OCO (each leg journaled before the list is sent; refused legs marked so, as ``_open_native`` does)."""
        if len(requests) == 1:
            return [await place(requests[0])]
        venue = session.venue
        now = venue.now_ms()
        for request in requests:
            session.oms.on_order(Order.from_request(request, now))
            session.journal.record_send(request.client_order_id, now, venue.settle_ms())
        try:
            orders = await venue.submit_oco(*requests)  # type: ignore[attr-defined]
        except VenueError as exc:
            if not _unknown(exc):
                for request in requests:
                    local = session.oms.order(request.client_order_id)
                    if local is not None and local.status is OrderStatus.PENDING_NEW:
                        session.oms.on_order(local.with_status(OrderStatus.REJECTED, reject_reason=exc.message,
                                                               ts_updated=venue.now_ms()))
            raise
        for order in orders:
            session.oms.on_order(order)
        return orders

    engine = ProtectiveEngine(ProtectionStore(session.journal), session.bus, session.instruments,
                              now_ms=session._now_ms, place=place, cancel=session.oms.cancel,
                              order=session.oms.order, watch=session.watch, send_exits=send_exits)
    return engine


class ProtectionMixin:
    """Session methods for protective orders (the Session provides the attributes used here)."""

    protection: ProtectiveEngine

    # ------------------------------------------------------------------ reading and cancelling
    def protective_orders(self, open_only: bool = False) -> list[ProtectionGroup]:
        """Every protective group of this session (and those re-armed from the journal), oldest first: its legs,
        state, ``held_by`` (``held_by.label``: "held by the exchange" / "held by this app (works only while it
        runs)"), ``paused`` (why the app is not acting on quotes now) and ``reason``."""
        groups = self.protection.groups()
        return [g for g in groups if g.state.is_open] if arg.flag(open_only, "open_only") else groups

    async def cancel_protection(self, group_id: str) -> ProtectionGroup:
        """Cancel a group: its triggers, and its open orders at the venue (its entry too if it is still working)."""
        s = self._s()
        s._require_keys()
        if not isinstance(group_id, str) or self.protection.group(group_id) is None:
            raise InvalidArgument(f"group_id: no protective group {group_id!r}", "group_id")
        if s.audit is not None:
            s.audit.record("protection.cancel", "user", group_id=group_id)
        return await self.protection.cancel(group_id)

    async def modify_protection(self, group_id: str, role: str, price: Any) -> ProtectionGroup:
        """Move one exit of an app-held group (a line dragged on the chart): ``role`` "take_profit", "stop_loss",
        "first", "second" or "trailing"; ``price`` on the tick and not already reached (refused in words)."""
        s = self._s()
        s._require_keys()
        group = self.protection.group(group_id) if isinstance(group_id, str) else None
        if group is None:
            raise InvalidArgument(f"group_id: no protective group {group_id!r}", "group_id")
        roles = [leg.role for leg in group.exits]
        if role not in roles:
            raise InvalidArgument(f"role: the group has {', '.join(roles)}, not {role!r}", "role")
        value = arg.amount(price, "price")
        if value is None:
            raise InvalidArgument("price: required", "price")
        _on_tick(s.instrument(group.symbol), value, "price")
        bid, ask = await self._quote_now(group.symbol)
        if s.audit is not None:
            s.audit.record("protection.modify", "user", group_id=group_id, role=role, price=value)
        try:
            return await self.protection.move(group_id, role, value, bid, ask)
        except ValueError as exc:
            raise InvalidArgument(f"price: {exc}", "price") from None

    # ------------------------------------------------------------------ placing
    async def place_bracket(self, entry: OrderRequest, take_profit: Any = None, stop_loss: Any = None, *,
                            stop_limit: Any = None, held_by: str = "auto") -> ProtectionGroup:
        """An entry with a take-profit (a LIMIT order that rests once the entry has filled) and/or a stop-loss (a
        stop that sells — or buys back — what the entry filled; with ``stop_limit`` a LIMIT order at that price when
        it fires, else a MARKET order). A buy entry's stop is below its price and its take-profit above (mirrored for
        a sell). Prices are Decimal/str/int on the instrument's tick."""
        s = self._s()
        entry = arg.checked_request(entry, s.instruments, s._default_tif())
        mode = _held_by(held_by)
        if entry.type not in _ENTRY_TYPES:
            raise InvalidArgument(f"entry: a bracket's entry is a LIMIT or MARKET order, got {entry.type.name}", "entry")
        if entry.quantity is None:
            raise InvalidArgument("entry: a bracket's entry needs a quantity (not a quote quantity)", "entry")
        tp, sl = arg.amount(take_profit, "take_profit"), arg.amount(stop_loss, "stop_loss")
        sl_limit = arg.amount(stop_limit, "stop_limit")
        if tp is None and sl is None:
            raise InvalidArgument("take_profit/stop_loss: give a take-profit, a stop-loss or both", "stop_loss")
        if sl_limit is not None and sl is None:
            raise InvalidArgument("stop_limit: a stop limit price needs a stop_loss", "stop_limit")
        ins = s.instrument(entry.symbol)
        for name, value in (("take_profit", tp), ("stop_loss", sl), ("stop_limit", sl_limit)):
            _on_tick(ins, value, name)
        s._require_keys()
        ref = entry.price if entry.price is not None else await self._price(entry.symbol, entry.side)
        if not ref:
            raise InvalidArgument(f"entry: no {'ask' if entry.side is Side.BUY else 'bid'} in the book to "
                                  f"{'buy from' if entry.side is Side.BUY else 'sell to'}: a MARKET entry would not "
                                  "fill", "entry")
        exit_side = _other(entry.side)
        _sides(entry.side, ref, tp, sl, sl_limit, "the entry price" if entry.type.has_price else "the market price")
        qty = entry.quantity
        native = self._native("native_bracket", "brackets", mode, Kind.BRACKET, (
            entry, None if tp is None else OrderRequest(entry.symbol, exit_side, OrderType.LIMIT, qty, price=tp),
            None if sl is None else OrderRequest(entry.symbol, exit_side, OrderType.STOP_LOSS_LIMIT if sl_limit
                                                 else OrderType.STOP_LOSS, qty, price=sl_limit, stop_price=sl)))
        legs = [Leg("entry", entry.side, entry.type, qty, entry.client_order_id, price=entry.price)]
        if tp is not None:
            legs.append(Leg("take_profit", exit_side, OrderType.LIMIT, qty, new_client_order_id(), price=tp))
        if sl is not None:
            legs.append(Leg("stop_loss", exit_side, OrderType.STOP_LOSS_LIMIT if sl_limit else OrderType.STOP_LOSS,
                            qty, new_client_order_id(), price=sl_limit, stop_price=sl, held=not native,
                            trigger=None if native else sl, fires_below=exit_side is Side.SELL))
        group = self._group(Kind.BRACKET, entry.symbol, native, legs, qty, entry.origin).replace(
            entry_options=entry.options)
        if not native and mode == "auto" and self._exits_native(group):
            group = group.replace(handoff="pending")  # held by the venue once the entry has filled
        if not native:
            return await self._open_app(group)
        requests = {leg.role: self._leg_request(group, leg, parent=entry.client_order_id) for leg in group.exits}
        requests["entry"] = entry
        return await self._open_native(group, requests, lambda: s.venue.submit_bracket(  # type: ignore[attr-defined]
            entry, requests.get("take_profit"), requests.get("stop_loss")))

    async def place_oco(self, first: OrderRequest, second: OrderRequest, held_by: str = "auto") -> ProtectionGroup:
        """Two orders of the same quantity on one symbol; when one fills (or fires), the other is cancelled — never
        both filled. Legs: LIMIT, STOP_LOSS(_LIMIT), TAKE_PROFIT(_LIMIT). App-held: the first LIMIT leg rests at the
        venue, the others are watched by the app and sent when the market reaches them."""
        s = self._s()
        a, b = (arg.checked_request(r, s.instruments, s._default_tif()) for r in (first, second))
        mode = _held_by(held_by)
        if a.symbol != b.symbol:
            raise InvalidArgument(f"second: an OCO's legs are on one symbol ({a.symbol} and {b.symbol})", "second")
        if a.quantity is None or a.quantity != b.quantity:
            raise InvalidArgument("second: an OCO's legs have the same quantity", "second")
        for name, req in (("first", a), ("second", b)):
            if req.type not in _OCO_TYPES:
                raise InvalidArgument(f"{name}: an OCO leg is LIMIT, STOP_LOSS(_LIMIT) or TAKE_PROFIT(_LIMIT), got "
                                      f"{req.type.name}", name)
        s._require_keys()
        native = self._native("native_oco", "OCO orders", mode, Kind.OCO, (a, b))
        legs, resting = [], native
        for role, req in (("first", a), ("second", b)):
            rests = native or (not resting and req.type in (OrderType.LIMIT, OrderType.LIMIT_MAKER))
            resting = resting or rests
            trigger, below = _trigger(req)
            legs.append(Leg(role, req.side, req.type, req.quantity or a.quantity, req.client_order_id, price=req.price,
                            stop_price=req.stop_price, held=not rests, trigger=None if rests else trigger,
                            fires_below=below))
        if not native:
            bid, ask = await self._quote_now(a.symbol)
            for leg in legs:
                price = bid if leg.side is Side.SELL else ask
                if leg.held and leg.crossed(price):
                    raise InvalidArgument(
                        f"{leg.role}: its price {fmt(leg.trigger or price)} is already reached (the "
                        f"{'bid' if leg.side is Side.SELL else 'ask'} is {fmt(price)}): it would fire at once",
                        leg.role)
        group = self._group(Kind.OCO, a.symbol, native, legs, a.quantity, a.origin)
        if not native:
            return await self._open_app(group)
        return await self._open_native(group, {"first": a, "second": b},
                                       lambda: s.venue.submit_oco(a, b))  # type: ignore[attr-defined]

    async def place_trailing_stop(self, symbol: str, side: Any, quantity: Any, trail_amount: Any = None,
                                  trail_percent: Any = None, *, held_by: str = "auto") -> ProtectionGroup:
        """A stop that follows the best price (the bid for a SELL stop, the ask for a BUY stop) at ``trail_amount``
        (price units) or ``trail_percent`` behind it and never loosens; a MARKET order when it is reached."""
        s = self._s()
        sym = s._sym(symbol)
        side = arg.choice(side, Side, "side")
        qty = arg.amount(quantity, "quantity")
        amount, pct = arg.amount(trail_amount, "trail_amount"), arg.amount(trail_percent, "trail_percent")
        if (amount is None) == (pct is None):
            raise InvalidArgument("trail_amount/trail_percent: give one of them", "trail_amount")
        for name, value in (("trail_amount", amount), ("trail_percent", pct)):
            if value is not None and value <= 0:
                raise InvalidArgument(f"{name}: must be greater than zero, got {fmt(value)}", name)
        if pct is not None and pct >= 100:
            raise InvalidArgument(f"trail_percent: must be under 100, got {fmt(pct)}", "trail_percent")
        if qty is None or qty <= 0:
            raise InvalidArgument("quantity: must be greater than zero", "quantity")
        s.instrument(sym).validate_order(side, OrderType.MARKET, qty, None, None, None)
        s._require_keys()
        native = self._native("native_trailing", "trailing stops", _held_by(held_by), Kind.TRAILING, (
            OrderRequest(sym, side, OrderType.STOP_LOSS, qty,
                         options=OrderOptions(trail_amount=amount, trail_percent=pct)),))
        bid, ask = await self._quote_now(sym)
        leg = Leg("trailing", side, OrderType.STOP_LOSS, qty, new_client_order_id(), held=not native,
                  trail_amount=amount, trail_percent=pct, fires_below=side is Side.SELL)
        leg = self.protection.trail(sym, leg, bid if side is Side.SELL else ask)
        if native:  # the venue trails it: no stop price of ours, only the trail
            leg = Leg("trailing", side, OrderType.STOP_LOSS, qty, leg.client_order_id, trail_amount=amount,
                      trail_percent=pct)
        group = self._group(Kind.TRAILING, sym, native, [leg], qty, "")
        if not native:
            return await self._open_app(group)
        request = OrderRequest(sym, side, OrderType.STOP_LOSS, qty, client_order_id=leg.client_order_id,
                               options=OrderOptions(trail_amount=amount, trail_percent=pct))
        return await self._open_native(group, {"trailing": request}, lambda: _one(s.place_order(request)),
                                       journal=False)

    async def attach_stop(self, symbol: str, stop_price: Any, take_profit: Any = None, *, quantity: Any = None,
                          stop_limit: Any = None, held_by: str = "auto") -> ProtectionGroup:
        """Protect an existing position ("attach stop-loss to this position"): a stop (and a take-profit) for its
        whole quantity (spot: what is free of the base asset), or ``quantity``."""
        s = self._s()
        sym = s._sym(symbol)
        ins = s.instrument(sym)
        stop, tp = arg.amount(stop_price, "stop_price"), arg.amount(take_profit, "take_profit")
        sl_limit, qty = arg.amount(stop_limit, "stop_limit"), arg.amount(quantity, "quantity")
        if stop is None:
            raise InvalidArgument("stop_price: required", "stop_price")
        for name, value in (("stop_price", stop), ("take_profit", tp), ("stop_limit", sl_limit)):
            _on_tick(ins, value, name)
        s._require_keys()
        position = s.positions().get(sym)
        held = position.qty if position is not None else Decimal(0)
        if held > 0:
            free = s.oms.balances().get(ins.base_asset)
            held = min(held, free.free) if free is not None else held
        if qty is None:
            qty = ins.snap_qty(abs(held), "down")
        if qty <= 0 or held == 0:
            raise InvalidArgument(f"symbol: there is no {sym} position to protect", "symbol")
        exit_side = Side.SELL if held > 0 else Side.BUY
        bid, ask = await self._quote_now(sym)
        _sides(_other(exit_side), bid if exit_side is Side.SELL else ask, tp, stop, sl_limit, "the market price",
               stop_name="stop_price")
        stop_req = OrderRequest(sym, exit_side, OrderType.STOP_LOSS_LIMIT if sl_limit else OrderType.STOP_LOSS, qty,
                                price=sl_limit, stop_price=stop)
        if tp is None:
            mode = _held_by(held_by)
            caps = s.venue.info.capabilities
            native = mode != "app" and stop_req.type.name in caps.order_types and stop_req.type in ins.order_types
            if mode == "venue" and not native:
                raise InvalidArgument(f"held_by: {s.venue.info.title} takes no {stop_req.type.name} orders on "
                                      f"{sym}; use held_by='app' (held by this app, works only while it runs)",
                                      "held_by")
            leg = Leg("stop_loss", exit_side, stop_req.type, qty, stop_req.client_order_id, price=sl_limit,
                      stop_price=stop, held=not native, trigger=None if native else stop,
                      fires_below=exit_side is Side.SELL)
            group = self._group(Kind.BRACKET, sym, native, [leg], qty, "")
            if not native:
                return await self._open_app(group)
            return await self._open_native(group, {"stop_loss": stop_req}, lambda: _one(s.place_order(stop_req)),
                                           journal=False)
        return await self.place_oco(OrderRequest(sym, exit_side, OrderType.LIMIT, qty, price=tp), stop_req, held_by)

    # ------------------------------------------------------------------ helpers
    async def _open_app(self, group: ProtectionGroup) -> ProtectionGroup:
        self._audit(group)
        return await self.protection.open(group)

    def _audit(self, group: ProtectionGroup) -> None:
        audit = self._s().audit
        if audit is not None:
            audit.record("protection.place", f"strategy:{group.origin}" if group.origin else "user",
                         group_id=group.group_id, kind=group.kind.value,
                         symbol=group.symbol, held_by=group.held_by.value,
                         legs=[f"{leg.role} {leg.side.value} {leg.type.name} {fmt(leg.quantity)}"
                               + (f" price {fmt(leg.price)}" if leg.price is not None else "")
                               + (f" stop {fmt(leg.stop_price)}" if leg.stop_price is not None else "")
                               + (f" trail {fmt(leg.trail_amount or leg.trail_percent or Decimal(0))}"
                                  + ("%" if leg.trail_percent is not None else "") if leg.trailing else "")
                               for leg in group.legs])

    def _s(self) -> "Session":
        return self  # type: ignore[return-value]

    def _native(self, flag: str, what: str, mode: str, kind: Kind | None = None,
                requests: "tuple[OrderRequest | None, ...]" = ()) -> bool:
        """Whether the venue holds this group. A venue that holds only some shapes (Binance: a bracket whose entry is
        a working LIMIT order) answers ``can_hold(kind, requests)`` with why not ("" when it can)."""
        venue = self._s().venue
        declared = bool(getattr(venue.info.capabilities, flag, False)) and (
            flag == "native_trailing" or isinstance(venue, NativeProtection))
        why_not = ""
        can_hold = getattr(venue, "can_hold", None)
        if declared and kind is not None and callable(can_hold):
            why_not = can_hold(kind.value, requests)
        if mode == "venue" and (not declared or why_not):
            raise InvalidArgument(f"held_by: {venue.info.title} has no native {what}"
                                  + (f" of this shape ({why_not})" if why_not else "")
                                  + "; use held_by='app' (held by this app, works only while it runs) or 'auto'",
                                  "held_by")
        return declared and not why_not and mode != "app"

    def _exits_native(self, group: ProtectionGroup) -> bool:
        """Whether the venue can hold this bracket's exits once its entry has filled: both as its native OCO, or a
        stop alone as a plain stop order."""
        s = self._s()
        exits = [self._leg_request(group, leg) for leg in group.exits]
        if len(exits) == 2:
            return self._native("native_oco", "OCO orders", "auto", Kind.OCO, tuple(exits))
        stop = exits[0] if exits and exits[0].type in (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT) else None
        return stop is not None and stop.type.name in s.venue.info.capabilities.order_types and \
            stop.type in s.instrument(group.symbol).order_types

    def _group(self, kind: Kind, symbol: str, native: bool, legs: list[Leg], qty: Decimal,
               origin: str) -> ProtectionGroup:
        now = self._s()._now_ms()
        return ProtectionGroup(f"pg-{new_client_order_id('')[1:]}", kind, symbol,
                               HeldBy.VENUE if native else HeldBy.APP, GroupState.PENDING, tuple(legs), qty,
                               ts_created=now, ts_updated=now, origin=origin)

    @staticmethod
    def _leg_request(group: ProtectionGroup, leg: Leg, parent: str | None = None) -> OrderRequest:
        return OrderRequest(group.symbol, leg.side, leg.type, leg.quantity, price=leg.price,
                            stop_price=leg.stop_price,
                            time_in_force=TimeInForce.GTC if leg.type.has_tif else None,
                            client_order_id=leg.client_order_id, origin=group.origin,
                            options=OrderOptions(parent_id=parent) if parent else OrderOptions())

    async def _open_native(self, group: ProtectionGroup, requests: dict[str, OrderRequest],
                           send: Callable[[], Awaitable[list[Order]]], *, journal: bool = True) -> ProtectionGroup:
        """Journal the group and every leg's order (PENDING_NEW), then hand the group to the venue."""
        s = self._s()
        entry = requests.get("entry")
        if entry is not None:
            s.risk.check(entry)  # the exits only close what it opens
        self._audit(group)
        await self.protection.open(group, send_entry=False)
        now = s.venue.now_ms()
        if journal:
            for request in requests.values():
                s.oms.on_order(Order.from_request(request, now))  # journaled before the group is sent
                s.journal.record_send(request.client_order_id, now, s.venue.settle_ms())
        try:
            orders = await send()
        except VenueError as exc:
            for request in requests.values():
                local = s.oms.order(request.client_order_id)
                if local is not None and local.status is OrderStatus.PENDING_NEW and not _unknown(exc):
                    s.oms.on_order(local.with_status(OrderStatus.REJECTED, reject_reason=exc.message,
                                                     ts_updated=s.venue.now_ms()))
            if not _unknown(exc):
                self.protection.fail(group.group_id, f"the venue refused the {group.kind.value}: {exc.message}")
            raise
        except Exception as exc:
            self.protection.fail(group.group_id, f"refused: {getattr(exc, 'message', exc)}")
            raise
        for order in orders:
            s.oms.on_order(order)
        await asyncio.sleep(0)  # let the order updates reach the group
        return self.protection.group(group.group_id) or group

    async def _quote_now(self, symbol: str) -> tuple[Decimal, Decimal]:
        s = self._s()
        q = s.quotes_cache.get(symbol) or await s.quote(symbol)
        return q.bid, q.ask

    async def _price(self, symbol: str, side: Side) -> Decimal:
        bid, ask = await self._quote_now(symbol)
        return ask if side is Side.BUY else bid


async def _one(placing: Awaitable[Order]) -> list[Order]:
    return [await placing]


def _unknown(exc: VenueError) -> bool:
    from ..venues.ports import TemporaryError
    return isinstance(exc, TemporaryError)


def _held_by(value: object) -> str:
    if isinstance(value, HeldBy):
        return value.value
    if not isinstance(value, str) or value.strip().lower() not in HELD_BY:
        raise InvalidArgument(f"held_by: expected 'auto', 'venue' or 'app', got {value!r}", "held_by")
    return value.strip().lower()


def _other(side: Side) -> Side:
    return Side.SELL if side is Side.BUY else Side.BUY


def _on_tick(ins: Any, value: Decimal | None, name: str) -> None:
    if value is None:
        return
    if value <= 0:
        raise InvalidArgument(f"{name}: must be greater than zero, got {fmt(value)}", name)
    if ins.snap_price(value) != value:
        raise InvalidArgument(f"{name}: {fmt(value)} is not a multiple of the tick size {fmt(ins.tick_size)} "
                              f"(nearest valid: {fmt(ins.snap_price(value))})", name)


def _sides(entry_side: Side, ref: Decimal, tp: Decimal | None, sl: Decimal | None, sl_limit: Decimal | None,
           ref_name: str, stop_name: str = "stop_loss") -> None:
    """A buy entry's stop below ``ref`` and take-profit above (mirrored for a sell), refused in words otherwise."""
    buy = entry_side is Side.BUY
    what = "a buy" if buy else "a sell"
    if sl is not None and (sl >= ref if buy else sl <= ref):
        raise InvalidArgument(f"{stop_name}: {fmt(sl)} must be {'below' if buy else 'above'} {ref_name} {fmt(ref)} "
                              f"for {what} (its stop {'sells lower' if buy else 'buys back higher'})", stop_name)
    if tp is not None and (tp <= ref if buy else tp >= ref):
        raise InvalidArgument(f"take_profit: {fmt(tp)} must be {'above' if buy else 'below'} {ref_name} {fmt(ref)} "
                              f"for {what} (it {'sells higher' if buy else 'buys back lower'})", "take_profit")
    if sl is not None and sl_limit is not None and (sl_limit > sl if buy else sl_limit < sl):
        raise InvalidArgument(f"stop_limit: {fmt(sl_limit)} must be at or {'below' if buy else 'above'} the stop "
                              f"{fmt(sl)} (the limit of {'a sell' if buy else 'a buy'} stop)", "stop_limit")


def _trigger(req: OrderRequest) -> tuple[Decimal | None, bool]:
    """(price the app watches, fires when the price falls to it) for an app-held OCO leg."""
    sell = req.side is Side.SELL
    if req.type in (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT):
        return req.stop_price, sell  # a sell stop fires on the way down
    if req.type in (OrderType.TAKE_PROFIT, OrderType.TAKE_PROFIT_LIMIT):
        return req.stop_price, not sell
    return req.price, not sell  # a held limit: when the market comes to it

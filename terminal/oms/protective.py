"""The app-held protective order engine: brackets, OCO groups and trailing stops for venues without their native form
(or for a user who does not want to show the venue a stop: a "hidden stop").

- Every group is journaled (``protective_store``, the order journal's file) BEFORE any of its orders is sent, and
  after every change; each leg's client order id is in the group before its order is handed to the order manager,
  which journals the order before sending it (query before retry, risk checks: the same path as any order).
- Driven by the session's live quotes: a QuoteTick checks a sell leg against the bid and a buy leg against the ask
  (what it could trade at); a TradeTick checks both against the trade's price. A quote older than ``stale_ms``, no
  quote at all, or market data down pauses the triggers (the group says why and how stale); resting orders stay.
- One cancels the others, never both filled: a fired leg's order is sent only once every other open order of the
  group is confirmed cancelled (if one filled meanwhile, nothing is sent; a partial fill shrinks what is sent). A
  resting leg that fills disarms the held ones (nothing of theirs is at the venue). One quote crossing two legs
  fires one: the stop-loss first, then the legs in the order given.
- Trailing: a sell stop is max(stop, best bid - trail) (a buy stop mirrored), never loosened, snapped to the tick
  away from the market; a changed stop is published at once and journaled at most every ``journal_interval_ms``.
- At start-up (after the order manager's reconciliation) the open groups are read back and settled from their
  orders before the first quote is looked at: a leg that filled while the app was down concludes its group.
- Venue-held groups (native brackets/OCO/trailing) are only followed here: their state comes from their orders.
- Hand-over (``handoff``): a bracket the venue cannot hold whole (Binance with a MARKET entry, Kite) but whose exits it
  can (an OCO, or a stop alone) is held by the app until its entry has filled, then its exits are sent to the venue
  as that native form (journaled first) and the group is held by the venue from then on: protected even when the
  app is closed. Refused, or never landed (a crash before the send), the exits are taken back by the app.

Every transition is logged and published on the bus as ``ProtectionChanged``.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from decimal import Decimal
from typing import Awaitable, Callable, Mapping

from ..bus import Bus
from ..model import (ConnectionChanged, Instrument, Order, OrderOptions, OrderRequest, OrderStatus, OrderType,
                     OrderUpdated, QuoteTick, Side, TimeInForce, TradeTick, new_client_order_id)
from ..model.numbers import ZERO, fmt
from ..tasks import TaskOwner
from ..venues.ports import TemporaryError
from .manager import NEVER_LANDED
from .protective_group import GroupState, HeldBy, Leg, ProtectionChanged, ProtectionGroup
from .protective_store import ProtectionStore

log = logging.getLogger(__name__)

HUNDRED = Decimal(100)
RETRY_S = 1.0  # after a cancel the venue did not confirm: the fired leg waits, and asks again


class ProtectiveEngine:
    """``place``/``cancel``/``order``/``watch`` are the session's (the same order manager and risk checks as every
    order); ``now_ms`` the venue's clock."""

    def __init__(self, store: ProtectionStore, bus: Bus, instruments: Mapping[str, Instrument], *,
                 now_ms: Callable[[], int], place: Callable[[OrderRequest], Awaitable[Order]],
                 cancel: Callable[[str, str], Awaitable[Order]], order: Callable[[str], Order | None],
                 watch: Callable[[str], Awaitable[None]], stale_ms: int = 10_000, journal_interval_ms: int = 250,
                 watchdog_s: float = 1.0,
                 send_exits: Callable[[list[OrderRequest]], Awaitable[list[Order]]] | None = None) -> None:
        self.store = store
        self.bus = bus
        self.instruments = instruments
        self.now_ms = now_ms
        self._place = place
        self._cancel = cancel
        self._order = order
        #: sends a filled bracket's exits as the venue's native OCO (two requests) or stop (one), journaled first
        self._send_exits = send_exits
        self._watch = watch
        self.stale_ms = stale_ms
        self.journal_interval_ms = journal_interval_ms
        self.watchdog_s = watchdog_s
        self._groups: dict[str, ProtectionGroup] = {}
        self._by_cid: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._last_tick_ms: dict[str, int] = {}
        self._market_down = ""
        self._saved_ms: dict[str, int] = {}
        self._save_later: dict[str, asyncio.TimerHandle] = {}
        self._tasks = TaskOwner("protection", log)
        self._unsubscribe: list[Callable[[], None]] = []
        self._closed = False

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Re-arm the journal's open groups (settled from their orders first), then follow orders and quotes."""
        self._unsubscribe.append(self.bus.subscribe(OrderUpdated, self.on_order))
        for group in self.store.open_groups():
            self._index(group)
            self._publish(group, "re-armed")
        for gid in list(self._groups):
            await self._advance(gid)
        for symbol in sorted({g.symbol for g in self._groups.values() if g.state.is_open}):
            await self._watch_quietly(symbol)
        self._unsubscribe += [self.bus.subscribe(QuoteTick, self.on_quote),
                              self.bus.subscribe(TradeTick, self.on_trade),
                              self.bus.subscribe(ConnectionChanged, self.on_connection)]
        self._tasks.spawn(self._watchdog(), name="protection watchdog")

    async def close(self) -> None:
        self._closed = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        for gid, handle in list(self._save_later.items()):
            handle.cancel()
            self._save(self._groups[gid])
        self._save_later.clear()
        await self._tasks.close()

    # ------------------------------------------------------------------ reading
    def groups(self) -> list[ProtectionGroup]:
        return list(self._groups.values())  # in the order they were made (the journal's order at start-up)

    def group(self, group_id: str) -> ProtectionGroup | None:
        return self._groups.get(group_id)

    # ------------------------------------------------------------------ making and cancelling
    async def open(self, group: ProtectionGroup, send_entry: bool = True) -> ProtectionGroup:
        """Journal a new app-held or venue-held group, then (app-held) place its entry and arm its exits. A refused
        entry fails the group and raises the refusal."""
        self._index(group)
        self._save(group)
        self._publish(group, "placed")
        await self._watch_quietly(group.symbol)
        entry = group.entry
        if group.held_by is HeldBy.APP and entry is not None and send_entry:
            async with self._lock(group.group_id):
                await self._send(self._groups[group.group_id], entry, entry.quantity, conclude=False)
        await self._advance(group.group_id)
        return self._groups[group.group_id]

    def fail(self, group_id: str, reason: str) -> None:
        group = self._groups.get(group_id)
        if group is not None and group.state.is_open:
            self._conclude(group, GroupState.FAILED, reason)

    async def cancel(self, group_id: str) -> ProtectionGroup:
        """Cancel the group: its open orders at the venue (the entry too, if it has not filled) and its triggers."""
        async with self._lock(group_id):
            group = self._groups[group_id]
            if not group.state.is_open:
                return group
            group = self._conclude(group, GroupState.CANCELED, "cancelled by the user")
            for leg in group.legs:
                order = self._order(leg.client_order_id) if leg.sent or group.held_by is HeldBy.VENUE else None
                if order is not None and order.is_open:
                    await self._cancel(group.symbol, leg.client_order_id)
            return self._groups[group_id]

    async def move(self, group_id: str, role: str, price: Decimal, bid: Decimal, ask: Decimal) -> ProtectionGroup:
        """Move an app-held leg to ``price`` (a dragged line): a held leg's trigger (and price, for a held LIMIT), a
        resting leg by cancelling its order and sending a new one (journaled first) for what is left. Refused in
        words if the price is already reached at ``bid``/``ask``, or if the group is not the app's or not open."""
        async with self._lock(group_id):
            group = self._groups[group_id]
            leg = group.leg(role)
            if group.held_by is HeldBy.VENUE:
                raise ValueError("it is held by the exchange: cancel it and place it again to change it")
            if not group.state.is_open or group.state is GroupState.TRIGGERED or leg.role == "entry" or leg.dropped:
                raise ValueError(f"the {role.replace('_', ' ')} cannot move now (the group is {group.state.value})")
            market = bid if leg.side is Side.SELL else ask
            if leg.held:
                if leg.type in (OrderType.LIMIT, OrderType.LIMIT_MAKER):
                    moved = dataclasses.replace(leg, trigger=price, price=price)
                elif leg.price is not None and leg.stop_price is not None:  # a stop-limit keeps its limit's offset
                    moved = dataclasses.replace(leg, trigger=price, stop_price=price,
                                                price=leg.price + (price - leg.stop_price))
                else:
                    moved = dataclasses.replace(leg, trigger=price, stop_price=price)
                if moved.crossed(market):
                    raise ValueError(f"{price} is already reached (the "
                                     f"{'bid' if leg.side is Side.SELL else 'ask'} is {_like(market, price)}): it would fire "
                                     "at once")
                return self._set(group.with_leg(moved), "moved")
            if (price <= market) if leg.side is Side.SELL else (price >= market):
                raise ValueError(f"{price} would trade at once (the "
                                 f"{'bid' if leg.side is Side.SELL else 'ask'} is {_like(market, price)})")
            order = self._order(leg.client_order_id) if leg.sent else None
            if order is not None and order.is_open:
                final = await self._cancel(group.symbol, leg.client_order_id)
                if final.is_open or final.status is OrderStatus.FILLED:
                    self._tasks.spawn(self._advance(group_id), name=f"protection {group_id}")
                    raise ValueError(f"its order is {final.status.name.lower()}: not moved")
            fresh = dataclasses.replace(leg, price=price, client_order_id=new_client_order_id(), sent=False)
            group = self._set(self._groups[group_id].with_leg(fresh), "moved")
        await self._advance(group_id)  # sends the new order (journaled first) for what is left
        return self._groups[group_id]

    # ------------------------------------------------------------------ inbound events
    def on_order(self, event: OrderUpdated) -> None:
        gid = self._by_cid.get(event.order.client_order_id)
        if gid is not None and not self._closed:
            self._tasks.spawn(self._advance(gid), name=f"protection {gid}")

    def on_quote(self, quote: QuoteTick) -> None:
        self._on_prices(quote.symbol, quote.bid, quote.ask, quote.ts_event or quote.ts_recv)

    def on_trade(self, trade: TradeTick) -> None:
        self._on_prices(trade.symbol, trade.price, trade.price, trade.ts_event or trade.ts_recv)

    def on_connection(self, event: ConnectionChanged) -> None:
        if event.stream != "market":
            return
        if not event.connected:
            self._market_down = f"market data disconnected ({event.reason or 'no reason given'})"
            for group in self._held_groups():
                self._pause(group, self._market_down)
        else:
            self._market_down = ""  # resumed by the next fresh quote

    def _on_prices(self, symbol: str, bid: Decimal, ask: Decimal, ts_event: int) -> None:
        now = self.now_ms()
        ts = ts_event or now
        self._last_tick_ms[symbol] = max(ts, self._last_tick_ms.get(symbol, 0))
        age = now - ts
        for group in self._held_groups(symbol):
            if self._market_down:
                self._pause(group, self._market_down)
                continue
            if age > self.stale_ms:
                self._pause(group, f"the quote for {symbol} is {age / 1000:.1f} s old (over {self.stale_ms / 1000:g} s)"
                                   ": not acting on it")
                continue
            if group.paused:
                group = self._set(group.replace(paused=""), "resumed", save=False)
            self._check(group, bid, ask)

    def _check(self, group: ProtectionGroup, bid: Decimal, ask: Decimal) -> None:
        fired: tuple[Leg, Decimal] | None = None
        trailed = False
        for leg in sorted(group.exits, key=lambda x: x.role != "stop_loss"):
            if not leg.held or leg.sent or leg.dropped:
                continue
            price = bid if leg.side is Side.SELL else ask
            if leg.trailing:
                moved = self.trail(group.symbol, leg, price)
                if moved is not leg:
                    group, leg, trailed = group.with_leg(moved), moved, True
            if fired is None and leg.crossed(price):
                fired = (leg, price)
        if fired is not None:
            leg, price = fired
            ins = self.instruments.get(group.symbol)
            shown = ins.format_price(price) if ins else format(price, "f")
            group = self._set(group.replace(state=GroupState.TRIGGERED, fired=leg.role,
                                            reason=f"{leg.role.replace('_', ' ')} fired at {shown}"), "fired")
            self._tasks.spawn(self._advance(group.group_id), name=f"protection {group.group_id}")
        elif trailed:
            self._set(group, "trailed", save=False)
            self._save_soon(group.group_id)

    def role_of(self, client_order_id: str) -> str | None:
        """The role of the leg whose order has this client id ("entry", "stop_loss", ...), None if no group's."""
        gid = self._by_cid.get(client_order_id)
        group = self._groups.get(gid) if gid else None
        return next((leg.role for leg in group.legs if leg.client_order_id == client_order_id), None) if group else None

    def trail(self, symbol: str, leg: Leg, price: Decimal) -> Leg:
        """The leg with its best price and stop moved with ``price`` (never loosened)."""
        sell = leg.side is Side.SELL
        best = price if leg.best is None else (max(leg.best, price) if sell else min(leg.best, price))
        if leg.trail_amount is not None:
            stop = best - leg.trail_amount if sell else best + leg.trail_amount
        else:
            pct = leg.trail_percent or ZERO
            stop = best * (1 - pct / HUNDRED) if sell else best * (1 + pct / HUNDRED)
        ins = self.instruments.get(symbol)
        if ins is not None:
            stop = ins.snap_price(stop, "down" if sell else "up")
        if leg.trigger is not None:
            stop = max(stop, leg.trigger) if sell else min(stop, leg.trigger)
        if best == leg.best and stop == leg.trigger:
            return leg
        return dataclasses.replace(leg, best=best, trigger=stop, stop_price=stop)

    # ------------------------------------------------------------------ the state machine (one group at a time)
    async def _advance(self, gid: str) -> None:
        """Settle a group from its orders and do the next step. Idempotent: any event may call it again."""
        async with self._lock(gid):
            group = self._groups.get(gid)
            if group is None or not group.state.is_open or self._closed:
                return
            if group.held_by is HeldBy.VENUE:
                self._follow_venue(group)
                return
            try:
                await self._step(group)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a cancel the venue did not confirm: ask again shortly
                log.warning("protection %s: %s: %s; trying again in %.0f s", gid, type(exc).__name__,
                            getattr(exc, "message", exc), RETRY_S)
                self._tasks.spawn(self._retry(gid), name=f"protection retry {gid}")

    async def _retry(self, gid: str) -> None:
        await asyncio.sleep(RETRY_S)
        await self._advance(gid)

    def _target(self, group: ProtectionGroup) -> tuple[Decimal, bool, Order | None]:
        """(quantity the exits protect, whether the entry may still fill more, the entry's order)."""
        entry = group.entry
        if entry is None:
            return group.quantity, False, None
        order = self._order(entry.client_order_id)
        if order is None:
            return ZERO, entry.sent is False, None
        return order.filled_qty, order.is_open, order

    def _exited(self, group: ProtectionGroup) -> Decimal:
        total = ZERO
        for leg in group.exits:
            order = self._order(leg.client_order_id) if leg.sent else None
            total += order.filled_qty if order is not None else ZERO
        return total

    async def _step(self, group: ProtectionGroup) -> None:
        target, entry_open, entry_order = self._target(group)
        entry = group.entry
        if entry is not None and entry.sent and entry_order is None:
            await self._send(group, entry, entry.quantity, conclude=False)  # journaled, never handed over: a crash
            return
        if entry is not None and target == 0:
            if entry_order is not None and not entry_order.is_open:
                self._conclude(group, GroupState.CANCELED, f"the entry was {entry_order.status.name.lower()} "
                                                           "without a fill: nothing to protect")
            return
        if group.fired:
            await self._fire(group)
            return
        remaining = target - self._exited(group)
        for leg in group.exits:
            order = self._order(leg.client_order_id) if leg.sent else None
            if order is None or order.is_open:
                continue
            if order.status is OrderStatus.FILLED or (remaining <= 0 and not entry_open):
                await self._cancel_others(group, leg.role)
                self._conclude(self._groups[group.group_id], GroupState.DONE,
                               f"{leg.role.replace('_', ' ')} filled")
                return
            if not leg.held and not leg.dropped:
                # a resting exit cancelled at the venue, not by this group (the user, the kill switch): that leg is
                # gone, the others still protect (what it filled still counts)
                group = self._set(group.with_leg(dataclasses.replace(leg, dropped=True)).replace(
                    reason=f"its {leg.role.replace('_', ' ')} order was {order.status.name.lower()} at the venue"),
                    "dropped")
        group = self._groups[group.group_id]
        if all(leg.dropped for leg in group.exits):
            self._conclude(group, GroupState.CANCELED, group.reason or "no exit is left")
            return
        if (group.handoff == "pending" and self._send_exits is not None and not entry_open and remaining > 0
                and not any(leg.sent or leg.dropped for leg in group.exits)):
            await self._hand_over(group, remaining)
            return
        for leg in group.exits:  # held legs show what they would send now
            if leg.held and not leg.sent and not leg.dropped and leg.quantity != remaining and remaining > 0:
                group = self._set(group.with_leg(dataclasses.replace(leg, quantity=remaining)), "resized")
        for leg in group.exits:
            if not leg.held and not leg.sent and not leg.dropped and not entry_open and remaining > 0:
                group = await self._send(group, leg, remaining, conclude=True, hold_if_refused=True)
        if group.state is GroupState.PENDING and group.state.is_open:
            self._set(group.replace(state=GroupState.ACTIVE), "armed")

    async def _fire(self, group: ProtectionGroup) -> None:
        leg = group.leg(group.fired)
        if not leg.sent:
            entry = group.entry
            if entry is not None:  # a partly filled entry must not grow the position any more
                order = self._order(entry.client_order_id)
                if order is not None and order.is_open:
                    await self._cancel(group.symbol, entry.client_order_id)
            await self._cancel_others(group, leg.role)  # raises if one is still open: nothing is sent then
            target, _, _ = self._target(group)
            remaining = target - self._exited(group)
            if remaining <= 0:
                self._conclude(self._groups[group.group_id], GroupState.DONE,
                               f"{group.reason}, but the other leg had filled: nothing left to close")
                return
            await self._send(self._groups[group.group_id], leg, remaining, conclude=True)
            return
        order = self._order(leg.client_order_id)
        if order is None:
            await self._send(group, dataclasses.replace(leg, sent=False), leg.quantity, conclude=True)
        elif order.status is OrderStatus.FILLED:
            self._conclude(group, GroupState.DONE, f"{group.reason}; its order filled")
        elif order.status is OrderStatus.REJECTED and order.reject_reason == NEVER_LANDED and order.filled_qty == 0:
            # journaled by a process that died before (or while) sending it, and it never landed: send it again
            fresh = dataclasses.replace(leg, client_order_id=new_client_order_id(), sent=False)
            group = group.with_leg(fresh)
            self._index(group)
            await self._send(group, fresh, leg.quantity, conclude=True)
        elif not order.is_open:
            self._conclude(group, GroupState.FAILED, f"{group.reason}, but its order was {order.status.name.lower()}"
                                                     f"{': ' + order.reject_reason if order.reject_reason else ''}"
                                                     " — the position is NOT protected")

    async def _cancel_others(self, group: ProtectionGroup, role: str) -> None:
        for other in group.exits:
            if other.role == role or not other.sent:
                continue
            order = self._order(other.client_order_id)
            if order is not None and order.is_open:
                final = await self._cancel(group.symbol, other.client_order_id)
                if final.is_open:
                    raise RuntimeError(f"the {other.role} order is still open after its cancel")

    async def _send(self, group: ProtectionGroup, leg: Leg, quantity: Decimal, *, conclude: bool,
                    hold_if_refused: bool = False) -> ProtectionGroup:
        """Journal the leg as sent, then hand its order to the session (risk checks, journal, send). A resting leg
        the venue or the risk checks refuse (``hold_if_refused``) is held by the app at its price instead."""
        if not leg.sent:
            leg = dataclasses.replace(leg, sent=True, quantity=quantity)
            group = self._set(group.with_leg(leg), "sending")
        otype = leg.exit_type if leg.role != "entry" else leg.type
        price = leg.price if otype.has_price else None
        request = OrderRequest(group.symbol, leg.side, otype, quantity, price=price,
                               stop_price=leg.stop_price if otype.has_stop else None,
                               client_order_id=leg.client_order_id, origin=group.origin,
                               options=self._exit_options(group) if leg.role != "entry" else group.entry_options)
        try:
            await self._place(request)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            known = self._order(leg.client_order_id)
            if known is not None and known.status is not OrderStatus.REJECTED:
                # outcome unknown: the order manager follows it up (query before retry); so does the group
                log.warning("protection %s: %s order outcome unknown (%s)", group.group_id, leg.role, exc)
                return self._groups[group.group_id]
            reason = f"the {leg.role.replace('_', ' ')} order was refused: {getattr(exc, 'message', exc)}"
            if hold_if_refused and leg.price is not None:
                held = dataclasses.replace(leg, held=True, trigger=leg.price, fires_below=leg.side is Side.BUY,
                                           sent=False, client_order_id=new_client_order_id())
                group = self._groups[group.group_id].with_leg(held)
                return self._set(group.replace(reason=reason + "; held by this app at its price instead"), "held")
            if conclude:  # an exit: the group says it (the caller of the entry gets the refusal itself)
                self._conclude(self._groups[group.group_id], GroupState.FAILED,
                               reason + " — the position is NOT protected")
                return self._groups[group.group_id]
            self._conclude(self._groups[group.group_id], GroupState.FAILED, reason)
            raise
        return self._groups[group.group_id]

    async def _hand_over(self, group: ProtectionGroup, quantity: Decimal) -> None:
        """Send a filled bracket's exits to the venue as its native OCO/stop: the group is journaled as held by the
        venue first (a crash after this is settled from the orders, or the exits taken back if none landed)."""
        exits = {leg.role: dataclasses.replace(leg, held=False, trigger=None, sent=True, quantity=quantity)
                 for leg in group.exits}
        group = self._set(group.replace(held_by=HeldBy.VENUE, handoff="done",
                                        legs=tuple(exits.get(leg.role, leg) for leg in group.legs)), "handing over")
        requests = [OrderRequest(group.symbol, leg.side, leg.type, quantity,
                                 price=leg.price if leg.type.has_price else None,
                                 stop_price=leg.stop_price if leg.type.has_stop else None,
                                 time_in_force=TimeInForce.GTC if leg.type.has_tif else None,
                                 client_order_id=leg.client_order_id, origin=group.origin,
                                 options=self._exit_options(group)) for leg in group.exits]
        assert self._send_exits is not None
        try:
            await self._send_exits(requests)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any refusal: the app holds them again
            if isinstance(exc, TemporaryError):  # outcome unknown: the order manager follows the orders up
                log.warning("protection %s: exits sent, outcome unknown (%s)", group.group_id, exc)
                return
            self._take_back(group, f"the venue refused the exits ({getattr(exc, 'message', exc)})")
            return
        self._publish(self._groups[group.group_id], "handed over")

    def _exit_options(self, group: ProtectionGroup) -> OrderOptions:
        """An exit closes what its entry opened: it takes the entry's ``product`` (Kite: an MIS entry's exits are MIS
        orders, not CNC sells of holdings the account does not have)."""
        product = group.entry_options.param("product")
        return OrderOptions.make(params={"product": product}) if product else OrderOptions()

    def _take_back(self, group: ProtectionGroup, why: str) -> None:
        """Hold a handed-over group's exits in the app again (fresh client ids): a stop watched against the quotes,
        a take-profit resting at the venue as before."""
        legs = []
        for leg in group.legs:
            if leg.role != "entry":
                stop = leg.type in (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT)
                leg = dataclasses.replace(leg, held=stop, trigger=leg.stop_price if stop else None,
                                          fires_below=leg.side is Side.SELL, sent=False,
                                          client_order_id=new_client_order_id())
            legs.append(leg)
        group = group.replace(held_by=HeldBy.APP, handoff="", legs=tuple(legs),
                              reason=f"{why}: held by this app instead (works only while it runs)")
        self._index(group)
        self._set(group, "taken back")
        self._tasks.spawn(self._advance(group.group_id), name=f"protection {group.group_id}")

    def _follow_venue(self, group: ProtectionGroup) -> None:
        orders = {leg.role: self._order(leg.client_order_id) for leg in group.legs}
        if group.handoff == "done":
            handed = [orders[leg.role] for leg in group.exits]
            if all(o is None or (o.status is OrderStatus.REJECTED and o.filled_qty == 0) for o in handed):
                self._take_back(group, "the exits never reached the venue" if all(
                    o is None or o.reject_reason == NEVER_LANDED for o in handed) else "the venue rejected the exits")
                return
        entry = orders.get("entry")
        if entry is not None and not entry.is_open and entry.filled_qty == 0:
            self._conclude(group, GroupState.CANCELED, f"the entry was {entry.status.name.lower()} without a fill")
            return
        exits = [(leg.role, orders[leg.role]) for leg in group.exits]
        for role, order in exits:
            if order is not None and order.status is OrderStatus.FILLED:
                self._conclude(group, GroupState.DONE, f"{role.replace('_', ' ')} filled (at the exchange)")
                return
        if exits and all(o is not None and not o.is_open for _, o in exits):
            self._conclude(group, GroupState.CANCELED, "its orders were cancelled at the exchange")
            return
        if group.state is GroupState.PENDING and (group.entry is None or (entry is not None and entry.filled_qty > 0)):
            self._set(group.replace(state=GroupState.ACTIVE), "armed")

    # ------------------------------------------------------------------ pausing
    async def _watchdog(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.watchdog_s)
            now = self.now_ms()
            for group in self._held_groups():
                last = self._last_tick_ms.get(group.symbol)
                if self._market_down:
                    self._pause(group, self._market_down)
                elif last is None:
                    self._pause(group, f"no quote for {group.symbol} yet")
                elif now - last > self.stale_ms:
                    self._pause(group, f"no quote for {group.symbol} for {(now - last) / 1000:.0f} s "
                                       f"(over {self.stale_ms / 1000:g} s)")

    def _pause(self, group: ProtectionGroup, why: str) -> None:
        if group.paused != why:
            if not group.paused:
                log.warning("protection %s paused: %s", group.group_id, why)
            self._set(group.replace(paused=why), "paused", save=False)

    def _held_groups(self, symbol: str | None = None) -> list[ProtectionGroup]:
        return [g for g in list(self._groups.values()) if g.state is GroupState.ACTIVE and g.held_by is HeldBy.APP
                and (symbol is None or g.symbol == symbol)
                and any(leg.held and not leg.sent and not leg.dropped for leg in g.exits)]

    # ------------------------------------------------------------------ plumbing
    def _lock(self, gid: str) -> asyncio.Lock:
        return self._locks.setdefault(gid, asyncio.Lock())

    def _index(self, group: ProtectionGroup) -> None:
        self._groups[group.group_id] = group
        for leg in group.legs:
            self._by_cid[leg.client_order_id] = group.group_id

    async def _watch_quietly(self, symbol: str) -> None:
        try:
            await self._watch(symbol)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - without quotes the held legs stay paused, and say so
            log.warning("protection: cannot watch %s quotes (%s: %s)", symbol, type(exc).__name__, exc)

    def _conclude(self, group: ProtectionGroup, state: GroupState, reason: str) -> ProtectionGroup:
        return self._set(group.replace(state=state, reason=reason, paused=""), state.value)

    def _set(self, group: ProtectionGroup, what: str, *, save: bool = True) -> ProtectionGroup:
        group = group.replace(ts_updated=self.now_ms())
        self._index(group)
        if save:
            self._save(group)
        self._publish(group, what)
        return group

    def _save(self, group: ProtectionGroup) -> None:
        handle = self._save_later.pop(group.group_id, None)
        if handle is not None:
            handle.cancel()
        self.store.save(group)
        self._saved_ms[group.group_id] = self.now_ms()

    def _save_soon(self, gid: str) -> None:
        """Journal a trailed stop now if the last write is ``journal_interval_ms`` old, else once that has passed."""
        wait_ms = self._saved_ms.get(gid, 0) + self.journal_interval_ms - self.now_ms()
        if wait_ms <= 0:
            self._save(self._groups[gid])
        elif gid not in self._save_later:
            self._save_later[gid] = asyncio.get_running_loop().call_later(
                wait_ms / 1000, lambda: self._save(self._groups[gid]))

    def _publish(self, group: ProtectionGroup, what: str) -> None:
        """Log the transition (a trailed stop at debug level) and publish it."""
        legs = ", ".join(f"{leg.role} {leg.side.value} {leg.quantity}"
                         + (f" @{leg.trigger}" if leg.held and leg.trigger is not None else "")
                         + (" sent" if leg.sent else "") for leg in group.legs)
        log.log(logging.DEBUG if what == "trailed" else logging.INFO, "protection %s %s %s (%s, %s): %s [%s]%s%s",
                group.group_id, group.kind.value, group.symbol, group.held_by.value, group.state.value, what, legs,
                f" — {group.reason}" if group.reason else "", f" — paused: {group.paused}" if group.paused else "")
        self.bus.publish(ProtectionChanged(group, what, ts_recv=self.now_ms()))


def _like(value: Decimal, price: Decimal) -> str:
    """``value`` with as many decimals as ``price`` (a quote of 8 decimals read beside a price on the tick)."""
    try:
        return format(value.quantize(price), "f") if price.as_tuple().exponent < 0 else fmt(value)  # type: ignore[operator]
    except ArithmeticError:
        return fmt(value)

"""Protective groups on the chart: every open group of the chart's symbol drawn as lines linked to its entry.

- the entry (blue, while it works; at its fill price once filled), the take-profit (green), the stop-loss and a
  trailing stop (red; the trailing line moves as the app trails it); each tag says the role, side, quantity and who
  holds it ("exchange" / "app") before the price; a leg the app watches (held, sent only when reached) is dashed, an
  order resting at the exchange solid;
- dragging a take-profit or stop line of an app-held group moves it (``modify_protection``); a refused move snaps
  back and the reason goes to the status bar;
- the x on a line cancels the whole group, asked first when the ticket asks before sending (the non-blocking
  ``ask()``, never ``exec()``).

``ProtectionChanged`` (and the updates of the legs' orders) only mark the view dirty on the bus; the lines are
redrawn once per frame (the bridge's ``frame``), and the same snapshot feeds the blotters' Protection tab
(``listeners``). Its groups' resting orders are drawn here, not as plain order lines (``leg_ids``).
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, Callable, Coroutine, Iterable

from terminal import model as m
from terminal.oms.protective_group import GroupState, HeldBy, Leg, ProtectionChanged, ProtectionGroup
from terminal.ui.chart.orderlines import OrderLine
from terminal.ui.dialogs.ask import OK, OK_CANCEL, Icon, ask

log = logging.getLogger(__name__)

ROLE_NAMES = {"entry": "Entry", "take_profit": "TP", "stop_loss": "SL", "first": "OCO", "second": "OCO",
              "trailing": "Trailing SL"}
ROLE_WORDS = {"entry": "entry", "take_profit": "take-profit", "stop_loss": "stop-loss", "first": "first leg",
              "second": "second leg", "trailing": "trailing stop"}
ENTRY_COLOR, TP_COLOR, SL_COLOR = "#2962ff", "#26a69a", "#ef5350"
_STOPS = (m.OrderType.STOP_LOSS, m.OrderType.STOP_LOSS_LIMIT)
Groups = list[tuple[str, ProtectionGroup]]  # (window key of the symbol, group)
OrderOf = Callable[[str, str], "m.Order | None"]  # (key, client order id) -> the order as the OMS has it


def is_stop(leg: Leg) -> bool:
    return leg.role in ("stop_loss", "trailing") or (leg.role in ("first", "second") and leg.type in _STOPS)


def leg_price(leg: Leg, order: m.Order | None) -> Decimal | None:
    """Where a leg is drawn: an entry at its limit (its average fill price once filled), a held leg at the trigger
    the app watches, a resting one at its order's stop (stops) or limit."""
    if leg.role == "entry":
        if order is not None and order.filled_qty > 0 and order.avg_price is not None:
            return order.avg_price
        return leg.price
    if leg.held:
        return leg.trigger
    if order is not None:
        stop = order.stop_price if order.type.has_stop and order.stop_price else None
        return stop or order.price or leg.stop_price or leg.price
    return leg.stop_price or leg.price


def leg_open(leg: Leg, order: m.Order | None, group: ProtectionGroup) -> bool:
    """Whether the leg still protects (or, an entry, still works or is what the exits protect)."""
    if leg.dropped:
        return False
    if leg.role == "entry":
        return order is None or order.is_open or order.filled_qty > 0
    if order is not None and (leg.sent or group.held_by is HeldBy.VENUE):
        return order.is_open
    return True


def protection_lines(groups: Iterable[tuple[str, ProtectionGroup]], symbol: str, order_of: OrderOf,
                     ins: m.Instrument | None) -> list[OrderLine]:
    """The lines of the open groups of ``symbol``: key (group_id, role)."""
    out: list[OrderLine] = []
    for key, group in groups:
        if key != symbol or not group.state.is_open:
            continue
        where = "exchange" if group.held_by is HeldBy.VENUE else "app"
        movable_group = group.held_by is HeldBy.APP and group.state is not GroupState.TRIGGERED
        for leg in group.legs:
            order = order_of(key, leg.client_order_id)
            price = leg_price(leg, order)
            if price is None or not leg_open(leg, order, group):
                continue
            qty = ins.format_qty(leg.quantity) if ins is not None else m.fmt(leg.quantity)
            filled = leg.role == "entry" and order is not None and not order.is_open
            role = ROLE_NAMES.get(leg.role, leg.role)
            if leg.role in ("first", "second"):  # an OCO's legs by what they do
                role = "OCO SL" if is_stop(leg) else "OCO TP"
            label = f"{role} {leg.side.name} {qty} · {where}" + (
                " · filled" if filled else "")
            color = ENTRY_COLOR if leg.role == "entry" else SL_COLOR if is_stop(leg) else TP_COLOR
            kind = "limit" if leg.role == "entry" else "stop" if is_stop(leg) else "take_profit"
            out.append(OrderLine((group.group_id, leg.role), float(price), leg.side.value, label, kind,
                                 movable_group and leg.role != "entry", color, leg.held))
    return out


def _all(calls: list[Callable[[], Any]]) -> Callable[[], None]:
    def run() -> None:
        for call in calls:
            call()
    return run


class ChartProtection:
    """Owned by the session link: ``connections()`` are the (signal, slot) pairs it connects."""

    def __init__(self, window: Any, venues: Any, spawn: Callable[[Coroutine[Any, Any, Any], str], Any],
                 symbol: Callable[[], str], on_legs_changed: Callable[[], None] = lambda: None) -> None:
        self.w = window
        self.chart = window.chart
        self.venues = venues
        self._spawn = spawn
        self._symbol = symbol
        self._on_legs_changed = on_legs_changed
        self.groups: Groups = []
        self.lines: list[OrderLine] = []
        self.leg_ids: frozenset[str] = frozenset()  # client ids of the open groups' legs (not plain order lines)
        self.listeners: list[Callable[[Groups], None]] = []  # the blotters' Protection tab
        self.dirty = True
        self._shown = ""
        self._unsubscribe: dict[str, Callable[[], None]] = {}
        self.redraws = 0

    def connections(self) -> list[tuple[Any, Any]]:
        c = self.chart
        return [(c.protection_moved, self.on_moved), (c.protection_cancel_requested, self.on_cancel_requested),
                (self.w.bridge.frame, self.flush)]

    # ---- the bus: mark only ----------------------------------------------------------------------------------
    def _subscribe(self) -> None:
        sessions = self.venues.workspace.sessions
        for name, session in sessions.items():
            if name not in self._unsubscribe:
                bus = session.bus
                unsubs = [bus.subscribe(ProtectionChanged, self._on_changed),
                          bus.subscribe(m.OrderUpdated, self._on_order)]
                self._unsubscribe[name] = _all(unsubs)
                self.dirty = True

    def _on_changed(self, _event: object) -> None:
        self.dirty = True

    def _on_order(self, event: Any) -> None:
        if event.order.client_order_id in self.leg_ids:
            self.dirty = True

    def close(self) -> None:
        for unsubscribe in self._unsubscribe.values():
            unsubscribe()
        self._unsubscribe.clear()

    # ---- per frame ---------------------------------------------------------------------------------------------
    def flush(self) -> None:
        self._subscribe()
        symbol = self._symbol()
        if not self.dirty and symbol == self._shown:
            return
        self.dirty = False
        self._shown = symbol
        try:
            self.groups = self.venues.protective_orders(open_only=True)
        except Exception as exc:  # noqa: BLE001 - a venue going away mid-frame: next frame
            log.debug("protective groups unavailable: %s", exc)
            self.dirty = True
            return
        self.lines = protection_lines(self.groups, symbol, self.venues.order_of, self.w.instruments.get(symbol))
        self.chart.protection_lines.set(self.lines)
        self.redraws += 1
        legs = frozenset(leg.client_order_id for _, g in self.groups for leg in g.legs)
        if legs != self.leg_ids:
            self.leg_ids = legs
            self._on_legs_changed()
        for listener in self.listeners:
            listener(self.groups)

    # ---- gestures -------------------------------------------------------------------------------------------
    def _find(self, group_id: str) -> tuple[str, ProtectionGroup] | None:
        return next(((k, g) for k, g in self.groups if g.group_id == group_id), None)

    def _status(self, text: str, ms: int = 10000) -> None:
        self.w.status.showMessage(text, ms)

    def on_moved(self, key: object, price: Decimal) -> None:
        self._spawn(self.move(key, price), "move protection")

    def on_cancel_requested(self, key: object) -> None:
        self._spawn(self.cancel(key), "cancel protection")

    async def move(self, key: Any, price: Decimal) -> ProtectionGroup | None:
        """Move a group's take-profit/stop to ``price``; a refusal snaps the line back and says why."""
        group_id, role = key
        try:
            found = self._find(group_id)
            if found is None:
                self._status("That protective order is no longer open.")
                return None
            skey, group = found
            ins = self.w.instruments.get(skey)
            shown = ins.format_price(price) if ins is not None else m.fmt(price)
            if not await self._confirmed("Move protection", f"move the {ROLE_WORDS.get(role, role)} of the "
                                         f"{group.kind.value} on {skey} to {shown}"):
                self._status("Protection not moved.")
                return None
            moved = await self.venues.modify_protection(skey, group_id, role, price)
            self._status(f"{ROLE_WORDS.get(role, role).capitalize()} moved to {shown}", 6000)
            return moved  # type: ignore[no-any-return]
        except Exception as exc:  # noqa: BLE001 - refused (reached price, held by the exchange...): said, snapped back
            message = getattr(exc, "message", None) or str(exc)
            log.info("protection move refused: %s", message)
            self._status(f"Not moved: {message}")
            return None
        finally:
            self.chart.protection_lines.end_move(key)
            self.dirty = True

    async def cancel(self, key: Any) -> ProtectionGroup | None:
        group_id = key[0]
        found = self._find(group_id)
        if found is None:
            self._status("That protective order is no longer open.")
            return None
        skey, group = found
        if not await self._confirmed("Cancel protection", f"cancel the {group.kind.value} on {skey} "
                                     f"({group.held_by.label}) and its open orders"):
            self._status("Protection kept.")
            return None
        try:
            done = await self.venues.cancel_protection(skey, group_id)
        except Exception as exc:  # noqa: BLE001 - expected refusals end in the status bar
            message = getattr(exc, "message", None) or str(exc)
            self._status(f"Cancel failed: {message}")
            return None
        self._status(f"{group.kind.value.capitalize()} on {skey} cancelled", 6000)
        self.dirty = True
        return done  # type: ignore[no-any-return]

    async def _confirmed(self, title: str, text: str) -> bool:
        ticket = self.w.order_entry
        if not ticket.needs_confirmation():
            return True
        env = self.venues.environment.name
        answer = await ask(self.w, f"{title} — {env}", f"{env}: {text}?", OK_CANCEL, icon=Icon.Question)
        return answer == OK

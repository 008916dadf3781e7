"""The Protection tab: one row per protective group (bracket, OCO, trailing stop), newest first.

Group, kind, symbol, who holds it ("held by the exchange" / "held by this app (works only while it runs)"), state,
its legs with their prices ("TP SELL 0.001 @ 110,000.00 · SL SELL 0.001 stop 98,000.00 (app)"), why the app is
paused on it, and why it ended. Rows are (window key of the symbol, group) pairs fed from the chart's per-frame
snapshot (``ChartProtection.listeners``); closed groups leave the tab.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable

from ... import model as m
from ...oms.protective_group import GroupState, Leg, ProtectionGroup
from .. import format as f
from .table import LEFT, Column, RowTableModel

Row = tuple[str, ProtectionGroup]  # (window key of the symbol, group)
InstrumentOf = Callable[[str], "m.Instrument | None"]
ROLES = {"entry": "Entry", "take_profit": "TP", "stop_loss": "SL", "first": "1st", "second": "2nd",
         "trailing": "Trail"}


def leg_text(leg: Leg, ins: "m.Instrument | None") -> str:
    """ "SL SELL 0.00100 stop 98,000.00 (app)": role, side, quantity, price/stop/trail; "(app)" when held here."""
    parts = [ROLES.get(leg.role, leg.role), leg.side.name, f.qty(ins, leg.quantity)]
    if leg.trailing:
        trail = leg.trail_percent if leg.trail_percent is not None else leg.trail_amount
        parts.append(f"trail {m.fmt(trail) if trail is not None else f.DASH}"
                     f"{'%' if leg.trail_percent is not None else ''}")
        if leg.trigger is not None:
            parts.append(f"at {f.price(ins, leg.trigger)}")
    elif leg.held and leg.trigger is not None:
        parts.append(f"at {f.price(ins, leg.trigger)}")
    elif leg.stop_price is not None:
        parts.append(f"stop {f.price(ins, leg.stop_price)}")
    elif leg.price is not None:
        parts.append(f"@ {f.price(ins, leg.price)}")
    else:
        parts.append("market")
    if leg.held:
        parts.append("(app)")
    if leg.dropped:
        parts.append("(cancelled)")
    return " ".join(parts)


def _state_color(row: Row) -> str | None:
    g = row[1]
    if g.paused or g.state is GroupState.FAILED:
        return "down"
    if g.state is GroupState.ACTIVE:
        return "up"
    return "muted" if not g.state.is_open else None


def _held_color(row: Row) -> str | None:
    return None if row[1].held_by.value == "venue" else "warn"


class ProtectionModel(RowTableModel[Row]):
    def __init__(self, instrument_of: InstrumentOf, parent: Any = None) -> None:
        super().__init__(parent)
        self._newest_first = True
        ins = instrument_of
        self.columns = [  # what a trader reads first comes first; the group's id (for the log) last
            Column("Symbol", lambda r: r[0], LEFT, width=8),
            Column("Kind", lambda r: r[1].kind.value.capitalize() if r[1].kind.value != "oco" else "OCO", LEFT,
                   width=6),
            Column("Held by", lambda r: r[1].held_by.label, LEFT, color=_held_color, width=37,
                   tip="Held by the exchange (its own order list or stop), or by this app: then it works only while "
                       "the app runs"),
            Column("State", lambda r: r[1].state.value.capitalize() + (" (paused)" if r[1].paused else ""), LEFT,
                   color=_state_color, width=7),
            Column("Legs", lambda r: " · ".join(leg_text(leg, ins(r[0])) for leg in r[1].legs), LEFT, width=84),
            Column("Paused", lambda r: r[1].paused or f.DASH, LEFT, width=16,
                   tip="Why the app is not acting on the quotes now (stale or missing market data)"),
            Column("Note", lambda r: r[1].reason or f.DASH, LEFT, width=20),
            Column("Time", lambda r: f.clock(r[1].ts_updated or r[1].ts_created), LEFT,
                   raw=lambda r: r[1].ts_updated or r[1].ts_created, width=8),
            Column("Group", lambda r: r[1].group_id, LEFT, width=14),
        ]

    def key(self, row: Row) -> Hashable:
        return row[1].group_id

    def on_groups(self, rows: list[Row]) -> None:
        """The open groups now: new and changed ones are put, the others leave."""
        keep = {g.group_id for _, g in rows}
        for gid in [k for k in self.store.keys if k not in keep]:
            self.remove(gid)
        for row in rows:
            if self.lookup(row[1].group_id) != row:
                self.put(row)

    def group_at(self, row: int) -> Row:
        return self.row_at(row)

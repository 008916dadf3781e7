"""Protective order groups as frozen records: a bracket (entry + take-profit + stop-loss), an OCO (two legs, one
cancels the other) or a trailing stop, held by the venue (its native form) or by this app (``oms.protective``).

A group's exit legs form one one-cancels-other set: once one of them fills or fires, the others are cancelled. An
app-held leg either rests at the venue as a plain LIMIT order (``held=False``: at most one per group) or is watched by
the app against the live quotes (``held=True``) and sent when its trigger price is crossed: a MARKET order for a stop
or take-profit, a LIMIT order for their ``*_LIMIT`` forms and for a held LIMIT leg.
"""
from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..model import OrderOptions, OrderType, Side
from ..model.numbers import ZERO


class Kind(enum.Enum):
    BRACKET = "bracket"
    OCO = "oco"
    TRAILING = "trailing"


class HeldBy(enum.Enum):
    VENUE = "venue"
    APP = "app"

    @property
    def label(self) -> str:
        """What the blotter and the chart say about it."""
        return "held by the exchange" if self is HeldBy.VENUE else "held by this app (works only while it runs)"


class GroupState(enum.Enum):
    PENDING = "pending"  # the entry has not filled yet: nothing to protect
    ACTIVE = "active"  # the exits are armed (resting at the venue and/or watched by the app)
    TRIGGERED = "triggered"  # an app-held leg fired: the others are being cancelled, its order sent
    DONE = "done"  # an exit filled: the position is closed (or the group's quantity is)
    CANCELED = "canceled"  # cancelled by the user, or its entry was cancelled/rejected without a fill
    FAILED = "failed"  # an order of the group was refused: ``reason`` says which and why

    @property
    def is_open(self) -> bool:
        return self in (GroupState.PENDING, GroupState.ACTIVE, GroupState.TRIGGERED)


OPEN_STATES = tuple(s.value for s in GroupState if s.is_open)

#: order types of a leg that the app watches and fires as a MARKET order; their *_LIMIT forms fire as a LIMIT order
STOP_TYPES = frozenset({OrderType.STOP_LOSS, OrderType.TAKE_PROFIT})
STOP_LIMIT_TYPES = frozenset({OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT})


@dataclass(frozen=True, slots=True)
class Leg:
    """One order of a group. ``role``: "entry", "take_profit", "stop_loss", "first", "second" or "trailing".

    ``type``/``price``/``stop_price`` describe the order as the user asked for it; ``trigger`` is the price the app
    watches for a held leg (``None`` for a leg that rests at the venue) and ``fires_below`` its direction (a sell stop
    fires when the price falls to it). ``client_order_id`` is generated when the group is made; ``sent`` is journaled
    just before the order is handed to the order manager (which journals it before sending)."""

    role: str
    side: Side
    type: OrderType
    quantity: Decimal
    client_order_id: str
    price: Decimal | None = None
    stop_price: Decimal | None = None
    held: bool = False
    trigger: Decimal | None = None
    fires_below: bool = True
    trail_amount: Decimal | None = None
    trail_percent: Decimal | None = None
    best: Decimal | None = None  # a trailing stop's best price so far (the high for a sell stop, the low for a buy)
    sent: bool = False
    #: its resting order was cancelled at the venue by someone else (the user, the kill switch): the others go on
    dropped: bool = False

    @property
    def exit_type(self) -> OrderType:
        """The order sent for this leg: a fired stop/take-profit is a MARKET order, their limit forms a LIMIT."""
        if not self.held:
            return self.type
        if self.type in STOP_TYPES:
            return OrderType.MARKET
        return OrderType.LIMIT

    @property
    def trailing(self) -> bool:
        return self.trail_amount is not None or self.trail_percent is not None

    def crossed(self, price: Decimal) -> bool:
        """Whether ``price`` reaches this held leg's trigger."""
        if self.trigger is None:
            return False
        return price <= self.trigger if self.fires_below else price >= self.trigger


@dataclass(frozen=True, slots=True)
class ProtectionGroup:
    group_id: str
    kind: Kind
    symbol: str
    held_by: HeldBy
    state: GroupState
    legs: tuple[Leg, ...]
    #: the quantity the exits protect when there is no entry (an OCO, a trailing stop, a stop attached to a position)
    quantity: Decimal = ZERO
    ts_created: int = 0
    ts_updated: int = 0
    reason: str = ""  # why it failed/was cancelled, or which leg fired
    fired: str = ""  # the role of the app-held leg that fired
    origin: str = ""
    #: not journaled: why the app is not acting on the quotes right now ("no quote for BTCUSDT for 12 s"), or ""
    paused: str = ""
    #: an app-held bracket whose exits go to the venue once its entry has filled (the venue holds an OCO, or a stop,
    #: but not the whole bracket: Binance with a MARKET entry, Kite's GTT OCO): "pending" until then, "done" once
    #: they were handed over (the group is then held by the venue), "" for any other group
    handoff: str = ""
    #: the entry's own options (Kite's product and variety, a GTD expiry...), sent with it; exits take its product
    entry_options: OrderOptions = OrderOptions()

    @property
    def entry(self) -> Leg | None:
        return next((leg for leg in self.legs if leg.role == "entry"), None)

    @property
    def exits(self) -> tuple[Leg, ...]:
        return tuple(leg for leg in self.legs if leg.role != "entry")

    def leg(self, role: str) -> Leg:
        return next(leg for leg in self.legs if leg.role == role)

    def with_leg(self, leg: Leg) -> "ProtectionGroup":
        return dataclasses.replace(self, legs=tuple(leg if old.role == leg.role else old for old in self.legs))

    def replace(self, **changes: Any) -> "ProtectionGroup":
        return dataclasses.replace(self, **changes)

    # -- journal form ---------------------------------------------------------------------------------------------
    def data_json(self) -> str:
        """Legs and the other fields the journal row has no column for (Decimals as strings)."""
        legs = []
        for leg in self.legs:
            raw = {f.name: getattr(leg, f.name) for f in dataclasses.fields(leg)}
            raw["side"], raw["type"] = leg.side.value, leg.type.value
            legs.append({k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in raw.items()})
        return json.dumps({"legs": legs, "quantity": format(self.quantity, "f"), "reason": self.reason,
                           "fired": self.fired, "origin": self.origin, "handoff": self.handoff,
                           "entry_options": self.entry_options.to_json()}, sort_keys=True)

    @classmethod
    def from_row(cls, row: tuple[str, str, str, str, str, str, int, int]) -> "ProtectionGroup":
        group_id, kind, symbol, held_by, state, data, ts_created, ts_updated = row
        raw = json.loads(data)
        legs = []
        for leg in raw["legs"]:
            for name in ("quantity", "price", "stop_price", "trigger", "trail_amount", "trail_percent", "best"):
                if leg.get(name) is not None:
                    leg[name] = Decimal(leg[name])
            leg["side"], leg["type"] = Side(leg["side"]), OrderType(leg["type"])
            legs.append(Leg(**leg))
        return cls(group_id, Kind(kind), symbol, HeldBy(held_by), GroupState(state), tuple(legs),
                   Decimal(raw["quantity"]), ts_created, ts_updated, raw.get("reason", ""), raw.get("fired", ""),
                   raw.get("origin", ""), handoff=raw.get("handoff", ""),
                   entry_options=OrderOptions.from_json(raw.get("entry_options")))


@dataclass(frozen=True, slots=True)
class ProtectionChanged:
    """A protective group changed (made, armed, paused/resumed, trailed, fired, done, cancelled, failed): the whole
    group as it is now. The blotters and the chart redraw its lines from ``group.legs`` (trigger/price per leg, which
    leg has an order at the venue: ``oms.order(leg.client_order_id)``) and label it with ``group.held_by.label``."""

    group: ProtectionGroup
    #: "placed", "re-armed", "sending", "armed", "resized", "moved", "held" (a refused take-profit now held by the
    #: app), "dropped" (a leg cancelled at the venue), "paused", "resumed", "trailed", "fired", "handing over" (the
    #: exits of a filled entry sent to the venue as its native OCO or stop), "handed over", "taken back" (the venue
    #: refused them or they never landed: held by the app again), then one of "done", "canceled", "failed"
    what: str
    ts_recv: int = 0

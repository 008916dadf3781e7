"""Orders as frozen records whose status changes only through one transition table."""
from __future__ import annotations

import dataclasses
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .enums import OrderStatus, OrderType, Side, TimeInForce
from .numbers import ZERO

S = OrderStatus

#: Allowed status changes. A status may always "change" to itself (a repeated report is harmless).
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_NEW: frozenset({S.NEW, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED, S.PENDING_CANCEL}),
    S.NEW: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.EXPIRED, S.REJECTED}),
    S.PARTIALLY_FILLED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.EXPIRED}),
    S.PENDING_CANCEL: frozenset({S.NEW, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED}),
    S.FILLED: frozenset(),
    S.CANCELED: frozenset(),
    # the one way out of a final state: an order concluded "never reached the venue" that did land after all (a
    # request of a crashed process arriving late); the order manager takes it only on the venue's own report
    S.REJECTED: frozenset({S.NEW, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED}),
    S.EXPIRED: frozenset(),
}


class InvalidTransition(ValueError):
    pass


def can_transition(old: OrderStatus, new: OrderStatus) -> bool:
    return old is new or new in TRANSITIONS[old]


def new_client_order_id(prefix: str = "tt") -> str:
    """A locally generated client order id (Binance allows up to 36 chars of [.A-Z:/a-z0-9_-])."""
    return f"{prefix}-{secrets.token_hex(10)}"


@dataclass(frozen=True, slots=True)
class OrderOptions:
    """What some venues add to an order. An adapter declares what it takes (``Capabilities``); the session refuses the
    rest before sending. All optional: ``OrderOptions()`` is a plain order.

    - trailing stop: a STOP_LOSS / STOP_LOSS_LIMIT whose stop follows the best price at ``trail_amount`` (price
      units) or ``trail_percent`` (percent, e.g. ``Decimal("1.5")``) behind it;
    - ``expire_ms``: good till this time (epoch ms) with ``TimeInForce.GTD``;
    - ``at_close``: a MARKET or LIMIT order for the closing auction (IB's MOC/LOC);
    - ``parent_id``: the client order id of the entry this order is attached to (a bracket's take-profit or stop): it
      works only once the parent has filled;
    - ``oca_group``: orders sharing a group cancel each other when one fills (OCO = a group of two);
    - ``params``: venue-specific choices by name, e.g. Kite's ``product`` (CNC/MIS/NRML) and ``variety``
      (regular/amo/co/iceberg); sorted (name, value) pairs so the record stays hashable.
    """

    trail_amount: Decimal | None = None
    trail_percent: Decimal | None = None
    expire_ms: int | None = None
    at_close: bool = False
    parent_id: str | None = None
    oca_group: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def make(cls, *, params: dict[str, str] | None = None, **fields: Any) -> "OrderOptions":
        return cls(params=tuple(sorted((str(k), str(v)) for k, v in (params or {}).items())), **fields)

    @property
    def trailing(self) -> bool:
        return self.trail_amount is not None or self.trail_percent is not None

    def param(self, name: str, default: str | None = None) -> str | None:
        return dict(self.params).get(name, default)

    @property
    def empty(self) -> bool:
        return self == _NO_OPTIONS

    def to_json(self) -> str | None:
        """For the journal: None when empty; Decimals as strings."""
        if self.empty:
            return None
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value in (None, False, ()):
                continue
            out[f.name] = format(value, "f") if isinstance(value, Decimal) else value
        return json.dumps(out, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> "OrderOptions":
        if not text:
            return _NO_OPTIONS
        raw = json.loads(text)
        for name in ("trail_amount", "trail_percent"):
            if raw.get(name) is not None:
                raw[name] = Decimal(raw[name])
        raw["params"] = tuple(tuple(p) for p in raw.get("params", ()))
        return cls(**raw)


_NO_OPTIONS = OrderOptions()


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the user asks for, before the venue has seen it."""

    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    quote_quantity: Decimal | None = None
    time_in_force: TimeInForce | None = None
    client_order_id: str = dataclasses.field(default_factory=new_client_order_id)
    #: who asked: "" for the user (the ticket, the blotters, a script), else the strategy's name; journaled, never sent
    origin: str = ""
    #: may trade outside the regular session (pre-market / after-hours) where the venue allows it
    extended_hours: bool = False
    #: trailing, good-till-date, at-close, bracket/OCO links, venue-specific choices (see OrderOptions)
    options: OrderOptions = _NO_OPTIONS


@dataclass(frozen=True, slots=True)
class Order:
    symbol: str
    side: Side
    type: OrderType
    client_order_id: str
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    quote_quantity: Decimal | None = None
    time_in_force: TimeInForce | None = None
    status: OrderStatus = OrderStatus.PENDING_NEW
    venue_order_id: int | None = None
    filled_qty: Decimal = ZERO
    #: sum of price x qty over the fills, WITHOUT the contract multiplier (so ``avg_price`` is a price); the cash
    #: value of the fills is ``Fill.quote_qty`` (price x qty x multiplier)
    filled_quote: Decimal = ZERO
    ts_created: int = 0
    ts_updated: int = 0
    reject_reason: str | None = None
    origin: str = ""  # "" = manual, else the strategy that placed it (from OrderRequest.origin, journaled)
    options: OrderOptions = _NO_OPTIONS  # from OrderRequest.options, journaled

    @classmethod
    def from_request(cls, req: OrderRequest, ts: int = 0) -> "Order":
        return cls(
            symbol=req.symbol, side=req.side, type=req.type, client_order_id=req.client_order_id,
            quantity=req.quantity if req.quantity is not None else ZERO, price=req.price, stop_price=req.stop_price,
            quote_quantity=req.quote_quantity, time_in_force=req.time_in_force, ts_created=ts, ts_updated=ts,
            origin=req.origin, options=req.options,
        )

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def remaining_qty(self) -> Decimal:
        return max(ZERO, self.quantity - self.filled_qty)

    @property
    def avg_price(self) -> Decimal | None:
        return (self.filled_quote / self.filled_qty) if self.filled_qty else None

    def with_status(self, status: OrderStatus, **changes: object) -> "Order":
        """Return a copy in ``status``; raises InvalidTransition if the table forbids it."""
        if not can_transition(self.status, status):
            raise InvalidTransition(f"order {self.client_order_id}: {self.status.name} -> {status.name} is not allowed")
        return dataclasses.replace(self, status=status, **changes)  # type: ignore[arg-type]

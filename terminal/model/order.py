"""Orders as frozen records whose status changes only through one transition table."""
from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from decimal import Decimal

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
    filled_quote: Decimal = ZERO
    ts_created: int = 0
    ts_updated: int = 0
    reject_reason: str | None = None
    origin: str = ""  # "" = manual, else the strategy that placed it (from OrderRequest.origin, journaled)

    @classmethod
    def from_request(cls, req: OrderRequest, ts: int = 0) -> "Order":
        return cls(
            symbol=req.symbol, side=req.side, type=req.type, client_order_id=req.client_order_id,
            quantity=req.quantity if req.quantity is not None else ZERO, price=req.price, stop_price=req.stop_price,
            quote_quantity=req.quote_quantity, time_in_force=req.time_in_force, ts_created=ts, ts_updated=ts,
            origin=req.origin,
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

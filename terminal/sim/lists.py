"""Order lists: OCO (one cancels the other), OTO (one triggers the other) and OTOCO (a working order that places an
OCO pair once it is filled). The engine (``engine.py``) places and runs them; this module holds their records, their
state and the rules that need no book: which pair cancels each other, when a list is done, the price relation of an
OCO pair.

Rules (reference §14):
- OCO: when one leg trades (even partly) or triggers, the other is expired (``OCO_TRIGGER``) in the same engine
  step, before anything else can reach it; the list is then done and the survivor works as a plain order that keeps
  its ``order_list_id``. Cancelling a leg cancels both. At most one leg is ever on the book.
- OTO: the working order (LIMIT or LIMIT_MAKER) goes on the book at once; the pending order(s) are placed when it is
  fully filled (partial fills do nothing). If it ends unfilled, the pending orders expire (``OTO_PHASE_ONE_EXPIRED``).
  A pending order refused when it is due (funds, would trigger/match, OCO prices) expires (``REJECTED``).
- Funds: an OCO locks once (a SELL its quantity, a BUY the larger of its legs' costs), held by one leg and handed to
  the survivor; pending members lock nothing until they are placed.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from terminal.model.enums import OrderStatus, OrderType, Side, TimeInForce

from .matching import WorkingOrder
from .reports import EngineReject, Execution, OrderView, RejectReason


class ContingencyType(enum.Enum):
    OCO = "oco"
    OTO = "oto"   # OTOCO too: the docs' OTOCO example says OTO


class ListStatusType(enum.Enum):
    RESPONSE = "response"          # the answer to a refused placement
    EXEC_STARTED = "exec_started"  # placed, or a status update (pending orders placed)
    ALL_DONE = "all_done"          # no longer active


class ListOrderStatus(enum.Enum):
    EXECUTING = "executing"
    ALL_DONE = "all_done"
    REJECT = "reject"


#: order types an OCO leg may have (one at most may rest on the book: LIMIT_MAKER)
OCO_TYPES = (OrderType.LIMIT_MAKER, OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT,
             OrderType.TAKE_PROFIT_LIMIT)
WORKING_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER)
_STOP_LOSS = (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT)


@dataclass(frozen=True, slots=True)
class Leg:
    """One member of an order list, as requested."""

    side: Side
    type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    trailing_delta: int | None = None
    time_in_force: TimeInForce | None = None
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class ListView:
    """A snapshot of an order list; ``orders`` are its members in report order (stop loss first in an OCO pair,
    the working order first in an OTO)."""

    order_list_id: int
    contingency_type: ContingencyType
    list_status_type: ListStatusType
    list_order_status: ListOrderStatus
    list_client_order_id: str
    transaction_time: int
    symbol: str
    account_id: str
    orders: tuple[OrderView, ...]


@dataclass(frozen=True, slots=True)
class ListResult:
    """A placed list (members as the placement left them: a pending order placed by an immediate fill of its working
    order still shows PENDING_NEW, as on Binance) and the executions the call produced for its members."""

    order_list: ListView
    executions: list[Execution] = field(default_factory=list)


class OrderList:
    """The engine's mutable list."""

    __slots__ = ("order_list_id", "client_id", "account_id", "symbol", "contingency", "members", "working", "pending",
                 "pair", "requests", "done", "closing", "status_type", "transaction_time")

    def __init__(self, order_list_id: int, client_id: str, account_id: str, symbol: str, contingency: ContingencyType,
                 members: list[WorkingOrder], working: WorkingOrder | None, pair: tuple[WorkingOrder, ...],
                 requests: dict[int, Any], now: int) -> None:
        self.order_list_id = order_list_id
        self.client_id = client_id
        self.account_id = account_id
        self.symbol = symbol
        self.contingency = contingency
        self.members = members
        #: OTO: the working order, and the members placed once it is filled (PENDING_NEW until then)
        self.working = working
        self.pending = [m for m in members if m is not working] if working is not None else []
        #: the two orders that cancel each other (empty for a plain OTO)
        self.pair = pair
        #: the checked requests of the pending members (``entry.Request``), by order id
        self.requests = requests
        self.done = False
        #: the list is being torn down (cancel, expiry): closing members must not act on the others
        self.closing = False
        self.status_type = ListStatusType.EXEC_STARTED
        self.transaction_time = now
        for m in members:
            m.order_list = self
            m.order_list_id = order_list_id

    def other(self, order: WorkingOrder) -> WorkingOrder | None:
        """The live partner of ``order`` in its OCO pair, or None (not in a pair, pair resolved or not placed)."""
        if self.done or order not in self.pair or order.status is OrderStatus.PENDING_NEW:
            return None
        a, b = self.pair
        other = b if order is a else a
        return other if other.status.is_open else None

    def all_final(self) -> bool:
        return all(not m.status.is_open for m in self.members)

    def view(self) -> ListView:
        status = ListOrderStatus.ALL_DONE if self.done else ListOrderStatus.EXECUTING
        return ListView(self.order_list_id, self.contingency, self.status_type, status, self.client_id,
                        self.transaction_time, self.symbol, self.account_id, tuple(m.view() for m in self.members))


def pair_order(legs: list[Leg]) -> list[Leg]:
    """An OCO pair in report order: the stop-loss leg first (Binance lists it first, with the lower order id)."""
    if legs[1].type in _STOP_LOSS and legs[0].type not in _STOP_LOSS:
        return [legs[1], legs[0]]
    return legs


def check_pair(above: Leg, below: Leg) -> None:
    """Shape of an OCO pair: same side and quantity, OCO types, at most one LIMIT_MAKER (INVALID otherwise)."""
    if above.side is not below.side or above.quantity != below.quantity:
        raise EngineReject(RejectReason.INVALID, "The legs of an OCO share one side and one quantity.")
    if above.type not in OCO_TYPES or below.type not in OCO_TYPES:
        raise EngineReject(RejectReason.INVALID, "Order type not supported in OCO.")
    if above.type is OrderType.LIMIT_MAKER and below.type is OrderType.LIMIT_MAKER:
        raise EngineReject(RejectReason.INVALID, "At least one OCO order must be contingent.")


def _reference(order_type: OrderType, price: Decimal | None, stop_price: Decimal | None) -> Decimal | None:
    """The price an OCO leg is compared at: the limit price of LIMIT_MAKER and TAKE_PROFIT_LIMIT, else the stop."""
    if order_type in (OrderType.LIMIT_MAKER, OrderType.TAKE_PROFIT_LIMIT):
        return price
    return stop_price or None   # a trailing stop without a stop price has no fixed reference


def check_pair_prices(above: tuple[OrderType, Decimal | None, Decimal | None],
                      below: tuple[OrderType, Decimal | None, Decimal | None], last: Decimal | None) -> None:
    """``above > last > below`` (each leg at its reference price), else OCO_BAD_PRICES. Without a last price, or for
    a trailing leg without a stop price, that side is not checked."""
    if last is None:
        return
    hi, lo = _reference(*above), _reference(*below)
    if (hi is not None and not hi > last) or (lo is not None and not lo < last):
        raise EngineReject(RejectReason.OCO_BAD_PRICES)


__all__ = ["ContingencyType", "ListStatusType", "ListOrderStatus", "Leg", "ListView", "ListResult", "OrderList",
           "OCO_TYPES", "WORKING_TYPES", "pair_order", "check_pair", "check_pair_prices"]

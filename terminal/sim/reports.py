"""Records the matching engine emits: rejects, order snapshots, trades and execution reports.

All records are frozen. Amounts are ``Decimal``; a value that is not set is ``0`` (never ``None``), as on the wire.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Callable, TypeVar

from terminal.model.enums import OrderStatus, OrderType, Side, TimeInForce
from terminal.model.numbers import ZERO


class RejectReason(enum.Enum):
    """Why the engine refused a request; the sandbox server maps each to a Binance error code."""

    UNKNOWN_SYMBOL = "unknown_symbol"
    FILTER = "filter"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    WOULD_MATCH = "would_match"
    WOULD_TRIGGER = "would_trigger"
    DUPLICATE_ORDER = "duplicate_order"
    UNKNOWN_ORDER = "unknown_order"
    INVALID = "invalid"
    UNKNOWN_ACCOUNT = "unknown_account"
    OCO_BAD_PRICES = "oco_bad_prices"
    UNKNOWN_LIST = "unknown_list"


#: Binance's wording for each engine reject (FILTER adds the filter name, UNKNOWN_ORDER depends on the request).
REJECT_MESSAGES: dict[RejectReason, str] = {
    RejectReason.UNKNOWN_SYMBOL: "Invalid symbol.",
    RejectReason.INSUFFICIENT_BALANCE: "Account has insufficient balance for requested action.",
    RejectReason.WOULD_MATCH: "Order would immediately match and take.",
    RejectReason.WOULD_TRIGGER: "Order would trigger immediately.",
    RejectReason.DUPLICATE_ORDER: "Duplicate order sent.",
    RejectReason.UNKNOWN_ORDER: "Unknown order sent.",
    RejectReason.UNKNOWN_ACCOUNT: "Unknown account.",
    RejectReason.OCO_BAD_PRICES: "The relationship of the prices for the orders is not correct.",
    RejectReason.UNKNOWN_LIST: "Order list does not exist.",
}

#: ``reject_reason`` text as it appears in an executionReport (``r``).
REPORT_REASONS: dict[RejectReason, str] = {
    RejectReason.INSUFFICIENT_BALANCE: "INSUFFICIENT_BALANCES",
    RejectReason.WOULD_MATCH: "WOULD_MATCH_IMMEDIATELY",
    RejectReason.WOULD_TRIGGER: "STOP_PRICE_WOULD_TRIGGER_IMMEDIATELY",
    RejectReason.OCO_BAD_PRICES: "OCO_BAD_PRICES",
}


class EngineReject(Exception):
    """A request the engine refused. ``filter`` names the failed filter for ``RejectReason.FILTER``."""

    def __init__(self, reason: RejectReason, message: str | None = None, filter: str | None = None) -> None:
        if message is None:
            message = f"Filter failure: {filter}" if reason is RejectReason.FILTER else REJECT_MESSAGES.get(reason, reason.name)
        super().__init__(message)
        self.reason = reason
        self.filter = filter
        self.message = message

    def __repr__(self) -> str:
        return f"EngineReject({self.reason.name}, {self.message!r})"


class ExpiryReason(enum.Enum):
    """Why an order ended EXPIRED (member names are Binance's ``expiryReason`` words)."""

    NONE = "none"
    REJECTED = "rejected"                    # an OTO pending order refused when it was due (funds, prices)
    OCO_TRIGGER = "oco_trigger"              # the other leg of its OCO traded or triggered
    OTO_PHASE_ONE_EXPIRED = "oto_phase_one"  # the working order of its OTO expired before it filled
    UNFILLED_IOC_QUANTITY_EXPIRED = "ioc"
    UNFILLED_FOK_ORDER_EXPIRED = "fok"
    INSUFFICIENT_LIQUIDITY = "liquidity"     # a MARKET order ran out of book


class ExecType(enum.Enum):
    NEW = "new"
    TRADE = "trade"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    REPLACED = "replaced"


@dataclass(frozen=True, slots=True)
class OrderView:
    """A snapshot of an engine order.

    ``quantity`` is 0 for a MARKET order sent by quote quantity until it ends (then it is the executed quantity,
    as Binance reports ``origQty``). ``working_time`` is -1 while a stop order waits for its trigger;
    ``is_working`` is False until then (Binance's ``w``/``isWorking``).
    """

    order_id: int
    client_order_id: str
    account_id: str
    symbol: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce | None
    price: Decimal
    stop_price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    executed_qty: Decimal
    cum_quote: Decimal
    status: OrderStatus
    time: int
    update_time: int
    working_time: int
    is_working: bool
    #: the order list it belongs to (-1: none)
    order_list_id: int = -1
    #: trailing delta in basis points (0: not a trailing stop); trailing_time is when tracking began (-1: not yet)
    trailing_delta: int = 0
    trailing_time: int = -1
    expiry_reason: ExpiryReason = ExpiryReason.NONE

    @property
    def remaining_qty(self) -> Decimal:
        return self.quantity - self.executed_qty if self.quantity > self.executed_qty else ZERO


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade on a symbol."""

    trade_id: int
    symbol: str
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    time: int
    buyer_is_maker: bool
    buy_order_id: int
    sell_order_id: int


@dataclass(frozen=True, slots=True)
class Execution:
    """One order state change for one account; a fill gives one TRADE per side."""

    account_id: str
    order: OrderView
    exec_type: ExecType
    time: int
    last_qty: Decimal = ZERO
    last_price: Decimal = ZERO
    last_quote: Decimal = ZERO
    commission: Decimal = ZERO
    commission_asset: str | None = None
    trade_id: int = -1
    is_maker: bool = False
    cancel_client_order_id: str | None = None
    reject_reason: str = "NONE"


@dataclass(frozen=True, slots=True)
class PlaceResult:
    """The order after ``Engine.place`` and the executions that call produced for it (NEW, TRADEs, EXPIRED)."""

    order: OrderView
    executions: list[Execution] = field(default_factory=list)

    @property
    def fills(self) -> list[Execution]:
        return [e for e in self.executions if e.exec_type is ExecType.TRADE]


@dataclass(frozen=True, slots=True)
class AccountTrade:
    """One side of a trade as the account that took part sees it (``myTrades``)."""

    symbol: str
    id: int
    order_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool
    order_list_id: int = -1


_R = TypeVar("_R")


def fast_constructor(cls: type[_R]) -> Callable[..., _R]:
    """A positional constructor (every field, in order) for a frozen slots dataclass, about 5x faster.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, which costs several
    microseconds per record; the engine makes a few records per order. This builds the instance as a plain twin
    class with the same slots and then switches its class, so the result is an ordinary, equal, frozen ``cls``.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    twin = type(f"_{cls.__name__}Builder", (), {"__slots__": cls.__slots__})  # type: ignore[attr-defined]
    body = "".join(f"    s.{n} = {n}\n" for n in names)
    source = f"def make({', '.join(names)}):\n    s = twin()\n{body}    s.__class__ = cls\n    return s\n"
    namespace: dict[str, Any] = {}
    exec(source, {"twin": twin, "cls": cls}, namespace)  # noqa: S102 - generated from field names only
    make = namespace["make"]
    make.__doc__ = f"Build a {cls.__name__} from all its fields, positionally."
    return make  # type: ignore[no-any-return]


make_view = fast_constructor(OrderView)
make_trade = fast_constructor(Trade)
make_execution = fast_constructor(Execution)
make_account_trade = fast_constructor(AccountTrade)
make_place_result = fast_constructor(PlaceResult)

__all__ = [
    "RejectReason", "EngineReject", "ExecType", "ExpiryReason", "OrderView", "Trade", "Execution", "PlaceResult", "AccountTrade",
    "REJECT_MESSAGES", "REPORT_REASONS",
]

"""Input normalisation at the library boundary.

Every public ``Session`` method (and so its blocking twin) passes what the caller gave through these functions before
anything is sent, journaled or subscribed. Wrong input becomes ``InvalidArgument`` (or its subclasses ``NumberError``,
``OrderValidationError``, ``UnknownSymbol``) naming the argument and what is allowed; an ``AttributeError``,
``KeyError`` or ``TypeError`` from deeper down never reaches the caller. Amounts go through ``to_decimal`` (plain
ASCII decimals only), enums accept the member or its name, integers must be real ``int``s within range.
"""
from __future__ import annotations

import dataclasses
import enum
import operator
import re
from decimal import Decimal
from typing import Any, Mapping, TypeVar

from ..model import Instrument, Interval, OrderRequest, OrderType, Side, TimeInForce, to_decimal
from ..model.instrument import check_order_shape
from ..model.numbers import InvalidArgument, describe
from ..risk.checks import resolve_symbol

En = TypeVar("En", bound=enum.Enum)

#: New client order ids: what Binance and the sandbox both accept.
NEW_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,36}")
#: Ids of existing orders (Binance's documented range; the venue may have assigned them).
CLIENT_ID = re.compile(r"[.A-Za-z0-9:/_-]{1,36}")
MAX_DEPTH = 5000
INT64_MAX = 2**63 - 1


def instrument(value: object, instruments: Mapping[str, Instrument]) -> Instrument:
    return resolve_symbol(value, instruments)


def symbol(value: object, instruments: Mapping[str, Instrument]) -> str:
    """The venue's spelling of ``value`` (case and surrounding blanks forgiven)."""
    return resolve_symbol(value, instruments).symbol


def optional_symbol(value: object, instruments: Mapping[str, Instrument]) -> str | None:
    return None if value is None else symbol(value, instruments)


def choice(value: object, kind: type[En], name: str) -> En:
    """An enum member from the member itself or its name (case-insensitive, e.g. ``"limit"``, ``"GTC"``)."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        member = kind.__members__.get(value.strip().upper())
        if member is not None:
            return member
    allowed = ", ".join(kind.__members__)
    raise InvalidArgument(f"{name}: {describe(value)} is not one of {allowed}", name)


def amount(value: object, name: str) -> Decimal | None:
    """None stays None; anything else must be a non-negative plain decimal (see ``to_decimal``)."""
    return None if value is None else to_decimal(value, name=name)


def whole(value: object, name: str, minimum: int = 0, maximum: int = INT64_MAX) -> int:
    """An integer (``int`` or anything with ``__index__``, never a bool, float or text) in [minimum, maximum]."""
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise InvalidArgument(f"{name}: expected a whole number from {minimum} to {maximum}, got "
                              f"{type(value).__name__} {describe(value)}", name)
    number = operator.index(value)  # type: ignore[arg-type]
    if not minimum <= number <= maximum:
        raise InvalidArgument(f"{name}: {number} is out of range; allowed {minimum} to {maximum}", name)
    return number


def flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}: expected True or False, got {type(value).__name__} {describe(value)}", name)
    return value


def interval(value: object) -> Interval:
    if isinstance(value, Interval):
        return value
    if isinstance(value, str):
        for member in Interval:
            if member.value == value.strip():
                return member
    allowed = ", ".join(m.value for m in Interval)
    raise InvalidArgument(f"interval: {describe(value)} is not a kline interval; use one of {allowed}", "interval")


def client_order_id(value: object, *, new: bool = False, name: str = "client_order_id") -> str:
    """A client order id: text of 1-36 characters from ``[A-Za-z0-9_-]`` for a new order, also ``.:/`` for an
    existing one (Binance assigns those)."""
    pattern, allowed = (NEW_CLIENT_ID, "A-Z a-z 0-9 _ -") if new else (CLIENT_ID, "A-Z a-z 0-9 . : / _ -")
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidArgument(f"{name}: {describe(value)} is not a client order id; use 1 to 36 characters of "
                              f"{allowed}", name)
    return value


def order_request(sym: str, side: Side, quantity: object = None, price: object = None, *, type: object = None,
                  time_in_force: object = None, stop_price: object = None, quote_quantity: object = None,
                  cid: object = None, default_tif: TimeInForce = TimeInForce.GTC) -> OrderRequest:
    """Build a checked OrderRequest from ``buy``/``sell`` arguments. The type defaults to LIMIT with a price, else
    MARKET; the time in force to ``default_tif`` (the venue's: GTC, or DAY at a broker without GTC) for the types
    that have one."""
    otype = OrderType.LIMIT if type is None and price is not None else (
        OrderType.MARKET if type is None else choice(type, OrderType, "type"))
    fields: dict[str, Any] = dict(symbol=sym, side=side, type=otype, quantity=amount(quantity, "quantity"),
                                  price=amount(price, "price"), stop_price=amount(stop_price, "stop_price"),
                                  quote_quantity=amount(quote_quantity, "quote_quantity"),
                                  time_in_force=_tif(otype, time_in_force, default_tif))
    if cid is not None:
        fields["client_order_id"] = client_order_id(cid, new=True)
    request = OrderRequest(**fields)
    _check_shape(request)
    return request


def checked_request(request: object, instruments: Mapping[str, Instrument],
                    default_tif: TimeInForce = TimeInForce.GTC) -> OrderRequest:
    """Every field of a caller-built OrderRequest through the same parsers (so ``"0.001"`` works and ``"١"`` or a
    float does not); the symbol in the venue's spelling, the time in force defaulted to ``default_tif`` where the type
    needs one."""
    if not isinstance(request, OrderRequest):
        raise InvalidArgument(f"request: expected an OrderRequest, got {type(request).__name__}", "request")
    otype = choice(request.type, OrderType, "type")
    fields: dict[str, Any] = dict(
        symbol=symbol(request.symbol, instruments), side=choice(request.side, Side, "side"), type=otype,
        quantity=amount(request.quantity, "quantity"), price=amount(request.price, "price"),
        stop_price=amount(request.stop_price, "stop_price"), quote_quantity=amount(request.quote_quantity,
                                                                                   "quote_quantity"),
        time_in_force=_tif(otype, request.time_in_force, default_tif),
        client_order_id=client_order_id(request.client_order_id, new=True))
    # a request that needed no change is used as it is (the usual case: no second frozen copy per order); texts
    # compare by value (the venue's spelling of a symbol is another object), the rest by identity
    out = request if all(getattr(request, k) == v if type(v) is str else getattr(request, k) is v
                         for k, v in fields.items()) else dataclasses.replace(request, **fields)
    _check_shape(out)
    return out


def check_supported(request: OrderRequest, caps: Any, venue_title: str) -> None:
    """InvalidArgument when the order uses a time in force, an option or a venue parameter ``caps`` (the venue's
    Capabilities) does not declare: refused here, in words, before anything is journaled or sent."""
    tifs: frozenset[str] = getattr(caps, "time_in_force", frozenset())
    if request.time_in_force is not None and tifs and request.time_in_force.name not in tifs:
        raise InvalidArgument(f"time_in_force: {venue_title} does not take {request.time_in_force.name}; it takes "
                              f"{', '.join(sorted(tifs))}", "time_in_force")
    opts = request.options
    if opts.empty:
        return
    taken: frozenset[str] = getattr(caps, "order_options", frozenset())
    used = [f.name for f in dataclasses.fields(opts) if getattr(opts, f.name) not in (None, False, ())]
    missing = [n for n in used if n not in taken]
    if missing:
        raise InvalidArgument(f"options: {venue_title} does not take {', '.join(missing)} on an order",
                              f"options.{missing[0]}")
    allowed = getattr(caps, "order_params", {})
    for name, value in opts.params:
        if name not in allowed:
            raise InvalidArgument(f"options.params: {venue_title} has no order parameter {name!r}"
                                  + (f" (it takes {', '.join(sorted(allowed))})" if allowed else ""),
                                  f"options.params.{name}")
        if allowed[name] and value not in allowed[name]:
            raise InvalidArgument(f"options.params: {name} must be one of {', '.join(allowed[name])}, got {value!r}",
                                  f"options.params.{name}")
    if opts.expire_ms is not None and request.time_in_force is not TimeInForce.GTD:
        raise InvalidArgument("options.expire_ms: an expiry needs time_in_force GTD", "options.expire_ms")
    if opts.trail_amount is not None and opts.trail_percent is not None:
        raise InvalidArgument("options: give trail_amount or trail_percent, not both", "options.trail_amount")
    for name in ("trail_amount", "trail_percent"):
        value = getattr(opts, name)
        if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value <= 0):
            raise InvalidArgument(f"options.{name}: must be a positive Decimal, got {value!r}", f"options.{name}")


def _tif(otype: OrderType, value: object, default: TimeInForce = TimeInForce.GTC) -> TimeInForce | None:
    if value is None:
        return default if otype.has_tif else None
    return choice(value, TimeInForce, "time_in_force")


def _check_shape(request: OrderRequest) -> None:
    check_order_shape(request.type, request.quantity, request.price, request.stop_price, request.quote_quantity,
                      request.time_in_force)

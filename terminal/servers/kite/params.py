"""Form parameters of the order routes, parsed strictly: a missing or malformed value is an InputException naming
the parameter (Kite's wording: ``Invalid `quantity`.``, ``Missing `price`.``), never a 500."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from .envelope import input_error


MAX_QUANTITY = 1_000_000_000
MAX_PRICE = Decimal(1_000_000_000)


def integer(params: Mapping[str, str], name: str, default: int | None = None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        if default is None:
            raise input_error(f"Missing `{name}`.")
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise input_error(f"Invalid `{name}`.") from None
    if not 0 <= value <= MAX_QUANTITY:
        raise input_error(f"Invalid `{name}`.")
    return value


def price(params: Mapping[str, str], name: str) -> Decimal:
    raw = params.get(name)
    if raw is None or raw == "":
        return Decimal(0)
    return decimal(raw, name)


def decimal(raw: object, name: str) -> Decimal:
    """A finite, non-negative amount below ``MAX_PRICE`` (InputException otherwise)."""
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise input_error(f"Invalid `{name}`.") from None
    if not value.is_finite() or not 0 <= value <= MAX_PRICE:
        raise input_error(f"Invalid `{name}`.")
    return value


def choice(params: Mapping[str, str], name: str, allowed: tuple[str, ...] | dict[str, Any],
            default: str | None = None) -> str:
    value = str(params.get(name) or default or "")
    if value not in allowed:
        raise input_error(f"Invalid `{name}`." if value else f"Missing `{name}`.")
    return value

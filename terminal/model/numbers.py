"""Exact decimal numbers for prices, quantities and balances.

Money is ``Decimal`` built from strings, never from floats. Wire formatting never uses exponents.
"""
from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)

# Binance's accepted syntax for numeric parameters (error -1100 otherwise).
WIRE_NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")


class NumberError(ValueError):
    """A value that is not a finite, well-formed decimal."""


def to_decimal(value: object, *, name: str = "value", allow_negative: bool = False) -> Decimal:
    """Parse ``value`` into a finite Decimal.

    Accepts ``Decimal``, ``int`` and ``str``. Floats are refused: they are how money goes wrong.
    NaN and infinities are refused; negatives unless ``allow_negative``.
    """
    if isinstance(value, bool):
        raise NumberError(f"{name}: expected a number, got a boolean")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise NumberError(f"{name}: empty")
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise NumberError(f"{name}: {value!r} is not a number") from None
    elif isinstance(value, float):
        raise NumberError(f"{name}: pass a string or Decimal, not a float ({value!r})")
    else:
        raise NumberError(f"{name}: expected a number, got {type(value).__name__}")
    if not d.is_finite():
        raise NumberError(f"{name}: {value!r} is not finite")
    if d < 0 and not allow_negative:
        raise NumberError(f"{name}: {value!r} is negative")
    return d


def fmt(value: Decimal, places: int | None = None) -> str:
    """Format without exponent. With ``places``, pad/round (half-even) to that many decimals."""
    if places is not None:
        q = Decimal(1).scaleb(-places)
        value = value.quantize(q, rounding=ROUND_HALF_EVEN)
        return format(value, "f")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def fmt_wire(value: Decimal) -> str:
    """Format for a request parameter: plain digits, no exponent, no trailing zeros."""
    return fmt(value)


def decimals_of(step: Decimal) -> int:
    """Number of decimals a step/tick has: 0.01 -> 2, 1 -> 0, 0.00001000 -> 5."""
    if step == 0:
        return 8
    step = step.normalize()
    exp = step.as_tuple().exponent
    assert isinstance(exp, int)
    return max(0, -exp)


def snap(value: Decimal, step: Decimal, mode: str = "down") -> Decimal:
    """Snap ``value`` onto a multiple of ``step`` (0 means no step). mode: down, up, nearest."""
    if step == 0:
        return value
    rounding = {"down": ROUND_DOWN, "up": ROUND_UP, "nearest": ROUND_HALF_EVEN}[mode]
    units = (value / step).to_integral_value(rounding=rounding)
    return (units * step).quantize(step)


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return step == 0 or value % step == 0

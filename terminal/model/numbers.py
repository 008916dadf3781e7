"""Exact decimal numbers for prices, quantities and balances.

Money is ``Decimal`` built from strings, never from floats. Wire formatting never uses exponents.
"""
from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)

# Binance's accepted syntax for numeric parameters (error -1100 otherwise).
WIRE_NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")


#: Bounds on what the library accepts as an amount (the venue's own wire syntax allows 20 + 20 digits).
MAX_INTEGER_DIGITS = 20
MAX_DECIMAL_PLACES = 20
MAX_TEXT_LENGTH = 64
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
# ASCII only: an optional sign, digits 0-9 and at most one '.'. No exponent, underscore, inner space, NaN/Infinity:
# Python's Decimal() accepts "1_000", "1e3", "NaN", "1\u2003" (an em space) and any Unicode digit ("١" is 1); we do not.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class InvalidArgument(ValueError):
    """An argument the library refuses before anything is sent, journaled or subscribed.

    ``argument`` names the parameter (``"quantity"``, ``"symbol"``, ``"depth"``...) when it is known; the message says
    what was wrong and what is allowed. Every input refusal of the public API is one of these.
    """

    def __init__(self, message: str, argument: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.argument = argument


class NumberError(InvalidArgument):
    """A value that is not a finite, well-formed decimal."""


def describe(value: object, limit: int = 40) -> str:
    """A short ``repr`` for error messages (long input is cut, so a megabyte of junk makes a one-line message)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def to_decimal(value: object, *, name: str = "value", allow_negative: bool = False) -> Decimal:
    """Parse ``value`` into a finite Decimal, or raise NumberError naming ``name``.

    Accepts ``Decimal``, ``int`` and ``str``. Floats are refused: they are how money goes wrong. Text is plain ASCII
    decimal notation: optional sign, digits 0-9, at most one '.', surrounding ASCII blanks ignored; no exponent
    ("1e3"), underscore ("1_000"), inner or non-ASCII space, non-ASCII digit, NaN or Infinity. At most
    ``MAX_INTEGER_DIGITS`` digits before the point and ``MAX_DECIMAL_PLACES`` significant decimals, whatever the type.
    Negatives are refused unless ``allow_negative``; ``-0`` is returned as ``0``.
    """
    if isinstance(value, bool):
        raise NumberError(f"{name}: expected a number, got a boolean ({value!r})", name)
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        if abs(value) >= _LIMIT:
            raise NumberError(f"{name}: {describe(value)} is too large (at most {MAX_INTEGER_DIGITS} digits)", name)
        d = Decimal(value)
    elif isinstance(value, str):
        d = _parse_text(value, name)
    elif isinstance(value, float):
        raise NumberError(f"{name}: pass a string or Decimal, not a float ({value!r})", name)
    else:
        raise NumberError(f"{name}: expected a number (str, int or Decimal), got {type(value).__name__}", name)
    if not d.is_finite():
        raise NumberError(f"{name}: {describe(value)} is not finite", name)
    if d < 0 and not allow_negative:
        raise NumberError(f"{name}: {describe(value)} is negative", name)
    if d.copy_abs() >= _LIMIT:
        raise NumberError(f"{name}: {describe(value)} is too large (at most {MAX_INTEGER_DIGITS} digits before the "
                          "decimal point)", name)
    if decimal_places(d) > MAX_DECIMAL_PLACES:
        raise NumberError(f"{name}: {describe(value)} has more than {MAX_DECIMAL_PLACES} decimals", name)
    return d.copy_abs() if d.is_zero() else d


def _parse_text(value: str, name: str) -> Decimal:
    text = value.strip(" \t\r\n")
    if not text:
        raise NumberError(f"{name}: empty; expected a number such as '0.001'", name)
    if len(text) > MAX_TEXT_LENGTH:
        raise NumberError(f"{name}: {describe(value)} is too long for a number (at most {MAX_TEXT_LENGTH} "
                          "characters)", name)
    if not _PLAIN_NUMBER.fullmatch(text):
        raise NumberError(f"{name}: {describe(value)} is not a plain decimal number; use ASCII digits 0-9 with at "
                          "most one '.' (e.g. '0.001'), no exponent, underscore, space or other characters", name)
    return Decimal(text)


def decimal_places(value: Decimal) -> int:
    """Significant decimals of a finite Decimal, without the context rounding ``normalize()`` applies:
    ``1.2300`` -> 2, ``1E+3`` -> 0, ``1E-30`` -> 30."""
    sign, digits, exp = value.as_tuple()
    assert isinstance(exp, int)
    if exp >= 0 or not any(digits):
        return 0
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exp + trailing))


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

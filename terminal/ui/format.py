"""Text for the screen: prices and sizes at instrument precision, never through floats."""
from __future__ import annotations

import time
from decimal import Decimal

from ..model import Instrument, fmt

DASH = "—"


def price(instrument: Instrument | None, value: Decimal | None) -> str:
    if value is None:
        return DASH
    return instrument.format_price(value) if instrument else fmt(value)


def qty(instrument: Instrument | None, value: Decimal | None) -> str:
    if value is None:
        return DASH
    return instrument.format_qty(value) if instrument else fmt(value)


def amount(value: Decimal | None, places: int = 2) -> str:
    """A quote-currency amount with thousands separators (P&L, notional)."""
    if value is None:
        return DASH
    return f"{value.quantize(Decimal(1).scaleb(-places)):,}"


def signed(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return DASH
    text = amount(value, places)
    return text if value < 0 else "+" + text


def pct(value: Decimal | None) -> str:
    if value is None:
        return DASH
    q = value.quantize(Decimal("0.01"))
    return f"{'+' if q > 0 else ''}{q}%"


def compact(value: Decimal | None) -> str:
    """Large volumes: 1.23K, 4.56M, 7.89B."""
    if value is None:
        return DASH
    v = abs(value)
    for limit, suffix in ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K")):
        if v >= limit:
            return f"{(value / limit).quantize(Decimal('0.01'))}{suffix}"
    return f"{value.quantize(Decimal('0.01'))}"


def clock(ts_ms: int, with_ms: bool = False) -> str:
    if not ts_ms:
        return DASH
    t = time.localtime(ts_ms / 1000)
    text = time.strftime("%H:%M:%S", t)
    return f"{text}.{ts_ms % 1000:03d}" if with_ms else text


def datetime(ts_ms: int) -> str:
    if not ts_ms:
        return DASH
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts_ms / 1000))


def enum_label(value: object) -> str:
    name = getattr(value, "name", str(value))
    return name.replace("_", " ").title() if name not in ("GTC", "IOC", "FOK") else name

"""A static book for when the market simulator is not available: a maker account quotes levels around each
symbol's start price, so MARKET orders fill and depth and bookTicker are never empty."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

from terminal.model.enums import OrderType, Side, TimeInForce

MAKER_ACCOUNT = "sandbox-maker"
LEVELS = 20


def seed_books(engine: Any, specs: Iterable[Any]) -> None:
    specs = list(specs)
    funds: dict[str, Decimal] = {}
    for spec in specs:
        inst = spec.instrument
        funds[inst.base_asset] = Decimal("1e12")
        funds[inst.quote_asset] = Decimal("1e15")
    engine.add_account(MAKER_ACCOUNT, funds)
    for spec in specs:
        inst = spec.instrument
        gap = inst.snap_price(spec.start_price * Decimal("0.0002"), "up")
        qty = inst.snap_qty(spec.quote_size, "up")
        for i in range(1, LEVELS + 1):
            for side, price in ((Side.BUY, spec.start_price - gap * i), (Side.SELL, spec.start_price + gap * i)):
                engine.place(MAKER_ACCOUNT, inst.symbol, side, OrderType.LIMIT, quantity=qty * i,
                             price=inst.snap_price(price), time_in_force=TimeInForce.GTC)

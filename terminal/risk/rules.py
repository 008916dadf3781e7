"""Pure order-against-limit rules: sizes, price band, spread, worst-case position. No state, no clock.

Positions are signed base quantities. An order's *worst case* counts the working orders on its side as filled: a
BUY of ``q`` can leave the position at ``position + working buys + q``, a SELL at ``position - working sells - q``.
An order is *closing* when even that worst case only brings the position towards zero without crossing it; every
other order is *opening* (a halt refuses only those).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from ..model import ZERO, Instrument, Order, OrderRequest, OrderType, Side, fmt
from .draft import Market
from .errors import (NoReferencePrice, NotionalLimitExceeded, PositionLimitExceeded, PriceBandExceeded,
                     QuantityLimitExceeded, SpreadTooWide)
from .limits import PriceBand, SymbolLimits

HUNDRED = Decimal(100)
_STOP_LIMIT = frozenset({OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT})


def money(value: Decimal, places: int) -> str:
    """``91000`` -> ``91,000.00`` (thousands separated, ``places`` decimals)."""
    return format(value.quantize(Decimal(1).scaleb(-places)) if places >= 0 else value, f",.{max(places, 0)}f")


def pct(value: Decimal, limit: Decimal | None = None) -> str:
    """One decimal, more if needed to show a value above ``limit`` as above it (5.00001% against 5%)."""
    for places in range(1, 7):
        shown = value.quantize(Decimal(1).scaleb(-places))
        if limit is None or value <= limit or shown > limit:
            return format(shown, "f")
    return format(value, "f")


def order_qty(request: OrderRequest, instrument: Instrument, price: Decimal | None) -> Decimal | None:
    """The base quantity an order trades (a quote-quantity order: its amount at ``price``; None without one)."""
    if request.quantity is not None:
        return request.quantity
    if request.quote_quantity is None or not price:
        return None
    return request.quote_quantity / instrument.notional(price, Decimal(1))


def working_qty(orders: Iterable[Order], symbol: str, side: Side, exclude: str = "") -> Decimal:
    """The unfilled quantity of the working orders of ``symbol`` on ``side``."""
    return sum((o.remaining_qty for o in orders
                if o.symbol == symbol and o.side is side and o.is_open and o.client_order_id != exclude), ZERO)


def worst_position(side: Side, qty: Decimal, position: Decimal, working: Decimal) -> Decimal:
    return position + working + qty if side is Side.BUY else position - working - qty


def is_closing(side: Side, qty: Decimal | None, position: Decimal, working: Decimal) -> bool:
    if qty is None:
        return False
    after = worst_position(side, qty, position, working)
    if side is Side.BUY:
        return position < 0 and after <= 0
    return position > 0 and after >= 0


def check_size(request: OrderRequest, ins: Instrument, lim: SymbolLimits, qty: Decimal | None,
               notional: Decimal | None) -> None:
    """Maximum order quantity and value."""
    b, q = ins.base_asset, ins.quote_asset
    if lim.max_order_qty is not None and qty is not None and qty > lim.max_order_qty:
        raise QuantityLimitExceeded(
            f"order quantity {fmt(qty)} {b} is above your limit of {fmt(lim.max_order_qty)} {b} "
            f"(max order quantity, {ins.symbol})", limit="max_order_qty", value=qty, threshold=lim.max_order_qty,
            symbol=ins.symbol)
    if lim.max_order_notional is not None:
        if notional is None:
            raise NoReferencePrice(ins.symbol, "max order value")
        if notional > lim.max_order_notional:
            raise NotionalLimitExceeded(
                f"order value {money(notional, ins.price_decimals)} {q} is above your limit of "
                f"{fmt(lim.max_order_notional)} {q} (max order value, {ins.symbol})", limit="max_order_notional",
                value=notional, threshold=lim.max_order_notional, symbol=ins.symbol)


def check_band(request: OrderRequest, ins: Instrument, band: PriceBand, market: Market) -> None:
    """A limit price at most ``max_pct`` % / ``max_ticks`` ticks from the price it trades against (a stop-limit's
    limit: from its stop, where the market is when it triggers); a market order only under ``max_spread_pct``."""
    q = ins.quote_asset
    if request.type is OrderType.MARKET:
        if band.max_spread_pct is None:
            return
        if market.bid is None or market.ask is None or market.bid <= 0:
            raise NoReferencePrice(ins.symbol, "spread")
        mid = (market.bid + market.ask) / 2
        spread = (market.ask - market.bid) / mid * HUNDRED
        if spread > band.max_spread_pct:
            raise SpreadTooWide(
                f"the spread is {pct(spread, band.max_spread_pct)}% (bid {money(market.bid, ins.price_decimals)}, ask "
                f"{money(market.ask, ins.price_decimals)} {q}), wider than the {fmt(band.max_spread_pct)}% allowed "
                "for market orders", limit="band.max_spread_pct", value=spread, threshold=band.max_spread_pct,
                symbol=ins.symbol)
        return
    if request.price is None or (band.max_pct is None and band.max_ticks is None):
        return
    ref: Decimal | None
    if request.type in _STOP_LIMIT and request.stop_price is not None:
        ref, name = request.stop_price, "stop"
    else:
        ref, name = market.reference(request.side), market.reference_name(request.side)
    if ref is None or ref <= 0:
        raise NoReferencePrice(ins.symbol, "price band")
    price = request.price

    def said() -> tuple[str, str]:  # the message's texts, formatted only for an order that is refused
        where = "above" if price > ref else "below"
        return (f"price {money(price, ins.price_decimals)} {q}",
                f"{where} the {name} {money(ref, ins.price_decimals)} {q}")
    if band.max_pct is not None:
        distance = abs(price - ref) / ref * HUNDRED
        if distance > band.max_pct:
            order, against = said()
            raise PriceBandExceeded(f"{order} is {pct(distance, band.max_pct)}% {against}; the band is "
                                    f"{fmt(band.max_pct)}%", limit="band.max_pct", value=distance, threshold=band.max_pct, symbol=ins.symbol)
    if band.max_ticks is not None and ins.tick_size > 0:
        ticks = abs(price - ref) / ins.tick_size
        if ticks > band.max_ticks:
            order, against = said()
            raise PriceBandExceeded(f"{order} is {fmt(ticks.quantize(Decimal(1)))} ticks {against}; the band "
                                    f"is {band.max_ticks} ticks", limit="band.max_ticks", value=ticks,
                                    threshold=Decimal(band.max_ticks), symbol=ins.symbol)


def check_position(ins: Instrument, lim: SymbolLimits, side: Side, qty: Decimal | None, position: Decimal,
                   working: Decimal, price: Decimal | None) -> None:
    """The worst-case position against the maximum position quantity and value (only an order that moves it away
    from zero is refused)."""
    if lim.max_position_qty is None and lim.max_position_notional is None:
        return
    if qty is None:
        raise NoReferencePrice(ins.symbol, "max position")
    before = worst_position(side, ZERO, position, working)
    after = worst_position(side, qty, position, working)
    if abs(after) <= abs(before):
        return  # towards zero (or no further from it): always allowed
    b, q = ins.base_asset, ins.quote_asset

    def held() -> str:  # formatted only for an order that is refused
        return f"held {fmt(position)} {b}, working {side.name} orders {fmt(working)} {b}"
    if lim.max_position_qty is not None and abs(after) > lim.max_position_qty:
        raise PositionLimitExceeded(
            f"the position could reach {fmt(after)} {b} ({held()}), above your limit of {fmt(lim.max_position_qty)} "
            f"{b} (max position, {ins.symbol})", limit="max_position_qty", value=abs(after),
            threshold=lim.max_position_qty, symbol=ins.symbol)
    if lim.max_position_notional is not None:
        if price is None:
            raise NoReferencePrice(ins.symbol, "max position value")
        value = ins.notional(price, abs(after))
        if value > lim.max_position_notional:
            raise PositionLimitExceeded(
                f"the position could reach {money(value, ins.price_decimals)} {q} ({fmt(after)} {b}; {held()}), above "
                f"your limit of {fmt(lim.max_position_notional)} {q} (max position value, {ins.symbol})",
                limit="max_position_notional", value=value, threshold=lim.max_position_notional, symbol=ins.symbol)

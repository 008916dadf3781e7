"""The order as it would be sent, from what a person typed: one Qt-free rule for the order ticket, the pre-trade
checks and scripts (``from terminal.risk.draft import draft_order``).

Nothing is rewritten. A price off the tick or an amount off the lot step is an error naming the step and the two
nearest valid values (also in ``Draft.suggestions``, for a one-click fix); an amount under the minimum says the
minimum with its unit ("minimum is 0.00001 BTC"); a stop on the wrong side of the market is refused, naming the
market price. Every figure in a message carries its unit.

The order's value, fee estimate and what it spends from which balance come from ``valuation_price``,
``order_notional``, ``estimated_fee`` and ``balance_need``; ``RiskChecks`` uses the same functions, so the ticket
and a script see the same numbers. Spot fees are taken from what the order receives (Binance and the sandbox), so
the fee is shown as an estimate and never adds to what the order spends.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Mapping

from ..model import ZERO, Instrument, OrderRequest, OrderType, OrderValidationError, Side, TimeInForce, fmt, snap
from ..model.fees import FeeSchedule
from ..model.numbers import decimal_places, decimals_of, is_multiple

DEFAULT_FEE_RATE = Decimal("0.001")  # Binance spot's base rate; pass the account's own rate when it is known
PRICE, STOP, QUANTITY, GENERAL = "price", "stop_price", "quantity", ""
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # plain ASCII decimals: no sign, exponent, NaN
_MAX_TEXT = 40
_STOP_LOSS = frozenset({OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT})


@dataclass(frozen=True, slots=True)
class Market:
    """What the market is now: best bid and ask, last trade (any of them may be unknown)."""

    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None

    def reference(self, side: Side) -> Decimal | None:
        """The price an order of ``side`` trades against: the ask for a BUY, the bid for a SELL, else the last
        trade (the pre-trade checks' reference price)."""
        touch = self.ask if side is Side.BUY else self.bid
        return touch if touch is not None else self.last

    def reference_name(self, side: Side) -> str:
        touch = self.ask if side is Side.BUY else self.bid
        return ("ask" if side is Side.BUY else "bid") if touch is not None else "last"


@dataclass(frozen=True)
class Draft:
    """The request that would be sent (None while anything is wrong) and every number a ticket shows."""

    request: OrderRequest | None
    errors: dict[str, str]  # field ("price", "stop_price", "quantity", "" for the order) -> what to fix
    suggestions: dict[str, tuple[Decimal, ...]] = field(default_factory=dict)  # field -> valid values to take
    notional: Decimal | None = None  # value in the quote asset
    fee: Decimal | None = None  # estimate, valued in the quote asset
    spends: str = ""  # the asset the order uses up: the quote for a BUY, the base for a SELL
    need: Decimal | None = None  # how much of ``spends`` it uses
    available: Decimal | None = None  # free balance of ``spends`` (None: balances unknown)
    market_price: Decimal | None = None  # ``Market.reference(side)``
    market_name: str = ""  # "ask", "bid" or "last"
    distance_pct: Decimal | None = None  # order price (or stop) against ``market_price``, in %

    @property
    def ok(self) -> bool:
        return self.request is not None


# ---- the shared valuation rules (RiskChecks uses these) ------------------------------------------------------
def valuation_price(order_type: OrderType, price: Decimal | None, stop_price: Decimal | None,
                    reference: Decimal | None) -> Decimal | None:
    """The price an order is valued at: its limit price; a stop-market order its stop; a MARKET order the
    reference price (the ask for a BUY, the bid for a SELL)."""
    if order_type.has_price:
        return price
    if order_type.has_stop:
        return stop_price
    return reference


def order_notional(instrument: Instrument, quantity: Decimal | None, quote_quantity: Decimal | None,
                   price: Decimal | None) -> Decimal | None:
    """Value in the quote asset: ``price x quantity x multiplier``; a quote-quantity order is worth its amount."""
    if quantity is None:
        return quote_quantity
    return None if price is None else instrument.notional(price, quantity)


def estimated_fee(notional: Decimal | None, fee_rate: Decimal = DEFAULT_FEE_RATE) -> Decimal | None:
    return None if notional is None else notional * fee_rate


def balance_need(instrument: Instrument, side: Side, quantity: Decimal | None, quote_quantity: Decimal | None,
                 price: Decimal | None) -> tuple[str, Decimal | None]:
    """The asset an order spends and how much of it (None when it cannot be known without a price): a BUY spends
    its notional in the quote asset, a SELL its quantity of the base asset (for a quote amount, at ``price``)."""
    if side is Side.BUY:
        return instrument.quote_asset, order_notional(instrument, quantity, quote_quantity, price)
    if quantity is not None:
        return instrument.base_asset, quantity
    if quote_quantity is None or not price:
        return instrument.base_asset, None
    return instrument.base_asset, quote_quantity / instrument.notional(price, Decimal(1))


def stop_side_error(instrument: Instrument, side: Side, order_type: OrderType, stop_price: Decimal,
                    market: Market) -> str | None:
    """Why a stop would trigger at once, or None. A stop-loss BUY (and a take-profit SELL) fires when the market
    rises to it, so it must be above the market; a stop-loss SELL and a take-profit BUY below it. The market is
    the last trade and the price on the order's side (ask for a BUY, bid for a SELL), whichever binds."""
    known = [(n, p) for n, p in (("last", market.last), (market.reference_name(side), market.reference(side)))
             if p is not None]
    if not known or not order_type.has_stop:
        return None
    rising = (order_type in _STOP_LOSS) == (side is Side.BUY)
    name, px = max(known, key=lambda x: x[1]) if rising else min(known, key=lambda x: x[1])
    if (stop_price > px) if rising else (stop_price < px):
        return None
    kind = "stop" if order_type in _STOP_LOSS else "take-profit"
    where = "above" if rising else "below"
    q = instrument.quote_asset
    return f"a {side.name} {kind} must be {where} the market ({name} {instrument.format_price(px)} {q})"


# ---- parsing and field checks --------------------------------------------------------------------------------
def parse_number(text: str) -> Decimal | None:
    """What was typed -> Decimal (thousands separators allowed), None when blank; ValueError saying what is wrong."""
    t = text.strip().replace(",", "")
    if not t:
        return None
    shown = text.strip() if len(text.strip()) <= _MAX_TEXT else text.strip()[:_MAX_TEXT] + "…"
    if len(t) > _MAX_TEXT:
        raise ValueError(f"{shown!r} is too long for a number")
    if t[0] in "+-" and _NUMBER.fullmatch(t[1:]):
        if t[0] == "-" and Decimal(t[1:]) != 0:
            raise ValueError(f"{shown} is negative: enter a positive number")
        t = t[1:]
    if not _NUMBER.fullmatch(t):
        raise ValueError(f"{shown!r} is not a number")
    return Decimal(t)


def _places(step: Decimal) -> int:
    return decimals_of(step) if step else 8


def _nearest(value: Decimal, step: Decimal, low: Decimal, high: Decimal) -> tuple[Decimal, ...]:
    """The valid neighbours of ``value`` on ``step`` within [low, high] (0 = no bound), lower first."""
    out: list[Decimal] = []
    for v in (snap(value, step, "down"), snap(value, step, "up")):
        if v > 0 and (not low or v >= low) and (not high or v <= high) and v not in out:
            out.append(v)
    return tuple(out)


def _money(value: Decimal) -> str:
    """An amount of an asset: exact up to 8 places, at least 2 (a need is never rounded to look affordable)."""
    return fmt(value, min(8, max(2, decimal_places(value))))


Problem = tuple[str, tuple[Decimal, ...]]  # message, valid values to offer


def check_price(instrument: Instrument, value: Decimal) -> Problem | None:
    """A price (or stop price) against PRICE_FILTER: positive, within bounds, on the tick."""
    q, tick = instrument.quote_asset, instrument.tick_size
    lo, hi = instrument.min_price, instrument.max_price
    if value <= 0:
        return "must be greater than zero", ()
    if lo and value < lo:
        return f"too low: minimum is {fmt(lo)} {q}", (lo,)
    if hi and value > hi:
        return f"too high: maximum is {fmt(hi)} {q}", (hi,)
    if tick and not is_multiple(value, tick):
        options = _nearest(value, tick, lo, hi)
        return f"off the {fmt(tick)} {q} tick: {' or '.join(fmt(o, _places(tick)) for o in options)}", options
    return None


def lot(instrument: Instrument, market: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(step, minimum, maximum) of a quantity: the MARKET_LOT_SIZE values for market orders where the venue has
    them."""
    i = instrument
    if market:
        return (i.market_step_size if i.market_step_size is not None else i.step_size,
                i.market_min_qty if i.market_min_qty is not None else i.min_qty,
                i.market_max_qty if i.market_max_qty is not None else i.max_qty)
    return i.step_size, i.min_qty, i.max_qty


def check_quantity(instrument: Instrument, qty: Decimal, market: bool = False) -> Problem | None:
    """A base quantity against LOT_SIZE (MARKET_LOT_SIZE): positive, within bounds, on the lot step."""
    b = instrument.base_asset
    step, lo, hi = lot(instrument, market)
    if qty <= 0:
        return ("must be greater than zero" + (f": minimum is {fmt(lo)} {b}" if lo else ""), (lo,) if lo else ())
    if lo and qty < lo:
        return f"too small: minimum is {fmt(lo)} {b}", (lo,)
    if hi and qty > hi:
        return f"too large: maximum is {fmt(hi)} {b}", (hi,)
    if step and not is_multiple(qty, step):
        options = _nearest(qty, step, lo, hi)
        return f"off the {fmt(step)} {b} step: {' or '.join(fmt(o, _places(step)) for o in options)}", options
    return None


def check_notional(instrument: Instrument, qty: Decimal, price: Decimal, market: bool = False) -> Problem | None:
    """The order value against MIN_NOTIONAL/NOTIONAL, offering the smallest (largest) amount that fits."""
    i, q = instrument, instrument.quote_asset
    value = i.notional(price, qty)
    unit = i.notional(price, Decimal(1))
    step, lo, hi = lot(i, market)
    if (not market or i.apply_min_to_market) and i.min_notional and value < i.min_notional:
        fit = max(snap(i.min_notional / unit, step, "up"), lo)
        offer = (fit,) if not hi or fit <= hi else ()  # the smallest amount that reaches it
        return f"order value {_money(value)} {q} is below the minimum {fmt(i.min_notional)} {q}", offer
    if (not market or i.apply_max_to_market) and i.max_notional and value > i.max_notional:
        fit = snap(i.max_notional / unit, step, "down")
        offer = (fit,) if fit > 0 and fit >= lo else ()  # the largest amount that fits
        return f"order value {_money(value)} {q} is above the maximum {fmt(i.max_notional)} {q}", offer
    return None


def check_quote_quantity(instrument: Instrument, amount: Decimal) -> Problem | None:
    """A MARKET order's amount in the quote asset: positive, at most the quote precision, at least the minimum
    order value where it applies to market orders."""
    i, q = instrument, instrument.quote_asset
    step = Decimal(1).scaleb(-i.quote_precision)
    if amount <= 0:
        return "must be greater than zero", ()
    if not i.quote_order_qty_market_allowed:
        return f"{i.symbol} takes market orders in {i.base_asset} only: switch the amount to {i.base_asset}", ()
    if not is_multiple(amount, step):
        options = _nearest(amount, step, ZERO, ZERO)
        nearest = " or ".join(fmt(o, i.quote_precision) for o in options)
        return f"more than {i.quote_precision} decimals of {q}: {nearest}", options
    if i.apply_min_to_market and i.min_notional and amount < i.min_notional:
        return f"too small: minimum is {fmt(i.min_notional)} {q}", (i.min_notional,)
    return None


def _convert(ins: Instrument, amount: Decimal, px: Decimal, fail: Callable[[str, Problem], bool]) -> Decimal | None:
    """A quote amount -> the base quantity it buys at ``px`` (rounded down onto the lot step: the request shows the
    result). Problems are told, and fixes offered, in the quote asset: the field's own unit."""
    q, b = ins.quote_asset, ins.base_asset
    step, lo, _ = lot(ins, False)
    if amount <= 0:
        fail(QUANTITY, ("must be greater than zero", ()))
        return None
    converted = snap(amount / ins.notional(px, Decimal(1)), step, "down")
    if converted <= 0 or (lo and converted < lo):
        least = max(lo, step)
        worth = ins.notional(px, least)
        fail(QUANTITY, (f"buys less than {fmt(least)} {b}: minimum is {fmt(worth)} {q}", (worth,)))
        return None
    problem = check_quantity(ins, converted) or check_notional(ins, converted, px)
    if problem is not None:
        fail(QUANTITY, (f"buys {fmt(converted)} {b}: {problem[0]}",
                        tuple(ins.notional(px, o) for o in problem[1])))
        return None
    return converted


# ---- the draft ------------------------------------------------------------------------------------------------
def draft_order(instrument: Instrument, side: Side, order_type: OrderType, qty_text: str, price_text: str = "",
                stop_text: str = "", quote_price: Market | Decimal | None = None,
                balances: Mapping[str, Decimal] | None = None, fee_rate: Decimal = DEFAULT_FEE_RATE, *,
                qty_in_quote: bool = False, time_in_force: TimeInForce | None = TimeInForce.GTC,
                fees: FeeSchedule | None = None) -> Draft:
    """The order a ticket describes. ``qty_text`` is in the base asset, or in the quote asset with
    ``qty_in_quote`` (a MARKET order then sends a quote quantity; other types convert at their price, rounding
    down, and the request shows the result). ``quote_price`` is the market (a Decimal: the last price).
    ``balances`` maps assets to free amounts (None: unknown, not checked). Fields the type does not take are
    ignored. The fee estimate follows the venue's ``fees`` schedule when given (per share, minimums, caps), else
    ``fee_rate`` of the notional."""
    ins = instrument
    market = quote_price if isinstance(quote_price, Market) else Market(last=quote_price)
    errors: dict[str, str] = {}
    suggestions: dict[str, tuple[Decimal, ...]] = {}

    def fail(name: str, problem: Problem | None) -> bool:
        if problem is None:
            return False
        if name not in errors:
            errors[name] = problem[0]
            if problem[1]:
                suggestions[name] = problem[1]
        return True

    def read(name: str, text: str, required: str) -> Decimal | None:
        try:
            value = parse_number(text)
        except ValueError as exc:
            fail(name, (str(exc), ()))
            return None
        if value is None:
            fail(name, (required, ()))
        return value

    price = stop = None
    if order_type.has_price:
        price = read(PRICE, price_text, "a price is required")
        if price is not None and fail(PRICE, check_price(ins, price)):
            price = None
    if order_type.has_stop:
        stop = read(STOP, stop_text, "a stop price is required")
        if stop is not None and fail(STOP, check_price(ins, stop)):
            stop = None
    reference = market.reference(side)
    px = valuation_price(order_type, price, stop, reference)
    is_market = order_type is OrderType.MARKET
    amount = read(QUANTITY, qty_text, "enter an amount")
    qty = quote_qty = None
    if amount is not None and qty_in_quote and is_market:
        if not fail(QUANTITY, check_quote_quantity(ins, amount)):
            quote_qty = amount
    elif amount is not None and qty_in_quote:
        if px is None:
            if not errors.get(PRICE) and not errors.get(STOP):
                fail(PRICE if order_type.has_price else STOP, ("enter a price to convert the amount", ()))
        else:
            qty = _convert(ins, amount, px, fail)
    elif amount is not None:
        problem = check_quantity(ins, amount, is_market) or (
            check_notional(ins, amount, px, is_market) if px is not None else None)
        if not fail(QUANTITY, problem):
            qty = amount
    if stop is not None:
        wrong = stop_side_error(ins, side, order_type, stop, market)
        if wrong is not None:
            fail(STOP, (wrong, ()))
    notional = order_notional(ins, qty if qty is not None else (amount if not qty_in_quote else None),
                              quote_qty, px)
    spends, need = balance_need(ins, side, qty, quote_qty, px)
    available = None if balances is None else balances.get(spends, ZERO)
    request = None
    if not errors:
        request = OrderRequest(symbol=ins.symbol, side=side, type=order_type, quantity=qty, price=price,
                               stop_price=stop, quote_quantity=quote_qty,
                               time_in_force=(time_in_force or TimeInForce.GTC) if order_type.has_tif else None)
        try:  # the instrument's own filters, as the pre-trade checks apply them
            ins.validate_order(side, order_type, qty, price, stop, quote_qty, reference_price=reference)
        except OrderValidationError as exc:
            name = exc.field if exc.field in (PRICE, STOP, QUANTITY) else (
                QUANTITY if exc.filter in ("LOT_SIZE", "MARKET_LOT_SIZE", "NOTIONAL", "QUANTITY") else GENERAL)
            fail(name, (exc.message, ()))
        if not errors and available is not None and need is not None and need > available:
            shown = (lambda v: f"{_money(v)} {spends}") if side is Side.BUY else (
                lambda v: f"{fmt(v, max(ins.qty_decimals, decimal_places(v)))} {spends}")
            fail(QUANTITY, (f"insufficient {spends}: need {shown(need)}, available {shown(available)}", ()))
        if errors:
            request = None
    distance = None
    shown_px = price if order_type.has_price else stop
    if shown_px is not None and reference:
        distance = (shown_px - reference) / reference * 100
    fee = estimated_fee(notional, fee_rate)
    if fees is not None and notional is not None:
        units = qty if qty is not None else (amount if not qty_in_quote else (
            quote_qty / px if quote_qty is not None and px else None))
        fee = fees.estimate(ins, units, px) if units is not None and px is not None else None
    return Draft(request, errors, suggestions, notional, fee, spends, need, available,
                 reference, market.reference_name(side) if reference is not None else "", distance)

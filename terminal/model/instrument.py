"""Instruments and their trading filters (from the venue's exchangeInfo), for every asset class.

An instrument belongs to one venue (the registry name of the adapter that lists it) and is known across venues by its
qualified id ``f"{symbol}@{venue or exchange}"``: ``BTCUSDT@binance``, ``AAPL@paper``; an instrument without a venue
(built by hand) falls back to its exchange (``INFY@NSE``), and with neither it is its bare symbol.
``parse_qualified_id`` splits such an id again. Money is Decimal: the value of ``qty`` at ``price`` is
``price * qty * multiplier`` (``notional``), in ``currency`` (the quote asset).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .enums import AssetClass, OptionRight, OrderType, Side, TimeInForce
from .hours import TradingHours
from .numbers import ZERO, InvalidArgument, decimals_of, fmt, is_multiple, snap, to_decimal


class OrderValidationError(InvalidArgument):
    """An order that does not fit an instrument's filters; ``filter`` names the violated one, ``field`` (also
    ``argument``) the order field to fix."""

    def __init__(self, filter_name: str, message: str, field_name: str | None = None) -> None:
        super().__init__(message, field_name)
        self.filter = filter_name
        self.field = field_name


def check_order_shape(order_type: OrderType, quantity: Decimal | None = None, price: Decimal | None = None,
                      stop_price: Decimal | None = None, quote_quantity: Decimal | None = None,
                      time_in_force: TimeInForce | None = None) -> None:
    """Refuse a field the order type does not use (the venue would reject the request): a price on a MARKET or
    STOP_LOSS order, a stop price on a LIMIT, a quote quantity on anything but a MARKET order or together with a
    quantity, a time in force on a type that has none. Missing required fields are ``validate_order``'s job."""
    name = order_type.name
    if price is not None and not order_type.has_price:
        raise OrderValidationError("PARAMETERS", f"price: {name} orders take no price "
                                   f"(priced types: {_names(t for t in OrderType if t.has_price)})", "price")
    if stop_price is not None and not order_type.has_stop:
        raise OrderValidationError("PARAMETERS", f"stop_price: {name} orders take no stop price "
                                   f"(stop types: {_names(t for t in OrderType if t.has_stop)})", "stop_price")
    if quote_quantity is not None:
        if order_type is not OrderType.MARKET:
            raise OrderValidationError("PARAMETERS", f"quote_quantity: only MARKET orders take a quote quantity, not "
                                       f"{name}; give a quantity instead", "quote_quantity")
        if quantity is not None:
            raise OrderValidationError("PARAMETERS", "quote_quantity: give a quantity or a quote quantity, not both",
                                       "quote_quantity")
    if time_in_force is not None and not order_type.has_tif:
        raise OrderValidationError("PARAMETERS", f"time_in_force: {name} orders take no time in force "
                                   f"(types with one: {_names(t for t in OrderType if t.has_tif)})", "time_in_force")


def _names(members: object) -> str:
    return ", ".join(m.name for m in members)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: str
    base_asset: str
    quote_asset: str
    tick_size: Decimal = Decimal("0.01")
    min_price: Decimal = ZERO
    max_price: Decimal = ZERO
    step_size: Decimal = Decimal("0.00001")
    min_qty: Decimal = ZERO
    max_qty: Decimal = ZERO
    market_step_size: Decimal | None = None
    market_min_qty: Decimal | None = None
    market_max_qty: Decimal | None = None
    min_notional: Decimal = ZERO
    max_notional: Decimal = ZERO
    apply_min_to_market: bool = True
    apply_max_to_market: bool = False
    base_precision: int = 8
    quote_precision: int = 8
    status: str = "TRADING"
    order_types: frozenset[OrderType] = field(default_factory=lambda: frozenset(OrderType))
    quote_order_qty_market_allowed: bool = True
    # -- multi-asset: where it trades, what it is, its contract terms and hours
    venue: str = ""  # registry name of the adapter that lists it ("binance", "paper")
    asset_class: AssetClass = AssetClass.CRYPTO_SPOT
    exchange: str = ""  # listing exchange or routing destination ("NASDAQ", "NSE", "SMART")
    segment: str = ""  # the exchange's segment where it has them ("NFO", "CDS"); "" otherwise
    multiplier: Decimal = Decimal(1)  # contract size: notional = price * qty * multiplier
    expiry: date | None = None  # futures and options
    strike: Decimal | None = None  # options
    right: OptionRight | None = None  # options
    hours: TradingHours | None = None  # None: always open (crypto)
    #: what the user reads in a search result or a title ("Apple Inc", "E-mini S&P 500"); see ``title``
    description: str = ""
    #: the venue's own id for it where it has one (IB conId, Kite instrument_token), as text
    venue_id: str = ""

    def __post_init__(self) -> None:
        if not (self.multiplier.is_finite() and self.multiplier > 0):
            raise ValueError(f"{self.symbol}: multiplier must be a positive number, got {self.multiplier}")
        if self.asset_class in (AssetClass.FUTURE, AssetClass.OPTION) and self.expiry is None:
            raise ValueError(f"{self.symbol}: a {self.asset_class.value} needs an expiry")
        if self.asset_class is AssetClass.OPTION and (self.strike is None or self.right is None):
            raise ValueError(f"{self.symbol}: an option needs a strike and a right (call or put)")

    @property
    def qualified_id(self) -> str:
        """``symbol@venue`` (else ``symbol@exchange``, else the symbol): unique across the venues of a workspace."""
        where = self.venue or self.exchange
        return f"{self.symbol}@{where}" if where else self.symbol

    @property
    def title(self) -> str:
        """A one-line name for lists and searches: "ES Dec26 CME future", "NIFTY 24 DEC 24000 CE (NFO option)",
        "AAPL Apple Inc (NASDAQ)", "BTCUSDT"."""
        where = self.exchange or self.venue
        if self.asset_class in (AssetClass.FUTURE, AssetClass.OPTION) and self.expiry is not None:
            root = self.base_asset or self.symbol
            month = self.expiry.strftime("%b%y")
            if self.asset_class is AssetClass.FUTURE:
                return f"{root} {month} {where} future".replace("  ", " ").strip()
            right = self.right.name.lower() if self.right is not None else ""
            strike = format(self.strike.normalize(), "f") if self.strike is not None else ""
            return f"{root} {month} {strike} {right} {where} option".replace("  ", " ").strip()
        text = self.symbol
        if self.description and self.description.upper() != self.symbol.upper():
            text += f" {self.description}"
        if where and self.asset_class is not AssetClass.CRYPTO_SPOT:
            text += f" ({where})"
        return text

    @property
    def currency(self) -> str:
        """The currency prices, notionals and P&L are in (the quote asset)."""
        return self.quote_asset

    @property
    def lot_size(self) -> Decimal:
        """The quantity increment (Binance's LOT_SIZE step; a derivative's lot)."""
        return self.step_size

    def notional(self, price: Decimal, qty: Decimal) -> Decimal:
        """The value of ``qty`` at ``price`` in ``currency``: ``price * qty * multiplier``."""
        return price * qty * self.multiplier

    def is_open(self, ts_ms: int) -> bool:
        """True if the regular session runs at ``ts_ms`` (always, for an instrument without hours)."""
        return self.hours is None or self.hours.is_open(ts_ms)

    @property
    def price_decimals(self) -> int:
        return decimals_of(self.tick_size)

    @property
    def qty_decimals(self) -> int:
        return decimals_of(self.step_size)

    def snap_price(self, price: Decimal | int | str, mode: str = "nearest") -> Decimal:
        """``price`` on the tick (a Decimal, int or text such as "101.237"; floats are refused)."""
        if not isinstance(price, Decimal):
            price = to_decimal(price, name="price")
        return snap(price, self.tick_size, mode)

    def snap_qty(self, qty: Decimal | int | str, mode: str = "down", *, market: bool = False) -> Decimal:
        """``qty`` on the lot step (a Decimal, int or text; floats are refused)."""
        if not isinstance(qty, Decimal):
            qty = to_decimal(qty, name="quantity")
        step = self.market_step_size if (market and self.market_step_size) else self.step_size
        return snap(qty, step, mode)

    def format_price(self, price: Decimal) -> str:
        return fmt(price, self.price_decimals)

    def format_qty(self, qty: Decimal) -> str:
        return fmt(qty, self.qty_decimals)

    def validate_order(
        self,
        side: Side,
        order_type: OrderType,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
        quote_quantity: Decimal | None = None,
        reference_price: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
    ) -> None:
        """Raise ``OrderValidationError`` naming the violated filter, or return None.

        ``reference_price`` is used for a MARKET order's notional (the last or average price).
        Nothing is rewritten: a value off its tick or step is an error, the caller snaps first.
        A field the order type does not take is refused (``check_order_shape``).
        """
        check_order_shape(order_type, quantity, price, stop_price, quote_quantity, time_in_force)
        if self.status != "TRADING":
            raise OrderValidationError("STATUS", f"{self.symbol} is not trading (status {self.status})")
        if order_type not in self.order_types:
            raise OrderValidationError("ORDER_TYPE", f"{order_type.name} orders are not allowed on {self.symbol}")
        if order_type.has_price:
            if price is None:
                raise OrderValidationError("PRICE_FILTER", "a price is required for this order type", "price")
            self._check_price(price, "price")
        if order_type.has_stop:
            if stop_price is None:
                raise OrderValidationError("PRICE_FILTER", "a stop price is required for this order type", "stop_price")
            self._check_price(stop_price, "stop_price")
        if order_type is OrderType.MARKET and quantity is None:
            if quote_quantity is None or quote_quantity <= 0:
                raise OrderValidationError("QUANTITY", "a quantity or a quote quantity is required", "quantity")
            if not self.quote_order_qty_market_allowed:
                raise OrderValidationError("QUANTITY", f"{self.symbol} does not accept quote quantities", "quantity")
            if self.apply_min_to_market and self.min_notional and quote_quantity < self.min_notional:
                raise OrderValidationError(
                    "NOTIONAL", f"order value {fmt(quote_quantity)} is below the minimum {fmt(self.min_notional)} {self.quote_asset}", "quantity")
            return
        if quantity is None or quantity <= 0:
            raise OrderValidationError("LOT_SIZE", "quantity must be greater than zero", "quantity")
        market = order_type is OrderType.MARKET
        step = self.market_step_size if (market and self.market_step_size is not None) else self.step_size
        min_q = self.market_min_qty if (market and self.market_min_qty is not None) else self.min_qty
        max_q = self.market_max_qty if (market and self.market_max_qty is not None) else self.max_qty
        filt = "MARKET_LOT_SIZE" if market and self.market_step_size is not None else "LOT_SIZE"
        if min_q and quantity < min_q:
            raise OrderValidationError(filt, f"quantity {fmt(quantity)} is below the minimum {fmt(min_q)} {self.base_asset}", "quantity")
        if max_q and quantity > max_q:
            raise OrderValidationError(filt, f"quantity {fmt(quantity)} is above the maximum {fmt(max_q)} {self.base_asset}", "quantity")
        if not is_multiple(quantity, step):
            raise OrderValidationError(
                filt, f"quantity {fmt(quantity)} is not a multiple of the step size {fmt(step)} "
                f"(nearest valid: {fmt(snap(quantity, step, 'down'))})", "quantity")
        px = price if order_type.has_price else (reference_price if market else (price or stop_price))
        if px is None:
            return
        notional = self.notional(px, quantity)
        if (not market or self.apply_min_to_market) and self.min_notional and notional < self.min_notional:
            raise OrderValidationError(
                "NOTIONAL", f"order value {fmt(notional)} {self.quote_asset} is below the minimum {fmt(self.min_notional)}", "quantity")
        if (not market or self.apply_max_to_market) and self.max_notional and notional > self.max_notional:
            raise OrderValidationError(
                "NOTIONAL", f"order value {fmt(notional)} {self.quote_asset} is above the maximum {fmt(self.max_notional)}", "quantity")

    def _check_price(self, price: Decimal, field_name: str) -> None:
        label = field_name.replace("_", " ")
        if price <= 0:
            raise OrderValidationError("PRICE_FILTER", f"{label} must be greater than zero", field_name)
        if self.min_price and price < self.min_price:
            raise OrderValidationError("PRICE_FILTER", f"{label} {fmt(price)} is below the minimum {fmt(self.min_price)}", field_name)
        if self.max_price and price > self.max_price:
            raise OrderValidationError("PRICE_FILTER", f"{label} {fmt(price)} is above the maximum {fmt(self.max_price)}", field_name)
        if not is_multiple(price, self.tick_size):
            raise OrderValidationError(
                "PRICE_FILTER", f"{label} {fmt(price)} is not a multiple of the tick size {fmt(self.tick_size)} "
                f"(nearest valid: {fmt(snap(price, self.tick_size, 'nearest'))})", field_name)


def parse_qualified_id(text: str) -> tuple[str, str | None]:
    """``"AAPL@paper"`` -> ``("AAPL", "paper")``; ``"BTCUSDT"`` -> ``("BTCUSDT", None)``."""
    symbol, sep, where = text.strip().rpartition("@")
    if not sep:
        return where, None
    if not symbol or not where:
        raise ValueError(f"not a qualified instrument id: {text!r} (expected SYMBOL@VENUE)")
    return symbol, where

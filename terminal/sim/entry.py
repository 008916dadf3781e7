"""Order entry checks before anything changes: parameters, filters, the balance to lock, would-match/trigger."""
from __future__ import annotations

from decimal import Decimal

from terminal.model.enums import OrderType, Side, TimeInForce
from terminal.model.instrument import Instrument, OrderValidationError
from terminal.model.numbers import ZERO, NumberError, to_decimal

from .matching import SymbolBook, WorkingOrder
from .reports import EngineReject, RejectReason
from .stops import would_trigger

#: validate_order "filters" that are not Binance filters: they become INVALID with this wording.
_NOT_FILTERS = {
    "STATUS": "Market is closed.",
    "ORDER_TYPE": "Unsupported order combination",
    "QUANTITY": "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
}


def _mandatory(name: str) -> EngineReject:
    return EngineReject(RejectReason.INVALID, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


# tuples, not sets: membership is then an identity check (an Enum's __hash__ is a Python call)
_PRICED = tuple(t for t in OrderType if t.has_price)
_STOPPED = tuple(t for t in OrderType if t.has_stop)
_TIMED = tuple(t for t in OrderType if t.has_tif)


def _num(value: object, name: str) -> Decimal | None:
    if value is None:
        return None
    if type(value) is Decimal and value.is_finite() and value >= 0:
        return value
    try:
        return to_decimal(value, name=name)
    except NumberError:
        raise EngineReject(RejectReason.INVALID, f"Illegal characters found in parameter '{name}'.") from None


class Request:
    """A checked order request (amounts parsed, time in force defaulted). Internal, so a plain slots class.
    ``stop_price`` is None only for a trailing stop that starts tracking at once."""

    __slots__ = ("side", "type", "quantity", "quote_quantity", "price", "stop_price", "time_in_force",
                 "trailing_delta")

    def __init__(self, side: Side, type: OrderType, quantity: Decimal | None, quote_quantity: Decimal | None,
                 price: Decimal | None, stop_price: Decimal | None, time_in_force: TimeInForce | None,
                 trailing_delta: int | None = None) -> None:
        self.side = side
        self.type = type
        self.quantity = quantity
        self.quote_quantity = quote_quantity
        self.price = price
        self.stop_price = stop_price
        self.time_in_force = time_in_force
        self.trailing_delta = trailing_delta

    def check_matching(self, book: SymbolBook, last_price: Decimal | None) -> None:
        """WOULD_TRIGGER for a stop the last price already reached; WOULD_MATCH for a LIMIT_MAKER that would take."""
        if self.type in _STOPPED:
            if self.stop_price is not None and would_trigger(self.type, self.side, self.stop_price, last_price):
                raise EngineReject(RejectReason.WOULD_TRIGGER)
        elif self.type is OrderType.LIMIT_MAKER:
            assert self.price is not None
            if book.crosses(self.side is Side.BUY, self.price):
                raise EngineReject(RejectReason.WOULD_MATCH)

    def order(self, order_id: int, client_order_id: str, account_id: str, symbol: str, now: int) -> WorkingOrder:
        order = WorkingOrder(order_id, client_order_id, account_id, symbol, self.side, self.type, self.time_in_force,
                             self.price or ZERO, self.stop_price or ZERO, self.quantity or ZERO,
                             self.quote_quantity or ZERO, now)
        if self.trailing_delta:
            order.trailing_delta = self.trailing_delta
        return order


def _delta(value: object) -> int | None:
    """A trailing delta: a whole number of basis points, 1 to 9999."""
    if value is None:
        return None
    try:
        delta = int(str(value))
    except ValueError:
        raise EngineReject(RejectReason.INVALID, "Illegal characters found in parameter 'trailingDelta'.") from None
    if not 0 < delta < 10_000 or str(delta) != str(value).strip():
        raise EngineReject(RejectReason.INVALID, "Invalid trailingDelta: a whole number of basis points, 1 to 9999.")
    return delta


def check_request(inst: Instrument, book: SymbolBook, last_price: Decimal | None, side: Side, type: OrderType,
                  quantity: object, quote_quantity: object, price: object, stop_price: object,
                  time_in_force: TimeInForce | None, trailing_delta: object = None) -> Request:
    """Parse and validate against the instrument's filters (INVALID / FILTER rejects). A trailing stop may come
    without a stop price (it then trails from the last price, which must exist)."""
    qty = _num(quantity, "quantity")
    quote = _num(quote_quantity, "quoteOrderQty")
    px = _num(price, "price")
    stop = _num(stop_price, "stopPrice")
    if type is OrderType.MARKET:
        if qty is not None and quote is not None:
            raise EngineReject(RejectReason.INVALID, "Parameter 'quantity' and 'quoteOrderQty' cannot be sent together.")
    else:
        if quote is not None:
            raise EngineReject(RejectReason.INVALID, "Parameter 'quoteOrderQty' sent when not required.")
        if qty is None:
            raise _mandatory("quantity")
    if type in _PRICED:
        if px is None:
            raise _mandatory("price")
    else:
        px = None
    delta = _delta(trailing_delta)
    checked_stop = stop
    if type in _STOPPED:
        if stop is None:
            if delta is None or last_price is None:
                raise _mandatory("stopPrice")
            checked_stop = last_price   # filters apply to where it trails from
    else:
        stop = checked_stop = None
        if delta is not None:
            raise EngineReject(RejectReason.INVALID, "Parameter 'trailingDelta' sent when not required.")
    tif = (time_in_force or TimeInForce.GTC) if type in _TIMED else None
    try:
        inst.validate_order(side, type, qty, px, checked_stop, quote, reference_price=last_price)
    except OrderValidationError as e:
        if e.filter in _NOT_FILTERS:
            raise EngineReject(RejectReason.INVALID, _NOT_FILTERS[e.filter], filter=e.filter) from None
        raise EngineReject(RejectReason.FILTER, filter=e.filter) from None
    return Request(side, type, qty, quote, px, stop, tif, delta)


def lock_for(inst: Instrument, book: SymbolBook, req: Request, last_price: Decimal | None = None) -> tuple[str, Decimal]:
    """(asset, amount) the order must lock when it is accepted (a stop-market BUY: an estimate at its stop price,
    or at the last price for a trailing stop without one)."""
    if req.side is Side.SELL:
        if req.quantity is None:   # MARKET SELL by quote: the base the walk of the bids will sell
            assert req.quote_quantity is not None
            step = inst.market_step_size if inst.market_step_size is not None else inst.step_size
            return inst.base_asset, book.qty_for_quote(False, req.quote_quantity, step)[0]
        return inst.base_asset, req.quantity
    if req.type is OrderType.MARKET:
        if req.quantity is None:
            assert req.quote_quantity is not None
            return inst.quote_asset, req.quote_quantity
        return inst.quote_asset, book.cost_to_buy(req.quantity)
    if req.type in _PRICED:
        assert req.price is not None and req.quantity is not None
        return inst.quote_asset, req.price * req.quantity
    stop = req.stop_price if req.stop_price is not None else last_price   # STOP_LOSS / TAKE_PROFIT BUY: an estimate
    assert stop is not None and req.quantity is not None
    return inst.quote_asset, stop * req.quantity

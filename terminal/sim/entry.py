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
    """A checked order request (amounts parsed, time in force defaulted). Internal, so a plain slots class."""

    __slots__ = ("side", "type", "quantity", "quote_quantity", "price", "stop_price", "time_in_force")

    def __init__(self, side: Side, type: OrderType, quantity: Decimal | None, quote_quantity: Decimal | None,
                 price: Decimal | None, stop_price: Decimal | None, time_in_force: TimeInForce | None) -> None:
        self.side = side
        self.type = type
        self.quantity = quantity
        self.quote_quantity = quote_quantity
        self.price = price
        self.stop_price = stop_price
        self.time_in_force = time_in_force

    def check_matching(self, book: SymbolBook, last_price: Decimal | None) -> None:
        """WOULD_TRIGGER for a stop the last price already reached; WOULD_MATCH for a LIMIT_MAKER that would take."""
        if self.type in _STOPPED:
            assert self.stop_price is not None
            if would_trigger(self.type, self.side, self.stop_price, last_price):
                raise EngineReject(RejectReason.WOULD_TRIGGER)
        elif self.type is OrderType.LIMIT_MAKER:
            assert self.price is not None
            if book.crosses(self.side is Side.BUY, self.price):
                raise EngineReject(RejectReason.WOULD_MATCH)

    def order(self, order_id: int, client_order_id: str, account_id: str, symbol: str, now: int) -> WorkingOrder:
        return WorkingOrder(order_id, client_order_id, account_id, symbol, self.side, self.type, self.time_in_force,
                            self.price or ZERO, self.stop_price or ZERO, self.quantity or ZERO,
                            self.quote_quantity or ZERO, now)


def check_request(inst: Instrument, book: SymbolBook, last_price: Decimal | None, side: Side, type: OrderType,
                  quantity: object, quote_quantity: object, price: object, stop_price: object,
                  time_in_force: TimeInForce | None) -> Request:
    """Parse and validate against the instrument's filters (INVALID / FILTER rejects)."""
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
    if type in _STOPPED:
        if stop is None:
            raise _mandatory("stopPrice")
    else:
        stop = None
    tif = (time_in_force or TimeInForce.GTC) if type in _TIMED else None
    try:
        inst.validate_order(side, type, qty, px, stop, quote, reference_price=last_price)
    except OrderValidationError as e:
        if e.filter in _NOT_FILTERS:
            raise EngineReject(RejectReason.INVALID, _NOT_FILTERS[e.filter], filter=e.filter) from None
        raise EngineReject(RejectReason.FILTER, filter=e.filter) from None
    return Request(side, type, qty, quote, px, stop, tif)


def lock_for(inst: Instrument, book: SymbolBook, req: Request) -> tuple[str, Decimal]:
    """(asset, amount) the order must lock when it is accepted."""
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
    assert req.stop_price is not None and req.quantity is not None   # STOP_LOSS / TAKE_PROFIT BUY: an estimate
    return inst.quote_asset, req.stop_price * req.quantity

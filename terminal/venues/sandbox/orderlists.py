"""Order list endpoints (reference §14): POST orderList/oco, orderList/oto, orderList/otoco and the legacy order/oco;
DELETE orderList; GET orderList, allOrderList and openOrderList.

Checks run in the sandbox's usual order: syntax and slot rules (-1100, -1102, -1106, -1158, -1160, -1165...-1199),
the symbol (-1121), the symbol's flags (-2010 when lists or trailing stops are off), the TRAILING_DELTA and count
filters, then the engine (the other filters, -1013; funds, prices, would match or trigger, duplicates, -2010).
A placement the engine refuses also sends ``listStatus`` RESPONSE/REJECT on the account's user streams.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from terminal.model.enums import OrderType, Side
from terminal.sim.lists import Leg
from terminal.sim.reports import REPORT_REASONS
from terminal.sim.stops import fires_on_rise

from . import errors, listwire
from .accounts import ApiKey
from .params import Params
from .trading import _NEEDS, CLIENT_ID, DAY_MS, RESP_TYPES, engine_error, is_reject, new_client_id
from .venue import Venue
from .wire import SIDE_FROM_WIRE, TIF_FROM_WIRE, TYPE_FROM_WIRE

_OCO_TYPES = (OrderType.LIMIT_MAKER, OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT,
              OrderType.TAKE_PROFIT_LIMIT)
_TAKE_PROFIT = (OrderType.TAKE_PROFIT, OrderType.TAKE_PROFIT_LIMIT)
_STOP_LOSS = (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT)


def _client_id(p: Params, name: str) -> str | None:
    cid = p.text(name, max_len=1000)
    if cid is not None and not CLIENT_ID.match(cid):
        raise errors.ApiError(-1100, f"Illegal characters found in parameter '{name}'; legal range is "
                              "'^[a-zA-Z0-9-_]{1,36}$'.")
    return cid


def _resp_type(p: Params) -> str:
    resp = p.text("newOrderRespType")
    if resp is None:
        return "RESULT"   # the docs' examples sent without it answer RESULT
    if resp not in RESP_TYPES:
        raise errors.ApiError(-1100, "Illegal characters found in parameter 'newOrderRespType'; legal range is "
                              "'ACK, RESULT, FULL'.")
    return resp


def _common(p: Params) -> None:
    stp = p.text("selfTradePreventionMode")
    if stp is not None and stp != "NONE":
        raise errors.ApiError(-1013, "Self trade prevention mode not allowed for this symbol; only NONE.")


def _oco_type(p: Params, name: str) -> OrderType:
    otype = p.choice(name, TYPE_FROM_WIRE, errors.invalid_order_type(), required=True)
    assert otype is not None
    if otype not in _OCO_TYPES:
        raise errors.ApiError(-1158, "Order type not supported in OCO.")
    return otype


def check_slots(side: Side, above: OrderType, below: OrderType) -> None:
    """Which type may sit in which slot of an OCO (reference §14.3, errors §14.10)."""
    if above is OrderType.LIMIT_MAKER and below is OrderType.LIMIT_MAKER:
        raise errors.ApiError(-1168, "At least one OCO order must be contingent.")
    buy = side is Side.BUY
    for slot_above, otype in ((True, above), (False, below)):
        if otype is OrderType.LIMIT_MAKER and buy and slot_above:
            raise errors.ApiError(-1165, "A limit order in a buy OCO must be below.")
        if otype is OrderType.LIMIT_MAKER and not buy and not slot_above:
            raise errors.ApiError(-1166, "A limit order in a sell OCO must be above.")
        if otype in _STOP_LOSS and buy and not slot_above:
            raise errors.ApiError(-1196, "A stop loss order in a buy OCO must be above.")
        if otype in _STOP_LOSS and not buy and slot_above:
            raise errors.ApiError(-1197, "A stop loss order in a sell OCO must be below.")
        if otype in _TAKE_PROFIT and buy and slot_above:
            raise errors.ApiError(-1198, "A take profit order in a buy OCO must be below.")
        if otype in _TAKE_PROFIT and not buy and not slot_above:
            raise errors.ApiError(-1199, "A take profit order in a sell OCO must be above.")


def parse_leg(p: Params, prefix: str, otype: OrderType, side: Side, quantity: Any, *,
              tif_names: str | None = None) -> Leg:
    """One member's ``<prefix>Price``, ``StopPrice``, ``TrailingDelta``, ``TimeInForce``, ``IcebergQty``,
    ``ClientOrderId`` and ``StrategyId/Type``, as its type requires (-1102 missing, -1106 not taken)."""
    needs_tif, needs_price, needs_stop = _NEEDS[otype]
    price = p.decimal(prefix + "Price")
    if needs_price and price is None:
        raise errors.mandatory(prefix + "Price")
    if not needs_price and price is not None:
        raise errors.not_required(prefix + "Price")
    stop = p.decimal(prefix + "StopPrice")
    delta = p.integer(prefix + "TrailingDelta")
    if needs_stop and stop is None and delta is None:
        raise errors.mandatory(prefix + "StopPrice")
    for name, value in ((prefix + "StopPrice", stop), (prefix + "TrailingDelta", delta)):
        if not needs_stop and value is not None:
            raise errors.not_required(name)
    tif = p.choice(prefix + "TimeInForce", TIF_FROM_WIRE, errors.invalid_tif())
    if needs_tif and tif is None:
        raise errors.mandatory(prefix + "TimeInForce")
    if not needs_tif and tif is not None:
        raise errors.not_required(prefix + "TimeInForce")
    if (p.decimal(prefix + "IcebergQty") or 0) > 0:
        if needs_tif and tif is not None and tif.name != "GTC":
            raise errors.ApiError(-1160, f"Parameter '{prefix}IcebergQty' is not supported if "
                                  f"{tif_names or prefix + 'TimeInForce'} is not GTC.")
        raise errors.ApiError(-1013, "Iceberg orders are not supported for this symbol.")
    p.integer(prefix + "StrategyId")
    strategy_type = p.integer(prefix + "StrategyType")
    if strategy_type is not None and strategy_type < 1_000_000:
        raise errors.ApiError(-1134, f"'{prefix}StrategyType' was less than 1000000.")
    return Leg(side, otype, quantity, price, stop, delta, tif, _client_id(p, prefix + "ClientOrderId"))


class OrderLists:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    # -- placing ---------------------------------------------------------------------------------------------
    def new_oco(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol", required=True)
        side = p.choice("side", SIDE_FROM_WIRE, errors.invalid_side(), required=True)
        quantity = p.decimal("quantity", required=True)
        above_type, below_type = _oco_type(p, "aboveType"), _oco_type(p, "belowType")
        assert symbol is not None and side is not None
        check_slots(side, above_type, below_type)
        names = "aboveTimeInForce/belowTimeInForce"
        above = parse_leg(p, "above", above_type, side, quantity, tif_names=names)
        below = parse_leg(p, "below", below_type, side, quantity, tif_names=names)
        return self._place(p, key, symbol, "OCO", [above, below])

    def new_legacy_oco(self, p: Params, key: ApiKey) -> Any:
        """``POST /api/v3/order/oco``: a LIMIT_MAKER at ``price`` and a stop leg at ``stopPrice`` (a
        STOP_LOSS_LIMIT when ``stopLimitPrice`` is sent)."""
        symbol = p.text("symbol", required=True)
        side = p.choice("side", SIDE_FROM_WIRE, errors.invalid_side(), required=True)
        quantity = p.decimal("quantity", required=True)
        price = p.decimal("price", required=True)
        stop = p.decimal("stopPrice", required=True)
        delta = p.integer("trailingDelta")
        stop_limit = p.decimal("stopLimitPrice")
        stop_tif = p.choice("stopLimitTimeInForce", TIF_FROM_WIRE, errors.invalid_tif())
        if stop_limit is not None and stop_tif is None:
            raise errors.mandatory("stopLimitTimeInForce")
        if stop_limit is None and stop_tif is not None:
            raise errors.not_required("stopLimitTimeInForce")
        for name in ("limitIcebergQty", "stopIcebergQty"):
            if (p.decimal(name) or 0) > 0:
                raise errors.ApiError(-1013, "Iceberg orders are not supported for this symbol.")
        assert symbol is not None and side is not None and quantity is not None
        limit = Leg(side, OrderType.LIMIT_MAKER, quantity, price, None, None, None,
                    _client_id(p, "limitClientOrderId"))
        stop_leg = Leg(side, OrderType.STOP_LOSS_LIMIT if stop_limit is not None else OrderType.STOP_LOSS,
                       quantity, stop_limit, stop, delta, stop_tif, _client_id(p, "stopClientOrderId"))
        above, below = (stop_leg, limit) if side is Side.BUY else (limit, stop_leg)
        return self._place(p, key, symbol, "OCO", [above, below])

    def _working(self, p: Params) -> Leg:
        otype = p.choice("workingType", TYPE_FROM_WIRE, errors.invalid_order_type(), required=True)
        if otype not in (OrderType.LIMIT, OrderType.LIMIT_MAKER):
            raise errors.invalid_order_type()
        side = p.choice("workingSide", SIDE_FROM_WIRE, errors.invalid_side(), required=True)
        p.decimal("workingPrice", required=True)
        quantity = p.decimal("workingQuantity", required=True)
        assert otype is not None and side is not None
        return parse_leg(p, "working", otype, side, quantity)

    def new_oto(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol", required=True)
        working = self._working(p)
        otype = p.choice("pendingType", TYPE_FROM_WIRE, errors.invalid_order_type(), required=True)
        side = p.choice("pendingSide", SIDE_FROM_WIRE, errors.invalid_side(), required=True)
        quantity = p.decimal("pendingQuantity", required=True)
        assert symbol is not None and otype is not None and side is not None
        pending = parse_leg(p, "pending", otype, side, quantity)
        return self._place(p, key, symbol, "OTO", [working, pending])

    def new_otoco(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol", required=True)
        working = self._working(p)
        side = p.choice("pendingSide", SIDE_FROM_WIRE, errors.invalid_side(), required=True)
        quantity = p.decimal("pendingQuantity", required=True)
        above_type, below_type = _oco_type(p, "pendingAboveType"), _oco_type(p, "pendingBelowType")
        assert symbol is not None and side is not None
        check_slots(side, above_type, below_type)
        names = "pendingAboveTimeInForce/pendingBelowTimeInForce"
        above = parse_leg(p, "pendingAbove", above_type, side, quantity, tif_names=names)
        below = parse_leg(p, "pendingBelow", below_type, side, quantity, tif_names=names)
        return self._place(p, key, symbol, "OTOCO", [working, above, below])

    def _place(self, p: Params, key: ApiKey, symbol: str, kind: str, legs: list[Leg]) -> Any:
        """Place an OCO (above, below), an OTO (working, pending) or an OTOCO (working, pending above, below)."""
        list_cid = _client_id(p, "listClientOrderId")
        resp = _resp_type(p)
        _common(p)
        venue = self.venue
        venue.instrument(symbol)
        rules = venue.rules_for(symbol)
        if kind != "OTO" and not rules.oco_allowed:
            raise errors.order_rejected("OCO orders are not supported for this symbol")
        if kind != "OCO" and not rules.oto_allowed:
            raise errors.order_rejected("OTO orders are not supported for this symbol.")
        for leg in legs:
            if leg.trailing_delta is not None:
                rules.check_trailing(leg.trailing_delta, fires_on_rise(leg.type, leg.side))
        engine = venue.engine
        account = key.account_id
        rules.check_counts(engine.open_orders(account, symbol), len(engine.open_lists(account, symbol)),
                           orders=len(legs), algo=sum(1 for leg in legs if leg.type.has_stop), lists=1)
        venue.limiter.count_order(account, venue.now_ms(), len(legs))
        list_cid = list_cid or new_client_id()
        legs = [leg if leg.client_order_id else replace(leg, client_order_id=new_client_id()) for leg in legs]
        place = {"OCO": engine.place_oco, "OTO": engine.place_oto, "OTOCO": engine.place_otoco}[kind]
        try:
            result = place(account, symbol, *legs, list_client_order_id=list_cid)
        except Exception as exc:
            if not is_reject(exc):
                raise
            reason = REPORT_REASONS.get(exc.reason)   # type: ignore[attr-defined]
            if reason is not None:   # refused by the matching engine: the user stream hears of it too
                venue.publish_user_event(account, listwire.list_refused(
                    symbol, "OCO" if kind == "OCO" else "OTO", list_cid,
                    [leg.client_order_id or "" for leg in legs], reason, venue.now_ms()))
            raise engine_error(exc) from None
        return listwire.placed(result.order_list, resp, result.executions)

    # -- cancelling and queries ------------------------------------------------------------------------------
    def cancel(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol", required=True)
        list_id = p.integer("orderListId")
        list_cid = p.text("listClientOrderId", max_len=1000)
        if list_id is None and list_cid is None:
            raise errors.ApiError(-1102, "Param 'listClientOrderId' or 'orderListId' must be sent, but both were "
                                  "empty/null!")
        cancel_id = _client_id(p, "newClientOrderId") or new_client_id()
        self.venue.instrument(symbol)
        try:
            view = self.venue.engine.cancel_list(key.account_id, symbol, order_list_id=list_id,
                                                 list_client_order_id=list_cid, cancel_client_order_id=cancel_id)
        except Exception as exc:
            if is_reject(exc):
                raise errors.cancel_rejected() from None
            raise
        return listwire.cancelled(view, cancel_id)

    def get(self, p: Params, key: ApiKey) -> Any:
        list_id = p.integer("orderListId")
        list_cid = p.text("origClientOrderId", max_len=1000)
        if list_id is None and list_cid is None:
            raise errors.ApiError(-1102, "Param 'origClientOrderId' or 'orderListId' must be sent, but both were "
                                  "empty/null!")
        try:
            view = self.venue.engine.get_list(key.account_id, order_list_id=list_id, list_client_order_id=list_cid)
        except Exception as exc:
            if is_reject(exc):
                raise errors.ApiError(-2018, "Order list does not exist.") from None
            raise
        return listwire.list_object(view)

    def all(self, p: Params, key: ApiKey) -> Any:
        from_id = p.integer("fromId")
        start, end = p.integer("startTime"), p.integer("endTime")
        limit = p.limit(500, 1000)
        if from_id is not None and (start is not None or end is not None):
            raise errors.ApiError(-1128, "Combination of optional parameters invalid.")
        if start is not None and end is not None and end - start > DAY_MS:
            raise errors.window_too_large()
        views = self.venue.engine.all_lists(key.account_id, from_id=from_id, start_ms=start, end_ms=end, limit=limit)
        return [listwire.list_object(v) for v in views]

    def open(self, p: Params, key: ApiKey) -> Any:
        return [listwire.list_object(v) for v in self.venue.engine.open_lists(key.account_id)]


__all__ = ["OrderLists", "check_slots", "parse_leg"]

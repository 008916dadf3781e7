"""Order, trade and account payloads on the wire (engine records -> Binance JSON)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal.model.enums import OrderType

from .wire import SIDE_TO_WIRE, STATUS_TO_WIRE, TIF_TO_WIRE, TYPE_TO_WIRE, enum_name, num

STOP_TYPES = frozenset({OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT,
                        OrderType.TAKE_PROFIT_LIMIT})


def tif_text(order: Any) -> str:
    return TIF_TO_WIRE[order.time_in_force] if order.time_in_force is not None else "GTC"


def conditional(order: Any, out: dict[str, Any]) -> dict[str, Any]:
    """Add the fields only some orders have: ``trailingDelta``/``trailingTime`` on a trailing stop, and
    ``expiryReason`` on an expired order."""
    if order.trailing_delta:
        out["trailingDelta"] = order.trailing_delta
        out["trailingTime"] = order.trailing_time
    if order.status.name == "EXPIRED":
        out["expiryReason"] = enum_name(order.expiry_reason)
    return out


def order_ack(order: Any, transact_time: int) -> dict[str, Any]:
    return {"symbol": order.symbol, "orderId": order.order_id, "orderListId": order.order_list_id,
            "clientOrderId": order.client_order_id, "transactTime": transact_time}


def order_result(order: Any, transact_time: int) -> dict[str, Any]:
    out = order_ack(order, transact_time)
    out.update({
        "price": num(order.price), "origQty": num(order.quantity), "executedQty": num(order.executed_qty),
        "origQuoteOrderQty": num(order.quote_quantity), "cummulativeQuoteQty": num(order.cum_quote),
        "status": STATUS_TO_WIRE[order.status], "timeInForce": tif_text(order), "type": TYPE_TO_WIRE[order.type],
        "side": SIDE_TO_WIRE[order.side], "workingTime": order.working_time, "selfTradePreventionMode": "NONE",
    })
    if order.type in STOP_TYPES:
        out["stopPrice"] = num(order.stop_price)
    return conditional(order, out)


def order_full(order: Any, transact_time: int, fills: list[Any]) -> dict[str, Any]:
    out = order_result(order, transact_time)
    out["fills"] = [{"price": num(e.last_price), "qty": num(e.last_qty), "commission": num(e.commission),
                     "commissionAsset": e.commission_asset, "tradeId": e.trade_id} for e in fills]
    return out


def order_query(order: Any) -> dict[str, Any]:
    return conditional(order, {
        "symbol": order.symbol, "orderId": order.order_id, "orderListId": order.order_list_id,
        "clientOrderId": order.client_order_id,
        "price": num(order.price), "origQty": num(order.quantity), "executedQty": num(order.executed_qty),
        "cummulativeQuoteQty": num(order.cum_quote), "status": STATUS_TO_WIRE[order.status],
        "timeInForce": tif_text(order), "type": TYPE_TO_WIRE[order.type], "side": SIDE_TO_WIRE[order.side],
        "stopPrice": num(order.stop_price), "icebergQty": num(Decimal(0)), "time": order.time,
        "updateTime": order.update_time, "isWorking": order.is_working, "workingTime": order.working_time,
        "origQuoteOrderQty": num(order.quote_quantity), "selfTradePreventionMode": "NONE",
    })


def cancel_report(order: Any, cancel_client_id: str, transact_time: int) -> dict[str, Any]:
    out = {
        "symbol": order.symbol, "origClientOrderId": order.client_order_id, "orderId": order.order_id,
        "orderListId": order.order_list_id, "clientOrderId": cancel_client_id, "transactTime": transact_time,
        "price": num(order.price), "origQty": num(order.quantity), "executedQty": num(order.executed_qty),
        "origQuoteOrderQty": num(order.quote_quantity), "cummulativeQuoteQty": num(order.cum_quote),
        "status": STATUS_TO_WIRE[order.status], "timeInForce": tif_text(order), "type": TYPE_TO_WIRE[order.type],
        "side": SIDE_TO_WIRE[order.side], "selfTradePreventionMode": "NONE",
    }
    if order.type in STOP_TYPES:
        out["stopPrice"] = num(order.stop_price)
    return conditional(order, out)


def account_trade(t: Any) -> dict[str, Any]:
    return {"symbol": t.symbol, "id": t.id, "orderId": t.order_id, "orderListId": t.order_list_id,
            "price": num(t.price),
            "qty": num(t.qty), "quoteQty": num(t.quote_qty), "commission": num(t.commission),
            "commissionAsset": t.commission_asset, "time": t.time, "isBuyer": t.is_buyer, "isMaker": t.is_maker,
            "isBestMatch": True}


def public_trade(t: Any) -> dict[str, Any]:
    return {"id": t.trade_id, "price": num(t.price), "qty": num(t.qty), "quoteQty": num(t.quote_qty),
            "time": t.time, "isBuyerMaker": t.buyer_is_maker, "isBestMatch": True}


def agg_trade(t: Any) -> dict[str, Any]:
    return {"a": t.trade_id, "p": num(t.price), "q": num(t.qty), "f": t.trade_id, "l": t.trade_id, "T": t.time,
            "m": t.buyer_is_maker, "M": True}

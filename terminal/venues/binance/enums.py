"""Binance wire strings <-> domain enums. The only place the adapter spells venue enum values."""
from __future__ import annotations

from ...model import OrderStatus, OrderType, Side, TimeInForce

SIDE_TO_WIRE: dict[Side, str] = {Side.BUY: "BUY", Side.SELL: "SELL"}
SIDE_FROM_WIRE: dict[str, Side] = {v: k for k, v in SIDE_TO_WIRE.items()}

ORDER_TYPE_TO_WIRE: dict[OrderType, str] = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_LOSS: "STOP_LOSS",
    OrderType.STOP_LOSS_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT: "TAKE_PROFIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
    OrderType.LIMIT_MAKER: "LIMIT_MAKER",
}
ORDER_TYPE_FROM_WIRE: dict[str, OrderType] = {v: k for k, v in ORDER_TYPE_TO_WIRE.items()}

TIF_TO_WIRE: dict[TimeInForce, str] = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}
TIF_FROM_WIRE: dict[str, TimeInForce] = {v: k for k, v in TIF_TO_WIRE.items()}

STATUS_FROM_WIRE: dict[str, OrderStatus] = {
    "NEW": OrderStatus.NEW,
    "PENDING_NEW": OrderStatus.PENDING_NEW,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "PENDING_CANCEL": OrderStatus.PENDING_CANCEL,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,
}

#: Error codes -> how the adapter classifies them (see rest.py).
REJECT_CODES = frozenset({-1013, -1015, -1020, -1100, -1101, -1102, -1103, -1104, -1105, -1106, -1111, -1115,
                          -1116, -1117, -1120, -1121, -1127, -1131, -2010})
UNKNOWN_ORDER_CODES = frozenset({-2011, -2013})
AUTH_CODES = frozenset({-2014, -2015, -1022})
TEMPORARY_CODES = frozenset({-1000, -1001, -1006, -1007, -1008, -1021})
RATE_LIMIT_CODES = frozenset({-1003})

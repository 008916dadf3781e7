"""Venue-neutral enums <-> Binance wire strings, and wire number formatting (the sandbox's own tables)."""
from __future__ import annotations

from decimal import Decimal

from terminal.model.enums import Interval, OrderStatus, OrderType, Side, TimeInForce

SIDE_TO_WIRE = {Side.BUY: "BUY", Side.SELL: "SELL"}
SIDE_FROM_WIRE = {v: k for k, v in SIDE_TO_WIRE.items()}

TYPE_TO_WIRE = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_LOSS: "STOP_LOSS",
    OrderType.STOP_LOSS_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT: "TAKE_PROFIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
    OrderType.LIMIT_MAKER: "LIMIT_MAKER",
}
TYPE_FROM_WIRE = {v: k for k, v in TYPE_TO_WIRE.items()}

TIF_TO_WIRE = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}
TIF_FROM_WIRE = {v: k for k, v in TIF_TO_WIRE.items()}

STATUS_TO_WIRE = {
    OrderStatus.PENDING_NEW: "PENDING_NEW",
    OrderStatus.NEW: "NEW",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.PENDING_CANCEL: "PENDING_CANCEL",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.REJECTED: "REJECTED",
    OrderStatus.EXPIRED: "EXPIRED",
}

INTERVAL_FROM_WIRE = {i.value: i for i in Interval}

EIGHT = Decimal("0.00000001")


def num(value: Decimal | None) -> str:
    """Binance formats every amount with 8 decimals and no exponent."""
    if value is None:
        value = Decimal(0)
    return format(value.quantize(EIGHT), "f")


def enum_name(value: object) -> str:
    """Wire name of an engine enum whose member names already are the wire words (ExecType, RejectReason)."""
    name = getattr(value, "name", None)
    return str(name if name is not None else value)

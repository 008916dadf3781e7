"""Wire tables between IB's TWS API strings and the venue-neutral model (the only place IB's strings live)."""
from __future__ import annotations

from ...model import AssetClass, Interval, OrderStatus, OrderType, Side, TimeInForce

ORDER_TYPE_TO_WIRE: dict[OrderType, str] = {
    OrderType.MARKET: "MKT",
    OrderType.LIMIT: "LMT",
    OrderType.STOP_LOSS: "STP",
    OrderType.STOP_LOSS_LIMIT: "STP LMT",
}
#: the trailing twins (``OrderOptions.trail_amount``/``trail_percent``) and the closing-auction twins (``at_close``)
TRAILING_TO_WIRE: dict[OrderType, str] = {OrderType.STOP_LOSS: "TRAIL", OrderType.STOP_LOSS_LIMIT: "TRAIL LIMIT"}
AT_CLOSE_TO_WIRE: dict[OrderType, str] = {OrderType.MARKET: "MOC", OrderType.LIMIT: "LOC"}
ORDER_TYPE_FROM_WIRE: dict[str, OrderType] = {
    **{v: k for k, v in ORDER_TYPE_TO_WIRE.items()},
    **{v: k for k, v in TRAILING_TO_WIRE.items()},
    **{v: k for k, v in AT_CLOSE_TO_WIRE.items()},
}

TIF_TO_WIRE: dict[TimeInForce, str] = {
    TimeInForce.DAY: "DAY",
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.GTD: "GTD",
    TimeInForce.FOK: "FOK",
}
TIF_FROM_WIRE: dict[str, TimeInForce] = {v: k for k, v in TIF_TO_WIRE.items()}

SIDE_TO_WIRE: dict[Side, str] = {Side.BUY: "BUY", Side.SELL: "SELL"}
SIDE_FROM_WIRE: dict[str, Side] = {"BUY": Side.BUY, "SELL": Side.SELL, "BOT": Side.BUY, "SLD": Side.SELL}

#: IB order status -> ours (``Submitted`` with fills is PARTIALLY_FILLED: see ``orders.status``)
STATUS_FROM_WIRE: dict[str, OrderStatus] = {
    "PendingSubmit": OrderStatus.PENDING_NEW,
    "ApiPending": OrderStatus.PENDING_NEW,
    "PreSubmitted": OrderStatus.NEW,
    "Submitted": OrderStatus.NEW,
    "ValidationError": OrderStatus.NEW,  # ib_async's local state after a warning: the order still works
    "ApiUpdate": OrderStatus.NEW,
    "PendingCancel": OrderStatus.PENDING_CANCEL,
    "ApiCancelled": OrderStatus.CANCELED,
    "Cancelled": OrderStatus.CANCELED,
    "Filled": OrderStatus.FILLED,
    "Inactive": OrderStatus.REJECTED,
}

SEC_TYPE_FROM_WIRE: dict[str, AssetClass] = {
    "STK": AssetClass.EQUITY,
    "FUT": AssetClass.FUTURE,
    "CASH": AssetClass.FOREX,
    "IND": AssetClass.INDEX,
    "OPT": AssetClass.OPTION,
}
SEC_TYPE_TO_WIRE: dict[AssetClass, str] = {v: k for k, v in SEC_TYPE_FROM_WIRE.items()}

#: bar sizes IB serves for our intervals (6h, 12h and 3d have no IB bar size)
BAR_SIZE: dict[Interval, str] = {
    Interval.S1: "1 secs",
    Interval.M1: "1 min",
    Interval.M3: "3 mins",
    Interval.M5: "5 mins",
    Interval.M15: "15 mins",
    Interval.M30: "30 mins",
    Interval.H1: "1 hour",
    Interval.H2: "2 hours",
    Interval.H4: "4 hours",
    Interval.H8: "8 hours",
    Interval.D1: "1 day",
    Interval.W1: "1 week",
    Interval.MO1: "1 month",
}

_DAY_S = 86_400
#: the longest duration one request may cover per bar size (IB's "valid duration and bar size" table)
MAX_SPAN_S: dict[Interval, int] = {
    Interval.S1: 1800,
    Interval.M1: _DAY_S,
    Interval.M3: 7 * _DAY_S,
    Interval.M5: 7 * _DAY_S,
    Interval.M15: 7 * _DAY_S,
    Interval.M30: 30 * _DAY_S,
    Interval.H1: 30 * _DAY_S,
    Interval.H2: 30 * _DAY_S,
    Interval.H4: 30 * _DAY_S,
    Interval.H8: 30 * _DAY_S,
    Interval.D1: 365 * _DAY_S,
    Interval.W1: 5 * 365 * _DAY_S,
    Interval.MO1: 10 * 365 * _DAY_S,
}


def duration(span_s: int) -> str:
    """IB's durationStr covering at least ``span_s`` seconds: seconds up to a day, then days, then years."""
    span_s = max(1, int(span_s))
    if span_s <= _DAY_S:
        return f"{span_s} S"
    days = -(-span_s // _DAY_S)
    if days <= 365:
        return f"{days} D"
    return f"{-(-days // 365)} Y"


#: IB's time zone ids -> the short label of ``TradingHours`` phrases ("opens 09:30 ET")
ZONE_LABEL: dict[str, str] = {
    "US/Eastern": "ET", "America/New_York": "ET", "EST5EDT": "ET",
    "US/Central": "CT", "America/Chicago": "CT", "CST6CDT": "CT",
    "US/Pacific": "PT", "America/Los_Angeles": "PT",
    "Europe/London": "UK", "GB": "UK",
}

#: market data types (reqMarketDataType / ticker.marketDataType)
LIVE_DATA, FROZEN_DATA, DELAYED_DATA, DELAYED_FROZEN_DATA = 1, 2, 3, 4

"""Kite Connect's wire vocabulary and its venue-neutral counterparts: the only place these strings and codes live."""
from __future__ import annotations

from ...model import OrderStatus, OrderType, Side, TimeInForce

SIDE_TO_WIRE = {Side.BUY: "BUY", Side.SELL: "SELL"}
SIDE_FROM_WIRE = {v: k for k, v in SIDE_TO_WIRE.items()}

#: SL is a stop-loss limit (trigger + price), SL-M a stop-loss market order (trigger only)
ORDER_TYPE_TO_WIRE = {OrderType.MARKET: "MARKET", OrderType.LIMIT: "LIMIT", OrderType.STOP_LOSS: "SL-M",
                      OrderType.STOP_LOSS_LIMIT: "SL"}
ORDER_TYPE_FROM_WIRE = {v: k for k, v in ORDER_TYPE_TO_WIRE.items()}

#: GTD (``OrderOptions.expire_ms``) goes as TTL with ``validity_ttl`` in whole minutes
TIF_TO_WIRE = {TimeInForce.DAY: "DAY", TimeInForce.IOC: "IOC", TimeInForce.GTD: "TTL"}
TIF_FROM_WIRE = {v: k for k, v in TIF_TO_WIRE.items()}

PRODUCTS = ("CNC", "MIS", "NRML")
VARIETIES = ("regular", "amo", "co", "iceberg")
DEFAULT_VARIETY = "regular"

#: order statuses of the order book (§9.7) and of postbacks (COMPLETE/REJECTED/CANCELLED/UPDATE); anything not here
#: is an open order whose state follows from its filled quantity
STATUS_FROM_WIRE = {
    "COMPLETE": OrderStatus.FILLED,
    "REJECTED": OrderStatus.REJECTED,
    "CANCELLED": OrderStatus.CANCELED,
    "CANCEL PENDING": OrderStatus.PENDING_CANCEL,
    "PUT ORDER REQ RECEIVED": OrderStatus.PENDING_NEW,
    "VALIDATION PENDING": OrderStatus.PENDING_NEW,
    "OPEN PENDING": OrderStatus.PENDING_NEW,
}

#: segment code (``instrument_token & 0xFF``) -> decimal places of the ticker's integer prices (CDS / 10^7,
#: BCD and NCO / 10^4, everything else / 100)
SEGMENT_PRICE_DECIMALS = {3: 7, 6: 4, 12: 4}
DEFAULT_PRICE_DECIMALS = 2
INDICES_SEGMENT = 9

#: our Interval value -> Kite's candle interval, and the longest span (days) Kite serves per call for it
INTERVAL_TO_WIRE = {"1m": "minute", "3m": "3minute", "5m": "5minute", "15m": "15minute", "30m": "30minute",
                    "1h": "60minute", "1d": "day"}
MAX_DAYS_PER_CALL = {"minute": 60, "3minute": 100, "5minute": 100, "10minute": 100, "15minute": 200,
                     "30minute": 200, "60minute": 400, "day": 2000}

#: error_type values; the HTTP status decides the rest (``rest.outcome``)
TOKEN_EXCEPTION = "TokenException"
INPUT_EXCEPTION = "InputException"
ORDER_EXCEPTION = "OrderException"
NETWORK_EXCEPTION = "NetworkException"
AUTH_EXCEPTIONS = frozenset({"PermissionException", "UserException"})

IST = "Asia/Kolkata"

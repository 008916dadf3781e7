"""Pure domain model: no I/O, no asyncio, no Qt."""
from .book import BookSequenceError, OrderBook
from .enums import AssetClass, Environment, Interval, Liquidity, OptionRight, OrderStatus, OrderType, Side, TimeInForce
from .events import (Balance, BalancesUpdated, Bar, BookUpdated, ConnectionChanged, Fill, Holding, LogRecorded,
                     OrderUpdated, QuoteTick, Ticker24h, TradeTick)
from .hours import Phase, TradingHours, TradingSession
from .instrument import Instrument, OrderValidationError, parse_qualified_id
from .numbers import ZERO, InvalidArgument, NumberError, fmt, fmt_wire, snap, to_decimal
from .order import InvalidTransition, Order, OrderOptions, OrderRequest, can_transition, new_client_order_id

__all__ = [
    "BookSequenceError", "OrderBook", "Environment", "Interval", "Liquidity", "OrderStatus", "OrderType", "Side",
    "TimeInForce", "Balance", "BalancesUpdated", "Bar", "BookUpdated", "ConnectionChanged", "Fill", "LogRecorded",
    "OrderUpdated", "QuoteTick", "Ticker24h", "TradeTick", "Instrument", "OrderValidationError", "ZERO",
    "InvalidArgument", "NumberError", "fmt", "fmt_wire", "snap", "to_decimal", "InvalidTransition", "Order",
    "OrderOptions", "OrderRequest", "can_transition", "new_client_order_id",
    "AssetClass", "OptionRight", "Holding", "Phase", "TradingHours", "TradingSession", "parse_qualified_id",
]

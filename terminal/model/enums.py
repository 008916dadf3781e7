"""Venue-neutral enumerations. Wire strings live only in each adapter's enum tables."""
from __future__ import annotations

import enum


class Side(enum.Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> "Side":
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(enum.Enum):
    LIMIT = "limit"
    MARKET = "market"
    STOP_LOSS = "stop_loss"
    STOP_LOSS_LIMIT = "stop_loss_limit"
    TAKE_PROFIT = "take_profit"
    TAKE_PROFIT_LIMIT = "take_profit_limit"
    LIMIT_MAKER = "limit_maker"

    @property
    def has_price(self) -> bool:
        return self in (OrderType.LIMIT, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT, OrderType.LIMIT_MAKER)

    @property
    def has_stop(self) -> bool:
        return self in (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT, OrderType.TAKE_PROFIT_LIMIT)

    @property
    def has_tif(self) -> bool:
        return self in (OrderType.LIMIT, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT)


class TimeInForce(enum.Enum):
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    DAY = "day"  # until the end of the trading day (brokers: IB, Kite)
    GTD = "gtd"  # good till a date: ``OrderOptions.expire_ms``

    @property
    def crypto(self) -> bool:
        """One of the three every crypto venue knows (the others only where the venue declares them)."""
        return self in (TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK)


class OrderStatus(enum.Enum):
    PENDING_NEW = "pending_new"  # journaled locally, not yet acknowledged by the venue
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    PENDING_CANCEL = "pending_cancel"  # cancel sent locally, not yet confirmed
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.PENDING_NEW, OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_CANCEL)

    @property
    def is_final(self) -> bool:
        return not self.is_open


class Liquidity(enum.Enum):
    MAKER = "maker"
    TAKER = "taker"


class AssetClass(enum.Enum):
    """What kind of thing an instrument is (decides which fields of ``Instrument`` matter)."""

    CRYPTO_SPOT = "crypto_spot"
    EQUITY = "equity"
    FUTURE = "future"
    OPTION = "option"
    FOREX = "forex"
    INDEX = "index"


class OptionRight(enum.Enum):
    CALL = "call"
    PUT = "put"


class Environment(enum.Enum):
    SANDBOX = "sandbox"
    TESTNET = "testnet"
    LIVE = "live"


class Interval(enum.Enum):
    """Kline intervals; value is the canonical text, ``ms`` the length (months approximate 30 d)."""

    S1 = "1s"
    M1 = "1m"
    M3 = "3m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    H1 = "1h"
    H2 = "2h"
    H4 = "4h"
    H6 = "6h"
    H8 = "8h"
    H12 = "12h"
    D1 = "1d"
    D3 = "3d"
    W1 = "1w"
    MO1 = "1M"

    @property
    def ms(self) -> int:
        return _INTERVAL_MS[self.value]

    @classmethod
    def parse(cls, text: str) -> "Interval":
        for member in cls:
            if member.value == text:
                return member
        raise ValueError(f"unknown interval {text!r}; use one of {', '.join(m.value for m in cls)}")


_S = 1000
_INTERVAL_MS = {
    "1s": _S, "1m": 60 * _S, "3m": 180 * _S, "5m": 300 * _S, "15m": 900 * _S, "30m": 1800 * _S,
    "1h": 3600 * _S, "2h": 7200 * _S, "4h": 14400 * _S, "6h": 21600 * _S, "8h": 28800 * _S, "12h": 43200 * _S,
    "1d": 86400 * _S, "3d": 3 * 86400 * _S, "1w": 7 * 86400 * _S, "1M": 30 * 86400 * _S,
}

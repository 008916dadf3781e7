"""Events published on the bus: frozen, venue-neutral records. Times are epoch ms.

``ts_event`` is the venue's time, ``ts_recv`` the local receive time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .enums import Interval, Liquidity, OrderStatus, Side
from .order import Order


@dataclass(frozen=True, slots=True)
class QuoteTick:
    """Best bid/ask (bookTicker)."""

    symbol: str
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    ts_event: int = 0
    ts_recv: int = 0


@dataclass(frozen=True, slots=True)
class TradeTick:
    symbol: str
    price: Decimal
    qty: Decimal
    trade_id: int
    aggressor: Side  # side of the taker
    ts_event: int = 0
    ts_recv: int = 0


@dataclass(frozen=True, slots=True)
class Bar:
    symbol: str
    interval: Interval
    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    closed: bool = True
    quote_volume: Decimal = Decimal(0)
    trades: int = 0
    ts_recv: int = 0

    @property
    def close_time(self) -> int:
        return self.open_time + self.interval.ms - 1


@dataclass(frozen=True, slots=True)
class Ticker24h:
    symbol: str
    last: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal
    quote_volume: Decimal
    change_pct: Decimal
    ts_event: int = 0
    ts_recv: int = 0


@dataclass(frozen=True, slots=True)
class BookUpdated:
    """A local order book changed (or was reset). Carries the top levels, not the whole book."""

    symbol: str
    update_id: int
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]
    is_snapshot: bool = False
    ts_event: int = 0
    ts_recv: int = 0


@dataclass(frozen=True, slots=True)
class OrderUpdated:
    """An order's state changed (any source: ack, stream, reconciliation)."""

    order: Order
    ts_event: int = 0
    ts_recv: int = 0


@dataclass(frozen=True, slots=True)
class Fill:
    symbol: str
    client_order_id: str
    venue_order_id: int | None
    trade_id: int
    side: Side
    price: Decimal
    qty: Decimal
    #: the cash value of the fill in the instrument's currency: price x qty x the contract multiplier
    #: (``Instrument.notional``); an order's ``filled_quote`` leaves the multiplier out
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    liquidity: Liquidity
    ts_event: int = 0
    ts_recv: int = 0


OrderFilled = Fill


@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


@dataclass(frozen=True, slots=True)
class Holding:
    """A position as the venue reports it: ``qty`` of ``symbol`` (signed: < 0 short) bought at ``avg_price`` on
    average (None when the venue does not say), valued in ``currency``; ``venue`` is the adapter's registry name."""

    symbol: str
    qty: Decimal
    avg_price: Decimal | None
    currency: str
    venue: str = ""


@dataclass(frozen=True, slots=True)
class BalancesUpdated:
    balances: tuple[Balance, ...]
    ts_event: int = 0
    ts_recv: int = 0


@dataclass(frozen=True, slots=True)
class BalanceChanged:
    """A balance changed by something that is not a trade: a deposit (``delta`` > 0), a withdrawal or a transfer
    (< 0), as the venue reports it (Binance's ``balanceUpdate``). ``event_id`` is the venue's id of it, if any."""

    asset: str
    delta: Decimal
    ts_event: int = 0
    ts_recv: int = 0
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    """A stream connected, dropped or is reconnecting. ``stream`` is 'market' or 'user' or a name."""

    stream: str
    connected: bool
    reason: str = ""
    reconnects: int = 0
    ts_recv: int = 0


@dataclass(frozen=True, slots=True)
class LogRecorded:
    level: str
    source: str
    message: str
    ts_recv: int = 0
    extra: dict[str, str] = field(default_factory=dict)


__all__ = [
    "QuoteTick", "TradeTick", "Bar", "Ticker24h", "BookUpdated", "OrderUpdated", "Fill", "OrderFilled",
    "Balance", "Holding", "BalancesUpdated", "BalanceChanged", "ConnectionChanged", "LogRecorded", "OrderStatus",
]

"""Ports every venue adapter implements, and the VenueError tree."""
from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from ..model import Balance, Bar, Fill, Instrument, Interval, Order, OrderRequest


class VenueError(Exception):
    """Anything a venue answered or failed with. ``code`` is the venue's error code when there is one."""

    def __init__(self, message: str, code: int | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status


class TemporaryError(VenueError):
    """Network failure, 5xx, timeout: the outcome is unknown; retry after checking state."""


class RateLimited(VenueError):
    """429 / 418 or an order-rate limit. ``retry_after_s`` says when to try again."""

    def __init__(self, message: str, code: int | None = None, http_status: int | None = None,
                 retry_after_s: float = 1.0) -> None:
        super().__init__(message, code, http_status)
        self.retry_after_s = retry_after_s


class OrderRejected(VenueError):
    """The venue refused the request (filters, balance, unknown order...). Show its message."""


class AuthError(VenueError):
    """Missing, invalid or unauthorised keys, or a bad signature: stop trading and ask for keys."""


class UnknownOrder(OrderRejected):
    """The venue has no such order (-2013 / -2011 'Unknown order sent.')."""


class MarketData(Protocol):
    """Market data over REST (snapshots and history)."""

    def instruments(self) -> dict[str, Instrument]: ...
    def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
               limit: int = 1000) -> list[Bar]: ...
    def depth(self, symbol: str, limit: int = 100) -> tuple[int, list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]: ...


class Execution(Protocol):
    """Trading over REST. Awaitable: adapters run the blocking HTTP calls on a thread pool they own."""

    async def place_order(self, request: OrderRequest) -> Order: ...
    async def cancel_order(self, symbol: str, client_order_id: str) -> Order: ...
    async def query_order(self, symbol: str, client_order_id: str) -> Order: ...
    async def open_orders(self, symbol: str | None = None) -> list[Order]: ...
    async def balances(self) -> list[Balance]: ...
    async def fills(self, symbol: str, start_ms: int | None = None) -> list[Fill]: ...

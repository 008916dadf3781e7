"""The first ports (superseded by ``venues.ports``) and the VenueError tree, re-exported from ``venues.ports``."""
from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from ..model import Balance, Bar, Fill, Instrument, Interval, Order, OrderRequest
# The outcome exceptions are the ports' own classes (one tree for every adapter): ``OrderRejected`` is
# ``ports.Rejected``. This module goes away once every import uses ``venues.ports`` (issue 11, part A).
from .ports import (AuthError, OrderRejected, RateLimited, TemporaryError, UnknownOrder,  # noqa: F401
                    VenueError)


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

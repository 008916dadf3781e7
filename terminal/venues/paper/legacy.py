"""TEMPORARY: the Binance-shaped ``venue.rest`` names today's Session and order manager call, mapped onto the paper
venue's ports. Delete this module (and ``PaperVenue.rest``/``.user``) once the session and the OMS use only
``venues.ports`` (issue 11, part A).
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ...model import Balance, Bar, Fill, Interval, Order, OrderRequest, QuoteTick, Ticker24h

if TYPE_CHECKING:
    from .venue import PaperVenue


class RestShim:
    """``BinanceRest``'s method names over the ports (no HTTP, no weights, no clock offset)."""

    time_offset_ms = 0
    used_weight = 0
    recv_window = 0  # nothing sent in-process can land later

    def __init__(self, venue: "PaperVenue") -> None:
        self._venue = venue

    def now_ms(self) -> int:
        return self._venue.now_ms()

    def latency_ms(self, percentile: float) -> float | None:
        return None

    async def ticker_24h(self, symbol: str) -> Ticker24h:
        return await self._venue.ticker(symbol)

    async def book_ticker(self, symbol: str) -> QuoteTick:
        return await self._venue.quote(symbol)

    async def depth(self, symbol: str, limit: int = 100) -> tuple[int, list[tuple[Decimal, Decimal]],
                                                                   list[tuple[Decimal, Decimal]]]:
        return await self._venue.depth(symbol, limit)

    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000) -> list[Bar]:
        return await self._venue.klines(symbol, interval, start_ms, end_ms, limit)

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        return await self._venue.submit(request)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        return await self._venue.cancel_order(symbol, client_order_id)

    async def cancel_all(self, symbol: str) -> list[Order]:
        return await self._venue.cancel_all(symbol)

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        return await self._venue.query_order(symbol, client_order_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return await self._venue.open_orders(symbol)

    async def all_orders(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Order]:
        return await self._venue.order_history(symbol, start_ms, limit)

    async def my_trades(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        return await self._venue.fills(symbol, start_ms, limit)

    async def account(self) -> list[Balance]:
        return await self._venue.balances()

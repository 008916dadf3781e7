"""Market quotes: ``GET /quote`` (full, with 5-level depth and circuit limits), ``/quote/ohlc`` and ``/quote/ltp``.

Instruments come as repeated ``i=EXCHANGE:TRADINGSYMBOL`` (or bare instrument tokens); the answer is keyed by the
``i`` value as sent and unknown instruments are simply absent. At most 500 instruments per ``/quote`` call and 1000
per ``/quote/ohlc`` and ``/quote/ltp`` (InputException past that). Timestamps are ``YYYY-MM-DD HH:MM:SS`` IST.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from aiohttp import web

from .auth import ist_text
from .envelope import input_error, success
from .listing import Listed
from .market import Market

MAX_FULL = 500
MAX_LIGHT = 1000
CIRCUIT = {"EQ": Decimal("0.20"), "FUT": Decimal("0.10"), "CE": Decimal("0.40"), "PE": Decimal("0.40")}


def circuit_limits(item: Listed, prev_close: Decimal) -> tuple[Decimal, Decimal]:
    """Lower and upper price bands around the previous close, on the tick (indices: 0, 0)."""
    if not item.tradable:
        return Decimal(0), Decimal(0)
    band = CIRCUIT[item.instrument_type]
    low = (prev_close * (1 - band) / item.tick).to_integral_value(ROUND_CEILING) * item.tick
    high = (prev_close * (1 + band) / item.tick).to_integral_value(ROUND_FLOOR) * item.tick
    return max(low, item.tick), high


class Quotes:
    def __init__(self, market: Market) -> None:
        self.market = market

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/quote", self.quote), web.get("/quote/ohlc", self.ohlc), web.get("/quote/ltp", self.ltp)]

    def _resolve(self, request: web.Request, limit: int) -> list[tuple[str, Listed]]:
        wanted = request.query.getall("i", [])
        if not wanted:
            raise input_error("No instruments specified.")
        if len(wanted) > limit:
            raise input_error(f"Too many instruments (maximum {limit} per request).")
        out = []
        for name in wanted:
            item = self.market.by_key.get(name)
            if item is None and name.isdigit():
                item = self.market.by_token.get(int(name))
            if item is not None:
                out.append((name, item))
        return out

    def _ohlc(self, item: Listed) -> dict[str, Any]:
        day = self.market.days[item.key]
        return {"open": day.open, "high": day.high, "low": day.low, "close": day.prev_close}

    async def ltp(self, request: web.Request) -> web.Response:
        return success({name: {"instrument_token": item.token, "last_price": self.market.ltp(item.key)}
                        for name, item in self._resolve(request, MAX_LIGHT)})

    async def ohlc(self, request: web.Request) -> web.Response:
        return success({name: {"instrument_token": item.token, "last_price": self.market.ltp(item.key),
                               "ohlc": self._ohlc(item)} for name, item in self._resolve(request, MAX_LIGHT)})

    async def quote(self, request: web.Request) -> web.Response:
        return success({name: self.full(item) for name, item in self._resolve(request, MAX_FULL)})

    def full(self, item: Listed) -> dict[str, Any]:
        day = self.market.days[item.key]
        now = self.market.clock.now_ms()
        out: dict[str, Any] = {"instrument_token": item.token, "timestamp": ist_text(now), "last_price": day.last,
                               "ohlc": self._ohlc(item), "net_change": day.last - day.prev_close}
        if not item.tradable:
            return out
        bids, asks = self.market.depth(item.key, 20)
        low, high = circuit_limits(item, day.prev_close)
        out.update({
            "last_trade_time": ist_text(day.last_ms), "last_quantity": day.last_qty,
            "buy_quantity": sum((q for _, q in bids), Decimal(0)), "sell_quantity": sum((q for _, q in asks), Decimal(0)),
            "volume": day.volume, "average_price": day.average, "oi": day.oi, "oi_day_high": day.oi_high,
            "oi_day_low": day.oi_low, "lower_circuit_limit": low, "upper_circuit_limit": high,
            "depth": {"buy": levels(bids[:5]), "sell": levels(asks[:5])}})
        return out


def levels(side: list[tuple[Decimal, Decimal]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"price": p, "quantity": q, "orders": 1} for p, q in side]
    out += [{"price": 0, "quantity": 0, "orders": 0}] * (5 - len(out))
    return out

"""FinnhubVenue: the MarketData port on Finnhub (no trading: ``Capabilities(trading=False)``; the session refuses
orders before they reach it). REST through one request budget per token, trades over the WebSocket; quotes are the
last trade (``quotes_from_trades`` in health), bars are built from trades, history is REST candles (resolutions
1/5/15/30/60/D/W/M; the chart's other intervals are aggregated from the nearest finer one). Also ``news``,
``market_news`` and ``fundamentals`` (records with ``to_frame()``)."""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any, Mapping

from ...bus import Bus
from ...model import AssetClass, Bar, Instrument, Interval, OrderBook, QuoteTick, Ticker24h, TradeTick
from ..ports import AuthError, Rejected, StreamHealth
from . import parse
from .bars import BarBuilder
from .budget import shared
from .info import FREE_PER_MINUTE, INFO, LIVE_REST, LIVE_WS, PER_SECOND
from .records import Fundamentals, NewsList
from .rest import FinnhubRest
from .stream import TradeStream

log = logging.getLogger(__name__)

#: interval -> (Finnhub resolution, native interval it is read at; aggregated when that differs)
RESOLUTION: dict[Interval, tuple[str, Interval]] = {
    Interval.M1: ("1", Interval.M1), Interval.M3: ("1", Interval.M1), Interval.M5: ("5", Interval.M5),
    Interval.M15: ("15", Interval.M15), Interval.M30: ("30", Interval.M30), Interval.H1: ("60", Interval.H1),
    Interval.H2: ("60", Interval.H1), Interval.H4: ("60", Interval.H1), Interval.H6: ("60", Interval.H1),
    Interval.H8: ("60", Interval.H1), Interval.H12: ("60", Interval.H1), Interval.D1: ("D", Interval.D1),
    Interval.D3: ("D", Interval.D1), Interval.W1: ("W", Interval.W1), Interval.MO1: ("M", Interval.MO1),
}
CANDLES = {AssetClass.EQUITY: "/stock/candle", AssetClass.FOREX: "/forex/candle",
           AssetClass.CRYPTO_SPOT: "/crypto/candle"}
CALENDAR = (Interval.W1, Interval.MO1)
NO_BOOK = "finnhub serves no order book (trades and L1 from trades only)"


class FinnhubVenue:
    info = INFO

    def __init__(self, environment: str = "sandbox", *, bus: Bus | None = None,
                 credentials: Mapping[str, str] | None = None, rest_url: str | None = None,
                 ws_url: str | None = None, rate_limit: int = FREE_PER_MINUTE, rate_window_s: float = 60.0,
                 rate_per_second: int = PER_SECOND,
                 forex_exchanges: tuple[str, ...] = ("oanda",), crypto_exchanges: tuple[str, ...] = ("binance",),
                 stocks_exchange: str = "US") -> None:
        INFO.environment(environment)
        token = (credentials or {}).get("token", "")
        if not token:
            raise AuthError("finnhub needs an API token: set FINNHUB_TOKEN or add it in Accounts")
        if environment == "live":
            rest_url, ws_url = rest_url or LIVE_REST, ws_url or LIVE_WS
        if not rest_url or not ws_url:
            raise ValueError("finnhub sandbox: rest_url and ws_url of its paper server are needed "
                             "(terminal.connect('finnhub') starts one)")
        self.environment = environment
        self.bus = bus or Bus()
        self.budget = shared(rest_url, token, rate_limit, rate_window_s, rate_per_second)
        self.rest = FinnhubRest(rest_url, token, self.budget)
        self.stream = TradeStream(ws_url, token, self.bus.publish, self._on_trades)
        self.bars = BarBuilder(self.bus.publish)
        self._quotes: dict[str, int] = {}
        self._instruments: dict[str, Instrument] = {}
        self._forex, self._crypto, self._stocks = forex_exchanges, crypto_exchanges, stocks_exchange

    # ------------------------------------------------------------------ lifecycle and clock
    async def start(self) -> None:
        await self.instruments(refresh=True)
        await self.stream.start()

    async def close(self) -> None:
        await self.stream.close()
        self.rest.close()

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    # ------------------------------------------------------------------ reference
    async def instruments(self, refresh: bool = False) -> dict[str, Instrument]:
        if refresh or not self._instruments:
            found = parse.stocks(await self.rest.get("/stock/symbol", {"exchange": self._stocks}), None)
            for ex in self._forex:
                found += parse.pairs(await self.rest.get("/forex/symbol", {"exchange": ex}), AssetClass.FOREX)
            for ex in self._crypto:
                found += parse.pairs(await self.rest.get("/crypto/symbol", {"exchange": ex}), AssetClass.CRYPTO_SPOT)
            self._instruments = {i.symbol: i for i in found}
        return dict(self._instruments)

    async def search(self, text: str) -> list[Instrument]:
        """``/search``: listed instruments matching ``text``, best first."""
        body = await self.rest.get("/search", {"q": text})
        hits = [r.get("symbol") for r in body.get("result", []) if isinstance(r, dict)]
        return [self._instruments[s] for s in hits if s in self._instruments]

    def _instrument(self, symbol: str) -> Instrument:
        ins = self._instruments.get(symbol)
        if ins is None:
            raise Rejected(f"finnhub: unknown symbol {symbol!r}")
        return ins

    # ------------------------------------------------------------------ snapshots and history
    async def quote(self, symbol: str) -> QuoteTick:
        self._instrument(symbol)
        q = parse.quote(symbol, await self.rest.get("/quote", {"symbol": symbol}), self.now_ms())
        if q is None:
            raise Rejected(f"finnhub has no quote for {symbol}")
        return q

    async def ticker(self, symbol: str) -> Ticker24h:
        self._instrument(symbol)
        t = parse.ticker(symbol, await self.rest.get("/quote", {"symbol": symbol}), self.now_ms())
        if t is None:
            raise Rejected(f"finnhub has no quote for {symbol}")
        return t

    async def depth(self, symbol: str, limit: int = 100) -> tuple[int, list[tuple[Decimal, Decimal]],
                                                                  list[tuple[Decimal, Decimal]]]:
        raise Rejected(NO_BOOK)

    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000) -> list[Bar]:
        ins = self._instrument(symbol)
        if interval not in RESOLUTION:
            raise Rejected(f"finnhub has no {interval.value} candles (its finest resolution is 1 minute)")
        resolution, native = RESOLUTION[interval]
        now = self.now_ms()
        limit = max(1, min(int(limit), INFO.capabilities.history_limit))
        calendar = interval in CALENDAR  # week/month buckets are not multiples of their length since the epoch
        if start_ms is not None:
            lo = start_ms if calendar else start_ms - start_ms % interval.ms
            hi = min(end_ms if end_ms is not None else now, lo + limit * interval.ms - 1)
        else:
            hi = end_ms if end_ms is not None else now
            lo = hi - hi % interval.ms - (limit - 1 + calendar) * interval.ms
        body = await self.rest.get(CANDLES.get(ins.asset_class, "/stock/candle"),
                                   {"symbol": symbol, "resolution": resolution, "from": lo // 1000,
                                    "to": hi // 1000})
        bars = parse.candles(symbol, native, body, now)
        if native is not interval:
            bars = parse.aggregate(bars, interval, now)
        bars = [b for b in bars if lo <= b.open_time <= hi]
        return bars[:limit] if start_ms is not None else bars[-limit:]

    # ------------------------------------------------------------------ streams
    def _on_trades(self, ticks: list[TradeTick]) -> None:
        publish, bars = self.bus.publish, self.bars
        watched_bars = bars.symbols()
        for t in ticks:
            if t.symbol in self._quotes:
                publish(t)
                publish(QuoteTick(t.symbol, t.price, Decimal(0), t.price, Decimal(0), ts_event=t.ts_event,
                                  ts_recv=t.ts_recv))
            if t.symbol in watched_bars:
                bars.on_trade(t)

    def _trade_symbols(self) -> set[str]:
        return set(self._quotes) | self.bars.symbols()

    async def _want(self, symbol: str) -> None:
        if symbol not in self.stream.trades:
            await self.stream.subscribe(symbol)

    async def _maybe_drop(self, symbol: str) -> None:
        if symbol not in self._trade_symbols() and symbol in self.stream.trades:
            await self.stream.unsubscribe(symbol)

    async def watch_quotes(self, symbol: str) -> None:
        self._instrument(symbol)
        self._quotes[symbol] = self._quotes.get(symbol, 0) + 1
        await self._want(symbol)

    async def unwatch_quotes(self, symbol: str) -> None:
        left = self._quotes.get(symbol, 0) - 1
        if left > 0:
            self._quotes[symbol] = left
            return
        self._quotes.pop(symbol, None)
        await self._maybe_drop(symbol)

    async def watch_book(self, symbol: str, wait_synced_s: float | None = None) -> OrderBook:
        raise Rejected(NO_BOOK)

    async def unwatch_book(self, symbol: str) -> None:
        return None

    async def watch_bars(self, symbol: str, interval: Interval) -> None:
        self._instrument(symbol)
        self.bars.watch(symbol, interval)
        await self._want(symbol)

    async def unwatch_bars(self, symbol: str, interval: Interval) -> None:
        self.bars.unwatch(symbol, interval)
        await self._maybe_drop(symbol)

    async def watch_news(self, symbol: str) -> None:
        """Company news frames for ``symbol`` on the bus (NewsItem; premium on the real service)."""
        await self.stream.subscribe(symbol, "subscribe-news")

    async def unwatch_news(self, symbol: str) -> None:
        await self.stream.unsubscribe(symbol, "unsubscribe-news")

    # ------------------------------------------------------------------ news and fundamentals
    async def news(self, symbol: str, days: int = 7) -> NewsList:
        """Company news of the last ``days`` days, newest first."""
        today = parse.utc_date(self.now_ms())
        rows = await self.rest.get("/company-news", {"symbol": symbol, "from": (today - timedelta(days=days))
                                                     .isoformat(), "to": today.isoformat()})
        return parse.news(rows)

    async def market_news(self, category: str = "general", min_id: int = 0) -> NewsList:
        return parse.news(await self.rest.get("/news", {"category": category, "minId": min_id}))

    async def fundamentals(self, symbol: str) -> Fundamentals:
        """Profile, basic financials and the next earnings date (three requests, in parallel under the budget)."""
        today = parse.utc_date(self.now_ms())
        profile, metric, earnings = await asyncio.gather(
            self.rest.get("/stock/profile2", {"symbol": symbol}),
            self.rest.get("/stock/metric", {"symbol": symbol, "metric": "all"}),
            self.rest.get("/calendar/earnings", {"from": today.isoformat(),
                                                 "to": (today + timedelta(days=120)).isoformat(), "symbol": symbol}))
        return parse.fundamentals(symbol, profile if isinstance(profile, dict) else {},
                                  metric if isinstance(metric, dict) else {},
                                  earnings if isinstance(earnings, dict) else {}, today)

    # ------------------------------------------------------------------ health
    def health(self) -> dict[str, StreamHealth]:
        """'market': the WebSocket, with the request budget (``rate_used`` of ``rate_limit`` per window,
        ``rate_use`` 0..1), ``quotes_from_trades`` (L1 is the last trade) and REST latency."""
        h = self.stream.connection_health()
        used, limit = self.budget.used, self.budget.limit
        lat = sorted(self.rest.latencies_ms)
        h.extra.update(connected=self.stream.connected, rate_used=used, rate_limit=limit,
                       rate_use=min(1.0, used / limit) if limit else 0.0, rate_waited=self.budget.waited,
                       rate_limited=self.budget.limited, quotes_from_trades=True, pings=self.stream.pings,
                       rest_latency_p50_ms=lat[len(lat) // 2] if lat else None,
                       rest_latency_p99_ms=lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None)
        return {"market": h}


def create(environment: str = "sandbox", *, bus: Bus | None = None, **options: Any) -> Any:
    """A FinnhubVenue: the MarketData port only (the registry's Venue type has the Execution port too; the session
    never calls it for a data-only provider)."""
    return FinnhubVenue(environment, bus=bus, **options)

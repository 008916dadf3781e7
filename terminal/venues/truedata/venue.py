"""TrueDataVenue: the MarketData port over TrueData (market data only, ``Capabilities(trading=False)``).

Instruments come from the symbol master; watched symbols are added on the one real-time WebSocket (``stream``) and
publish TradeTick/QuoteTick (watch_quotes), BookUpdated snapshots of the 5-level ``bidaskL2`` (watch_book) and Bars
(watch_bars, 1 and 5 minutes: the bar forming from the trades, ``closed=False``, then TrueData's completed
``bar1min``/``bar5min``). History (klines, quote and ticker when not watched) is REST; ranges longer than one request
are paged transparently. Every trading call is refused in words: TrueData places no orders.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any, Callable, Mapping

from ...bus import Bus
from ...clock import Clock, LiveClock
from ...model import (Balance, Bar, BookUpdated, Fill, Holding, Instrument, Interval, Order, OrderBook,
                      OrderRequest, QuoteTick, Ticker24h)
from ..ports import AuthError, Rejected, StreamHealth, TemporaryError, UnknownOrder
from . import convert, parse
from .info import INFO, INTERVALS, LIVE, STREAMED
from .rest import TrueDataRest
from .stream import TrueDataStream

log = logging.getLogger(__name__)
DAY_MS = 86_400_000
MAX_REQUESTS_PER_CALL = 40
MAX_WINDOW_MS = 32 * DAY_MS  # the widest window asked at once (after empty ones)
MAX_GAP_MS = 45 * DAY_MS  # no bar over this long, walking back: the history starts here
DEPTH_WAIT_S = 10.0
NO_ORDERS = "TrueData provides market data only: it places no orders (trade this symbol with a broker venue)"
SEGMENTS = ("eq", "in", "fo")


class TrueDataVenue:
    info = INFO

    def __init__(self, environment: str = "sandbox", *, bus: Bus | None = None,
                 credentials: Mapping[str, str] | None = None, ws_url: str | None = None,
                 history_url: str | None = None, auth_url: str | None = None, api_url: str | None = None,
                 heartbeat_timeout_s: float = 15.0, clock: Clock | None = None, connect_timeout_s: float = 20.0,
                 **stream_options: Any) -> None:
        INFO.environment(environment)
        creds = dict(credentials or {})
        if not creds.get("username") or not creds.get("password"):
            raise AuthError("TrueData needs a username and a password (TRUEDATA_USER / TRUEDATA_PASSWORD)")
        if environment != "live" and not (ws_url and history_url):
            raise ValueError("the TrueData sandbox needs ws_url and history_url (the registry starts the paper "
                             "server and passes them)")
        self.environment = environment
        self.bus = bus or Bus()
        self.clock: Clock = clock or LiveClock()
        self.connect_timeout_s = connect_timeout_s
        urls = {"ws_url": ws_url or LIVE["ws_url"], "history_url": history_url or LIVE["history_url"],
                "auth_url": auth_url or (f"{history_url.rstrip('/')}/token" if history_url else LIVE["auth_url"]),
                "api_url": api_url or history_url or LIVE["api_url"]}
        self.urls = urls
        self.rest = TrueDataRest(urls["auth_url"], urls["history_url"], urls["api_url"], creds["username"],
                                 creds["password"])
        self.stream = TrueDataStream(urls["ws_url"], creds["username"], creds["password"], self.bus.publish,
                                     self._on_record, heartbeat_timeout_s=heartbeat_timeout_s, **stream_options)
        self._instruments: dict[str, Instrument] = {}
        self._quote_watch: set[str] = set()
        self._books: dict[str, OrderBook] = {}
        self._bar_watch: set[tuple[str, Interval]] = set()
        self._forming: dict[tuple[str, Interval], Bar] = {}
        self._quotes: dict[str, QuoteTick] = {}
        self._depth_waiters: dict[str, list[asyncio.Future[parse.Depth]]] = {}
        self._closed = False

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        await self.instruments(refresh=True)  # also proves the credentials (AuthError)
        await self.stream.start()
        await self.stream.wait_connected(self.connect_timeout_s)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.stream.close()
        for waiters in self._depth_waiters.values():
            for fut in waiters:
                fut.cancel()
        self.rest.close()

    # ------------------------------------------------------------------ reference data and snapshots
    async def instruments(self, refresh: bool = False) -> dict[str, Instrument]:
        if refresh or not self._instruments:
            found: dict[str, Instrument] = {}
            for segment in SEGMENTS:
                for row in await self.rest.master(segment):
                    inst = convert.instrument(row)
                    if inst is not None:
                        found[inst.symbol] = inst
            self._instruments = found
        return dict(self._instruments)

    def _instrument(self, symbol: str) -> Instrument:
        inst = self._instruments.get(symbol)
        if inst is None:
            raise Rejected(f"TrueData lists no symbol {symbol!r} (NSE tickers like RELIANCE, indices like "
                           f"'NIFTY 50', continuous futures like NIFTY-I)")
        return inst

    async def quote(self, symbol: str) -> QuoteTick:
        self._instrument(symbol)
        cached = self._quotes.get(symbol)
        if cached is not None and symbol in self.stream.wanted and self.stream.connected:
            return cached
        ticks = await self.rest.last_ticks(symbol, 1, bidask=True)
        if not ticks:
            raise Rejected(f"TrueData has no tick for {symbol} yet")
        t = ticks[-1]
        if t.bid and t.ask:
            return convert.quote(symbol, t.bid, t.bid_qty or Decimal(0), t.ask, t.ask_qty or Decimal(0), t.ts_ms,
                                 self.now_ms())
        return convert.quote(symbol, t.price, Decimal(0), t.price, Decimal(0), t.ts_ms, self.now_ms())  # index

    async def ticker(self, symbol: str) -> Ticker24h:
        self._instrument(symbol)
        rows = await self.rest.last_bars(symbol, "eod", 2)
        if not rows:
            raise Rejected(f"TrueData has no daily bar for {symbol}")
        last, prev = rows[-1], rows[-2] if len(rows) > 1 else None
        change = ((last.close - prev.close) / prev.close * 100).quantize(Decimal("0.01")) if prev and prev.close \
            else Decimal(0)
        return Ticker24h(symbol, last.close, last.open, last.high, last.low, last.volume, Decimal(0), change,
                         ts_event=last.ts_ms, ts_recv=self.now_ms())

    async def depth(self, symbol: str, limit: int = 100) -> tuple[int, list[tuple[Decimal, Decimal]],
                                                                   list[tuple[Decimal, Decimal]]]:
        """The 5-level book from the real-time feed (TrueData has no depth over REST): the next ``bidaskL2`` of the
        symbol, subscribing for the moment if it is not watched."""
        self._instrument(symbol)
        limit = max(1, min(int(limit), 5))
        fut: asyncio.Future[parse.Depth] = asyncio.get_running_loop().create_future()
        self._depth_waiters.setdefault(symbol, []).append(fut)
        borrowed = symbol not in self.stream.wanted
        try:
            if borrowed:
                await self.stream.add([symbol])
            try:
                d = await asyncio.wait_for(fut, DEPTH_WAIT_S)
            except asyncio.TimeoutError:
                raise TemporaryError(f"TrueData sent no depth for {symbol} within {DEPTH_WAIT_S:.0f}s "
                                     "(market closed, or an index)") from None
        finally:
            waiters = self._depth_waiters.get(symbol, [])
            if fut in waiters:
                waiters.remove(fut)
            if borrowed:
                await self._release(symbol)
        return d.seq, list(d.bids[:limit]), list(d.asks[:limit])

    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000) -> list[Bar]:
        """Bars oldest first, at most ``history_limit`` per call (page on with ``start_ms``); a range is fetched in
        as many requests as it takes."""
        self._instrument(symbol)
        code = INTERVALS.get(interval)
        if code is None:
            raise Rejected(f"TrueData has no {interval.value} bars (it has {', '.join(i.value for i in INTERVALS)})")
        limit = max(1, min(int(limit), INFO.capabilities.history_limit))
        now = self.now_ms()
        end = now if end_ms is None else min(end_ms, now)
        if start_ms is None and end_ms is None:
            rows = await self.rest.last_bars(symbol, code, limit)
            return [convert.bar(symbol, interval, r, now) for r in rows[-limit:]]
        span = max(limit * interval.ms, DAY_MS)
        if start_ms is None:
            rows_out = (await self._page_back(symbol, code, end, span, limit))[-limit:]
        else:
            rows_out = (await self._page_forward(symbol, code, start_ms, end, span, limit))[:limit]
        return [convert.bar(symbol, interval, r, now) for r in rows_out]

    async def _page_back(self, symbol: str, code: str, end: int, span: int, limit: int) -> list[parse.BarRow]:
        """The newest ``limit`` bars up to ``end``, walking back one window a request. Empty windows (nights,
        weekends, holidays: TrueData has bars only in sessions) double the next window; a stretch of
        ``MAX_GAP_MS`` without a bar is the start of the history."""
        rows: list[parse.BarRow] = []
        cursor, width, gap = end, span, 0
        for _ in range(MAX_REQUESTS_PER_CALL):
            got = await self.rest.bars(symbol, code, cursor - width + 1, cursor)
            got = [r for r in got if r.ts_ms <= end and (not rows or r.ts_ms < rows[0].ts_ms)]  # whole seconds
            rows = got + rows
            cursor -= width
            if len(rows) >= limit:
                break
            if got:
                width, gap = span, 0
            else:
                gap += width
                if gap > MAX_GAP_MS:
                    break
                width = min(width * 2, max(span, MAX_WINDOW_MS))
        return rows

    async def _page_forward(self, symbol: str, code: str, start: int, end: int, span: int,
                            limit: int) -> list[parse.BarRow]:
        """The first ``limit`` bars from ``start`` to ``end``, one window a request (empty windows double the next)."""
        rows: list[parse.BarRow] = []
        cursor, width = start, span
        for _ in range(MAX_REQUESTS_PER_CALL):
            if cursor > end:
                break
            chunk_end = min(end, cursor + width - 1)
            got = await self.rest.bars(symbol, code, cursor, chunk_end)
            rows += [r for r in got if start <= r.ts_ms <= end and (not rows or r.ts_ms > rows[-1].ts_ms)]
            cursor = chunk_end + 1
            if len(rows) >= limit:
                break
            width = span if got else min(width * 2, max(span, MAX_WINDOW_MS))
        return rows

    async def ticks(self, symbol: str, start_ms: int, end_ms: int) -> list[parse.TickRow]:
        """Historical ticks (with the touch) of ``symbol`` in a range."""
        self._instrument(symbol)
        return await self.rest.ticks(symbol, start_ms, end_ms, bidask=True)

    # ------------------------------------------------------------------ subscriptions
    async def watch_quotes(self, symbol: str) -> None:
        self._instrument(symbol)
        self._quote_watch.add(symbol)
        await self.stream.add([symbol])

    async def unwatch_quotes(self, symbol: str) -> None:
        self._quote_watch.discard(symbol)
        await self._release(symbol)

    async def watch_book(self, symbol: str, wait_synced_s: float | None = None) -> OrderBook:
        self._instrument(symbol)
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = OrderBook(symbol)
        await self.stream.add([symbol])
        return book

    async def unwatch_book(self, symbol: str) -> None:
        self._books.pop(symbol, None)
        await self._release(symbol)

    async def watch_bars(self, symbol: str, interval: Interval) -> None:
        self._instrument(symbol)
        if interval not in STREAMED.values():
            raise Rejected(f"TrueData streams 1m and 5m bars, not {interval.value}")
        self._bar_watch.add((symbol, interval))
        await self.stream.add([symbol])

    async def unwatch_bars(self, symbol: str, interval: Interval) -> None:
        self._bar_watch.discard((symbol, interval))
        self._forming.pop((symbol, interval), None)
        await self._release(symbol)

    async def _release(self, symbol: str) -> None:
        """Remove the symbol from the feed once nothing watches it."""
        if symbol in self._quote_watch or symbol in self._books or self._depth_waiters.get(symbol) \
                or any(s == symbol for s, _ in self._bar_watch):
            return
        self._quotes.pop(symbol, None)
        await self.stream.remove([symbol])

    # ------------------------------------------------------------------ the feed
    def _on_record(self, record: parse.Record, name: str | None) -> None:
        if name is None:
            if isinstance(record, parse.Added):
                for row in record.rows:
                    if row.bid > 0 and row.ask > 0:
                        self._quote(row.name, row.bid, row.bid_qty, row.ask, row.ask_qty, row.ts_ms)
            return
        now = self.now_ms()
        if isinstance(record, parse.Trade):
            if name in self._quote_watch:
                self.bus.publish(convert.trade(name, record, now))
            if record.bid and record.ask and record.bid_qty is not None and record.ask_qty is not None:
                self._quote(name, record.bid, record.bid_qty, record.ask, record.ask_qty, record.ts_ms)
            for interval in STREAMED.values():
                if (name, interval) in self._bar_watch:
                    self._form(name, interval, record, now)
        elif isinstance(record, parse.BidAsk):
            self._quote(name, record.bid, record.bid_qty, record.ask, record.ask_qty, record.ts_ms)
        elif isinstance(record, parse.Depth):
            for fut in self._depth_waiters.get(name, []):
                if not fut.done():
                    fut.set_result(record)
            book = self._books.get(name)
            if book is not None and record.bids and record.asks:
                book.load_snapshot(record.seq, record.bids, record.asks)
                self.bus.publish(BookUpdated(name, record.seq, record.bids, record.asks, True, record.ts_ms, now))
        elif isinstance(record, parse.BarMsg):
            streamed = STREAMED.get(record.minutes)
            if streamed is not None and (name, streamed) in self._bar_watch:
                forming = self._forming.get((name, streamed))
                if forming is not None and forming.open_time <= record.ts_ms:
                    del self._forming[(name, streamed)]
                self.bus.publish(convert.streamed_bar(name, streamed, record, now))

    def _quote(self, name: str, bid: Decimal, bid_qty: Decimal, ask: Decimal, ask_qty: Decimal, ts_ms: int) -> None:
        q = convert.quote(name, bid, bid_qty, ask, ask_qty, ts_ms, self.now_ms())
        last = self._quotes.get(name)
        self._quotes[name] = q
        if name in self._quote_watch and (last is None or (last.bid, last.bid_qty, last.ask, last.ask_qty)
                                          != (bid, bid_qty, ask, ask_qty)):
            self.bus.publish(q)

    def _form(self, name: str, interval: Interval, t: parse.Trade, now: int) -> None:
        """The bar forming from the trades seen since the watch began (TrueData sends only completed bars)."""
        open_time = t.ts_ms - t.ts_ms % interval.ms
        bar = self._forming.get((name, interval))
        if bar is None or bar.open_time != open_time:
            bar = Bar(name, interval, open_time, t.price, t.price, t.price, t.price, t.qty, False, trades=1,
                      ts_recv=now)
        else:
            bar = Bar(name, interval, open_time, bar.open, max(bar.high, t.price), min(bar.low, t.price), t.price,
                      bar.volume + t.qty, False, trades=bar.trades + 1, ts_recv=now)
        self._forming[(name, interval)] = bar
        self.bus.publish(bar)

    def health(self) -> dict[str, StreamHealth]:
        snap = self.stream.connection_health()
        snap.dropped = self.stream.parse.dropped
        snap.extra.update({"heartbeats": self.stream.heartbeats, "market_status": self.stream.market_status,
                           "subscribed": len(self.stream.wanted), "rest_requests": self.rest.requests,
                           "rest_errors": self.rest.errors})
        return {"market": snap}

    # ------------------------------------------------------------------ execution: none
    def now_ms(self) -> int:
        return self.clock.now_ms()

    def settle_ms(self) -> int:
        return 0

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        raise Rejected(NO_ORDERS)

    async def test_order(self, request: OrderRequest) -> None:
        raise Rejected(NO_ORDERS)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        raise UnknownOrder(NO_ORDERS)

    async def cancel_all(self, symbol: str) -> list[Order]:
        return []

    async def replace_order(self, symbol: str, client_order_id: str, quantity: Decimal | None = None,
                            price: Decimal | None = None) -> Order:
        raise Rejected(NO_ORDERS)

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        raise UnknownOrder(NO_ORDERS)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return []

    async def order_history(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Order]:
        return []

    async def fills(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        return []

    async def balances(self) -> list[Balance]:
        return []

    async def positions(self) -> list[Holding]:
        return []

    async def start_user_stream(self, on_connect: Callable[[bool], None] | None = None) -> None:
        raise Rejected(NO_ORDERS)

    def __repr__(self) -> str:
        return f"TrueDataVenue({self.environment}, {self.urls['ws_url']})"


def create(environment: str = "sandbox", *, bus: Bus | None = None, **options: Any) -> TrueDataVenue:
    """The registry's factory: an un-started TrueDataVenue (credentials, ws_url, history_url, auth_url, api_url)."""
    return TrueDataVenue(environment, bus=bus, **options)

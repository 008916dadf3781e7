"""KiteVenue: the ``Venue`` port (and ``InstrumentSearch``, ``NativeProtection``) for Zerodha Kite Connect.

REST (``rest.py``) for everything requested, the binary ticker (``ticker.py``) for quotes, books, bars and order
updates, the daily instruments dump (``instruments.py``) for symbols. The same class serves the paper server and
live; only the URLs and the credentials differ. An expired access token is ``SessionExpired`` from every call and
stops the ticker (no reconnect loop): the session says "log in again".
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from ...bus import Bus
from ...model import (Balance, Bar, ConnectionChanged, Fill, Holding, Instrument, Interval, Order, OrderBook,
                      OrderRequest, OrderUpdated, QuoteTick, Ticker24h)
from ...model.numbers import ZERO
from ...tasks import TaskOwner
from ..ports import Rejected, SessionExpired, StreamHealth, TemporaryError, VenueError
from . import records
from .enums import INTERVAL_TO_WIRE, MAX_DAYS_PER_CALL
from .feeds import Feeds
from .info import INFO, NAME
from .instruments import Catalog, DumpCache, ist_date, parse_dump
from .orders import KiteOrders
from .parse import TextMessage
from .rest import KiteRest
from .tags import Tags
from .ticker import KiteTicker

log = logging.getLogger(__name__)
Levels = list[tuple[Decimal, Decimal]]
DAY_MS = 86_400_000
MAX_CALLS = 40  # historical requests per klines() call at most (3 a second)


class KiteVenue:
    """The Kite adapter. ``await start()`` before use and ``await close()`` after."""

    info = INFO

    def __init__(self, environment: str, *, root: str, ticker_url: str, login_url: str, api_key: str,
                 access_token: str | None, api_secret: str | None = None, bus: Bus | None = None,
                 cache_dir: str | Path | None = None, silence_timeout_s: float = 10.0, settle_ms: int = 1000,
                 connect_timeout_s: float = 10.0) -> None:
        self.environment = INFO.environment(environment).name
        self.bus = bus or Bus()
        self.login_url = login_url
        self.api_key = api_key
        self._api_secret = api_secret
        self.rest = KiteRest(root, api_key, access_token, settle_ms=settle_ms)
        self.tags = Tags()
        self._catalog: Catalog | None = None
        self._catalog_day: date | None = None
        self._cache = DumpCache(Path(cache_dir), self.environment) if cache_dir is not None else None
        self.orders = KiteOrders(self.rest, self.catalog, self.tags, self.now_ms)
        self.feeds = Feeds(self.bus.publish, self._symbol_of_token)
        self.stream = KiteTicker(ticker_url, api_key, lambda: self.rest.access_token, self.feeds.on_ticks,
                                 self._on_text, self._on_stream_event, silence_timeout_s=silence_timeout_s)
        self._connect_timeout_s = connect_timeout_s
        self._tasks = TaskOwner(f"kite {self.environment}", log)
        self._filled: dict[str, Decimal] = {}  # order id -> filled quantity last reported
        self._fill_ids: set[int] = set()
        self.user_stream = False
        self.messages_errors = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if not self.rest.access_token:
            raise SessionExpired("no Kite access token for today: log in (terminal.venues.kite.login)")
        await self.instruments()
        await self.stream.start()
        try:
            await self.stream.wait_connected(self._connect_timeout_s)
        except asyncio.TimeoutError:
            log.warning("Kite ticker not connected after %.0fs; it keeps retrying", self._connect_timeout_s)

    async def close(self) -> None:
        await self._tasks.close()
        await self.stream.close()
        await self.rest.close()

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    def settle_ms(self) -> int:
        return self.rest.settle_ms

    # ------------------------------------------------------------------ instruments

    def catalog(self) -> Catalog:
        if self._catalog is None:
            raise TemporaryError("Kite's instruments are not loaded yet")
        return self._catalog

    def _symbol_of_token(self, token: int) -> str | None:
        return self._catalog.symbol_of_token(token) if self._catalog is not None else None

    async def instruments(self, refresh: bool = False) -> dict[str, Instrument]:
        """Every instrument of today's dump (downloaded once a day; cached on disk when the venue has a cache dir)."""
        today = ist_date()
        if self._catalog is None or refresh or today != self._catalog_day:  # Kite makes a new dump every day
            loop = asyncio.get_running_loop()
            cache = self._cache
            # the cached dump (~8 MB) is read off the loop (the GUI thread in the app), as it is parsed
            text = None if (refresh or cache is None) else await loop.run_in_executor(None, cache.load, today)
            if text is None:
                text = await self.rest.instruments_csv()
                if self._cache is not None:
                    await asyncio.get_running_loop().run_in_executor(None, self._cache.store, today, text)
            self._catalog = await asyncio.get_running_loop().run_in_executor(
                None, lambda: parse_dump(text, NAME, today=today))
            self._catalog_day = today
        return self._catalog.instruments

    async def search(self, text: str) -> list[Instrument]:
        """Instruments matching ``text`` ("NIFTY 24 DEC FUT", "infy"), best first (see ``instruments.Catalog``)."""
        await self.instruments()
        return self.catalog().search(text)

    def _key(self, symbol: str) -> str:
        listing = self.catalog().listing(symbol)
        if listing is None:
            raise Rejected(f"{symbol} is not in Kite's instruments")
        return f"{listing.exchange}:{listing.tradingsymbol}"

    # ------------------------------------------------------------------ market data (REST)

    async def _full_quote(self, symbol: str) -> dict[str, Any]:
        key = self._key(symbol)
        data = await self.rest.quote([key])
        if key not in data:
            raise Rejected(f"Kite has no quote for {symbol}")
        return dict(data[key])

    async def ticker(self, symbol: str) -> Ticker24h:
        q = await self._full_quote(symbol)
        ohlc = q.get("ohlc") or {}
        last = _d(q.get("last_price"))
        close = _d(ohlc.get("close"))
        change = ((last - close) * 100 / close).quantize(Decimal("0.01")) if close else ZERO
        volume = _d(q.get("volume"))
        return Ticker24h(symbol, last, _d(ohlc.get("open")), _d(ohlc.get("high")), _d(ohlc.get("low")), volume,
                         _d(q.get("average_price")) * volume, change, records.ist_ms(q.get("timestamp")),
                         self.now_ms())

    async def quote(self, symbol: str) -> QuoteTick:
        _, bids, asks = await self.depth(symbol)
        bid = bids[0] if bids else (ZERO, ZERO)
        ask = asks[0] if asks else (ZERO, ZERO)
        return QuoteTick(symbol, bid[0], bid[1], ask[0], ask[1], self.now_ms(), self.now_ms())

    async def depth(self, symbol: str, limit: int = 100) -> tuple[int, Levels, Levels]:
        q = await self._full_quote(symbol)
        depth = q.get("depth") or {}
        bids = [(_d(l["price"]), _d(l["quantity"])) for l in depth.get("buy", []) if _d(l.get("quantity"))]
        asks = [(_d(l["price"]), _d(l["quantity"])) for l in depth.get("sell", []) if _d(l.get("quantity"))]
        return records.ist_ms(q.get("timestamp")), bids[:limit], asks[:limit]

    async def ltp(self, symbols: list[str]) -> dict[str, Decimal]:
        keys = {self._key(s): s for s in symbols}
        data = await self.rest.quote(list(keys), "ltp")
        return {keys[k]: _d(v.get("last_price")) for k, v in data.items() if k in keys}

    async def ohlc(self, symbols: list[str]) -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal, Decimal]]:
        """symbol -> (last, open, high, low, previous close) from ``/quote/ohlc``."""
        keys = {self._key(s): s for s in symbols}
        data = await self.rest.quote(list(keys), "ohlc")
        out = {}
        for k, v in data.items():
            if k in keys:
                o = v.get("ohlc") or {}
                out[keys[k]] = (_d(v.get("last_price")), _d(o.get("open")), _d(o.get("high")), _d(o.get("low")),
                                _d(o.get("close")))
        return out

    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000, *, continuous: bool = False, oi: bool = False) -> list[Bar]:
        """Candles oldest first, at most ``limit``, from ``start_ms`` (default: ``limit`` bars before ``end_ms``).
        Kite's per-call range caps (60 days of minutes ... 2000 days of days) are paged here."""
        wire = INTERVAL_TO_WIRE.get(interval.value)
        if wire is None:
            raise Rejected(f"Kite has no {interval.value} candles; it has {', '.join(INTERVAL_TO_WIRE)}")
        listing = self.catalog().listing(symbol)
        if listing is None:
            raise Rejected(f"{symbol} is not in Kite's instruments")
        now = self.now_ms()
        end = min(end_ms if end_ms is not None else now, now)
        start = start_ms if start_ms is not None else end - limit * _span_ms(interval)
        span = MAX_DAYS_PER_CALL[wire] * DAY_MS
        start = max(start, end - MAX_CALLS * span)  # a range from long before any data costs no more than this
        bars: list[Bar] = []
        cursor = start
        while cursor <= end and len(bars) < limit:
            chunk_end = min(end, cursor + span - 1000)
            rows = await self.rest.historical(listing.token, wire, records.ist_text(cursor),
                                              records.ist_text(chunk_end), continuous=continuous, oi=oi)
            for row in rows:
                bar = records.candle(symbol, interval, row, now)
                if start <= bar.open_time <= end and (not bars or bar.open_time > bars[-1].open_time):
                    bars.append(bar)
            cursor = chunk_end + 1000
        return bars[:limit] if start_ms is not None else bars[-limit:]

    # ------------------------------------------------------------------ subscriptions

    async def _sync_mode(self, symbol: str) -> None:
        listing = self.catalog().listing(symbol)
        if listing is None:
            raise Rejected(f"{symbol} is not in Kite's instruments")
        mode = self.feeds.wanted_mode(symbol)
        if mode is None:
            await self.stream.unsubscribe([listing.token])
        else:
            await self.stream.subscribe([listing.token], mode)

    async def watch_quotes(self, symbol: str) -> None:
        self.feeds.quotes[symbol] = self.feeds.quotes.get(symbol, 0) + 1
        await self._sync_mode(symbol)

    async def unwatch_quotes(self, symbol: str) -> None:
        n = self.feeds.quotes.get(symbol, 0) - 1
        if n > 0:
            self.feeds.quotes[symbol] = n
            return
        self.feeds.quotes.pop(symbol, None)
        await self._sync_mode(symbol)

    async def watch_book(self, symbol: str, wait_synced_s: float | None = None) -> OrderBook:
        self.feeds.book_counts[symbol] = self.feeds.book_counts.get(symbol, 0) + 1
        book = self.feeds.books.setdefault(symbol, OrderBook(symbol))
        if not book.update_id:
            _, bids, asks = await self.depth(symbol)
            book.load_snapshot(1, bids, asks)
        await self._sync_mode(symbol)
        return book

    async def unwatch_book(self, symbol: str) -> None:
        n = self.feeds.book_counts.get(symbol, 0) - 1
        if n > 0:
            self.feeds.book_counts[symbol] = n
            return
        self.feeds.book_counts.pop(symbol, None)
        self.feeds.books.pop(symbol, None)
        await self._sync_mode(symbol)

    async def watch_bars(self, symbol: str, interval: Interval) -> None:
        self.feeds.bars.setdefault((symbol, interval), None)
        await self._sync_mode(symbol)

    async def unwatch_bars(self, symbol: str, interval: Interval) -> None:
        self.feeds.bars.pop((symbol, interval), None)
        await self._sync_mode(symbol)

    def health(self) -> dict[str, StreamHealth]:
        conn = self.stream.connection_health()
        conn.extra.update(rate_limited=self.rest.rate_limited, requests=self.rest.requests_sent,
                          heartbeats=self.stream.heartbeats, ticks=self.stream.ticks,
                          limiter_waits=self.rest.limiter.waits)
        out = {"market": conn}
        if self.user_stream:
            out["user"] = StreamHealth("user", conn.messages, conn.last_message_mono, conn.reconnects, 0, 0,
                                       self.messages_errors, {"connected": self.stream.connected})
        return out

    # ------------------------------------------------------------------ stream events

    def _on_stream_event(self, event: object) -> None:
        self.bus.publish(event)
        if self.user_stream and isinstance(event, ConnectionChanged) and event.stream == self.stream.name:
            # order updates ride on the ticker's connection: the user stream goes down and up with it
            self.bus.publish(dataclasses.replace(event, stream="user"))

    def _on_text(self, msg: TextMessage) -> None:
        if msg.kind == "order":
            try:
                order = self.orders._order(msg.data)
            except Exception as exc:  # noqa: BLE001 - one bad update never stops the stream
                self.messages_errors += 1
                log.warning("order update dropped (%s)", type(exc).__name__)
                return
            self.bus.publish(OrderUpdated(order, order.ts_updated, self.now_ms()))
            order_id = str(msg.data.get("order_id"))
            if self.orders.gtt_legs and not msg.data.get("tag"):  # perhaps a GTT of ours fired: report its legs
                self._tasks.spawn(self._refresh_gtt_legs(), name="kite gtt legs")
            if order.filled_qty > self._filled.get(order_id, ZERO):
                self._filled[order_id] = order.filled_qty
                self._tasks.spawn(self._publish_fills(order, order_id), name=f"kite fills {order_id}")
        elif msg.kind == "error":
            log.warning("Kite ticker error: %s", str(msg.data)[:200])

    async def _refresh_gtt_legs(self) -> None:
        """Each open GTT leg's state (the fired one follows the order Kite placed for it, the other is CANCELED),
        published; finished legs are no longer asked about here."""
        for cid, leg in list(self.orders.gtt_legs.items()):
            if leg.done:
                continue
            try:
                state = await self.orders.query_order(leg.order.symbol, cid)
            except VenueError as exc:
                log.info("GTT leg %s not read (%s)", cid, type(exc).__name__)
                continue
            if state.status is not leg.order.status or state.venue_order_id != leg.order.venue_order_id:
                leg.done = True
                self.bus.publish(OrderUpdated(state, state.ts_updated, self.now_ms()))

    async def _publish_fills(self, order: Order, order_id: str) -> None:
        try:
            fills = await self.orders.order_fills(order, order_id)
        except VenueError as exc:
            log.info("fills of %s not read (%s); reconciliation brings them", order_id, type(exc).__name__)
            return
        for f in fills:
            if f.trade_id not in self._fill_ids:
                self._fill_ids.add(f.trade_id)
                self.bus.publish(f)

    # ------------------------------------------------------------------ Execution port

    async def start_user_stream(self, on_connect: Callable[[bool], Any] | None = None) -> None:
        """Order updates arrive on the ticker's connection: the same one, so ``on_connect`` hears its reconnects."""
        self.user_stream = True
        if on_connect is not None:
            self.stream.add_connect_listener(on_connect)

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        """Returns the order and its fills so far; the same fills are also published from the order updates (the
        order manager merges them by trade id)."""
        return await self.orders.submit(request)

    async def test_order(self, request: OrderRequest) -> None:
        """Kite has no test endpoint: the order is checked against the instrument and built, not sent."""
        self.orders.wire_params(request)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        return await self.orders.cancel_order(symbol, client_order_id)

    async def cancel_all(self, symbol: str) -> list[Order]:
        return await self.orders.cancel_all(symbol)

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        return await self.orders.query_order(symbol, client_order_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return await self.orders.open_orders(symbol)

    async def order_history(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Order]:
        return await self.orders.order_history(symbol, start_ms, limit)

    async def fills(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        return await self.orders.fills(symbol, start_ms, limit)

    async def replace_order(self, symbol: str, client_order_id: str, quantity: Decimal | None = None,
                            price: Decimal | None = None) -> Order:
        return await self.orders.replace_order(symbol, client_order_id, quantity, price)

    async def margins(self) -> dict[str, Any]:
        return await self.rest.margins()

    async def balances(self) -> list[Balance]:
        return records.balances(await self.rest.margins())

    async def net_positions(self) -> list[Holding]:
        data = await self.rest.positions()
        return [records.position(r, self.catalog().symbol_of, NAME) for r in data.get("net") or []]

    async def day_positions(self) -> list[Holding]:
        data = await self.rest.positions()
        return [records.position(r, self.catalog().symbol_of, NAME) for r in data.get("day") or []]

    async def holdings(self) -> list[Holding]:
        return [records.holding(r, self.catalog().symbol_of, NAME) for r in await self.rest.holdings()]

    async def positions(self) -> list[Holding]:
        """Net positions (every product) plus settled holdings, summed per symbol; zero quantities left out."""
        total: dict[str, tuple[Decimal, Decimal]] = {}  # symbol -> (qty, cost of the long/short part)
        for h in [*await self.net_positions(), *await self.holdings()]:
            qty, cost = total.get(h.symbol, (ZERO, ZERO))
            total[h.symbol] = (qty + h.qty, cost + h.qty * (h.avg_price or ZERO))
        return [Holding(s, q, (c / q) if q and c else None, "INR", NAME) for s, (q, c) in total.items() if q]

    # ------------------------------------------------------------------ NativeProtection

    async def submit_oco(self, first: OrderRequest, second: OrderRequest) -> list[Order]:
        return await self.orders.submit_oco(first, second)

    async def submit_gtt(self, request: OrderRequest) -> Order:
        """A single GTT trigger (see ``orders.KiteOrders.submit_gtt``)."""
        return await self.orders.submit_gtt(request)

    async def submit_bracket(self, entry: OrderRequest, take_profit: OrderRequest | None,
                             stop_loss: OrderRequest | None) -> list[Order]:
        raise Rejected("Kite has no native bracket orders (use a cover order, variety co, or a GTT OCO)")


def _d(value: Any) -> Decimal:
    if value is None or value == "":
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _span_ms(interval: Interval) -> int:
    """A candle's span in trading time: a day's candles are a calendar day apart, intraday ones their length (the
    session is about a quarter of a day, so ``limit`` intraday bars reach about four times further back)."""
    return interval.ms if interval is Interval.D1 else interval.ms * 4


__all__ = ["KiteVenue"]

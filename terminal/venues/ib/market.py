"""Market data on ib_async: L1 quotes and trades (reqMktData), depth (reqMktDepth), history (reqHistoricalData,
paged and paced) and live bars (keepUpToDate).

ib_async batches ticker changes per network packet: we publish once per ``pendingTickersEvent`` batch, one
QuoteTick per changed quote and one TradeTick per new last trade, never one event per field. When the user has no
live subscription (IB 354/10168) the adapter switches to delayed data (``reqMarketDataType(3)``) and subscribes again;
tickers IB marks delayed (marketDataType 3/4) are listed in ``delayed`` (shown by ``health()['market'].extra
['delayed']``, which the UI reads to show a "delayed" badge).
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable

from ib_async.wrapper import RequestError

from ...model import Bar, BookUpdated, Interval, OrderBook, QuoteTick, Side, Ticker24h, TradeTick
from ...model.numbers import ZERO
from ..ports import Rejected, StreamHealth
from . import errors
from .contracts import decimal, quantity
from .enums import BAR_SIZE, DELAYED_DATA, DELAYED_FROZEN_DATA, MAX_SPAN_S, duration
from .pacing import HistoryPacer

log = logging.getLogger(__name__)
SNAPSHOT_TIMEOUT_S = 5.0
MAX_PAGES = 20


def _num(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, float) and (math.isnan(value) or value < 0)):
        return None
    return decimal(value)


def _size(value: Any) -> Decimal | None:
    return None if _num(value) is None else quantity(value)


def bar_open_ms(value: date | datetime) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp() * 1000)
    return int(datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp() * 1000)


def bar(symbol: str, interval: Interval, row: Any, now_ms: int, closed: bool = True) -> Bar:
    vol = quantity(row.volume)
    close = decimal(row.close, ZERO) or ZERO
    return Bar(symbol=symbol, interval=interval, open_time=bar_open_ms(row.date),
               open=decimal(row.open, ZERO) or ZERO, high=decimal(row.high, ZERO) or ZERO,
               low=decimal(row.low, ZERO) or ZERO, close=close, volume=max(vol, ZERO), closed=closed,
               quote_volume=(decimal(row.average, ZERO) or close) * max(vol, ZERO),
               trades=max(int(row.barCount or 0), 0), ts_recv=now_ms)


def _ib_end(end_ms: int) -> datetime:
    return datetime.fromtimestamp(end_ms / 1000, timezone.utc)


class IbMarket:
    """The market-data half of the IB venue. ``contract(symbol)`` (async) resolves a qualified contract."""

    def __init__(self, ib: Any, publish: Callable[[object], None], contract: Callable[[str], Any],
                 now_ms: Callable[[], int], pacer: HistoryPacer, book_rows: int = 10,
                 tick_by_tick: bool = True) -> None:
        self.tick_by_tick = tick_by_tick
        self.ib = ib
        self.publish = publish
        self.contract = contract
        self.now_ms = now_ms
        self.pacer = pacer
        self.book_rows = book_rows
        self._quotes: dict[str, Any] = {}  # symbol -> Ticker (reqMktData)
        self._books: dict[str, tuple[Any, OrderBook]] = {}  # symbol -> (Ticker of reqMktDepth, book)
        self._bars: dict[tuple[str, Interval], Any] = {}  # (symbol, interval) -> BarDataList kept up to date
        self._by_ticker: dict[int, str] = {}  # id(ticker) -> symbol
        self._last: dict[str, tuple[Any, ...]] = {}
        self.delayed: set[str] = set()
        self.problems: dict[str, str] = {}  # symbol -> why IB sends it no market data
        self._tick_by_tick: set[str] = set()
        self._trade_seq = 0
        self.delayed_mode = False
        self.published = 0
        self.last_publish_mono = 0.0
        self.errors = 0
        ib.pendingTickersEvent += self._on_tickers

    # ------------------------------------------------------------------ subscriptions
    async def watch_quotes(self, symbol: str) -> None:
        if symbol in self._quotes:
            return
        contract = await self.contract(symbol)
        ticker = self.ib.reqMktData(contract, "", False, False)
        self._quotes[symbol] = ticker
        self._by_ticker[id(ticker)] = symbol
        if self.tick_by_tick:
            self.ib.reqTickByTickData(contract, "AllLast")

    async def unwatch_quotes(self, symbol: str) -> None:
        ticker = self._quotes.pop(symbol, None)
        if ticker is not None:
            if symbol not in self._books:
                self._by_ticker.pop(id(ticker), None)
            self._last.pop(symbol, None)
            if self.ib.isConnected():
                self.ib.cancelMktData(ticker.contract)
                if self.tick_by_tick:
                    self.ib.cancelTickByTickData(ticker.contract, "AllLast")

    async def watch_book(self, symbol: str) -> OrderBook:
        held = self._books.get(symbol)
        if held is not None:
            return held[1]
        contract = await self.contract(symbol)
        ticker = self.ib.reqMktDepth(contract, self.book_rows)
        book = OrderBook(symbol)
        self._books[symbol] = (ticker, book)
        self._by_ticker[id(ticker)] = symbol
        return book

    async def unwatch_book(self, symbol: str) -> None:
        held = self._books.pop(symbol, None)
        if held is not None:
            if symbol not in self._quotes:
                self._by_ticker.pop(id(held[0]), None)
            if self.ib.isConnected():
                self.ib.cancelMktDepth(held[0].contract)

    async def watch_bars(self, symbol: str, interval: Interval) -> None:
        if (symbol, interval) in self._bars:
            return
        self._bars[(symbol, interval)] = None  # reserved: a second call while the first waits does nothing
        try:
            self._bars[(symbol, interval)] = await self._keep_up(symbol, interval)
        except BaseException:
            self._bars.pop((symbol, interval), None)
            raise

    async def _keep_up(self, symbol: str, interval: Interval) -> Any:
        size = _bar_size(interval)
        contract = await self.contract(symbol)
        span = min(MAX_SPAN_S[interval], max(interval.ms // 1000 * 10, 60))
        bars = await self.pacer.run(
            ("keep", symbol, interval, self.now_ms() // 1000),
            lambda: self.ib.reqHistoricalDataAsync(contract, "", duration(span), size, "TRADES", False, 2,
                                                   keepUpToDate=True))

        def on_update(rows: Any, has_new_bar: bool) -> None:
            if self._bars.get((symbol, interval)) is not rows or not rows:
                return
            now = self.now_ms()
            if has_new_bar and len(rows) > 1:
                self._emit(bar(symbol, interval, rows[-2], now, closed=True))
            self._emit(bar(symbol, interval, rows[-1], now, closed=False))

        bars.updateEvent += on_update
        return bars

    async def unwatch_bars(self, symbol: str, interval: Interval) -> None:
        bars = self._bars.pop((symbol, interval), None)
        if bars is not None and self.ib.isConnected():
            self.ib.cancelHistoricalData(bars)

    async def resubscribe(self) -> None:
        """After a reconnect (ib_async forgot every subscription) or IB 1101 (data lost): subscribe again."""
        quotes, books, bars = list(self._quotes), list(self._books), [k for k in self._bars]
        self._quotes.clear()
        self._books.clear()
        self._bars.clear()
        self._by_ticker.clear()
        self._last.clear()
        if self.delayed_mode:
            self.ib.reqMarketDataType(DELAYED_DATA)
        for symbol in quotes:
            await self.watch_quotes(symbol)
        for symbol in books:
            await self.watch_book(symbol)
        for symbol, interval in bars:
            try:
                await self.watch_bars(symbol, interval)
            except Exception as exc:  # noqa: BLE001 - one failed bar stream must not stop the others
                log.warning("IB: bars %s %s not resubscribed: %s", symbol, interval.value, exc)

    async def fall_back_to_delayed(self, symbol: str) -> None:
        """No live subscription for ``symbol``: ask for delayed data from now on and subscribe it again."""
        if not self.delayed_mode:
            self.delayed_mode = True
            self.ib.reqMarketDataType(DELAYED_DATA)
        if symbol in self._quotes:
            await self.unwatch_quotes(symbol)
            await self.watch_quotes(symbol)
        self.delayed.add(symbol)

    def symbol_of_contract(self, contract: Any) -> str | None:
        if contract is None:
            return None
        for symbol, ticker in self._quotes.items():
            if ticker.contract.conId == contract.conId:
                return symbol
        return None

    # ------------------------------------------------------------------ ticks (one batch per packet)
    def _on_tickers(self, tickers: Any) -> None:
        now = self.now_ms()
        for ticker in tickers:
            symbol = self._by_ticker.get(id(ticker))
            if symbol is None:
                continue
            try:
                # ib_async keeps one Ticker per contract: quotes and depth of a symbol arrive on the same one
                held = self._books.get(symbol)
                if held is not None and held[0] is ticker and ticker.domTicks:
                    self._on_depth(symbol, ticker, now)
                if self._quotes.get(symbol) is ticker:
                    self._on_quote(symbol, ticker, now)
            except Exception:  # noqa: BLE001 - one bad ticker must not stop the batch
                self.errors += 1
                log.exception("IB: ticker update for %s failed", symbol)

    def _on_quote(self, symbol: str, ticker: Any, now: int) -> None:
        if ticker.marketDataType in (DELAYED_DATA, DELAYED_FROZEN_DATA):
            self.delayed.add(symbol)
        bid, ask = _num(ticker.bid), _num(ticker.ask)
        bid_qty, ask_qty = _size(ticker.bidSize) or ZERO, _size(ticker.askSize) or ZERO
        last, last_qty = _num(ticker.last), _size(ticker.lastSize) or ZERO
        first = symbol not in self._last  # the subscription's first batch: its last price is no new trade
        previous = self._last.get(symbol, (None, None, None, None, None))
        ts = int(ticker.time.timestamp() * 1000) if ticker.time is not None else now
        if bid and ask and (bid, bid_qty, ask, ask_qty) != previous[:4]:
            self._emit(QuoteTick(symbol, bid, bid_qty, ask, ask_qty, ts_event=ts, ts_recv=now))
        trades = [t for t in (ticker.tickByTicks or ()) if hasattr(t, "price")]
        if trades:
            self._tick_by_tick.add(symbol)  # from now on trades come from tick-by-tick only (no double count)
            for t in trades:
                price, qty = _num(t.price), _size(t.size) or ZERO
                if price:
                    self._trade(symbol, price, qty, bid, ask, ts, now)
        last_key = (last, last_qty, ticker.lastTimestamp, ticker.rtTime)
        if last and not first and symbol not in self._tick_by_tick and last_key != previous[4]:
            self._trade(symbol, last, last_qty, bid, ask, ts, now)
        self._last[symbol] = (bid, bid_qty, ask, ask_qty, last_key if last else None)

    def _trade(self, symbol: str, price: Decimal, qty: Decimal, bid: Decimal | None, ask: Decimal | None,
               ts: int, now: int) -> None:
        aggressor = Side.SELL if bid is not None and price <= bid else Side.BUY
        self._trade_seq += 1
        self._emit(TradeTick(symbol, price, qty, self._trade_seq, aggressor, ts_event=ts, ts_recv=now))

    def _on_depth(self, symbol: str, ticker: Any, now: int) -> None:
        book = self._books[symbol][1]
        bids = [(p, q) for p, q in ((_num(lv.price), _size(lv.size)) for lv in ticker.domBids) if p and q]
        asks = [(p, q) for p, q in ((_num(lv.price), _size(lv.size)) for lv in ticker.domAsks) if p and q]
        book.load_snapshot(book.update_id + 1, bids, asks)
        self._emit(BookUpdated(symbol, book.update_id, tuple(book.bids(self.book_rows)),
                               tuple(book.asks(self.book_rows)), is_snapshot=True, ts_event=now, ts_recv=now))

    def _emit(self, event: object) -> None:
        self.published += 1
        self.last_publish_mono = time.monotonic()
        self.publish(event)

    # ------------------------------------------------------------------ snapshots
    async def _snapshot(self, symbol: str, ready: Callable[[Any], bool]) -> Any:
        """The live ticker of ``symbol`` once ``ready(ticker)``: the watched one, else a subscription for the
        occasion (cancelled afterwards)."""
        owned = symbol not in self._quotes
        contract = await self.contract(symbol)
        ticker = self._quotes[symbol] if not owned else self.ib.reqMktData(contract, "", False, False)
        try:
            deadline = time.monotonic() + SNAPSHOT_TIMEOUT_S
            while not ready(ticker):
                if time.monotonic() > deadline:
                    raise Rejected(f"{symbol}: no market data from IB within {SNAPSHOT_TIMEOUT_S:.0f} s")
                await _next_update(ticker)
            return ticker
        finally:
            if owned and self.ib.isConnected():
                self.ib.cancelMktData(contract)

    async def quote(self, symbol: str) -> QuoteTick:
        t = await self._snapshot(symbol, lambda t: bool(_num(t.bid)) and bool(_num(t.ask)))
        now = self.now_ms()
        return QuoteTick(symbol, _num(t.bid) or ZERO, _size(t.bidSize) or ZERO, _num(t.ask) or ZERO,
                         _size(t.askSize) or ZERO, ts_event=now, ts_recv=now)

    async def ticker(self, symbol: str) -> Ticker24h:
        t = await self._snapshot(symbol, lambda t: bool(_num(t.last) or _num(t.close)))
        last = _num(t.last) or _num(t.close) or ZERO
        prior = _num(t.close) or _num(t.open) or last
        volume = _size(t.volume) or ZERO
        change = ((last - prior) / prior * 100) if prior else ZERO
        now = self.now_ms()
        return Ticker24h(symbol, last, _num(t.open) or prior, _num(t.high) or last, _num(t.low) or last, volume,
                         volume * last, change, ts_event=now, ts_recv=now)

    async def depth(self, symbol: str, limit: int) -> tuple[int, list[tuple[Decimal, Decimal]],
                                                              list[tuple[Decimal, Decimal]]]:
        held = symbol in self._books
        book = await self.watch_book(symbol)
        ticker = self._books[symbol][0]
        try:
            deadline = time.monotonic() + SNAPSHOT_TIMEOUT_S
            while not (ticker.domBids or ticker.domAsks):
                if time.monotonic() > deadline:
                    raise Rejected(f"{symbol}: no market depth from IB within {SNAPSHOT_TIMEOUT_S:.0f} s")
                await _next_update(ticker)
            self._on_depth(symbol, ticker, self.now_ms())
            return book.update_id, book.bids(limit), book.asks(limit)
        finally:
            if not held:
                await self.unwatch_book(symbol)

    # ------------------------------------------------------------------ history
    async def klines(self, symbol: str, interval: Interval, start_ms: int | None, end_ms: int | None,
                     limit: int) -> list[Bar]:
        """Bars oldest first: the ``limit`` latest ending at ``end_ms`` (now), or from ``start_ms`` on; older data
        is paged transparently (several requests, each within IB's longest duration for the bar size)."""
        size = _bar_size(interval)
        contract = await self.contract(symbol)
        step_s = interval.ms // 1000
        now = self.now_ms()
        end = min(end_ms if end_ms is not None else now, now)
        if start_ms is not None:
            end = min(end, start_ms + limit * interval.ms)
        found: dict[int, Bar] = {}
        for _page in range(MAX_PAGES):
            wanted_s = (end - start_ms) // 1000 + step_s if start_ms is not None else (limit - len(found)) * step_s
            span = max(step_s, min(MAX_SPAN_S[interval], wanted_s))
            end_arg = "" if end >= now - 1000 else _ib_end(end)
            key = ("hist", symbol, interval, str(end_arg), span)
            try:
                rows = await self.pacer.run(key, lambda: self.ib.reqHistoricalDataAsync(
                    contract, end_arg, duration(span), size, "TRADES", False, 2))
            except RequestError as exc:
                if exc.code == errors.HISTORICAL and errors.is_no_data(exc.message):
                    break  # "HMDS query returned no data": nothing older
                raise errors.outcome(exc.code, exc.message, what=f"{symbol} history") from None
            page = [bar(symbol, interval, r, now) for r in rows]
            fresh = [b for b in page if b.open_time not in found and b.open_time <= end]
            for b in fresh:
                found[b.open_time] = b
            oldest = min((b.open_time for b in page), default=None)
            if not fresh or oldest is None:
                break
            if start_ms is not None and oldest <= start_ms:
                break
            if start_ms is None and len(found) >= limit:
                break
            end = oldest - 1
        out = sorted(found.values(), key=lambda b: b.open_time)
        if start_ms is not None:
            out = [b for b in out if b.open_time >= start_ms - (start_ms % interval.ms if interval.ms else 0)]
            return out[:limit]
        if end_ms is not None:
            out = [b for b in out if b.open_time <= end_ms]
        return out[-limit:]

    def health(self) -> StreamHealth:
        return StreamHealth("market", self.published, self.last_publish_mono, errors=self.errors,
                            extra={"quotes": len(self._quotes), "books": len(self._books), "bars": len(self._bars),
                                   "delayed": sorted(self.delayed), "problems": dict(self.problems),
                                   "history_used": self.pacer.used,
                                   "history_coalesced": self.pacer.coalesced})


def _bar_size(interval: Interval) -> str:
    size = BAR_SIZE.get(interval)
    if size is None:
        raise Rejected(f"IB has no {interval.value} bars; use one of "
                       f"{', '.join(i.value for i in BAR_SIZE)}")
    return size


async def _next_update(ticker: Any) -> None:
    """Wait for the ticker's next update (or 0.25 s, to re-check a deadline)."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def done(*_: Any) -> None:
        if not future.done():
            future.set_result(None)

    ticker.updateEvent += done
    try:
        await asyncio.wait_for(future, 0.25)
    except asyncio.TimeoutError:
        pass
    finally:
        ticker.updateEvent -= done


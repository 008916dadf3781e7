"""Subscriptions of the paper venue: what is watched, and the model events each exchange step publishes.

Every watch is reference counted per key. After each market step (and after each order of the user, so the screen
follows at once) the venue publishes, for what is watched and only if it changed: ``QuoteTick`` (best bid/ask) and
``BookUpdated`` (the top levels of a local ``OrderBook``, kept from the engine's book). Public trades become
``TradeTick`` as they happen. Every ``slow_every`` steps (a second by default) ``Ticker24h`` and the current ``Bar`` of
each watched interval follow; a bar that has just closed is published once more, final (``closed=True``).
"""
from __future__ import annotations

from typing import Callable, Hashable, TypeVar

from ...clock import Clock
from ...model import BookUpdated, Interval, OrderBook
from ...sim.reports import Trade
from . import convert
from .exchange import PaperExchange

SLOW_EVERY = 10  # steps between ticker and bar updates
K = TypeVar("K", bound=Hashable)


class PaperFeeds:
    def __init__(self, exchange: PaperExchange, publish: Callable[[object], None], clock: Clock, *,
                 book_top_n: int = 20, slow_every: int = SLOW_EVERY) -> None:
        self._exchange = exchange
        self._engine = exchange.engine
        self._publish = publish
        self._clock = clock
        self.book_top_n = book_top_n
        self.slow_every = slow_every
        self._quotes: dict[str, int] = {}
        self._last_best: dict[str, object] = {}
        self._books: dict[str, OrderBook] = {}
        self._book_counts: dict[str, int] = {}
        self._bars: dict[tuple[str, Interval], int] = {}
        self._last_bar: dict[tuple[str, Interval], tuple[object, ...]] = {}
        self.published = 0
        exchange.step_listeners.append(self.on_step)
        self._engine.trade_listeners.append(self.on_trade)

    def close(self) -> None:
        if self.on_step in self._exchange.step_listeners:
            self._exchange.step_listeners.remove(self.on_step)
        if self.on_trade in self._engine.trade_listeners:
            self._engine.trade_listeners.remove(self.on_trade)

    def _emit(self, event: object) -> None:
        self.published += 1
        self._publish(event)

    # ------------------------------------------------------------------ watching
    def watch_quotes(self, symbol: str) -> None:
        self._quotes[symbol] = self._quotes.get(symbol, 0) + 1
        if self._quotes[symbol] == 1:
            self._last_best.pop(symbol, None)
            now = self._clock.now_ms()
            self._publish_quote(symbol, now)
            self._emit(convert.ticker(self._exchange.market.klines(symbol).ticker_24h(now), now))

    def unwatch_quotes(self, symbol: str) -> None:
        if _release(self._quotes, symbol):
            self._last_best.pop(symbol, None)

    def watch_book(self, symbol: str) -> OrderBook:
        self._book_counts[symbol] = self._book_counts.get(symbol, 0) + 1
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = OrderBook(symbol)
            self._publish_book(symbol, book, self._clock.now_ms(), snapshot=True)
        return book

    def unwatch_book(self, symbol: str) -> None:
        if _release(self._book_counts, symbol):
            self._books.pop(symbol, None)

    def watch_bars(self, symbol: str, interval: Interval) -> None:
        key = (symbol, interval)
        self._bars[key] = self._bars.get(key, 0) + 1
        if self._bars[key] == 1:
            self._publish_bar(key, self._clock.now_ms())

    def unwatch_bars(self, symbol: str, interval: Interval) -> None:
        if _release(self._bars, (symbol, interval)):
            self._last_bar.pop((symbol, interval), None)

    def watching(self) -> dict[str, int]:
        return {"quotes": len(self._quotes), "books": len(self._books), "bars": len(self._bars)}

    # ------------------------------------------------------------------ publishing
    def on_trade(self, trade: Trade) -> None:
        if trade.symbol in self._quotes:
            self._emit(convert.trade_tick(trade, self._clock.now_ms()))

    def on_step(self, now_ms: int) -> None:
        self.refresh(now_ms)
        if self._exchange.steps % self.slow_every == 0:
            market = self._exchange.market
            for symbol in list(self._quotes):
                self._emit(convert.ticker(market.klines(symbol).ticker_24h(now_ms), now_ms))
            for key in list(self._bars):
                self._publish_bar(key, now_ms)

    def resync(self) -> None:
        """Publish everything watched afresh (after a reconnect: the events in between were lost)."""
        now = self._clock.now_ms()
        self._last_best.clear()
        self._last_bar.clear()
        for symbol in list(self._quotes):
            self._publish_quote(symbol, now)
        for symbol, book in list(self._books.items()):
            self._publish_book(symbol, book, now, snapshot=True)
        for key in list(self._bars):
            self._publish_bar(key, now)

    def refresh(self, now_ms: int | None = None) -> None:
        """Publish the quotes and books that changed (after a step or an order)."""
        now = self._clock.now_ms() if now_ms is None else now_ms
        for symbol in list(self._quotes):
            self._publish_quote(symbol, now)
        for symbol, book in list(self._books.items()):
            self._publish_book(symbol, book, now)

    def _publish_quote(self, symbol: str, now_ms: int) -> None:
        best = self._engine.best(symbol)
        if self._last_best.get(symbol) == best:
            return
        self._last_best[symbol] = best
        self._emit(convert.quote(symbol, best, now_ms))

    def _publish_book(self, symbol: str, book: OrderBook, now_ms: int, snapshot: bool = False) -> None:
        update_id, bids, asks = self._engine.depth(symbol, self.book_top_n)
        if not snapshot and update_id == book.update_id:
            return
        book.load_snapshot(update_id, bids, asks)
        self._emit(BookUpdated(symbol, update_id, tuple(bids), tuple(asks), is_snapshot=snapshot, ts_event=now_ms,
                               ts_recv=now_ms))

    def _publish_bar(self, key: tuple[str, Interval], now_ms: int) -> None:
        symbol, interval = key
        row = self._exchange.market.klines(symbol).current(interval, now_ms)
        state = (row.open_time, row.close, row.high, row.low, row.volume, row.closed)
        if self._last_bar.get(key) == state:
            return
        self._last_bar[key] = state
        self._emit(convert.bar(symbol, interval, row, now_ms))


def _release(counts: dict[K, int], key: K) -> bool:
    """Decrement a watch count; True when it reached zero (the key is gone)."""
    n = counts.get(key, 0) - 1
    if n > 0:
        counts[key] = n
        return False
    counts.pop(key, None)
    return n == 0

"""Ticks from the ticker -> the model's events, per what is watched.

Watched quotes stream in ``full`` mode and publish ``QuoteTick`` (best bid/ask of the depth), ``Ticker24h`` (last,
the day's OHLC, volume, change against the previous close) and a ``TradeTick`` when the day's volume grew (the last
trade: price and quantity; Kite does not say the aggressor, so it is inferred from the last price against the mid).
Watched books publish ``BookUpdated`` with the 5 levels (each full packet is a snapshot). Watched bars are built
from the last price and the volume traded today, published on every tick (``closed=False``) and once closed when
the next bucket starts. Indices (no depth, no volume) publish ``Ticker24h`` and bars only.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from ...model import Bar, BookUpdated, Interval, OrderBook, QuoteTick, Side, Ticker24h, TradeTick
from ...model.numbers import ZERO
from .parse import Tick


class Feeds:
    def __init__(self, publish: Callable[[object], None], symbol_of_token: Callable[[int], str | None]) -> None:
        self._publish = publish
        self._symbol = symbol_of_token
        self.quotes: dict[str, int] = {}  # symbol -> watch count
        self.books: dict[str, OrderBook] = {}
        self.book_counts: dict[str, int] = {}
        self.bars: dict[tuple[str, Interval], Bar | None] = {}
        self._volume: dict[str, int] = {}
        self._bar_volume: dict[tuple[str, Interval], int] = {}
        self._trade_seq = 0

    def wanted_mode(self, symbol: str) -> str | None:
        """The ticker mode ``symbol`` needs now (None: nothing watches it)."""
        if self.quotes.get(symbol) or self.book_counts.get(symbol):
            return "full"
        if any(s == symbol for s, _ in self.bars):
            return "quote"
        return None

    def on_ticks(self, ticks: tuple[Tick, ...], ts_recv: int) -> None:
        for tick in ticks:
            symbol = self._symbol(tick.token)
            if symbol is not None:
                self._one(symbol, tick, ts_recv)

    def _one(self, symbol: str, t: Tick, ts_recv: int) -> None:
        ts = t.exchange_s * 1000 or t.last_trade_s * 1000 or ts_recv
        publish = self._publish
        if symbol in self.quotes:
            if t.bids or t.asks:
                bid, bid_qty = (t.bids[0][0], Decimal(t.bids[0][1])) if t.bids else (ZERO, ZERO)
                ask, ask_qty = (t.asks[0][0], Decimal(t.asks[0][1])) if t.asks else (ZERO, ZERO)
                publish(QuoteTick(symbol, bid, bid_qty, ask, ask_qty, ts, ts_recv))
                previous = self._volume.get(symbol)
                self._volume[symbol] = t.volume
                if previous is not None and t.volume > previous and t.last_qty:
                    self._trade_seq += 1
                    mid = (bid + ask) / 2 if bid and ask else t.last_price
                    side = Side.BUY if t.last_price >= mid else Side.SELL
                    publish(TradeTick(symbol, t.last_price, Decimal(t.last_qty), self._trade_seq, side, ts, ts_recv))
            if t.open is not None:
                change = t.change_pct
                publish(Ticker24h(symbol, t.last_price, t.open, t.high or t.last_price, t.low or t.last_price,
                                  Decimal(t.volume), (t.avg_price or ZERO) * t.volume,
                                  change.quantize(Decimal("0.01")) if change is not None else ZERO, ts, ts_recv))
        book = self.books.get(symbol)
        if book is not None and (t.bids or t.asks):
            bids = [(p, Decimal(q)) for p, q, _ in t.bids if q]
            asks = [(p, Decimal(q)) for p, q, _ in t.asks if q]
            update_id = (book.update_id or 0) + 1
            book.load_snapshot(update_id, bids, asks)
            publish(BookUpdated(symbol, update_id, tuple(bids), tuple(asks), True, ts, ts_recv))
        for (sym, interval), bar in list(self.bars.items()):
            if sym == symbol:
                self._bar(symbol, interval, bar, t, ts)

    def _bar(self, symbol: str, interval: Interval, bar: Bar | None, t: Tick, ts: int) -> None:
        start = ts - ts % interval.ms
        price, day_volume = t.last_price, t.volume
        # a bar's volume is the growth of the day's volume while it is open
        before = self._bar_volume.get((symbol, interval))
        grown = Decimal(max(0, day_volume - before)) if before is not None else ZERO
        self._bar_volume[(symbol, interval)] = day_volume
        if bar is not None and start > bar.open_time:
            self._publish(_replace(bar, closed=True))
            bar = None
        if bar is None:
            bar = Bar(symbol, interval, start, price, price, price, price, grown, False)
        else:
            bar = Bar(symbol, interval, bar.open_time, bar.open, max(bar.high, price), min(bar.low, price), price,
                      bar.volume + grown, False)
        self.bars[(symbol, interval)] = bar
        self._publish(bar)


def _replace(bar: Bar, *, closed: bool) -> Bar:
    return Bar(bar.symbol, bar.interval, bar.open_time, bar.open, bar.high, bar.low, bar.close, bar.volume, closed,
               bar.quote_volume, bar.trades, bar.ts_recv)

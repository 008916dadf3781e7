"""Bars built from the trade stream (Finnhub streams trades, not candles): one open bar per (symbol, interval),
updated by every trade and published; a trade in a later bucket closes it (published once more, ``closed``). A bar
starts at the first trade seen after the watch (the chart takes the history from REST)."""
from __future__ import annotations

from typing import Callable

from ...model import Bar, Interval, TradeTick


class BarBuilder:
    def __init__(self, publish: Callable[[object], None]) -> None:
        self.publish = publish
        self.watched: dict[tuple[str, Interval], int] = {}
        self._open: dict[tuple[str, Interval], Bar] = {}

    def watch(self, symbol: str, interval: Interval) -> bool:
        """True for the first watch of that bar series."""
        key = (symbol, interval)
        self.watched[key] = self.watched.get(key, 0) + 1
        return self.watched[key] == 1

    def unwatch(self, symbol: str, interval: Interval) -> bool:
        """True when nobody watches that series any more."""
        key = (symbol, interval)
        left = self.watched.get(key, 0) - 1
        if left > 0:
            self.watched[key] = left
            return False
        self.watched.pop(key, None)
        self._open.pop(key, None)
        return True

    def symbols(self) -> set[str]:
        return {s for s, _ in self.watched}

    def on_trade(self, t: TradeTick) -> None:
        for (symbol, interval) in list(self.watched):
            if symbol != t.symbol:
                continue
            key = (symbol, interval)
            start = t.ts_event - t.ts_event % interval.ms
            bar = self._open.get(key)
            if bar is not None and start > bar.open_time:
                self.publish(Bar(symbol, interval, bar.open_time, bar.open, bar.high, bar.low, bar.close,
                                 bar.volume, closed=True, trades=bar.trades, ts_recv=t.ts_recv))
                bar = None
            if bar is None or start < bar.open_time:
                bar = Bar(symbol, interval, start, t.price, t.price, t.price, t.price, t.qty, closed=False, trades=1,
                          ts_recv=t.ts_recv)
            else:
                bar = Bar(symbol, interval, start, bar.open, max(bar.high, t.price), min(bar.low, t.price), t.price,
                          bar.volume + t.qty, closed=False, trades=bar.trades + 1, ts_recv=t.ts_recv)
            self._open[key] = bar
            self.publish(bar)

"""The paper server's market: ``terminal.sim`` engines and living markets for the listing. US stocks move in US
market hours (``always_open`` lifts them), forex and crypto at any time. Every trade is handed to ``trade_listeners``
(the WebSocket fan-out); quotes and candles are read from the kline stores."""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Callable

from terminal.clock import Clock
from terminal.model.enums import Interval
from terminal.model.hours import EXTENDED
from terminal.sim.engine import Engine
from terminal.sim.klines import KlineRow
from terminal.sim.market import MarketSimulator
from terminal.sim.reports import Trade

from .listing import Listed, listing

log = logging.getLogger(__name__)

#: Finnhub's candle resolutions and the simulation's intervals
RESOLUTIONS = {"1": Interval.M1, "5": Interval.M5, "15": Interval.M15, "30": Interval.M30, "60": Interval.H1,
               "D": Interval.D1, "W": Interval.W1, "M": Interval.MO1}
MAX_CANDLES = 5000  # per request (the real service returns about a month of intraday bars a call)


class _Group:
    """Symbols that move together (same hours): one engine and one simulated market."""

    def __init__(self, items: list[Listed], seed: int, clock: Clock, hours_gated: bool) -> None:
        self.items = items
        self.hours_gated = hours_gated
        specs = [i.spec for i in items]
        self.engine = Engine([s.instrument for s in specs], clock, maker_fee=Decimal(0), taker_fee=Decimal(0))
        self.market = MarketSimulator(self.engine, specs, seed, clock, days=28)


class Market:
    def __init__(self, clock: Clock, *, seed: int = 7, always_open: bool = False) -> None:
        self.clock = clock
        self.always_open = always_open
        self.listed = {i.symbol: i for i in listing()}
        stocks = [i for i in self.listed.values() if i.kind == "stock"]
        rest = [i for i in self.listed.values() if i.kind != "stock"]
        self._groups = [_Group(stocks, seed, clock, True), _Group(rest, seed + 1, clock, False)]
        self._group_of = {i.symbol: g for g in self._groups for i in g.items}
        self.trade_listeners: list[Callable[[Trade], None]] = []

    def bootstrap(self) -> None:
        now = self.clock.now_ms()
        for g in self._groups:
            g.market.bootstrap(now)
            g.engine.trade_listeners.append(self._on_trade)

    def _on_trade(self, trade: Trade) -> None:
        for fn in list(self.trade_listeners):
            fn(trade)

    def is_open(self, group: _Group, now_ms: int) -> bool:
        if self.always_open or not group.hours_gated:
            return True
        return any(i.spec.instrument.hours is None or i.spec.instrument.hours.is_open(now_ms, EXTENDED)
                   for i in group.items)

    def step(self) -> None:
        now = self.clock.now_ms()
        for g in self._groups:
            if self.is_open(g, now):
                g.market.step(now)

    # ------------------------------------------------------------------ queries
    def candles(self, symbol: str, resolution: str, from_s: int, to_s: int) -> list[KlineRow]:
        """Bars of ``resolution`` opening in [from, to] (seconds), oldest first, at most MAX_CANDLES."""
        group = self._group_of.get(symbol)
        interval = RESOLUTIONS.get(resolution)
        if group is None or interval is None or to_s < from_s:
            return []
        store = group.market.klines(symbol)
        start_ms, end_ms = max(0, from_s) * 1000, to_s * 1000
        rows = store.klines(interval, start_ms, end_ms, MAX_CANDLES)
        return [r for r in rows if start_ms <= r.open_time <= end_ms and r.open_time <= self.clock.now_ms()]

    def quote(self, symbol: str) -> dict[str, object] | None:
        """Last, change against the previous daily close, the day's open/high/low, time of the last update."""
        group = self._group_of.get(symbol)
        if group is None:
            return None
        store = group.market.klines(symbol)
        now = self.clock.now_ms()
        days = store.klines(Interval.D1, None, now, 2)
        today = days[-1]
        prev_close = days[-2].close if len(days) > 1 else today.open
        last = store.last_price or today.close
        change = last - prev_close
        pct = (change * 100 / prev_close) if prev_close else Decimal(0)
        return {"c": last, "d": change, "dp": round(pct, 4), "h": today.high, "l": today.low, "o": today.open,
                "pc": prev_close, "t": store.now_ms // 1000}

    def last_price(self, symbol: str) -> Decimal | None:
        group = self._group_of.get(symbol)
        return None if group is None else group.market.klines(symbol).last_price

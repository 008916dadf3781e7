"""The TrueData paper server's market: the shared ``terminal.sim`` engine and living market for its listing, and the
tape of what traded (day statistics per symbol and a bounded tick history with the touch at each trade).

Runs on the server's loop: ``step(now_ms)`` moves the market (only in NSE's regular session unless ``always_open``),
then ``take_ticks()`` hands the ticks of that step to the streams and ``closed_bars(now_ms)`` the 1- and 5-minute bars
that just closed.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from terminal.clock import Clock
from terminal.model import Interval
from terminal.model.hours import REGULAR
from terminal.sim.engine import Engine
from terminal.sim.klines import KlineRow, KlineStore
from terminal.sim.market import MarketSimulator
from terminal.sim.reports import Trade

from .. import day
from .listing import IST, Listed, listing

MINUTE_MS = 60_000
TICKS_KEPT = 50_000
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Tick:
    ts_ms: int
    price: Decimal
    qty: Decimal
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    oi: int
    seq: int


@dataclass(slots=True)
class Day(day.Day):
    """A symbol's session figures, as the touchline and trade frames carry them (``average``: their ATP)."""

    prev_oi: int = 0
    seq: int = 0
    tag: str = ""
    ticks: deque[Tick] = field(default_factory=lambda: deque(maxlen=TICKS_KEPT))


class Exchange:
    def __init__(self, clock: Clock, *, seed: int = 7, always_open: bool = False, history_days: int = 20) -> None:
        self.clock = clock
        self.always_open = always_open
        self.listed: tuple[Listed, ...] = listing(clock.now_ms())
        self.by_name = {item.name: item for item in self.listed}
        self.by_id = {item.symbol_id: item for item in self.listed}
        specs = [item.spec for item in self.listed]
        self.engine = Engine([s.instrument for s in specs], clock, maker_fee=ZERO, taker_fee=ZERO)
        self.market = MarketSimulator(self.engine, specs, seed, clock, days=history_days)
        self.days: dict[str, Day] = {}
        self._pending: dict[str, list[Tick]] = {}
        self._minute = 0

    # ------------------------------------------------------------------ lifecycle
    def bootstrap(self) -> None:
        now = self.clock.now_ms()
        self.market.bootstrap(now)
        midnight = day.midnight_ms(now, IST)
        for item in self.listed:
            store = self.store(item.name)
            oi = 0 if item.segment != "fo" else 10_000 * item.lot
            figures = Day.from_store(store, store.last_price or item.spec.start_price, midnight, now, oi=oi, prev_oi=oi)
            self.days[item.name] = figures
            self._seed_ticks(item, store, figures, now)
        self.engine.trade_listeners.append(self._on_trade)
        self._minute = now // MINUTE_MS

    def _seed_ticks(self, item: Listed, store: KlineStore, figures: Day, now_ms: int) -> None:
        """Ticks from before the server started, one per minute of the last four days (its close, its volume, the touch a
        tick either side): the engine keeps no older trades, and a tick history that starts empty is not TrueData's."""
        tick, size = item.spec.instrument.tick_size, item.spec.quote_size
        for row in store.klines(Interval.M1, now_ms - 4 * 86_400_000, now_ms - MINUTE_MS, limit=4 * 1440):
            if row.volume > 0 and self.is_open(row.open_time):
                figures.ticks.append(Tick(row.open_time + 59_000, row.close, row.volume, row.close - tick, size,
                                          row.close + tick, size, figures.oi, 0))

    def is_open(self, now_ms: int) -> bool:
        hours = self.listed[0].spec.instrument.hours
        return self.always_open or hours is None or hours.is_open(now_ms, REGULAR)

    def step(self, now_ms: int) -> None:
        if self.is_open(now_ms):
            self.market.step(now_ms)

    # ------------------------------------------------------------------ the tape
    def _on_trade(self, trade: Trade) -> None:
        figures = self.days.get(trade.symbol)
        if figures is None:
            return
        figures.tag = "H" if trade.price > figures.high else "L" if trade.price < figures.low else ""
        figures.trade(trade.price, trade.qty, trade.quote_qty, trade.time)
        figures.seq += 1
        bid, ask = self.engine.best(trade.symbol)
        tick = Tick(trade.time, trade.price, trade.qty, *(bid or (ZERO, ZERO)), *(ask or (ZERO, ZERO)), figures.oi,
                    figures.seq)
        figures.ticks.append(tick)
        self._pending.setdefault(trade.symbol, []).append(tick)

    def take_ticks(self) -> dict[str, list[Tick]]:
        pending, self._pending = self._pending, {}
        return pending

    def closed_bars(self, now_ms: int) -> list[tuple[str, str, KlineRow]]:
        """``(name, "1min"|"5min", bar)`` for the bars that closed since the last call."""
        minute = now_ms // MINUTE_MS
        if minute <= self._minute:
            return []
        out: list[tuple[str, str, KlineRow]] = []
        last, self._minute = self._minute, minute
        if not self.is_open((minute - 1) * MINUTE_MS):
            return out
        for item in self.listed:
            store = self.store(item.name)
            store.roll(now_ms)
            out.append((item.name, "1min", store.bar(Interval.M1, last * MINUTE_MS)))
            if minute // 5 > last // 5:
                out.append((item.name, "5min", store.bar(Interval.M5, (last // 5) * 5 * MINUTE_MS)))
        return out

    # ------------------------------------------------------------------ look-ups
    def store(self, name: str) -> KlineStore:
        return self.market.klines(name)

    def depth(self, name: str, levels: int = 5) -> tuple[int, list[tuple[Decimal, Decimal]],
                                                        list[tuple[Decimal, Decimal]]]:
        return self.engine.depth(name, levels)

    def status(self, now_ms: int) -> str:
        return f"NSE_EQ:{'OPEN' if self.is_open(now_ms) else 'CLOSED'}"

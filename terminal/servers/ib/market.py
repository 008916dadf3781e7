"""The IB paper server's market: the shared ``terminal.sim`` engine with one living market per trading-hours group
(US stocks and SPX, CME futures, IDEALPRO forex), each moving only while its market is open (or always, with
``always_open``); the tape of each contract's day (open/high/low/prior close/volume) and the trades of each step."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from terminal.clock import Clock
from terminal.model import Interval
from terminal.model.hours import REGULAR, TradingHours
from terminal.sim.engine import Engine
from terminal.sim.market import HUGE, MAKER, TAKER, MarketSimulator
from terminal.sim.klines import KlineStore
from terminal.sim.path import PricePath
from terminal.sim.reports import Trade

from .contracts import Listed, listing

ZERO = Decimal(0)
#: the engine account that carries the server's orders (inventory unlimited: positions are kept by the ledger)
HOUSE = "ib-house"


@dataclass(slots=True)
class Day:
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal  # prior session's close
    last: Decimal
    last_qty: Decimal = ZERO
    last_ms: int = 0
    volume: Decimal = ZERO


class Market:
    def __init__(self, clock: Clock, *, seed: int = 7, always_open: bool = False, history_days: int = 30) -> None:
        self.clock = clock
        self.always_open = always_open
        self.listed: tuple[Listed, ...] = listing()
        self.by_con_id = {item.con_id: item for item in self.listed}
        self.by_key = {item.key: item for item in self.listed}
        specs = [item.spec for item in self.listed]
        self.engine = Engine([s.instrument for s in specs], clock, maker_fee=ZERO, taker_fee=ZERO)
        assets = sorted({a for s in specs for a in (s.instrument.base_asset, s.instrument.quote_asset)})
        for account in (MAKER, TAKER, HOUSE):
            self.engine.add_account(account, {a: HUGE for a in assets})
        groups: dict[int, tuple[TradingHours, list[Listed]]] = {}
        for item in self.listed:
            groups.setdefault(id(item.hours), (item.hours, []))[1].append(item)
        self.sims: list[tuple[TradingHours, MarketSimulator]] = [
            (hours, MarketSimulator(self.engine, [i.spec for i in items], seed + n, clock, days=history_days))
            for n, (hours, items) in enumerate(groups.values())]
        self.sim_of: dict[str, MarketSimulator] = {}
        for (_hours, sim) in self.sims:
            for spec in sim.specs:
                self.sim_of[spec.symbol] = sim
        self.days: dict[str, Day] = {}
        self.trades: list[Trade] = []

    def bootstrap(self) -> None:
        now = self.clock.now_ms()
        for _hours, sim in self.sims:
            sim.bootstrap(now)
        midnight = _utc_midnight(now)
        for item in self.listed:
            store = self.store(item)
            last = store.last_price or item.spec.start_price
            before = store.klines(Interval.D1, end_ms=midnight - 1, limit=1)
            today = store.klines(Interval.D1, midnight, now, limit=1)
            bar = today[0] if today else None
            self.days[item.key] = Day(open=bar.open if bar else last, high=bar.high if bar else last,
                                      low=bar.low if bar else last, close=before[-1].close if before else last,
                                      last=last, volume=bar.volume if bar else ZERO, last_ms=now)
        self.engine.trade_listeners.append(self._on_trade)

    def is_open(self, item: Listed, now_ms: int, outside_rth: bool = False) -> bool:
        if self.always_open:
            return True
        if outside_rth and item.sec_type == "STK":
            return item.hours.phase_at(now_ms) is not None
        return item.hours.is_open(now_ms, REGULAR)

    def step(self, now_ms: int) -> None:
        for hours, sim in self.sims:
            if self.always_open or hours.is_open(now_ms, REGULAR):
                sim.step(now_ms)
            else:
                for store in sim.stores.values():
                    store.roll(now_ms)

    def _on_trade(self, trade: Trade) -> None:
        day = self.days.get(trade.symbol)
        if day is None:
            return
        day.high, day.low = max(day.high, trade.price), min(day.low, trade.price)
        day.last, day.last_qty, day.last_ms = trade.price, trade.qty, trade.time
        day.volume += trade.qty
        self.trades.append(trade)

    def take_trades(self) -> list[Trade]:
        out, self.trades = self.trades, []
        return out

    def move(self, item: Listed, price: Decimal) -> None:
        """The fair price of ``item`` jumps to ``price``; the maker re-quotes around it at once (taking any resting
        order the new quotes cross) and the price prints as the last one."""
        sim = self.sim_of[item.key]
        path = sim._sims[item.key].path  # the simulator has no public jump: a test/demo switch
        if isinstance(path, PricePath):
            path.reset(float(price))
        sim.requote(item.key)
        self.engine.set_last_price(item.key, price)
        day = self.days[item.key]
        day.last, day.high, day.low = price, max(day.high, price), min(day.low, price)

    def store(self, item: Listed) -> KlineStore:
        return self.sim_of[item.key].klines(item.key)

    def best(self, item: Listed) -> tuple[tuple[Decimal, Decimal] | None, tuple[Decimal, Decimal] | None]:
        return self.engine.best(item.key)

    def mark(self, item: Listed) -> Decimal:
        """Mid of the touch, else the last price."""
        bid, ask = self.best(item)
        if bid and ask:
            return ((bid[0] + ask[0]) / 2).quantize(item.tick / 2 if item.tick < 1 else item.tick)
        return self.days[item.key].last if item.key in self.days else item.spec.start_price


def _utc_midnight(ts_ms: int) -> int:
    day = datetime.fromtimestamp(ts_ms / 1000, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(day.timestamp() * 1000)

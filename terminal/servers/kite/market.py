"""The Kite paper server's market: the shared ``terminal.sim`` engine and living market over the listing, the day's
figures per instrument (OHLC against the previous close, volume, average price, OI) and market hours.

Runs on the server loop. ``step(now_ms)`` moves each venue's instruments while its regular session runs (NSE/NFO
09:15-15:30 IST, MCX 09:00-23:30 IST: two living markets on one engine) or always with ``always_open``; trading
listeners (orders, GTT, ticker) are called after each step. Orders are gated per exchange by ``accepts``/``matching``, not here.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from terminal.clock import Clock
from terminal.model.hours import REGULAR, Phase
from terminal.sim.engine import Engine
from terminal.sim.klines import KlineStore
from terminal.sim.market import HUGE, MAKER, TAKER, MarketSimulator
from terminal.sim.reports import Trade

from .. import day
from .listing import IST, Listed, listing

log = logging.getLogger(__name__)
ZERO = Decimal(0)


@dataclass(slots=True)
class Day(day.Day):
    oi_high: int = 0
    oi_low: int = 0
    changed: int = 0  # bumped on every trade: the ticker sends what changed


def _group(item: Listed) -> str:
    return "MCX" if item.exchange == "MCX" else "NSE"


def ist_midnight(ts_ms: int) -> int:
    return day.midnight_ms(ts_ms, IST)


class Market:
    def __init__(self, clock: Clock, *, seed: int = 7, always_open: bool = False, history_days: int = 30) -> None:
        self.clock = clock
        self.always_open = always_open
        self.listed: tuple[Listed, ...] = listing(clock.now_ms())
        self.by_key = {item.key: item for item in self.listed}
        self.by_token = {item.token: item for item in self.listed}
        specs = [item.spec for item in self.listed]
        self.engine = Engine([s.instrument for s in specs], clock, maker_fee=ZERO, taker_fee=ZERO)
        # one living market per trading venue's hours: NSE cash and F&O move 09:15-15:30, MCX 09:00-23:30
        self.sims: dict[str, MarketSimulator] = {}
        for group, offset in (("NSE", 0), ("MCX", 1)):
            group_specs = [item.spec for item in self.listed if _group(item) == group]
            self.sims[group] = MarketSimulator(self.engine, group_specs, seed + offset, clock, days=history_days)
        self._group_items = {g: [i for i in self.listed if _group(i) == g] for g in self.sims}
        self.days: dict[str, Day] = {}
        self.step_listeners: list[Callable[[int], None]] = []
        #: called once per new IST day (after the figures rolled), before that step's listeners
        self.day_listeners: list[Callable[[int], None]] = []
        self.bootstrapped = False
        self.day_start_ms = 0

    def bootstrap(self) -> None:
        if self.bootstrapped:
            return
        now = self.clock.now_ms()
        # the simulated participants hold every asset of both markets (each simulator funds only its own when it
        # creates the accounts, and the second finds them created)
        assets = {i.spec.instrument.base_asset for i in self.listed} | {"INR"}
        for account in (MAKER, TAKER):
            self.engine.add_account(account, {asset: HUGE for asset in sorted(assets)})
        for sim in self.sims.values():
            sim.bootstrap(now)
        midnight = ist_midnight(now)
        for item in self.listed:
            store = self.store_for(item.key)
            oi = 10_000 * item.lot if item.derivative else 0
            self.days[item.key] = Day.from_store(store, store.last_price or item.spec.start_price, midnight, now,
                                                 oi=oi, oi_high=oi, oi_low=oi)
        self.engine.trade_listeners.append(self._on_trade)
        self.day_start_ms = midnight
        self.bootstrapped = True

    # ------------------------------------------------------------------ hours
    def is_open(self, item: Listed, now_ms: int) -> bool:
        """Continuous trading (orders match)."""
        return self.always_open or item.hours.is_open(now_ms, REGULAR)

    def in_pre_open(self, item: Listed, now_ms: int) -> bool:
        """NSE equity pre-open order collection (09:00-09:08 IST): orders accepted, matched from 09:15."""
        return not self.always_open and item.hours.phase_at(now_ms) is Phase.PRE_OPEN

    def step(self, now_ms: int) -> None:
        if self.bootstrapped and ist_midnight(now_ms) > self.day_start_ms:
            self.roll_day(now_ms)
        for group, sim in self.sims.items():
            if self.always_open or any(i.hours.is_open(now_ms, REGULAR) for i in self._group_items[group]):
                sim.step(now_ms)
        for fn in list(self.step_listeners):
            try:
                fn(now_ms)
            except Exception:  # noqa: BLE001 - one listener must not stop the market
                log.exception("Kite paper market step listener %r failed", fn)

    def roll_day(self, now_ms: int) -> None:
        """A new IST day: yesterday's last price becomes the previous close, the day's figures start again."""
        self.day_start_ms = ist_midnight(now_ms)
        for figures in self.days.values():
            figures.prev_close = figures.open = figures.high = figures.low = figures.last
            figures.volume = figures.turnover = figures.last_qty = ZERO
            figures.oi_high = figures.oi_low = figures.oi
            figures.changed += 1
        for fn in list(self.day_listeners):
            try:
                fn(now_ms)
            except Exception:  # noqa: BLE001
                log.exception("Kite paper market day listener %r failed", fn)

    # ------------------------------------------------------------------ the tape
    def _on_trade(self, trade: Trade) -> None:
        figures = self.days.get(trade.symbol)
        if figures is None:
            return
        figures.trade(trade.price, trade.qty, trade.quote_qty, trade.time)
        figures.changed += 1

    def move_price(self, key: str, price: Decimal) -> None:
        """Test switch: set the last traded price of ``key`` (stops and GTTs see it at once)."""
        figures = self.days[key]
        self.engine.set_last_price(key, price)
        figures.last, figures.last_ms = price, self.clock.now_ms()
        figures.high, figures.low = max(figures.high, price), min(figures.low, price)
        figures.changed += 1

    # ------------------------------------------------------------------ look-ups
    def find(self, exchange: str, tradingsymbol: str) -> Listed | None:
        return self.by_key.get(f"{exchange}:{tradingsymbol}")

    def ltp(self, key: str) -> Decimal:
        return self.days[key].last

    def depth(self, key: str, levels: int = 5) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        _, bids, asks = self.engine.depth(key, levels)
        return bids, asks

    def store_for(self, key: str) -> KlineStore:
        return self.sims[_group(self.by_key[key])].klines(key)

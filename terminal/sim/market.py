"""The living market of the sandbox exchange: fair-price paths, a market maker and takers on the engine.

``bootstrap(now_ms)`` builds weeks of kline history per symbol, seeds the last prices and a two-sided book;
``step(now_ms)`` (called about every 100 ms) advances each path, re-quotes the maker around the new fair
price and lets Poisson-arriving takers trade against the book. Every engine trade, the user's included,
feeds the symbol's ``KlineStore``.
"""
from __future__ import annotations

import logging
import math
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

from terminal.clock import Clock
from terminal.model.enums import OrderType, Side, TimeInForce

from .backfill import history_rows
from .bars import FID, LID
from .klines import KlineStore
from .maker import Quoter
from .path import STREAM_FLOW, PricePath, rng_for
from .replay import ReplayPath, load_kline_csv, replay_history
from .reports import EngineReject, Trade
from .symbols import SymbolSpec

log = logging.getLogger(__name__)

MAKER = "sim-maker"
TAKER = "sim-taker"
HUGE = Decimal(10) ** 12
MAX_STEP_MS = 1_000  # after a longer pause the path jumps in one go, the takers only trade this long
MAX_TAKERS_PER_STEP = 12
MARKET_SHARE = 0.7  # of taker orders; the rest are marketable IOC limits


class _SymbolSim:
    __slots__ = ("spec", "index", "path", "quoter", "rng", "prev_fair", "user_price", "avg_steps", "step",
                 "tick", "sigma_step")

    def __init__(self, spec: SymbolSpec, index: int, path: PricePath | ReplayPath, quoter: Quoter,
                 seed: int) -> None:
        self.spec = spec
        self.index = index
        self.path = path
        self.quoter = quoter
        self.rng = rng_for(seed, index, STREAM_FLOW)
        self.prev_fair = path.price
        self.user_price: Decimal | None = None
        inst = spec.instrument
        self.step = inst.step_size
        self.tick = inst.tick_size
        per_trade = float(spec.base_volume) / max(spec.trade_rate * 60.0, 1e-9)
        self.avg_steps = max(1.0, per_trade / float(inst.step_size))
        self.sigma_step = spec.volatility * math.sqrt(0.1 / (365 * 86400))


class MarketSimulator:
    """Drives the engine's market for ``specs``. Same seed, same market (for the same step times)."""

    def __init__(self, engine: Any, specs: Iterable[SymbolSpec], seed: int, clock: Clock, *,
                 replay: Mapping[str, str | Path] | None = None, replay_speed: float = 1.0,
                 replay_history_fraction: float = 0.5, days: int = 28) -> None:
        self.engine = engine
        self.specs = list(specs)
        self.seed = seed
        self.clock = clock
        self.replay = {k: Path(v) for k, v in (replay or {}).items()}
        self.replay_speed = replay_speed
        self.replay_history_fraction = replay_history_fraction
        self.days = days
        self.stores: dict[str, KlineStore] = {}
        self._sims: dict[str, _SymbolSim] = {}
        self._last_ms: int | None = None
        self._in_flow = False
        self.steps = 0
        unknown = set(self.replay) - {s.symbol for s in self.specs}
        if unknown:
            raise ValueError(f"replay given for unknown symbols: {', '.join(sorted(unknown))}")

    # ---- public -------------------------------------------------------------------------------------
    def klines(self, symbol: str) -> KlineStore:
        return self.stores[symbol]

    def fair_price(self, symbol: str) -> float:
        return self._sims[symbol].path.price

    def bootstrap(self, now_ms: int) -> None:
        """History, accounts, last prices and a seeded two-sided book for every symbol."""
        if self._sims:
            return
        assets = sorted({a for s in self.specs for a in (s.instrument.base_asset, s.instrument.quote_asset)})
        for account in (MAKER, TAKER):
            if not self.engine.has_account(account):
                self.engine.add_account(account, {a: HUGE for a in assets})
            # the simulated participants trade all day: keep only a short history for them (bounded memory)
            self.engine.set_history_limit(account, 200)
        for index, spec in enumerate(self.specs):
            store, path = self._history(spec, index, now_ms)
            self.stores[spec.symbol] = store
            quoter = Quoter(self.engine, MAKER, spec)
            quoter.set_grid(path.price)
            sim = _SymbolSim(spec, index, path, quoter, self.seed)
            self._sims[spec.symbol] = sim
            last = store.last_price
            assert last is not None
            self.engine.set_last_price(spec.symbol, last)
            quoter.requote(path.price, force=True)
        self.engine.trade_listeners.append(self.on_trade)
        self._last_ms = now_ms

    def follow_trades(self) -> None:
        """A quiet market (no simulated participants, no history): candles and tickers from the trades users make,
        each symbol's from its first trade on (until then its klines are empty and its ticker all zero)."""
        if self._sims or self.on_quiet_trade in self.engine.trade_listeners:
            return
        self.engine.trade_listeners.append(self.on_quiet_trade)

    def on_quiet_trade(self, trade: Trade) -> None:
        store = self.stores.get(trade.symbol)
        if store is None:
            spec = next((s for s in self.specs if s.symbol == trade.symbol), None)
            if spec is None:
                return
            store = self.stores[trade.symbol] = KlineStore(spec.instrument, None, trade.time,
                                                           start_price=trade.price)
        store.on_trade(trade.price, trade.qty, trade.quote_qty, trade.time, trade.trade_id,
                       not trade.buyer_is_maker)

    def step(self, now_ms: int) -> None:
        """Advance the market to ``now_ms``: paths, maker quotes, taker flow, candle roll-over."""
        if self._last_ms is None:
            self.bootstrap(now_ms)
            return
        dt = now_ms - self._last_ms
        if dt < 0:
            return
        self._last_ms = now_ms
        self.steps += 1
        flow_dt = min(dt, MAX_STEP_MS)
        self._in_flow = True
        try:
            for sim in self._sims.values():
                self._step_symbol(sim, dt, flow_dt, now_ms)
        finally:
            self._in_flow = False

    def requote(self, symbol: str) -> None:
        """Refill the maker's ladder now (e.g. after a user swept the book)."""
        sim = self._sims[symbol]
        self._in_flow = True
        try:
            sim.quoter.resync()
            sim.quoter.requote(sim.path.price, force=True)
        finally:
            self._in_flow = False

    def on_trade(self, trade: Trade) -> None:
        """Engine trade listener: candles for everyone's trades, fills for the maker's book."""
        store = self.stores.get(trade.symbol)
        if store is None:
            return
        store.on_trade(trade.price, trade.qty, trade.quote_qty, trade.time, trade.trade_id,
                       not trade.buyer_is_maker)
        sim = self._sims[trade.symbol]
        sim.quoter.on_fill(trade.buy_order_id, trade.qty)
        sim.quoter.on_fill(trade.sell_order_id, trade.qty)
        if not self._in_flow:
            sim.user_price = trade.price
            bid, ask = self.engine.best(trade.symbol)
            if bid is None or ask is None:
                # A user emptied a side: the maker refills it at once (the engine allows calls from listeners).
                sim.path.nudge(float(trade.price), 0.5)
                sim.user_price = None
                self.requote(trade.symbol)

    # ---- internals ----------------------------------------------------------------------------------
    def _history(self, spec: SymbolSpec, index: int, now_ms: int) -> tuple[KlineStore, PricePath | ReplayPath]:
        csv = self.replay.get(spec.symbol)
        path: PricePath | ReplayPath
        if csv is not None:
            bars = load_kline_csv(csv)
            rows, path = replay_history(spec, bars, now_ms, self.replay_speed, self.replay_history_fraction,
                                        self.seed, index)
        else:
            rows = history_rows(spec, self.seed, now_ms, days=self.days, symbol_index=index)
            path = PricePath(self.seed, index, spec.start_price, spec.volatility)
        # The engine numbers live trades from 1: history candles carry no trade ids.
        rows[:, FID] = -1
        rows[:, LID] = -1
        return KlineStore(spec.instrument, rows, now_ms=now_ms, start_price=spec.start_price), path

    def _step_symbol(self, sim: _SymbolSim, dt: int, flow_dt: int, now_ms: int) -> None:
        if sim.user_price is not None:
            # A user trade moved the price: the fair price follows part of the way (market impact).
            sim.path.nudge(float(sim.user_price), 0.5)
            sim.user_price = None
        fair = sim.path.advance(dt)
        # Takers first, against the quotes of the last step (stale quotes get picked off), then the maker
        # re-quotes: between steps the book is always full.
        self._takers(sim, fair, flow_dt)
        sim.quoter.requote(fair)
        sim.prev_fair = fair
        self.stores[sim.spec.symbol].roll(now_ms)

    def _takers(self, sim: _SymbolSim, fair: float, dt: int) -> None:
        rng = sim.rng
        n = min(int(rng.poisson(sim.spec.trade_rate * dt / 1000.0)), MAX_TAKERS_PER_STEP)
        if not n:
            return
        move = (fair - sim.prev_fair) / (fair * sim.sigma_step) if fair > 0 else 0.0
        p_buy = 0.5 + 0.3 * math.tanh(move)
        draws = rng.random((n, 3))
        sizes = rng.lognormal(-0.5, 1.0, n) * sim.avg_steps
        symbol = sim.spec.symbol
        inst = sim.spec.instrument
        min_notional = inst.min_notional * Decimal("1.05")
        for i in range(n):
            side = Side.BUY if draws[i, 0] < p_buy else Side.SELL
            qty = Decimal(max(1, int(sizes[i]))) * sim.step
            fair_d = Decimal(str(round(fair / float(sim.tick)))) * sim.tick
            if fair_d * qty < min_notional:
                qty = ((min_notional / fair_d) / sim.step).to_integral_value(rounding="ROUND_CEILING") * sim.step
            try:
                if draws[i, 1] < MARKET_SHARE:
                    self.engine.place(TAKER, symbol, side, OrderType.MARKET, quantity=qty)
                else:
                    best_bid, best_ask = self.engine.best(symbol)
                    top = best_ask if side is Side.BUY else best_bid
                    if top is None:
                        continue
                    offset = int(draws[i, 2] * 3) * sim.tick
                    price = top[0] + offset if side is Side.BUY else top[0] - offset
                    if price <= 0:
                        continue
                    self.engine.place(TAKER, symbol, side, OrderType.LIMIT, quantity=qty, price=price,
                                      time_in_force=TimeInForce.IOC)
            except EngineReject as exc:
                log.debug("taker order on %s refused: %s", symbol, exc)

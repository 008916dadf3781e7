"""MarketSimulator on the real matching engine: a living, two-sided, deterministic market."""
from __future__ import annotations

import time
from decimal import Decimal

import numpy as np
import pytest

from terminal.clock import SimClock
from terminal.model.enums import Interval, OrderType, Side
from terminal.sim.engine import Engine
from terminal.sim.market import MarketSimulator
from terminal.sim.symbols import DEFAULT_SYMBOLS

NOW = 1_790_000_000_000
SYMBOLS = [s.symbol for s in DEFAULT_SYMBOLS]


def make_market(seed: int = 7, days: int = 2) -> tuple[MarketSimulator, Engine, SimClock]:
    clock = SimClock(NOW)
    engine = Engine([s.instrument for s in DEFAULT_SYMBOLS], clock)
    market = MarketSimulator(engine, DEFAULT_SYMBOLS, seed, clock, days=days)
    market.bootstrap(NOW)
    return market, engine, clock


def run(market: MarketSimulator, clock: SimClock, steps: int, every: int = 100,
        check: bool = False) -> None:
    for i in range(steps):
        clock.advance(every)
        market.step(clock.now_ms())
        if check and i % 50 == 0:
            assert_two_sided(market.engine)


def assert_two_sided(engine: Engine, min_levels: int = 1) -> None:
    for symbol in SYMBOLS:
        _, bids, asks = engine.depth(symbol, 100)
        assert len(bids) >= min_levels and len(asks) >= min_levels, symbol
        assert bids[0][0] < asks[0][0], f"{symbol} crossed: {bids[0]} >= {asks[0]}"


@pytest.fixture(scope="module")
def ran() -> tuple[MarketSimulator, Engine, SimClock]:
    market, engine, clock = make_market()
    run(market, clock, 1000, check=True)
    return market, engine, clock


def test_bootstrap_seeds_deep_tight_books_at_the_start_price() -> None:
    market, engine, _ = make_market(days=1)
    for spec in DEFAULT_SYMBOLS:
        _, bids, asks = engine.depth(spec.symbol, 100)
        assert len(bids) >= 25 and len(asks) >= 25
        tick = spec.instrument.tick_size
        assert asks[0][0] - bids[0][0] <= 4 * tick
        assert bids[0][0] < spec.start_price < asks[0][0]
        assert engine.last_price(spec.symbol) == spec.start_price
        assert market.stores[spec.symbol].last_price == spec.start_price
        assert sum(q for _, q in bids[15:25]) > sum(q for _, q in bids[:10])  # sizes grow away from the mid


def test_book_stays_two_sided_uncrossed_and_deep_after_1000_steps(ran) -> None:
    _, engine, _ = ran
    assert_two_sided(engine, min_levels=20)


def test_trades_flow_on_every_symbol_and_btc_trades_most(ran) -> None:
    market, engine, clock = ran
    counts = {s: market.stores[s].ticker_24h(clock.now_ms()).count for s in SYMBOLS}
    live = {s: sum(r.trades for r in market.stores[s].klines(Interval.M1, start_ms=NOW, limit=10)) for s in SYMBOLS}
    assert all(n >= 180 for n in live.values()), live  # 100 s of trading: several trades a second
    assert live["BTCUSDT"] == max(live.values())
    assert all(counts[s] >= live[s] for s in SYMBOLS)


def test_last_price_tracks_the_fair_price(ran) -> None:
    market, engine, _ = ran
    for spec in DEFAULT_SYMBOLS:
        last = float(engine.last_price(spec.symbol))
        fair = market.fair_price(spec.symbol)
        assert abs(last - fair) / fair < 0.002, spec.symbol


def test_klines_match_the_trades_of_their_minute(ran) -> None:
    market, engine, clock = ran
    store = market.stores["ETHUSDT"]
    minute = store.klines(Interval.M1, limit=2)[0]  # the last closed minute
    assert minute.closed
    trades = [t for t in engine.recent_trades("ETHUSDT", 1000) if minute.open_time <= t.time <= minute.close_time]
    assert trades and minute.trades == len(trades)
    assert minute.open == trades[0].price and minute.close == trades[-1].price
    assert minute.high == max(t.price for t in trades) and minute.low == min(t.price for t in trades)
    assert minute.volume == sum((t.qty for t in trades), Decimal(0))
    assert minute.quote_volume == sum((t.quote_qty for t in trades), Decimal(0))
    assert minute.taker_buy_base == sum((t.qty for t in trades if not t.buyer_is_maker), Decimal(0))
    assert (minute.first_trade_id, minute.last_trade_id) == (trades[0].trade_id, trades[-1].trade_id)


def test_same_seed_gives_the_same_market_and_another_seed_does_not() -> None:
    a, ea, ca = make_market(seed=3, days=1)
    b, eb, cb = make_market(seed=3, days=1)
    c, ec, cc = make_market(seed=4, days=1)
    for m, clock in ((a, ca), (b, cb), (c, cc)):
        run(m, clock, 80)
    assert np.array_equal(a.stores["BTCUSDT"].m1.closed, b.stores["BTCUSDT"].m1.closed)
    key = lambda e: [(t.price, t.qty, t.time) for t in e.recent_trades("SOLUSDT", 1000)]  # noqa: E731
    assert key(ea) == key(eb)
    assert ea.depth("BTCUSDT", 50) == eb.depth("BTCUSDT", 50)
    assert key(ea) != key(ec)
    assert not np.array_equal(a.stores["BTCUSDT"].m1.closed[:, 4], c.stores["BTCUSDT"].m1.closed[:, 4])


def test_a_large_user_buy_moves_the_price_and_the_maker_replenishes() -> None:
    market, engine, clock = make_market(days=1)
    engine.add_account("user", {"USDT": Decimal("10000000"), "BTC": Decimal(0)})
    _, _, asks = engine.depth("BTCUSDT", 100)
    depth_qty = sum(q for _, q in asks)
    before = market.fair_price("BTCUSDT")
    result = engine.place("user", "BTCUSDT", Side.BUY, OrderType.MARKET, quantity=(depth_qty * 2 / 3).quantize(
        Decimal("0.00001")))
    assert result.order.executed_qty > 0
    last_user_price = engine.account_trades("user", "BTCUSDT")[-1].price
    run(market, clock, 1)
    assert market.fair_price("BTCUSDT") - before > 0.3 * (float(last_user_price) - before)  # impact
    _, bids, asks = engine.depth("BTCUSDT", 100)
    assert len(asks) >= 25 and len(bids) >= 25 and bids[0][0] < asks[0][0]
    store = market.stores["BTCUSDT"]
    assert store.current(Interval.M1).high >= last_user_price  # user trades are in the candles


def test_a_quiet_pause_rolls_candles_and_the_market_resumes() -> None:
    market, engine, clock = make_market(days=1)
    run(market, clock, 5)
    clock.advance(10 * 60_000)
    market.step(clock.now_ms())
    assert_two_sided(engine, min_levels=20)
    rows = market.stores["BTCUSDT"].klines(Interval.M1, limit=12)
    assert [r.open_time for r in rows] == [rows[0].open_time + i * 60_000 for i in range(12)]


def test_step_is_cheap_for_all_symbols() -> None:
    market, _, clock = make_market(days=1)
    run(market, clock, 20)
    t0 = time.thread_time()  # this thread's CPU time: the session sandbox's thread and other processes don't count
    run(market, clock, 150)
    per_step_ms = (time.thread_time() - t0) / 150 * 1000
    assert per_step_ms < 25  # measured ~2-3 ms on the dev box; generous for loaded CI


def test_maker_keeps_a_bounded_number_of_orders_and_tracks_them_exactly(ran) -> None:
    market, engine, _ = ran
    from terminal.sim.market import MAKER
    for symbol in SYMBOLS:
        resting = engine.open_orders(MAKER, symbol)
        levels = {(o.side, o.price) for o in resting}
        assert 40 <= len(levels) <= 2 * (25 + 4) + 2 and len(resting) <= 3 * len(levels), symbol
        tracked = {oid: left for entries in market._sims[symbol].quoter.orders.values() for oid, left in entries}
        step = market.stores[symbol].instrument.step_size
        assert tracked == {o.order_id: int(o.remaining_qty / step) for o in resting}, symbol


def test_a_user_who_empties_a_side_finds_it_refilled_at_once() -> None:
    market, engine, _ = make_market(days=1)
    engine.add_account("whale", {"USDT": Decimal("100000000"), "ETH": Decimal("100000")})
    _, bids, _ = engine.depth("ETHUSDT", 1000)
    everything = sum(q for _, q in bids) + Decimal("1")
    result = engine.place("whale", "ETHUSDT", Side.SELL, OrderType.MARKET, quantity=everything)
    assert result.order.executed_qty == everything - 1  # the whole bid side was taken
    _, bids, asks = engine.depth("ETHUSDT", 100)
    assert len(bids) >= 25 and len(asks) >= 25 and bids[0][0] < asks[0][0]  # refilled, no step needed
    assert market.fair_price("ETHUSDT") < float(DEFAULT_SYMBOLS[1].start_price)


def test_simulator_accounts_keep_a_short_bounded_history():
    from decimal import Decimal

    from terminal.clock import SimClock
    from terminal.sim.engine import Engine
    from terminal.sim.market import MAKER, TAKER, MarketSimulator
    from terminal.sim.symbols import DEFAULT_SYMBOLS

    specs = [s for s in DEFAULT_SYMBOLS if s.symbol == "BTCUSDT"]
    clock = SimClock(1_700_000_000_000)
    engine = Engine([s.instrument for s in specs], clock)
    sim = MarketSimulator(engine, specs, seed=3, clock=clock, days=1)
    sim.bootstrap(clock.now_ms())
    for _ in range(3000):
        clock.advance(100)
        sim.step(clock.now_ms())
    for account in (MAKER, TAKER):
        assert len(engine.all_orders(account, "BTCUSDT", limit=100_000)) <= 2 * 200 + len(engine.open_orders(account))
        assert len(engine.account_trades(account, "BTCUSDT", limit=100_000)) <= 2 * 200
    assert engine.last_price("BTCUSDT") > Decimal(0)

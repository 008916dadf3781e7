"""Price paths (seeded, plausible volatility) and the listed symbols (filters that fit their prices)."""
from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from terminal.model.enums import OrderType, Side
from terminal.model.instrument import OrderValidationError
from terminal.sim.path import PricePath, minute_log_returns
from terminal.sim.symbols import DEFAULT_SYMBOLS, default_instruments, spec_by_symbol


def walk(path: PricePath, steps: int, dt_ms: int = 100) -> np.ndarray:
    return np.array([path.advance(dt_ms) for _ in range(steps)])


def test_same_seed_and_symbol_give_the_same_path() -> None:
    a = walk(PricePath(42, 0, Decimal("64000"), 0.6), 500)
    b = walk(PricePath(42, 0, Decimal("64000"), 0.6), 500)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, walk(PricePath(43, 0, Decimal("64000"), 0.6), 500))
    assert not np.array_equal(a, walk(PricePath(42, 1, Decimal("64000"), 0.6), 500))


def test_path_stays_positive_and_its_volatility_is_near_the_spec() -> None:
    prices = walk(PricePath(1, 3, Decimal("150"), 0.9), 20_000, dt_ms=60_000)  # ~14 days of minutes
    assert (prices > 0).all()
    returns = np.diff(np.log(prices))
    annualised = returns.std() * math.sqrt(365 * 1440)
    assert 0.45 < annualised < 1.8


def test_zero_step_does_not_move_and_nudge_pulls_towards_target() -> None:
    path = PricePath(1, 0, Decimal("100"), 0.5)
    assert path.advance(0) == pytest.approx(100.0)
    path.nudge(110.0, 0.5)
    assert 104.0 < path.price < 106.0


def test_minute_history_returns_are_seeded_and_have_the_requested_length() -> None:
    r1, s1 = minute_log_returns(9, 2, 0.7, 5000)
    r2, _ = minute_log_returns(9, 2, 0.7, 5000)
    assert len(r1) == len(s1) == 5000 and np.array_equal(r1, r2) and (s1 > 0).all()


def test_default_symbols_are_the_nine_listed_with_prices_on_their_ticks() -> None:
    assert [s.symbol for s in DEFAULT_SYMBOLS] == ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT",
                                                   "DOGEUSDT", "LTCUSDT", "ETHBTC"]
    for spec in DEFAULT_SYMBOLS:
        inst = spec.instrument
        assert spec.start_price % inst.tick_size == 0 and spec.start_price > 0
        assert inst.min_qty == inst.step_size and inst.max_price > spec.start_price * 10
        assert inst.order_types == frozenset(OrderType)
        assert inst.min_notional == (Decimal("0.0001") if inst.quote_asset == "BTC" else Decimal("5"))
        # A maker-sized order passes the filters; the quote currency is USDT except for ETHBTC.
        inst.validate_order(Side.BUY, OrderType.LIMIT, quantity=inst.snap_qty(spec.quote_size),
                            price=spec.start_price)
    assert default_instruments()[0].symbol == "BTCUSDT"


def test_btcusdt_filters_follow_the_reference() -> None:
    btc = spec_by_symbol()["BTCUSDT"].instrument
    assert (btc.tick_size, btc.step_size, btc.min_qty, btc.min_notional) == (
        Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001"), Decimal("5"))
    btc.validate_order(Side.BUY, OrderType.MARKET, quantity=Decimal("0.001"), reference_price=Decimal("64000"))
    with pytest.raises(OrderValidationError) as info:
        btc.validate_order(Side.BUY, OrderType.LIMIT, quantity=Decimal("0.00005"), price=Decimal("64000"))
    assert info.value.filter == "NOTIONAL"

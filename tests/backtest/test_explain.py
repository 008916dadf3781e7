"""A backtest without trades says why (result.note); fractional lots make trades where whole units cannot."""
from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pytest

from terminal.backtest.engine import run_backtest
from terminal.backtest.optimize import STAT_KEYS, optimize
from terminal.backtest.synthetic import random_walk
from terminal.strategy.base import Strategy
from terminal.strategy.builtin import SmaCross


@pytest.fixture(scope="module")
def btc():
    return random_walk(2000, seed=12, price=64_000.0)


class Idle(Strategy):
    def on_bar(self, bar) -> None:
        pass


class BuyQuantity(Strategy):
    """Buys a fixed quantity once (market), or places a limit far below the market."""

    def __init__(self, qty: str, limit: str | None = None) -> None:
        super().__init__()
        self.qty, self.limit = Decimal(qty), None if limit is None else Decimal(limit)

    def on_bar(self, bar) -> None:
        if self.ctx.bar_index == 5:
            self.ctx.buy(self.qty, price=self.limit)


def test_whole_units_at_64000_with_10000_cash_make_no_trades_and_the_note_says_why(btc):
    res = run_backtest(btc, SmaCross(fast=10, slow=30), cash=10_000, commission=0.001)
    assert res.stats["# Trades"] == 0
    assert res.note.startswith("No trades: cash 10,000 buys 0 whole units at ")
    assert res.note.endswith("use fractional sizing (a lot step such as 0.00001) or more cash.")
    first = res.orders[0]  # the first all-in order, rejected at its fill price
    assert first.reject_reason == "insufficient cash" and first.filled_qty == 0


def test_the_instruments_lot_step_makes_fractional_trades_on_that_step(btc):
    res = run_backtest(btc, SmaCross(fast=10, slow=30), cash=10_000, commission=0.001, lot_size=Decimal("0.00001"))
    assert res.stats["# Trades"] > 5 and res.note == ""
    step = Decimal("0.00001")
    sizes = [f.qty for f in res.fills]
    assert all(q % step == 0 and 0 < q < 1 for q in sizes)
    first = res.fills[0]
    assert first.qty * first.price * Decimal("1.001") <= Decimal(10_000) < (first.qty + step) * first.price * Decimal("1.001")


def test_lots_coarser_than_the_cash_are_named(btc):
    res = run_backtest(btc, SmaCross(fast=10, slow=30), cash=10_000, lot_size=Decimal("0.5"))
    assert res.note.startswith("No trades: cash 10,000 buys 0 lots of 0.5 at ")
    assert res.note.endswith("use a smaller lot step or more cash.")


@pytest.mark.parametrize("strategy, kw, note", [
    (Idle(), {}, "No trades: the strategy placed no orders in 2,000 bars."),
    (BuyQuantity("2"), {}, r"No trades: an order for 2 at [\d,.]+ needs [\d,.]+ with commission, but the cash is 10,000\."),
    (BuyQuantity("0.01", limit="1000"), {},
     r"No trades: the strategy placed 1 order and none filled \(limit or stop prices never reached, or cancelled\)\."),
    (BuyQuantity("0.01"), {"finalize_trades": False},
     r"No closed trades: the position opened is still open at the end \(closing it at the end is off\)\."),
])
def test_every_kind_of_empty_backtest_has_its_reason(btc, strategy, kw, note):
    res = run_backtest(btc, strategy, cash=10_000, commission=0.001, lot_size=Decimal("0.00001"), **kw)
    assert res.stats["# Trades"] == 0
    assert re.fullmatch(note, res.note), res.note


def test_the_optimisers_sma_fast_path_agrees_with_the_engine_on_fractional_lots(btc):
    grid = {"fast": [5, 10], "slow": [20, 40], "long_short": [False, True]}
    res = optimize(btc, SmaCross, grid, commission=0.001, lot_size=Decimal("0.00001"))
    assert len(res.results) == 8 and (res.results["# Trades"] > 0).all()
    for row in res.results.to_dict("records"):
        params = {k: row[k] for k in grid}
        direct = run_backtest(btc, SmaCross(**params), commission=0.001, lot_size=Decimal("0.00001")).stats
        for key in STAT_KEYS:
            expected = float(direct.get(key, 0.0 if key == "Commissions [$]" else np.nan))
            assert row[key] == pytest.approx(expected, rel=1e-9, nan_ok=True), (params, key)

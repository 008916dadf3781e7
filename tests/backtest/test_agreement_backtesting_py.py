"""Our statistics equal backtesting.py 0.6.6's on the same data, strategy and conventions."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

bt = pytest.importorskip("backtesting")
from backtesting import Backtest  # noqa: E402
from backtesting import Strategy as BtStrategy  # noqa: E402
from backtesting.lib import crossover  # noqa: E402
from backtesting.test import GOOG, SMA  # noqa: E402

from terminal.backtest.engine import run_backtest  # noqa: E402
from terminal.backtest.synthetic import random_walk  # noqa: E402
from terminal.strategy.builtin import SmaCross  # noqa: E402


class BtSmaCross(BtStrategy):
    """backtesting.py's own example (reverses long <-> short)."""
    n1 = 10
    n2 = 20

    def init(self):
        self.sma1 = self.I(SMA, self.data.Close, self.n1)
        self.sma2 = self.I(SMA, self.data.Close, self.n2)

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell()


class BtSmaLong(BtSmaCross):
    """Long-only: enter on the cross up, leave on the cross down."""

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()


def reference(df: pd.DataFrame, cls: type, **params) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Backtest(df, cls, cash=10_000, commission=.002, exclusive_orders=True,
                        finalize_trades=True).run(**params)


def assert_same_stats(ours: pd.Series, theirs: pd.Series) -> None:
    keys = [k for k in theirs.index if not k.startswith("_")]
    assert list(ours.index) == keys  # every statistic they define, in their order
    for key in keys:
        a, b = ours[key], theirs[key]
        if isinstance(b, (pd.Timestamp, pd.Timedelta)):
            assert a == b, key
        elif pd.isna(b):
            assert pd.isna(a), key
        else:
            assert a == pytest.approx(float(b), rel=1e-9, abs=1e-9), key
    assert round(ours["Equity Final [$]"], 2) == round(theirs["Equity Final [$]"], 2)
    assert round(ours["Equity Peak [$]"], 2) == round(theirs["Equity Peak [$]"], 2)


@pytest.mark.parametrize("long_short, cls", [(True, BtSmaCross), (False, BtSmaLong)], ids=["long_short", "long_only"])
@pytest.mark.parametrize("fast, slow", [(10, 20), (7, 31)])
def test_sma_cross_on_synthetic_hourly_bars_matches_backtesting_py(long_short, cls, fast, slow):
    df = random_walk(3000, seed=3)
    theirs = reference(df, cls, n1=fast, n2=slow)
    ours = run_backtest(df, SmaCross(fast=fast, slow=slow, long_short=long_short), cash=10_000, commission=0.002)
    assert ours["# Trades"] > 20
    assert_same_stats(ours.stats, theirs)
    t = theirs["_trades"]
    np.testing.assert_array_equal(ours.trades["Size"].to_numpy(), t["Size"].to_numpy())
    np.testing.assert_array_equal(ours.trades["EntryBar"].to_numpy(), t["EntryBar"].to_numpy())
    np.testing.assert_array_equal(ours.trades["ExitBar"].to_numpy(), t["ExitBar"].to_numpy())
    np.testing.assert_allclose(ours.trades["PnL"].to_numpy(), t["PnL"].to_numpy(), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ours.equity.to_numpy(), theirs["_equity_curve"]["Equity"].to_numpy(), rtol=1e-11)


def test_sma_cross_on_goog_daily_bars_matches_backtesting_py():
    theirs = reference(GOOG, BtSmaCross)
    ours = run_backtest(GOOG, SmaCross(fast=10, slow=20, long_short=True), cash=10_000, commission=0.002)
    assert_same_stats(ours.stats, theirs)


def test_without_finalize_open_trade_stays_out_of_trades_like_backtesting_py():
    df = random_walk(2000, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = Backtest(df, BtSmaCross, cash=10_000, commission=.002, exclusive_orders=True).run()
    ours = run_backtest(df, SmaCross(long_short=True), cash=10_000, commission=0.002, finalize_trades=False)
    assert_same_stats(ours.stats, theirs)

"""Inputs the engine takes as they come (numpy numbers), and statistics of degenerate equity without warnings."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from terminal.backtest.engine import run_backtest
from terminal.strategy.base import Strategy


class BuyOnce(Strategy):
    def on_bar(self, bar) -> None:
        if self.ctx.position == 0 and not self.ctx.open_orders:
            self.ctx.buy()


def test_numpy_numbers_for_cash_and_lot_size_and_a_volatility_lost_to_cancellation_is_nan_without_a_warning():
    n = 24 * 60
    close = 100 * 0.9999 ** np.arange(n)  # falls by the same factor every hour
    df = pd.DataFrame({"Open": close, "High": close, "Low": close, "Close": close, "Volume": 1.0},
                      index=pd.date_range("2024-01-01", periods=n, freq="h"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = run_backtest(df, BuyOnce(), cash=np.float64(100 * close[1]), lot_size=np.int64(1))
    assert res.stats["# Trades"] == 1 and res.trades["Size"].iloc[0] == 100
    assert np.isnan(res.stats["Volatility (Ann.) [%]"]) and np.isnan(res.stats["Sharpe Ratio"])

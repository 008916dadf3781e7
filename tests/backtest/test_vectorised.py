"""The numpy path gives the event-driven engine's trades and equity."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from terminal.backtest.engine import run_backtest
from terminal.backtest.synthetic import random_walk
from terminal.backtest.vectorised import run_sma_cross
from terminal.strategy.base import ParamError
from terminal.strategy.builtin import SmaCross


@pytest.mark.parametrize("long_short", [False, True])
@pytest.mark.parametrize("fast, slow, commission, finalize", [(10, 20, 0.002, True), (5, 40, 0.0, True),
                                                              (3, 8, 0.001, False), (12, 13, 0.002, True)])
def test_vectorised_sma_cross_equals_event_driven(long_short, fast, slow, commission, finalize):
    df = random_walk(4000, seed=11)
    ev = run_backtest(df, SmaCross(fast=fast, slow=slow, long_short=long_short), cash=10_000,
                      commission=commission, finalize_trades=finalize)
    vec = run_sma_cross(df, fast, slow, long_short=long_short, cash=10_000, commission=commission,
                        finalize_trades=finalize)
    assert len(vec.trades) == len(ev.trades) > 10
    for col in ("Size", "EntryBar", "ExitBar", "EntryPrice", "ExitPrice"):
        np.testing.assert_array_equal(vec.trades[col].to_numpy(), ev.trades[col].to_numpy(), err_msg=col)
    for col in ("PnL", "Commission", "ReturnPct"):
        np.testing.assert_allclose(vec.trades[col].to_numpy(), ev.trades[col].to_numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(vec.equity.to_numpy(), ev.equity.to_numpy(), rtol=1e-12)
    for key in ev.stats.index:
        a, b = vec.stats[key], ev.stats[key]
        if isinstance(b, (pd.Timestamp, pd.Timedelta)) or pd.isna(b):
            assert (a == b) or (pd.isna(a) and pd.isna(b)), key
        else:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-9), key


def test_signal_on_the_last_bar_is_filled_and_closed_there_with_finalize():
    df = random_walk(300, seed=2)
    ev = run_backtest(df, SmaCross(fast=2, slow=3, long_short=True), commission=0.001)
    vec = run_sma_cross(df, 2, 3, long_short=True, commission=0.001)
    np.testing.assert_array_equal(vec.trades["ExitBar"].to_numpy(), ev.trades["ExitBar"].to_numpy())
    assert vec.stats["Equity Final [$]"] == pytest.approx(ev.stats["Equity Final [$]"], rel=1e-12)


def test_vectorised_refuses_slow_not_greater_than_fast():
    with pytest.raises(ParamError, match="'slow' \\(10\\) must be greater than 'fast' \\(10\\)"):
        run_sma_cross(random_walk(100), 10, 10)

"""The vectorised result makes its trades frame on first access: the same frame, and the result pickles before."""
from __future__ import annotations

import pickle

from terminal.backtest.metrics import trades_from_columns
from terminal.backtest.synthetic import random_walk
from terminal.backtest.vectorised import run_sma_cross, simulate, crosses
from terminal.strategy.indicators import sma


def test_trades_frame_is_made_on_first_access_and_is_the_frame_of_the_columns():
    df = random_walk(3000, seed=2)
    res = run_sma_cross(df, 10, 20, long_short=True, cash=10_000, commission=0.001)
    again = pickle.loads(pickle.dumps(res))  # before the frame exists
    close = df["Close"].to_numpy()
    up, down = crosses(sma(close, 10), sma(close, 20))
    cols, _ = simulate(df["Open"].to_numpy(), up, down, long_short=True, cash=10_000.0, commission=0.001)
    want = trades_from_columns(cols, df.index)
    assert len(want) > 50
    assert res.trades.equals(want) and res.trades is res.trades  # made once
    assert again.trades.equals(want)
    assert res.stats["# Trades"] == len(want)

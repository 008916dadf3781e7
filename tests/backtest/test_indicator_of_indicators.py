"""An indicator may take other indicators as arguments: it gets their values over the same bars, so SmaCross
computes each SMA once (its cross signs from the two SMA indicators), in a backtest and live alike."""
from __future__ import annotations

import numpy as np

import terminal.strategy.builtin as builtin
import terminal.strategy.indicators as indicators
from terminal.backtest.data import to_ms
from terminal.backtest.engine import run_backtest
from terminal.backtest.synthetic import random_walk
from terminal.strategy.builtin import SmaCross
from terminal.strategy.indicators import cross_sign, sma
from terminal.strategy.series import BarSeries, Indicator


def test_sma_cross_computes_each_sma_once_per_backtest(monkeypatch):
    calls = []

    def counting(values, window):
        calls.append(window)
        return sma(values, window)

    monkeypatch.setattr(builtin, "sma", counting)
    monkeypatch.setattr(indicators, "sma", counting)
    df = random_walk(2000, seed=4)
    res = run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=10_000)
    assert sorted(calls) == [10, 20]
    close = df["Close"].to_numpy()
    monkeypatch.undo()
    assert res.strategy.cross.values.tobytes() == cross_sign(close, 10, 20).tobytes()
    assert res.stats["# Trades"] > 20


def test_an_indicator_of_indicators_sees_their_values_over_the_visible_bars_live():
    from terminal.strategy.indicators import crossings

    df = random_walk(300, seed=6)
    series = BarSeries()
    fast = Indicator("fast", sma, (5,), "close", series)
    slow = Indicator("slow", sma, (12,), "close", series)
    cross = Indicator("cross", crossings, (fast, slow), "close", series)
    seen = []
    for t, row in zip(to_ms(df.index), df.itertuples(index=False)):
        series.append(int(t), row.Open, row.High, row.Low, row.Close, row.Volume)
        seen.append(cross[-1])  # read first: it computes the two SMAs it needs over the bars so far
        assert len(fast.values) == len(slow.values) == series.n
    want = cross_sign(df["Close"].to_numpy(), 5, 12)
    assert np.array_equal(np.array(seen), want) and (want != 0).sum() > 5

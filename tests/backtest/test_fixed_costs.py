"""The per-run costs a backtest pays besides its bars (reading the frame, the statistics' durations, the trades
frame) are cut without changing a value: each shortcut against the computation it replaces, and the slow calls
it replaces are not made."""
from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from terminal.backtest import data as data_mod
from terminal.backtest.engine import run_backtest
from terminal.backtest.metrics import floats_of, trades_from_columns
from terminal.backtest.synthetic import random_walk
from terminal.strategy.builtin import SmaCross


def test_statistics_round_durations_without_timedelta_ceil_or_index_reductions(monkeypatch):
    df = random_walk(3000, seed=3)
    want = run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=100_000).stats

    def refuse(*args, **kwargs):
        raise AssertionError("called")

    monkeypatch.setattr(pd.Timedelta, "ceil", refuse)
    monkeypatch.setattr(pd.TimedeltaIndex, "max", refuse)
    monkeypatch.setattr(pd.TimedeltaIndex, "mean", refuse)
    got = run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=100_000).stats
    monkeypatch.undo()
    keys = ["Max. Drawdown Duration", "Avg. Drawdown Duration", "Max. Trade Duration", "Avg. Trade Duration"]
    assert got[keys].tolist() == want[keys].tolist() and got.equals(want)
    assert all(type(got[k]) is pd.Timedelta and got[k].unit == want[k].unit for k in keys)


@pytest.mark.parametrize("resolution", ["h", "min", "s", "ms", "us", "ns", "D"])
def test_ceil_in_integers_is_timedelta_ceil(resolution):
    from pandas.tseries.frequencies import to_offset

    from terminal.backtest.metrics import _ceil_ns
    step = to_offset(resolution).nanos
    rng = np.random.default_rng(7)
    values = [0, 1, step - 1, step, step + 1, 3 * step, 10**18, *rng.integers(0, 10**15, 200).tolist()]
    for v in values:
        want = pd.Timedelta(v, "ns").ceil(resolution)
        got = _ceil_ns(v, step, resolution)
        assert got == want and str(got) == str(want) and got.unit == want.unit


@pytest.mark.parametrize("seed", range(6))
def test_mean_of_ticks_is_timedelta_index_mean(seed):
    from terminal.backtest.metrics import _timedelta_mean_ticks
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 400))
    high = [10**6, 10**12, 10**15, 2**62 // 500][seed % 4]
    ticks = rng.integers(0, high, k).astype(np.int64)
    want = pd.TimedeltaIndex(ticks.view("m8[ns]")).mean()
    assert pd.Timedelta(_timedelta_mean_ticks(ticks), "ns") == want


def test_trades_frame_is_the_frame_made_with_the_index_times():
    for unit in ("s", "ms", "us", "ns"):
        index = pd.date_range("2021-03-01", periods=400, freq="15min").as_unit(unit)
        rng = np.random.default_rng(1)
        entry = np.sort(rng.choice(390, 40, replace=False)).astype(np.int64)
        cols = {"Size": rng.normal(size=40), "EntryBar": entry, "ExitBar": entry + rng.integers(0, 9, 40),
                "EntryPrice": rng.normal(size=40), "ExitPrice": rng.normal(size=40), "PnL": rng.normal(size=40),
                "Commission": np.zeros(40), "ReturnPct": rng.normal(size=40)}
        want = pd.DataFrame({**cols, "EntryTime": index[cols["EntryBar"]], "ExitTime": index[cols["ExitBar"]],
                             "Duration": index[cols["ExitBar"]] - index[cols["EntryBar"]]})
        got = trades_from_columns(cols, index)
        assert got.equals(want) and list(got.dtypes) == list(want.dtypes) and got.columns.equals(want.columns)
        assert got.index.equals(want.index)


def test_a_float_frame_is_read_in_one_piece_not_column_by_column(monkeypatch):
    df = random_walk(500, seed=2)
    want_index, want = data_mod.bars_arrays(df)
    lookups = []
    original = pd.DataFrame.__getitem__
    monkeypatch.setattr(pd.DataFrame, "__getitem__", lambda self, key: lookups.append(key) or original(self, key))
    index, cols = data_mod.bars_arrays(df)
    assert lookups == []
    assert index.equals(want_index)
    for name in data_mod.OHLCV:
        assert cols[name].tobytes() == df[name].to_numpy().tobytes() == want[name].tobytes()
        assert not cols[name].flags.writeable and cols[name].flags.c_contiguous
        assert np.shares_memory(cols[name], df.to_numpy(copy=False))  # read in place, not copied


@pytest.mark.parametrize("change", ["int volume", "float32 close", "extra column", "text volume", "lowercase",
                                    "bool volume", "nan close"])
def test_frames_of_other_shapes_give_the_columns_they_gave(change):
    df = random_walk(300, seed=5)
    if change == "int volume":
        df["Volume"] = (df["Volume"] * 1000).astype("int64")
    elif change == "float32 close":
        df["Close"] = df["Close"].astype("float32")
        df["High"] = np.maximum(df["High"], df["Close"].astype(float) + 1)
        df["Low"] = np.minimum(df["Low"], df["Close"].astype(float) - 1)
    elif change == "extra column":
        df["Adj Close"] = df["Close"]
    elif change == "text volume":
        df["Volume"] = df["Volume"].astype(str)
    elif change == "lowercase":
        df.columns = [c.lower() for c in df.columns]
    elif change == "bool volume":
        df["Volume"] = df["Volume"] > df["Volume"].median()
    elif change == "nan close":
        df.iloc[7, df.columns.get_loc("Close")] = np.nan
    lower = {str(c).strip().lower(): c for c in df.columns}

    def by_column() -> dict[str, np.ndarray]:
        return {c: pd.to_numeric(df[lower[c.lower()]], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                for c in data_mod.OHLCV}

    if change == "nan close":
        with pytest.raises(data_mod.DataError, match=r"NaN or non-numeric close at .* \(row 8\)"):
            data_mod.bars_arrays(df)
        return
    _, cols = data_mod.bars_arrays(df)
    for name, values in by_column().items():
        assert cols[name].tobytes() == values.tobytes(), name


def test_floats_of_a_column_that_starts_with_a_fraction_is_float_of_each():
    values = [D("1.5"), D("-0"), D("NaN"), D("3"), D("-2.25E+3"), D("12345678901234567890.123456789"), D("-0.0")]
    assert floats_of(values, len(values)).tobytes() == np.array([float(v) for v in values]).tobytes()


def test_event_driven_trades_frame_is_made_on_first_access_and_is_the_frame_of_the_columns(monkeypatch):
    import pickle

    import terminal.backtest.engine as engine
    from terminal.backtest.metrics import trade_columns

    df = random_walk(3000, seed=9)
    made = []
    original = engine.trades_from_columns
    monkeypatch.setattr(engine, "trades_from_columns", lambda *a: made.append(1) or original(*a))
    res = run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=100_000, commission=0.001)
    assert made == []  # the statistics did not need it
    again = pickle.loads(pickle.dumps(res))  # before the frame exists
    rows = res.strategy.ctx._port.closed_trades
    want = trades_from_columns(trade_columns(rows), pd.DatetimeIndex(df.index).as_unit("ns"))
    assert len(want) > 50 and res.stats["# Trades"] == len(want)
    assert res.trades.equals(want) and res.trades is res.trades and made == [1]  # made once
    assert again.trades.equals(want)
    assert res.note == ""


def test_a_backtest_without_trades_has_the_empty_frame_and_says_why():
    res = run_backtest(random_walk(500, seed=8, price=50_000), SmaCross(), cash=10_000)
    assert len(res.trades) == 0 and list(res.trades.columns)[:3] == ["Size", "EntryBar", "ExitBar"]
    assert "whole units" in res.note and res.stats["# Trades"] == 0

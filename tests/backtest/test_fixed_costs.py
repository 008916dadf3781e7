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


def test_a_backtest_converts_no_time_unit_through_pandas(monkeypatch):
    df = random_walk(2000, seed=12)  # a microsecond index (pandas 3's date_range)
    want = run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=100_000)
    calls = []
    original = pd.DatetimeIndex.as_unit
    monkeypatch.setattr(pd.DatetimeIndex, "as_unit", lambda self, unit: calls.append(unit) or original(self, unit))
    got = run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=100_000)
    monkeypatch.undo()
    assert calls == []
    assert got.stats.equals(want.stats) and got.equity.equals(want.equity) and got.trades.equals(want.trades)
    assert [f.ts_event for f in got.fills] == [f.ts_event for f in want.fills]


def _index_cases() -> list[pd.DatetimeIndex]:
    base = pd.date_range("1969-12-31 23:00", periods=300, freq="7min")
    return [base.as_unit("ns"), base.as_unit("us"), base.as_unit("ms"), base.as_unit("s"),
            pd.date_range("2021-01-01", periods=50, freq="D", name="when").as_unit("us"),
            pd.date_range("2021-03-28", periods=60, freq="h", tz="Europe/Berlin"),
            pd.DatetimeIndex(np.array([-10**15 - 7, -1, 0, 1_500_001, 10**17 + 3], dtype="M8[ns]")),
            pd.DatetimeIndex(np.array([-10**12 - 7, -1, 5], dtype="M8[us]"))]


@pytest.mark.parametrize("index", _index_cases())
def test_bars_index_and_times_are_what_unit_conversion_gives(index):
    n = len(index)
    df = pd.DataFrame({"Open": np.full(n, 2.0), "High": np.full(n, 3.0), "Low": np.full(n, 1.0),
                       "Close": np.full(n, 2.5), "Volume": np.ones(n)}, index=index)
    got, _ = data_mod.bars_arrays(df)
    naive = index if index.tz is None else index.tz_convert("UTC").tz_localize(None)
    want = pd.DatetimeIndex(naive.as_unit("ns"), freq=None, name=None)
    assert got.equals(want) and got.dtype == want.dtype and got.freq is None and got.name == want.name
    assert data_mod.to_ms(got).tobytes() == want.as_unit("ms").asi8.astype(np.int64).tobytes()
    assert data_mod.to_ms(index).tobytes() == index.as_unit("ms").asi8.astype(np.int64).tobytes()


def test_times_beyond_the_nanosecond_range_are_refused_as_before():
    index = pd.DatetimeIndex(np.array(["1500-01-01", "1500-01-02"], dtype="M8[s]"))
    df = pd.DataFrame({"Open": [2.0, 2.0], "High": [3.0, 3.0], "Low": [1.0, 1.0], "Close": [2.5, 2.5]}, index=index)
    with pytest.raises(Exception) as got:
        data_mod.bars_arrays(df)
    with pytest.raises(Exception) as want:
        pd.DatetimeIndex(index.as_unit("ns"), freq=None, name=None)
    assert type(got.value) is type(want.value)


def test_to_ms_of_an_index_with_nat_is_as_unit():
    index = pd.DatetimeIndex(["2021-01-01 00:00:00.0015", None, "1969-12-31 23:59:59.9995"]).as_unit("ns")
    assert data_mod.to_ms(index).tobytes() == index.as_unit("ms").asi8.astype(np.int64).tobytes()


@pytest.mark.parametrize("defect", ["duplicate", "unsorted", "duplicate after unsorted", "inf volume", "zero low",
                                    "negative open", "high below open", "low above close"])
def test_data_errors_name_the_first_problem_as_before(defect):
    n = 40
    index = pd.date_range("2021-01-01", periods=n, freq="h")
    o, c = np.linspace(10, 12, n), np.linspace(10.5, 12.5, n)
    cols = {"Open": o.copy(), "High": np.maximum(o, c) + 1, "Low": np.minimum(o, c) - 1, "Close": c.copy(),
            "Volume": np.ones(n)}
    ticks = index.asi8.copy()
    if defect == "duplicate":
        ticks[9] = ticks[8]
    elif defect == "unsorted":
        ticks[20], ticks[21] = ticks[21], ticks[20]
    elif defect == "duplicate after unsorted":
        ticks[5], ticks[6] = ticks[6], ticks[5]
        ticks[30] = ticks[29]
    elif defect == "inf volume":
        cols["Volume"][3] = np.inf
    elif defect == "zero low":
        cols["Low"][11] = 0.0
    elif defect == "negative open":
        cols["Open"][12] = -1.0
    elif defect == "high below open":
        cols["High"][13] = cols["Open"][13] - 0.5
    elif defect == "low above close":
        cols["Low"][14] = cols["Close"][14] + 0.5
    df = pd.DataFrame(cols, index=pd.DatetimeIndex(ticks.view(f"M8[{index.unit}]")))
    messages = {
        "duplicate": "duplicate timestamp 2021-01-01 08:00:00 (rows 9 and 10)",
        "unsorted": "timestamps are not sorted: 2021-01-01 20:00:00 (row 22) comes after 2021-01-01 21:00:00",
        "duplicate after unsorted": "duplicate timestamp 2021-01-02 05:00:00 (rows 30 and 31)",
        "inf volume": "NaN or non-numeric volume at 2021-01-01 03:00:00 (row 4); 1 such value(s)",
        "zero low": "non-positive price at 2021-01-01 11:00:00 (row 12)",
        "negative open": "non-positive price at 2021-01-01 12:00:00 (row 13)",
        "high below open": "high/low do not contain open/close at 2021-01-01 13:00:00 (row 14)",
        "low above close": "high/low do not contain open/close at 2021-01-01 14:00:00 (row 15)",
    }
    with pytest.raises(data_mod.DataError) as err:
        data_mod.bars_arrays(df)
    assert str(err.value) == f"data: {messages[defect]}"


def test_marks_are_kept_as_columns_and_the_equity_is_cash_plus_position_times_close():
    df = random_walk(1500, seed=21)
    res = run_backtest(df, SmaCross(fast=5, slow=12, long_short=True), cash=50_000, commission=0.001,
                       finalize_trades=False)
    broker = res.strategy.ctx._port
    bars, cash, pos = broker.mark_bars, broker.mark_cash, broker.mark_pos
    assert len(bars) == len(cash) == len(pos) > 20 and broker.marks == list(zip(bars, cash, pos))
    assert all(type(c) is D and type(p) is D for c, p in zip(cash, pos))
    close = df["Close"].to_numpy()
    want, k, c, p = [], 0, 50_000.0, 0.0
    for i in range(len(close)):  # the last mark at or before each bar holds
        while k < len(bars) and bars[k] <= i:
            c, p = float(cash[k]), float(pos[k])
            k += 1
        want.append(c + p * close[i])
    assert res.equity.to_numpy().tobytes() == np.array(want).tobytes()


@pytest.mark.parametrize("first", [0, 1, 19, 4095, 4096, 5000, 9999, None])
def test_warmup_is_the_first_value_that_is_not_nan(first):
    from terminal.strategy.series import BarSeries, Indicator

    n = 10_000
    values = np.full(n, np.nan)
    if first is not None:
        values[first:] = 1.0
        values[first + 3::7] = np.nan  # NaNs after the first value do not count
    series = BarSeries.from_arrays(np.arange(n), *(np.ones(n) for _ in range(5)))
    ind = Indicator("x", lambda v: values, (), "close", series)
    ind.compute(full=True)
    assert ind.warmup == int(np.isnan(values).argmin())


def test_commission_free_trade_columns_are_the_columns_of_the_rows():
    from terminal.backtest.metrics import trade_columns

    df = random_walk(2000, seed=17)
    res = run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=100_000)
    rows = res.strategy.ctx._port.closed_trades
    free, read = trade_columns(rows, commission_free=True), trade_columns(rows)
    assert len(rows) > 30 and list(free) == list(read)
    assert all(free[c].tobytes() == read[c].tobytes() and free[c].dtype == read[c].dtype for c in free)


def test_statistics_read_after_the_drawdowns_are_right_with_their_array_reused():
    """Beta reads the equity's log returns, made in the drawdowns' array once they are read: both as computed
    plainly."""
    df = random_walk(5000, seed=23)
    res = run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=100_000)
    close, eq = df["Close"].to_numpy(), res.equity.to_numpy()
    eq_log, mk = np.log(eq[1:] / eq[:-1]), np.log(close[1:] / close[:-1])
    beta = np.dot(eq_log - eq_log.mean(), mk - mk.mean()) / np.dot(mk - mk.mean(), mk - mk.mean())
    assert abs(res.stats["Beta"] - beta) <= 1e-12 * max(1.0, abs(beta))
    dd = 1 - eq / np.maximum.accumulate(eq)
    assert res.stats["Max. Drawdown [%]"] == -dd.max() * 100 and res.stats["Max. Drawdown [%]"] < 0
    assert res.stats["Avg. Drawdown Duration"] <= res.stats["Max. Drawdown Duration"]


def test_indicator_values_read_through_a_view_of_their_array_and_a_result_with_them_pickles():
    import pickle

    df = random_walk(3000, seed=31)
    res = run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=100_000)
    cross = res.strategy.cross
    values = cross.values.copy()
    assert np.shares_memory(np.asarray(cross._floats()), cross._values)  # read where they are, not copied
    again = pickle.loads(pickle.dumps(res))
    ind = again.strategy.cross
    assert ind.values.tobytes() == values.tobytes() and ind[-1] == values[-1] and ind[-2] == values[-2]
    assert again.stats.equals(res.stats)


def test_closed_trades_are_kept_flat_and_their_columns_are_the_columns_of_the_rows():
    from terminal.backtest.broker import ClosedTrade
    from terminal.backtest.metrics import CLOSED_FIELDS, closed_trade_columns, trade_columns

    df = random_walk(3000, seed=41)
    res = run_backtest(df, SmaCross(fast=7, slow=19, long_short=True), cash=30_000, commission=0.001, lot_size=0.01)
    broker = res.strategy.ctx._port
    flat, rows = broker.closed_flat, broker.closed_trades
    assert len(rows) > 50 and CLOSED_FIELDS == len(ClosedTrade._fields) and len(flat) == CLOSED_FIELDS * len(rows)
    assert [tuple(ClosedTrade(*row)) for row in rows] == rows and type(flat[0]) is D
    got, want = closed_trade_columns(flat), trade_columns(rows)
    assert list(got) == list(want) and all(got[c].tobytes() == want[c].tobytes() for c in want)
    assert res.trades["PnL"].to_numpy().tobytes() == want["PnL"].tobytes() and want["Commission"].any()

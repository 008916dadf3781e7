"""The shortcuts the statistics take give the numbers of the plain computations they replace, bit for bit."""
from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from terminal.backtest.metrics import _days, _series, floats_of, trade_columns, trades_frame
from terminal.strategy.indicators import sma


@pytest.mark.parametrize("values", [
    [D("-10907"), D("5"), D("0")],
    [D("-0"), D("3")], [D("3"), D("-0")], [D("3"), D("-0"), D("4")], [D("-00"), D("1")], [D("-0.0")],
    [D("1234567890123456789"), D("1")], [D("-9223372036854775808"), D("1")], [D("-99999999999999999999"), D("2")],
    [D("12345678901234567890")], [D("999999999999999999"), D("-999999999999999999")],
    [D("9007199254740993"), D("-9007199254740995")],  # beyond 2**53: rounded to nearest even, as float() does
    [D("1.5"), D("2")], [D("1E+1"), D("3")], [D("10"), D("-100")], [D("NaN"), D("1")],
    [D("Infinity"), D("-Infinity")], [D("2093231.89510640552212"), D("-11630.10376713225963")],
    [1, 2.5, -3], [10**30, 1], [float("nan"), 1.0], [1e-5, 3], [-0.0, 7],
])
def test_floats_of_is_float_of_each(values):
    got = floats_of(values, len(values))
    want = np.array([float(v) for v in values])
    assert got.tobytes() == want.tobytes()  # same bits: signs of zeros, NaNs and roundings included


def _days_per_bar(ns: np.ndarray) -> tuple[float, np.ndarray]:
    day = ns // 86_400_000_000_000
    dow = (day + 3) % 7
    return float((dow >= 5).mean()), np.r_[np.flatnonzero(day[1:] != day[:-1]), len(ns) - 1].astype(np.int64)


@pytest.mark.parametrize("index", [
    pd.date_range("2020-01-01", periods=1000, freq="h"), pd.date_range("1960-03-01", periods=5000, freq="37min"),
    pd.date_range("2021-01-01", periods=300, freq="D"), pd.date_range("2021-01-01", periods=30, freq="W"),
    pd.date_range("1969-12-25", periods=500, freq="7h"), pd.DatetimeIndex(["2020-01-01", "2020-01-01 05:00"]),
    pd.DatetimeIndex(["2020-01-05"]), pd.DatetimeIndex(["2020-01-05", "2020-01-03", "2020-01-09"]),
    pd.DatetimeIndex(np.sort(np.random.default_rng(3).integers(0, 10**17, 2000)).astype("M8[ns]")),
    pd.date_range("2000-01-01", periods=200, freq="YS"), pd.date_range("2262-04-01", periods=100, freq="h"),
])
def test_days_by_binary_search_are_the_days_of_every_bar(index):
    ns = pd.DatetimeIndex(index).as_unit("ns").asi8
    share, last = _days(ns)
    want_share, want_last = _days_per_bar(ns)
    assert share == want_share and last.dtype == want_last.dtype and np.array_equal(last, want_last)


def _sma_reference(values: np.ndarray, window: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    if window <= 0 or len(values) < window:
        return out
    c = np.cumsum(np.insert(values, 0, 0.0))
    out[window - 1:] = (c[window:] - c[:-window]) / window
    return out


@pytest.mark.parametrize("values", [np.random.default_rng(1).normal(size=1000),
                                    np.array([-0.0, -0.0, 1, -0.0, 0.0, -0.0, -0.0]), np.array([-0.0] * 5),
                                    np.array([0.0, -0.0, -0.0]), np.array([np.nan, 1, 2, 3.0, np.inf])])
@pytest.mark.parametrize("window", [0, 1, 2, 3, 5])
def test_sma_is_the_sum_with_a_zero_in_front(values, window):
    assert sma(values, window).tobytes() == _sma_reference(values, window).tobytes()


def test_stats_series_is_the_series_of_the_dict_and_owns_its_index():
    d = {"Start": pd.Timestamp("2020-01-01"), "Return [%]": 1.5, "# Trades": 3, "SQN": np.nan}
    a, b = _series(d), _series(dict(d))
    want = pd.Series(d, dtype=object)
    assert a.equals(want) and a.index.equals(want.index) and a.index.dtype == want.index.dtype
    a.index.name = "renamed"
    assert b.index.name is None and _series(d).index.name is None


def test_trades_frame_from_columns_is_the_frame_of_the_rows():
    index = pd.date_range("2021-01-01", periods=50, freq="h")
    rows = [(D("3"), 1, 4, D("100.5"), D("101.25"), D("2.25"), D("0.6"), 0.0071, 100.5, 101.25),
            (D("-2.5"), 4, 9, D("101.25"), D("99"), D("5.625"), D("0"), 0.0222, 101.25, 99.0)]
    df = trades_frame(rows, index)
    cols = trade_columns(rows)
    assert list(df.columns)[:8] == list(cols)
    for name, values in cols.items():
        assert df[name].to_numpy().tobytes() == values.tobytes()
    assert df["PnL"].tolist() == [2.25, 5.625] and df["Size"].tolist() == [3.0, -2.5]
    assert df["Duration"].tolist() == [pd.Timedelta(hours=3), pd.Timedelta(hours=5)]
    assert list(df["EntryTime"]) == [index[1], index[4]]


def _cross_sign_reference(values: np.ndarray, fast: int, slow: int) -> np.ndarray:
    f, s = _sma_reference(values, fast), _sma_reference(values, slow)
    out = np.zeros(len(f))
    with np.errstate(invalid="ignore"):
        out[1:] = np.where((f[:-1] < s[:-1]) & (f[1:] > s[1:]), 1.0, 0.0) - np.where(
            (f[:-1] > s[:-1]) & (f[1:] < s[1:]), 1.0, 0.0)
    return out


@pytest.mark.parametrize("values", [100 + np.cumsum(np.random.default_rng(4).normal(size=3000)),
                                    np.round(100 + np.cumsum(np.random.default_rng(5).normal(size=3000)), 0),
                                    np.array([1.0]), np.array([]), np.array([np.nan, 2.0, 3.0, 1.0, 5.0, 0.5, 7.0])])
def test_cross_sign_is_the_difference_of_the_two_crossings(values):
    from terminal.strategy.indicators import cross_sign
    for fast, slow in ((1, 2), (3, 7), (10, 20)):
        assert cross_sign(values, fast, slow).tobytes() == _cross_sign_reference(values, fast, slow).tobytes()


def test_equity_from_marks_is_cash_plus_position_times_close():
    from terminal.backtest.engine import equity_from_marks
    rng = np.random.default_rng(6)
    close = 100 + rng.normal(size=500).cumsum()
    bars = np.sort(rng.choice(500, 40, replace=False)).astype(np.int64)
    cash_v, pos_v = rng.normal(size=40) * 1e4, np.round(rng.normal(size=40) * 50)
    lengths = np.diff(np.r_[0, bars, 500])
    want = np.repeat(np.r_[1e4, cash_v], lengths) + np.repeat(np.r_[0.0, pos_v], lengths) * close
    assert equity_from_marks(bars, cash_v, pos_v, 1e4, close).tobytes() == want.tobytes()


@pytest.mark.parametrize("values", [[0.01, -0.02, 0.03], [0.01, np.nan, 0.02], [np.inf, 0.1], [-np.inf, 0.1],
                                    [-1.5, 0.2], [], [np.nan]])
def test_geometric_mean_is_the_mean_of_logs_with_nans_as_zero(values):
    from terminal.backtest.metrics import geometric_mean
    r = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0) + 1
    want = 0.0 if np.any(r <= 0) else float(np.exp(np.log(r).sum() / (len(r) or np.nan)) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        got = geometric_mean(np.asarray(values, dtype=np.float64))
    assert got == want or (np.isnan(got) and np.isnan(want))


def test_drawdown_durations_are_the_differences_of_the_index():
    from terminal.backtest.metrics import drawdown_periods
    index = pd.date_range("2021-01-01", periods=200, freq="15min").as_unit("s")
    dd = np.abs(np.sin(np.arange(200) / 7.0))
    dd[::9] = 0.0
    durations, peaks = drawdown_periods(dd, index)
    iloc = np.r_[np.flatnonzero(dd == 0), 199]
    keep = iloc[1:] > iloc[:-1] + 1
    want = index[iloc[1:][keep]] - index[iloc[:-1][keep]]
    assert durations.equals(want) and durations.dtype == want.dtype and len(peaks) == len(want) > 5

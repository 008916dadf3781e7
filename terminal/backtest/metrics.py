"""Backtest statistics, defined exactly as backtesting.py 0.6.6 defines them (``backtesting/_stats.py``).

Inputs: the equity curve (one value per bar), the closed trades, the bars' DatetimeIndex and closes, and the
first bar on which the strategy could trade (the longest indicator warm-up: the index of its first non-NaN value).

* Drawdown ``dd = 1 - equity / running max``. A drawdown period runs between two bars where dd == 0 (or the last
  bar); its duration is the time between them and its peak the largest dd inside.
* Daily returns: equity resampled to days ('D'; 'W', 'ME', 'YE' for weekly, monthly, yearly bars), last value,
  percentage change. Annual trading days: 365 if more than 60% of 2/7 of the bars fall on weekends, else 252
  (52, 12, 1 for weekly, monthly, yearly bars). Return (Ann.) = (1 + geometric mean daily return)^days - 1;
  Volatility (Ann.) = sqrt((var + (1+g)^2)^days - (1+g)^(2 days)); Sharpe = Return (Ann.) / Volatility (Ann.)
  (risk-free rate 0); Sortino = Return (Ann.) / (sqrt(mean(min(r, 0)^2)) x sqrt(days)); Calmar = Return (Ann.) /
  Max. Drawdown.
* Buy & Hold from the first tradable bar's close to the last close. Exposure = share of bars inside a trade
  (entry bar to exit bar inclusive). Avg. Trade = geometric mean of trade returns; Expectancy = arithmetic mean;
  Profit Factor = sum of winning returns / |sum of losing returns|; SQN = sqrt(#trades) x mean(PnL) / std(PnL);
  Kelly = win rate - (1 - win rate) / (mean win / mean loss); durations are rounded up to the bars' resolution.
"""
from __future__ import annotations

from decimal import Decimal
from operator import itemgetter
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

TRADE_COLUMNS = ("Size", "EntryBar", "ExitBar", "EntryPrice", "ExitPrice", "PnL", "Commission", "ReturnPct",
                 "EntryTime", "ExitTime", "Duration")


def data_period(index: pd.DatetimeIndex) -> pd.Timedelta:
    """Median spacing of the last 100 bars (backtesting.py's ``_data_period``), in numpy."""
    return _period_of_ns(pd.DatetimeIndex(index[-100:]).as_unit("ns").asi8)


def _period_of_ns(ns: np.ndarray) -> pd.Timedelta:
    """``data_period`` of the bars' epoch-ns times (its last 100 are what it reads)."""
    ns = ns[-100:]
    if len(ns) < 2:
        return pd.NaT
    return pd.Timedelta(int(np.median(np.diff(ns))), "ns")


def geometric_mean(returns: pd.Series | np.ndarray) -> float:
    r = np.asarray(returns, dtype=np.float64)
    if not np.isfinite(r).all():  # nan_to_num copies even when there is nothing to replace
        r = np.nan_to_num(r, nan=0.0)
    r = r + 1
    if np.any(r <= 0):
        return 0.0
    return float(np.exp(np.log(r).sum() / (len(r) or np.nan)) - 1)


def drawdown_periods(dd: np.ndarray, index: pd.DatetimeIndex | None,
                     padded: np.ndarray | None = None) -> tuple[pd.TimedeltaIndex, np.ndarray]:
    """(durations, peak drawdowns) of every drawdown period (no durations without an index). ``padded``: ``dd``
    followed by a 0, if the caller has it (``dd`` a view of it), saves a copy."""
    prev, cur, peaks = _drawdown_bounds(dd, padded)
    if not len(prev) or index is None:
        return pd.TimedeltaIndex([]), peaks
    # index[cur] - index[prev], from the integer ticks of the index's unit (no DatetimeIndex arithmetic)
    return pd.TimedeltaIndex((index.asi8[cur] - index.asi8[prev]).view(f"m8[{index.unit}]")), peaks


def _drawdown_bounds(dd: np.ndarray, padded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first bar, last bar, peak drawdown) of every drawdown period (see ``drawdown_periods``)."""
    n = len(dd)
    iloc = np.flatnonzero(dd == 0)  # sorted and unique already
    if not len(iloc) or iloc[-1] != n - 1:
        iloc = np.concatenate((iloc, (n - 1,)))  # np.r_'s result (its Python-level indexing costs more)
    prev, cur = iloc[:-1], iloc[1:]
    keep = cur > prev + 1
    prev, cur = prev[keep], cur[keep]
    if not len(prev):
        return prev, cur, np.empty(0)
    bounds = np.empty(2 * len(prev), dtype=np.intp)
    bounds[0::2], bounds[1::2] = prev, cur + 1
    peaks = np.maximum.reduceat(np.r_[dd, 0.0] if padded is None else padded, bounds)[0::2]
    return prev, cur, peaks


def _union_length(start: np.ndarray, end: np.ndarray) -> int:
    """Number of bars covered by the inclusive intervals [start, end] (trades may touch or overlap)."""
    if not len(start):
        return 0
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    reach = np.maximum.accumulate(end)
    first = np.maximum(start, np.concatenate((start[:1], reach[:-1] + 1)))
    return int(np.clip(end - first + 1, 0, None).sum())


def _ceil(value: object, resolution: str) -> object:
    return value.ceil(resolution) if isinstance(value, pd.Timedelta) else value


def _resolution_ns(resolution: object) -> int | None:
    """Nanoseconds of a resolution string ("h", "min", "D"...), None if it is not one."""
    try:
        return int(to_offset(resolution).nanos) if isinstance(resolution, str) else None
    except (ValueError, TypeError):
        return None


def _ceil_ns(ns: int, step: int | None, resolution: str) -> pd.Timedelta:
    """``Timedelta(ns, "ns").ceil(resolution)`` (``step``: the resolution's nanoseconds) in integers: pandas rounds
    a non-negative value up to the next multiple of the step, value + (step - value % step), exactly so."""
    if step is None or ns < 0:
        return pd.Timedelta(ns, "ns").ceil(resolution)
    r = ns % step
    return pd.Timedelta(ns + (step - r) if r else ns, "ns")


def _timedelta_mean_ticks(ticks: np.ndarray) -> int:
    """``TimedeltaIndex(ticks).mean()`` in ticks: pandas (nanops.nanmean) sums the integers as float64, divides by
    the count as float64 and truncates the quotient to int64."""
    return int(np.int64(ticks.sum(dtype=np.float64) / np.float64(len(ticks))))


_DAY = 86_400_000_000_000  # ns


def _days(ns: np.ndarray) -> tuple[float, np.ndarray]:
    """(share of the bars on a Saturday or Sunday, position of the last bar of each calendar day that has bars) of
    epoch-ns times. Days are floor(ns / day) since 1970-01-01, a Thursday (Monday = 0 is (day + 3) % 7, as
    DatetimeIndex.day_of_week). A sorted index is cut at each day's start with a binary search, day by day (a few
    arrays of one value per day); otherwise the day of every bar is computed (arrays of one value per bar)."""
    n = len(ns)
    if not n:
        return np.nan, np.empty(0, np.int64)
    first, last = int(ns[0]) // _DAY, int(ns[-1]) // _DAY
    if 0 <= last - first <= n and abs(first) < 100_000 and abs(last) < 100_000 and bool(np.all(ns[1:] >= ns[:-1])):
        days = np.arange(first, last + 1, dtype=np.int64)
        # the first bar at or after each day's start
        bounds = np.searchsorted(ns, np.concatenate((days, (last + 1,))) * _DAY, side="left")
        counts = np.diff(bounds)
        weekend = int(counts[(days + 3) % 7 >= 5].sum())
        # the share as np.mean of the per-bar booleans gives it: an exact count over n, one rounding
        return weekend / n, (bounds[1:] - 1)[counts > 0].astype(np.int64)
    day = ns // _DAY
    dow = (day + 3) % 7
    return float((dow >= 5).mean()), np.r_[np.flatnonzero(day[1:] != day[:-1]), n - 1].astype(np.int64)


class StatsPlan:
    """What the statistics need from the bars alone (period, day bins, annual days), computed once.

    ``compute`` then costs a few numpy passes: the optimiser reuses one plan for every run over the same bars.
    """

    def __init__(self, index: pd.DatetimeIndex, close: np.ndarray) -> None:
        self.index = index if type(index) is pd.DatetimeIndex else pd.DatetimeIndex(index)
        self.close = np.asarray(close, dtype=np.float64)
        n = len(self.index)
        self._ns = self.index.asi8 if self.index.unit == "ns" else self.index.as_unit("ns").asi8
        self.period = _period_of_ns(self._ns)  # data_period without slicing the index again
        self.resolution = getattr(self.period, "resolution_string", None) or self.period.resolution
        self._step_ns = _resolution_ns(self.resolution)  # durations are rounded up to it in integers (_ceil_ns)
        freq_days = self.period.days
        weekend_share, day_last = _days(self._ns)
        have_weekends = weekend_share > 2 / 7 * .6
        self.annual_days = 52 if freq_days == 7 else 12 if freq_days == 31 else 1 if freq_days == 365 else (
            365 if have_weekends else 252)
        freq = {7: "W", 31: "ME", 365: "YE"}.get(freq_days, "D")
        # position of the last bar in each non-empty period: equity.resample(freq).last().dropna() == equity[pos]
        if freq == "D":  # calendar days: the last bar of each
            self.period_last = day_last
        else:
            self.period_last = pd.Series(np.arange(n, dtype=np.float64), index=self.index).resample(freq).last() \
                .dropna().to_numpy().astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            # the market's log returns less their mean, made in one array (no second 8 MB array at 1M bars)
            dev = np.divide(self.close[1:], self.close[:-1])
            np.log(dev, out=dev)
            np.subtract(dev, dev.mean(), out=dev)
            self._market_dev = dev
            self._market_ss = float(np.dot(dev, dev))

    def compute(self, equity: np.ndarray, trades: "pd.DataFrame | dict[str, np.ndarray]", first_trading_bar: int = 0,
                risk_free_rate: float = 0.0) -> pd.Series:
        """The statistics as a Series (``trades``: the trades frame, or its columns as arrays: the same numbers)."""
        return _series(self._stats(equity, trades, first_trading_bar, risk_free_rate, True))

    def numbers(self, equity: np.ndarray, trades: "pd.DataFrame | dict[str, np.ndarray]", first_trading_bar: int = 0,
                risk_free_rate: float = 0.0) -> dict[str, object]:
        """The numeric statistics of ``compute`` (the same values), without the times and durations and
        without building a Series: what an optimiser scores thousands of runs by."""
        return self._stats(equity, trades, first_trading_bar, risk_free_rate, False)

    def _stats(self, equity: np.ndarray, trades: "pd.DataFrame | dict[str, np.ndarray]", first_trading_bar: int,
               risk_free_rate: float, full: bool) -> dict[str, object]:
        index, close = self.index, self.close
        equity = np.asarray(equity, dtype=np.float64)
        n = len(equity)
        # dd = 1 - equity / running max, in place in one array with a 0 after it (drawdown_periods reads that):
        # the same operations without a temporary per step (at a million bars each is 8 MB of fresh pages)
        padded = np.empty(n + 1)
        dd = padded[:n]
        padded[n] = 0.0
        np.maximum.accumulate(equity, out=dd)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(equity, dd, out=dd)
        np.subtract(1, dd, out=dd)
        dd_first, dd_last, dd_peaks = _drawdown_bounds(dd, padded)
        resolution, step = self.resolution, self._step_ns
        ticks_ns = index.unit == "ns"  # durations from the integer ticks; else from the index, read here (padded
        dd_dur = drawdown_periods(dd, index, padded)[0] if full and not ticks_ns else None  # is reused below)

        # trades: a DataFrame or a dict of arrays with at least PnL, ReturnPct, Commission, EntryBar, ExitBar
        pl = np.asarray(trades["PnL"], dtype=np.float64)
        returns = np.asarray(trades["ReturnPct"], dtype=np.float64)
        entry_bar = np.asarray(trades["EntryBar"], dtype=np.int64)
        exit_bar = np.asarray(trades["ExitBar"], dtype=np.int64)
        ns = self._ns
        durations = ns[exit_bar] - ns[entry_bar]
        n_trades = len(pl)
        s: dict[str, object] = {}
        span = pd.Timedelta(int(ns[-1] - ns[0]), "ns")
        if full:
            s["Start"] = index[0]
            s["End"] = index[-1]
            s["Duration"] = s["End"] - s["Start"]  # type: ignore[operator]
        s["Exposure Time [%]"] = _union_length(entry_bar, exit_bar) / n * 100 if n else 0.0
        s["Equity Final [$]"] = float(equity[-1])
        s["Equity Peak [$]"] = float(equity.max())
        commissions = float(np.asarray(trades["Commission"], dtype=np.float64).sum()) if n_trades else 0.0
        if commissions:
            s["Commissions [$]"] = commissions
        s["Return [%]"] = float((equity[-1] - equity[0]) / equity[0] * 100)
        c0 = close[first_trading_bar]
        s["Buy & Hold Return [%]"] = float((close[-1] - c0) / c0 * 100)

        annual_days = self.annual_days
        day_equity = equity[self.period_last]
        with np.errstate(divide="ignore", invalid="ignore"):
            day_returns = day_equity[1:] / day_equity[:-1] - 1
        day_returns = day_returns[~np.isnan(day_returns)]
        g = geometric_mean(day_returns)
        ann_return = (1 + g) ** annual_days - 1
        s["Return (Ann.) [%]"] = ann_return * 100
        var = np.var(day_returns, ddof=1) if len(day_returns) > 1 else np.nan
        with np.errstate(invalid="ignore"):  # cancellation can leave a tiny negative: NaN (n/a), no warning
            s["Volatility (Ann.) [%]"] = float(np.sqrt((var + (1 + g) ** 2) ** annual_days - (1 + g) ** (2 * annual_days)) * 100)
        years = (span.days + span.seconds / 86400) / 365.25
        s["CAGR [%]"] = ((equity[-1] / equity[0]) ** (1 / years) - 1) * 100 if years else np.nan
        s["Sharpe Ratio"] = (s["Return (Ann.) [%]"] - risk_free_rate * 100) / (s["Volatility (Ann.) [%]"] or np.nan)  # type: ignore[operator]
        with np.errstate(divide="ignore", invalid="ignore"):
            downside = np.sqrt(np.mean(np.minimum(day_returns, 0) ** 2)) * np.sqrt(annual_days) if len(day_returns) else np.nan
            s["Sortino Ratio"] = (ann_return - risk_free_rate) / downside
        max_dd = -np.nan_to_num(np.nanmax(dd)) if n else 0.0
        s["Calmar Ratio"] = ann_return / (-max_dd or np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            # into the drawdowns' array, read for the last time above: at a million bars a fresh 8 MB array is
            # pages the system has to map (what it costs shows in the run's time), a reused one is not
            eq_log = np.divide(equity[1:], equity[:-1], out=padded[:n - 1] if n else None)
            np.log(eq_log, out=eq_log)
            beta = np.nan
            if len(eq_log) > 1:  # np.cov(eq_log, market_log): cov[0, 1] / cov[1, 1] (same ddof, cancels)
                np.subtract(eq_log, eq_log.mean(), out=eq_log)
                beta = float(np.dot(eq_log, self._market_dev) / self._market_ss)
        s["Alpha [%]"] = s["Return [%]"] - risk_free_rate * 100 - beta * (s["Buy & Hold Return [%]"] - risk_free_rate * 100)  # type: ignore[operator]
        s["Beta"] = beta
        s["Max. Drawdown [%]"] = max_dd * 100
        s["Avg. Drawdown [%]"] = -dd_peaks.mean() * 100 if len(dd_peaks) else np.nan
        if full and ticks_ns and len(dd_first):
            # the durations' max and mean, rounded up, from the integer ticks (TimedeltaIndex reductions and
            # Timedelta.ceil cost tens of microseconds each): the same Timedeltas
            dd_ticks = ns[dd_last] - ns[dd_first]
            s["Max. Drawdown Duration"] = _ceil_ns(int(dd_ticks.max()), step, resolution)
            s["Avg. Drawdown Duration"] = _ceil_ns(_timedelta_mean_ticks(dd_ticks), step, resolution)
        elif full and ticks_ns:  # no drawdown period
            s["Max. Drawdown Duration"] = s["Avg. Drawdown Duration"] = np.nan
        elif full:
            assert dd_dur is not None
            s["Max. Drawdown Duration"] = _ceil(dd_dur.max(), resolution) if len(dd_dur) else np.nan
            s["Avg. Drawdown Duration"] = _ceil(dd_dur.mean(), resolution) if len(dd_dur) else np.nan
        s["# Trades"] = n_trades
        win_rate = np.nan if not n_trades else float((pl > 0).mean())
        s["Win Rate [%]"] = win_rate * 100
        s["Best Trade [%]"] = returns.max() * 100 if n_trades else np.nan
        s["Worst Trade [%]"] = returns.min() * 100 if n_trades else np.nan
        s["Avg. Trade [%]"] = geometric_mean(returns) * 100
        if not full:
            pass
        elif n_trades:
            s["Max. Trade Duration"] = _ceil_ns(int(durations.max()), step, resolution)
            s["Avg. Trade Duration"] = _ceil_ns(int(round(durations.mean())), step, resolution)
        else:
            s["Max. Trade Duration"] = s["Avg. Trade Duration"] = pd.NaT
        s["Profit Factor"] = returns[returns > 0].sum() / (abs(returns[returns < 0].sum()) or np.nan)
        s["Expectancy [%]"] = returns.mean() * 100 if n_trades else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            std = pl.std(ddof=1) if n_trades > 1 else np.nan
            s["SQN"] = np.sqrt(n_trades) * pl.mean() / (std or np.nan) if n_trades else np.nan
            wins, losses = pl[pl > 0], pl[pl < 0]
            ratio = (wins.mean() if len(wins) else np.nan) / (-losses.mean() if len(losses) else np.nan)
            s["Kelly Criterion"] = win_rate - (1 - win_rate) / ratio
        return s


_INDEXES: dict[tuple[str, ...], pd.Index] = {}


def _series(stats: dict[str, object]) -> pd.Series:
    """``pd.Series(stats, dtype=object)``, on an index made once per set of keys (a copy of it: an index is
    mutable in its name)."""
    keys = tuple(stats)
    index = _INDEXES.get(keys)
    if index is None:
        index = _INDEXES[keys] = pd.Series(stats, dtype=object).index
    return pd.Series(list(stats.values()), index=index.copy(), dtype=object)


def compute_stats(equity: np.ndarray, trades: pd.DataFrame, index: pd.DatetimeIndex, close: np.ndarray,
                  first_trading_bar: int = 0, risk_free_rate: float = 0.0) -> pd.Series:
    """The statistics as a Series keyed like backtesting.py's (floats, Timestamps, Timedeltas)."""
    return StatsPlan(index, close).compute(equity, trades, first_trading_bar, risk_free_rate)


# characters of str() of a Decimal, int or float that is not a whole number in plain digits ("1.5", "1E+1",
# "NaN", "sNaN", "Infinity", "inf", "nan", "1e-05"): without them the text is digits, minus signs and commas
_NOT_INTEGER = ".EeNnIi"
_INT_LIMIT = 10**18


def floats_of(values: Sequence[object], k: int) -> np.ndarray:
    """``float()`` of each of ``k`` values (Decimals, ints or floats) as a float64 array: the same numbers, about
    twice as fast for Decimals. ``float(Decimal)`` parses the Decimal's string; here numpy parses all the strings
    in one pass (both parses round correctly, so they give the same bits)."""
    if not k:
        return np.empty(0)
    first = values[0]
    if type(first) is float or (type(first) is Decimal and first.is_finite() and  # type: ignore[union-attr]
                                first.as_tuple().exponent < 0):  # type: ignore[union-attr, operator]
        # not a column of whole numbers (a Decimal with digits after the point: PnL, cash): float() of each is
        # faster than numpy's parse of their text, which only wins for the integers below
        return np.fromiter(map(float, values), np.float64, k)  # type: ignore[arg-type]
    text = ",".join(map(str, values))
    out = None
    if not any(c in text for c in _NOT_INTEGER) and ",-0," not in f",{text},":
        # whole numbers (sizes, positions): numpy reads integers many times faster than floats, and int64 ->
        # float64 rounds to nearest as float() does (exact below 2**53). "-0" is left to the float reader
        # (float() gives -0.0), and so is anything at or beyond 10**18 in size (numpy saturates beyond int64)
        ints = np.fromstring(text, dtype=np.int64, sep=",")
        if len(ints) == k and not ((ints >= _INT_LIMIT) | (ints <= -_INT_LIMIT)).any():
            out = ints.astype(np.float64)
    if out is None:
        out = np.fromstring(text, sep=",")
    if len(out) != k:  # not numbers numpy reads (none are expected): one float() at a time
        out = np.fromiter(map(float, values), np.float64, k)  # type: ignore[arg-type]
    return out


def trades_frame(rows: Sequence[tuple], index: pd.DatetimeIndex) -> pd.DataFrame:
    """Closed trades (size, entry_bar, exit_bar, entry_price, exit_price, pnl, commission, return[, entry and exit
    price as floats]) -> a DataFrame with backtesting.py's column names (floats; times from the bar index)."""
    if not rows:
        return empty_trades_frame()
    return trades_from_columns(trade_columns(rows), index)


def empty_trades_frame() -> pd.DataFrame:
    """The trades frame of a backtest without trades (its columns and their types)."""
    df = pd.DataFrame({c: pd.Series(dtype=float) for c in TRADE_COLUMNS[:8]})
    df["EntryTime"] = pd.Series(dtype="datetime64[ns]")
    df["ExitTime"] = pd.Series(dtype="datetime64[ns]")
    df["Duration"] = df["ExitTime"] - df["EntryTime"]
    return df


def trade_columns(rows: Sequence[tuple], commission_free: bool = False) -> dict[str, np.ndarray]:
    """Closed trade rows (see ``trades_frame``) -> the trade columns as arrays (Size ... ReturnPct), the numbers of
    the trades frame (and what the statistics need). ``commission_free``: the rows come from a broker whose
    commission rate is zero, so every commission is a zero (the column is 0.0s without reading them)."""
    k = len(rows)

    def col(j: int) -> list:
        # one column: zip(*rows) would make an iterator per row, enough young objects to set off a full garbage
        # collection in a long backtest
        return list(map(itemgetter(j), rows))

    return _columns(col, k, k > 0 and len(rows[0]) > 9, commission_free)


CLOSED_FIELDS = 10  # ClosedTrade's fields, with the prices as floats


def closed_trade_columns(flat: list, commission_free: bool = False) -> dict[str, np.ndarray]:
    """``trade_columns`` of closed trades kept one after another in one flat list, ``CLOSED_FIELDS`` values per
    trade (a broker's store: no tuple per trade); a column is a slice with a step, no pass per row."""
    k = len(flat) // CLOSED_FIELDS
    return _columns(lambda j: flat[j::CLOSED_FIELDS], k, True, commission_free)


def _columns(col: "Callable[[int], list]", k: int, with_floats: bool, commission_free: bool) -> dict[str, np.ndarray]:
    def floats(j: int) -> np.ndarray:
        return floats_of(col(j), k)

    def float_col(j: int) -> np.ndarray:  # a column of floats already
        return np.fromiter(col(j), np.float64, k)

    commissions = () if commission_free else col(6)
    return {
        "Size": floats(0),
        "EntryBar": np.fromiter(col(1), np.int64, k),
        "ExitBar": np.fromiter(col(2), np.int64, k),
        # the float copies of the prices, when the rows have them, are floats already: no float() of each
        "EntryPrice": float_col(8) if with_floats else floats(3),
        "ExitPrice": float_col(9) if with_floats else floats(4),
        "PnL": floats(5),
        # without a commission every value is a Decimal zero: float() of each is 0.0 (the zeros, without converting)
        "Commission": floats_of(commissions, k) if any(commissions) else np.zeros(k),
        "ReturnPct": float_col(7),
    }


def trades_from_columns(cols: dict[str, np.ndarray], index: pd.DatetimeIndex) -> pd.DataFrame:
    """Trade columns (Size, EntryBar, ExitBar, EntryPrice, ExitPrice, PnL, Commission, ReturnPct) -> the trades
    DataFrame with EntryTime, ExitTime and Duration added."""
    frame: dict[str, object] = {k: cols[k] for k in TRADE_COLUMNS[:8]}
    ticks = index.asi8  # in the index's unit: the difference of two times is that many of it
    entry, exit_ = ticks[cols["EntryBar"]], ticks[cols["ExitBar"]]
    unit = index.unit
    # the times as numpy datetime64 arrays of the index's unit (the columns index[bars] gives, without indexing a
    # DatetimeIndex), in one construction: adding columns one by one costs more
    frame.update(EntryTime=entry.view(f"M8[{unit}]"), ExitTime=exit_.view(f"M8[{unit}]"),
                 Duration=(exit_ - entry).view(f"m8[{unit}]"))
    return pd.DataFrame(frame, copy=False)

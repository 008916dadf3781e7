"""Backtest speed on equal work, every size measured, ratios against references measured in the same run.

1. Event-driven engine vs backtesting.py 0.6.6, the same strategy on the same bars (see ``bars``): stop-and-reverse on an SMA
   10/20 cross (long on the cross up, short on the cross down, all in), cash 1,000,000, commission 0, hourly
   random-walk bars, finalize_trades, statistics included on both sides (``run_backtest`` / ``Backtest.run``).
   The run FAILS (exit 1) unless both sides make the same trades (count, entry and exit bars) and end on the same
   equity (1e-9 relative).
2. The vectorised engine (``run_sma_cross``, full statistics) vs plain numpy doing the same signal arithmetic
   (SMAs, crosses, stop-and-reverse positions, trades, equity) and the same statistics (drawdowns, daily
   returns, annualised return and volatility, Sharpe, Sortino, Calmar, alpha/beta, trade statistics). The run
   fails unless both find the same number of trades.

Timing: each side is run ``--repeat`` times, interleaved (ours, reference, ours, ...), and the medians are
compared. Before each timed call the garbage collector runs (untimed), so that neither side pays for collecting
the other's leftovers; it stays enabled during the call, so each side pays for its own. CPU time of this process (``time.process_time``, one BLAS thread) is what the ratios use: the machine
is shared, and other load inflates wall time unevenly; medians of wall time are printed too. The load average
is printed before and after each section.

    python benchmarks/backtest_bench.py                 # 10k, 100k, 1M bars (a few minutes)
    python benchmarks/backtest_bench.py --quick         # CI size: 2k and 10k bars
    python benchmarks/backtest_bench.py --sizes 10000,100000 --repeat 7
"""
from __future__ import annotations

import os

# One BLAS thread for every library measured here (set before numpy loads): OpenBLAS worker threads spin after
# each call, and CPU time of the process would count that spinning as work.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal.backtest.engine import run_backtest  # noqa: E402
from terminal.backtest.synthetic import random_walk  # noqa: E402
from terminal.backtest.vectorised import run_sma_cross  # noqa: E402
from terminal.strategy.builtin import SmaCross  # noqa: E402

FAST, SLOW, CASH = 10, 20, 1_000_000


class Mismatch(AssertionError):
    """The two sides of a comparison did not do the same work."""


def bars(n: int) -> pd.DataFrame:
    """``n`` hourly random-walk bars, from the first seed (1, 2, ...) whose SMAs do not cross on the last bar: an
    order placed on the last bar is filled and closed by our finalize step but left unfilled by backtesting.py's
    (a documented difference of conventions, see ``terminal.backtest.engine``), which would be one trade of
    different work."""
    for seed in range(1, 100):
        df = random_walk(n, seed=seed, drift=0.0, vol=0.001)
        c = df["Close"].to_numpy()[-SLOW - 1:]
        f, s = numpy_sma(c, FAST)[-2:], numpy_sma(c, SLOW)[-2:]
        if not ((f[0] < s[0] and f[1] > s[1]) or (f[0] > s[0] and f[1] < s[1])):
            return df
    raise RuntimeError("no seed without a cross on the last bar")


# ---- side 1: the event-driven engine and backtesting.py ---------------------------------------------------------
def ours_event(df: pd.DataFrame) -> Any:
    result = run_backtest(df, SmaCross(fast=FAST, slow=SLOW, long_short=True), cash=CASH, commission=0)
    result.trades  # built on first access: built here, as backtesting.py builds its own (equal work)
    return result


def backtesting_py(df: pd.DataFrame) -> pd.Series:
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover
    from backtesting.test import SMA

    class SmaReverse(Strategy):  # backtesting.py's own example strategy: close and reverse on every cross
        def init(self) -> None:
            self.fast = self.I(SMA, self.data.Close, FAST)
            self.slow = self.I(SMA, self.data.Close, SLOW)

        def next(self) -> None:
            if crossover(self.fast, self.slow):
                self.position.close()
                self.buy()
            elif crossover(self.slow, self.fast):
                self.position.close()
                self.sell()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Backtest(df, SmaReverse, cash=CASH, commission=0, exclusive_orders=True, finalize_trades=True).run()


def check_same_trades(ours: Any, theirs: pd.Series) -> tuple[int, int, float, float]:
    """Raise Mismatch unless both made the same trades and ended on the same equity; (ours, theirs, equities)."""
    n_ours, n_theirs = len(ours.trades), int(theirs["# Trades"])
    eq_ours, eq_theirs = float(ours.stats["Equity Final [$]"]), float(theirs["Equity Final [$]"])
    if n_ours != n_theirs:
        raise Mismatch(f"trade counts differ: ours {n_ours}, backtesting.py {n_theirs}")
    t = theirs["_trades"]
    for col in ("EntryBar", "ExitBar"):
        if not np.array_equal(ours.trades[col].to_numpy(), t[col].to_numpy()):
            k = int(np.argmax(ours.trades[col].to_numpy() != t[col].to_numpy()))
            raise Mismatch(f"trade {k}: {col} differs (ours {ours.trades[col].iloc[k]}, backtesting.py {t[col].iloc[k]})")
    if abs(eq_ours - eq_theirs) > 1e-9 * abs(eq_theirs):
        raise Mismatch(f"final equity differs: ours {eq_ours!r}, backtesting.py {eq_theirs!r}")
    return n_ours, n_theirs, eq_ours, eq_theirs


# ---- side 2: the vectorised engine and plain numpy -----------------------------------------------------------
def numpy_sma(x: np.ndarray, w: int) -> np.ndarray:
    c = np.cumsum(np.r_[0.0, x])
    out = np.full(len(x), np.nan)
    out[w - 1:] = (c[w:] - c[:-w]) / w
    return out


def _geo(r: np.ndarray) -> float:
    r = r + 1
    return float(np.exp(np.log(r).mean()) - 1) if len(r) and (r > 0).all() else 0.0


def plain_numpy(df: pd.DataFrame) -> dict[str, float]:
    """Stop-and-reverse on the SMA cross, all in (fractional), fills at the next open, closed at the last open;
    then the same statistics as the engines report, in plain numpy."""
    o = df["Open"].to_numpy()
    c = df["Close"].to_numpy()
    ns = pd.DatetimeIndex(df.index).as_unit("ns").asi8
    n = len(c)
    f, s = numpy_sma(c, FAST), numpy_sma(c, SLOW)
    with np.errstate(invalid="ignore"):
        up = np.r_[False, (f[:-1] < s[:-1]) & (f[1:] > s[1:])]
        down = np.r_[False, (f[:-1] > s[:-1]) & (f[1:] < s[1:])]
    sig = np.flatnonzero(up | down)
    fill = np.minimum(sig + 1, n - 1)
    direction = np.where(up[sig], 1.0, -1.0)
    # trades: each fill opens a position that the next fill (or the last bar's open) closes
    entry_bar, exit_bar = fill, np.r_[fill[1:], n - 1]
    p_in, p_out = o[entry_bar], o[exit_bar]
    returns = direction * (p_out / p_in - 1)
    growth = np.cumprod(np.r_[1.0, 1 + returns])
    size = direction * CASH * growth[:-1] / p_in
    pnl = size * (p_out - p_in)
    # equity per bar: cash + position x close between fills
    pos = np.zeros(n)
    cash_v = np.full(n, float(CASH))
    marks = np.zeros(n, dtype=np.int64)
    marks[entry_bar] = np.arange(1, len(entry_bar) + 1)
    k = np.maximum.accumulate(marks)
    in_trade = k > 0
    pos[in_trade] = size[k[in_trade] - 1]
    cash_v[in_trade] = (CASH * growth[k[in_trade] - 1]) - pos[in_trade] * p_in[k[in_trade] - 1]
    equity = cash_v + pos * c
    if len(exit_bar):
        equity[-1] = CASH * growth[-1]
    # statistics
    peak = np.maximum.accumulate(equity)
    dd = 1 - equity / peak
    flat = np.r_[np.flatnonzero(dd == 0), n - 1]
    gaps = np.flatnonzero(np.diff(flat) > 1)
    starts, ends = flat[gaps], flat[gaps + 1]
    dd_peaks = np.empty(0)
    if len(starts):
        bounds = np.empty(2 * len(starts), dtype=np.intp)
        bounds[0::2], bounds[1::2] = starts, ends + 1
        dd_peaks = np.maximum.reduceat(np.r_[dd, 0.0], bounds)[0::2]
    dd_durations = ns[ends] - ns[starts]
    day = ns // 86_400_000_000_000
    last_of_day = np.r_[np.flatnonzero(np.diff(day)), n - 1]
    day_eq = equity[last_of_day]
    day_ret = day_eq[1:] / day_eq[:-1] - 1
    weekend = ((day + 3) % 7 >= 5).mean() > 2 / 7 * .6
    annual = 365 if weekend else 252
    g = _geo(day_ret)
    ann_return = (1 + g) ** annual - 1
    var = day_ret.var(ddof=1)
    vol = np.sqrt((var + (1 + g) ** 2) ** annual - (1 + g) ** (2 * annual))
    years = (ns[-1] - ns[0]) / 86_400e9 / 365.25
    with np.errstate(divide="ignore", invalid="ignore"):
        eq_log = np.log(equity[1:] / equity[:-1])
        mk_log = np.log(c[1:] / c[:-1])
    beta = float(np.dot(eq_log - eq_log.mean(), mk_log - mk_log.mean()) / np.dot(mk_log - mk_log.mean(),
                                                                                 mk_log - mk_log.mean()))
    ret_pct = (equity[-1] / equity[0] - 1) * 100
    bh = (c[-1] / c[SLOW - 1] - 1) * 100
    covered = np.zeros(n + 1, dtype=np.int64)
    np.add.at(covered, entry_bar, 1)
    np.add.at(covered, exit_bar + 1, -1)
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    durations = ns[exit_bar] - ns[entry_bar]
    win_rate = (pnl > 0).mean()
    max_dd = dd.max()
    return {
        "Exposure Time [%]": (np.cumsum(covered)[:n] > 0).mean() * 100,
        "Equity Final [$]": equity[-1], "Equity Peak [$]": equity.max(), "Return [%]": ret_pct,
        "Buy & Hold Return [%]": bh, "Return (Ann.) [%]": ann_return * 100, "Volatility (Ann.) [%]": vol * 100,
        "CAGR [%]": ((equity[-1] / equity[0]) ** (1 / years) - 1) * 100, "Sharpe Ratio": ann_return / vol,
        "Sortino Ratio": ann_return / (np.sqrt(np.mean(np.minimum(day_ret, 0) ** 2)) * np.sqrt(annual)),
        "Calmar Ratio": ann_return / max_dd, "Alpha [%]": ret_pct - beta * bh, "Beta": beta,
        "Max. Drawdown [%]": -max_dd * 100, "Avg. Drawdown [%]": -dd_peaks.mean() * 100,
        "Max. Drawdown Duration": dd_durations.max(), "Avg. Drawdown Duration": dd_durations.mean(),
        "# Trades": len(pnl), "Win Rate [%]": win_rate * 100, "Best Trade [%]": returns.max() * 100,
        "Worst Trade [%]": returns.min() * 100, "Avg. Trade [%]": _geo(returns) * 100,
        "Max. Trade Duration": durations.max(), "Avg. Trade Duration": durations.mean(),
        "Profit Factor": returns[returns > 0].sum() / abs(returns[returns < 0].sum()),
        "Expectancy [%]": returns.mean() * 100, "SQN": np.sqrt(len(pnl)) * pnl.mean() / pnl.std(ddof=1),
        "Kelly Criterion": win_rate - (1 - win_rate) / (wins.mean() / -losses.mean()),
    }


def ours_vectorised(df: pd.DataFrame) -> Any:
    return run_sma_cross(df, FAST, SLOW, long_short=True, cash=CASH, commission=0)


# ---- timing ----------------------------------------------------------------------------------------------------
def interleaved(a: Callable[[], Any], b: Callable[[], Any], repeat: int) -> tuple[list[float], list[float],
                                                                                  list[float], list[float]]:
    """CPU and wall times of ``a`` and ``b``, run alternately ``repeat`` times each."""
    ca, cb, wa, wb = [], [], [], []
    for _ in range(repeat):
        for fn, cpu, wall in ((a, ca, wa), (b, cb, wb)):
            gc.collect()  # each side starts clean: no collection of the other side's leftovers lands in its time
            w, t = time.perf_counter(), time.process_time()
            fn()
            cpu.append(time.process_time() - t)
            wall.append(time.perf_counter() - w)
    return ca, cb, wa, wb


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="CI size: 2k and 10k bars, 3 repeats")
    ap.add_argument("--sizes", help="bar counts for the event-driven comparison (default 10000,100000,1000000)")
    ap.add_argument("--vector-sizes", help="bar counts for the vectorised comparison (default 100000,1000000)")
    ap.add_argument("--repeat", type=int, help="runs of each side per size (median; default 5, 3 at 1M bars; "
                    "vectorised 15, 7 at 1M)")
    args = ap.parse_args()
    sizes = [int(x) for x in (args.sizes or ("2000,10000" if args.quick else "10000,100000,1000000")).split(",")]
    vsizes = [int(x) for x in (args.vector_sizes or ("10000" if args.quick else "100000,1000000")).split(",")]
    import backtesting
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, backtesting.py "
          f"{backtesting.__version__}, cpus {os.cpu_count()}; times are medians of CPU seconds of this process")
    print(f"\nevent-driven vs backtesting.py: SMA {FAST}/{SLOW} stop-and-reverse, cash {CASH:,}, commission 0, "
          f"statistics included (load {load()})")
    print(f"{'bars':>9} {'trades ours/bt.py':>18} {'final equity ours / bt.py':>34} {'ours s':>8} {'bt.py s':>8} "
          f"{'x faster':>8} {'(wall x)':>8} {'runs':>4}  load")
    failed = False
    for n in sizes:
        df = bars(n)
        rep = args.repeat or (3 if n >= 1_000_000 else 5)
        ours, theirs = ours_event(df), backtesting_py(df)  # warm-up run, and the work compared
        try:
            n_ours, n_theirs, eq_ours, eq_theirs = check_same_trades(ours, theirs)
        except Mismatch as exc:
            print(f"{n:>9,} NOT EQUAL WORK: {exc}")
            failed = True
            continue
        ca, cb, wa, wb = interleaved(lambda: ours_event(df), lambda: backtesting_py(df), rep)
        a, b = statistics.median(ca), statistics.median(cb)
        print(f"{n:>9,} {n_ours:>8} / {n_theirs:<8} {eq_ours:>16,.2f} / {eq_theirs:<16,.2f} {a:8.3f} {b:8.3f} "
              f"{b / a:8.1f} {statistics.median(wb) / statistics.median(wa):8.1f} {rep:>4}  {load()}", flush=True)
    print(f"\nvectorised (run_sma_cross, full statistics) vs plain numpy (same signals, trades, equity and "
          f"statistics) (load {load()})")
    print(f"{'bars':>9} {'trades ours/numpy':>18} {'ours s':>8} {'numpy s':>8} {'ours/numpy':>10} {'(wall)':>8} "
          f"{'runs':>4}  load")
    for n in vsizes:
        df = bars(n)
        rep = args.repeat or (15 if n <= 100_000 else 7)  # runs of milliseconds: more of them for a steady median
        ours, ref = ours_vectorised(df), plain_numpy(df)
        if len(ours.trades) != ref["# Trades"] or len(ours.stats) < len(ref):
            print(f"{n:>9,} NOT EQUAL WORK: ours {len(ours.trades)} trades, {len(ours.stats)} statistics; "
                  f"numpy {ref['# Trades']} trades, {len(ref)} statistics")
            failed = True
            continue
        ca, cb, wa, wb = interleaved(lambda: ours_vectorised(df), lambda: plain_numpy(df), rep)
        a, b = statistics.median(ca), statistics.median(cb)
        print(f"{n:>9,} {len(ours.trades):>8} / {ref['# Trades']:<8} {a:8.4f} {b:8.4f} {a / b:10.2f} "
              f"{statistics.median(wa) / statistics.median(wb):8.2f} {rep:>4}  {load()}", flush=True)
    print(f"\nload average at the end: {load()}")
    if failed:
        print("FAILED: the two sides did not do the same work (see above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Backtest speed: SMA crossover (10/20, long-only, commission 0.2%) on 10k, 100k and 1M hourly bars.

Columns (seconds, best of --repeat runs; in-process timings are CPU time of this process, so that other load on
a shared machine does not inflate them, with BLAS on one thread; the fresh-interpreter timings are wall time):
  core         this project's vectorised numpy core (sma_cross_arrays: equity array + trade columns)
  vectorised   run_sma_cross: the same plus DataFrames (trades, equity Series); "+stats" adds the statistics
  event        this project's event-driven engine, statistics included (like backtesting.py's run())
  numpy        plain numpy: SMA, position = fast > slow shifted one bar, fractional sizing, fee on changes
  bt.py        backtesting.py 0.6.6 Backtest(...).run() (1M estimated as 10 x 100k unless --full)
  vbt          vectorbt Portfolio.from_signals in a fresh interpreter: import + numba compile + run
               ("warm": the same call again in that interpreter)
Then the 10 x 10 SmaCross grid on 100k bars through terminal.backtest.optimize: in process, with jobs=N and the
automatic choice (processes only when they are expected to save more than their start-up), and with processes forced.

    python benchmarks/backtest_bench.py [--repeat 3] [--full] [--jobs 2]
"""
from __future__ import annotations

import os

# One BLAS thread for every library measured here (set before numpy loads): OpenBLAS worker threads spin after
# each call, and CPU time of the process would count that spinning as work (about doubling it on 2 cores).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal.backtest.engine import run_backtest  # noqa: E402
from terminal.backtest.optimize import default_start_method, optimize  # noqa: E402
from terminal.backtest.synthetic import random_walk  # noqa: E402
from terminal.backtest.vectorised import run_sma_cross, sma_cross_arrays  # noqa: E402
from terminal.strategy.builtin import SmaCross  # noqa: E402
from terminal.strategy.indicators import sma  # noqa: E402

FAST, SLOW, FEE, CASH = 10, 20, 0.002, 10_000.0


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times)


def plain_numpy(df: pd.DataFrame) -> np.ndarray:
    c = df["Close"].to_numpy()
    f, s = sma(c, FAST), sma(c, SLOW)
    pos = np.zeros(len(c))
    pos[1:] = (f[:-1] > s[:-1])
    ret = np.zeros(len(c))
    ret[1:] = c[1:] / c[:-1] - 1
    turnover = np.abs(np.diff(pos, prepend=0.0))
    return CASH * np.cumprod(1 + pos * ret - turnover * FEE)


def backtesting_py(df: pd.DataFrame) -> None:
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover
    from backtesting.test import SMA

    class BtSma(Strategy):
        def init(self):
            self.a = self.I(SMA, self.data.Close, FAST)
            self.b = self.I(SMA, self.data.Close, SLOW)

        def next(self):
            if crossover(self.a, self.b):
                self.buy()
            elif crossover(self.b, self.a):
                self.position.close()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Backtest(df, BtSma, cash=CASH, commission=FEE, exclusive_orders=True, finalize_trades=True).run()


VBT_SCRIPT = """
import time, sys, json
t0 = time.perf_counter()
import numpy as np, pandas as pd
import vectorbt as vbt
close = pd.read_pickle(sys.argv[1])
def run():
    fast = vbt.MA.run(close, %d).ma
    slow = vbt.MA.run(close, %d).ma
    entries = (fast > slow) & (fast.shift(1) < slow.shift(1))
    exits = (fast < slow) & (fast.shift(1) > slow.shift(1))
    pf = vbt.Portfolio.from_signals(close, entries, exits, fees=%r, init_cash=%r, freq="1h")
    return pf.total_return()
run()
t1 = time.perf_counter()
run()
t2 = time.perf_counter()
print(json.dumps({"cold": t1 - t0, "warm": t2 - t1}))
""" % (FAST, SLOW, FEE, CASH)

OURS_SCRIPT = """
import time, sys, json
t0 = time.perf_counter()
import pandas as pd
sys.path.insert(0, sys.argv[2])
from terminal.backtest.vectorised import run_sma_cross
df = pd.read_pickle(sys.argv[1])
run_sma_cross(df, %d, %d, commission=%r, cash=%r, stats=False)
print(json.dumps({"cold": time.perf_counter() - t0}))
""" % (FAST, SLOW, FEE, CASH)


def in_fresh_interpreter(script: str, df: pd.DataFrame, what: str) -> dict[str, float] | None:
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "bars.pkl")
        (df if what == "ours" else df["Close"]).to_pickle(data)
        proc = subprocess.run([sys.executable, "-c", script, data, str(Path(__file__).resolve().parents[1])],
                              capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        print(f"  ({what} failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode})")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--full", action="store_true", help="run backtesting.py on 1M bars too")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--sizes", default="10000,100000,1000000")
    args = ap.parse_args()
    try:
        import vectorbt  # noqa: F401
        have_vbt = True
    except Exception:
        have_vbt = False
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    rows = []
    for n in map(int, args.sizes.split(",")):
        df = random_walk(n, seed=1, drift=0.0, vol=0.001)
        rep = args.repeat if n <= 100_000 else 1
        o, c = df["Open"].to_numpy(), df["Close"].to_numpy()
        t_core = best_of(lambda: sma_cross_arrays(o, c, FAST, SLOW, commission=FEE, cash=CASH), max(rep, 3))
        t_vec = best_of(lambda: run_sma_cross(df, FAST, SLOW, commission=FEE, cash=CASH, stats=False), rep)
        t_vec_stats = best_of(lambda: run_sma_cross(df, FAST, SLOW, commission=FEE, cash=CASH), rep)
        t_np = best_of(lambda: plain_numpy(df), max(rep, 3))
        t_ev = best_of(lambda: run_backtest(df, SmaCross(fast=FAST, slow=SLOW), cash=CASH, commission=FEE,
                                            validate=False), 1 if n >= 1_000_000 else rep)
        trades = len(run_sma_cross(df, FAST, SLOW, commission=FEE, stats=False).trades)
        if n < 1_000_000 or args.full:
            t_bt = best_of(lambda: backtesting_py(df), rep)
            bt_note = ""
        else:
            t_bt = rows[-1]["bt.py"] * n / rows[-1]["bars"] if rows else float("nan")
            bt_note = " (est.)"
        vbt = in_fresh_interpreter(VBT_SCRIPT, df, "vectorbt") if have_vbt else None
        ours_cold = in_fresh_interpreter(OURS_SCRIPT, df, "ours")
        rows.append({"bars": n, "trades": trades, "core": t_core, "vectorised": t_vec, "vectorised+stats": t_vec_stats,
                     "numpy": t_np, "event": t_ev, "bt.py": t_bt, "bt_note": bt_note,
                     "vbt cold": vbt["cold"] if vbt else float("nan"),
                     "vbt warm": vbt["warm"] if vbt else float("nan"),
                     "ours cold": ours_cold["cold"] if ours_cold else float("nan")})
        r = rows[-1]
        print(f"{n:>9,} bars {trades:>6} trades | core {t_core:8.4f}s | vectorised {t_vec:8.4f}s (+stats {t_vec_stats:.4f}) | "
              f"numpy {t_np:8.4f}s | event {t_ev:8.3f}s | backtesting.py {t_bt:8.3f}s{bt_note} | "
              f"vectorbt cold {r['vbt cold']:.2f}s warm {r['vbt warm']:.4f}s | ours cold {r['ours cold']:.2f}s",
              flush=True)
    print("\nratios:")
    print(f"{'bars':>9} | core/numpy | vectorised/numpy | bt.py/event (x faster) | vbt cold/vectorised (x) | "
          f"vbt cold/ours cold (x) | vbt warm/vectorised (x)")
    for r in rows:
        print(f"{r['bars']:>9,} | {r['core'] / r['numpy']:10.2f} | {r['vectorised'] / r['numpy']:16.2f} | "
              f"{r['bt.py'] / r['event']:15.1f}{r['bt_note']:7} | {r['vbt cold'] / r['vectorised']:23.0f} | "
              f"{r['vbt cold'] / r['ours cold']:22.1f} | {r['vbt warm'] / r['vectorised']:23.2f}")
    df = random_walk(100_000, seed=1, drift=0.0, vol=0.001)
    grid = {"fast": list(range(5, 55, 5)), "slow": list(range(60, 160, 10))}
    print(f"\n10x10 SmaCross grid on 100k bars (wall = elapsed, cpu = this process; best of {args.repeat}):")
    runs = [(1, "auto", "in process")]
    if args.jobs > 1:
        runs += [(args.jobs, "auto", "processes if they pay off"), (args.jobs, "always", "processes forced")]
    for jobs, processes, label in runs:
        walls, cpus = [], []
        for _ in range(args.repeat if processes != "always" else 1):
            t, c = time.perf_counter(), time.process_time()
            res = optimize(df, SmaCross, grid, commission=FEE, jobs=jobs, processes=processes)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        print(f"  jobs={jobs} {processes:6} ({label}, start method {default_start_method()}): "
              f"wall {min(walls):.3f} s, cpu {min(cpus):.3f} s ({len(res.results)} runs, best {res.best}, "
              f"Sharpe {res.best_value:.3f})")


if __name__ == "__main__":
    main()

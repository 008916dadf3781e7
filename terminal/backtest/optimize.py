"""Parameter optimisation: exhaustive grid, random search or successive halving, across processes; walk-forward.

Every run is a full backtest (the vectorised path for SmaCross, the event-driven engine otherwise) scored by one
statistic (``maximize``, e.g. "Sharpe Ratio"). Parameter sets a strategy refuses (e.g. slow <= fast) are skipped
and counted.

Size (``grid``): the grid is never materialised beyond ``MAX_GRID_SIZE`` combinations. An exhaustive search
(``grid``, ``halving``, or ``random`` without ``max_tries``) of a larger grid is refused before any work starts;
``random`` with ``max_tries`` draws distinct indices into the cartesian product and decodes each one, so a grid of
10^15 combinations costs what its tries cost.

Ranking: a statistic that is NaN, infinite or absurd (a ratio beyond ``RATIO_LIMIT``, or a Sharpe Ratio over a
volatility at floating-point noise level, e.g. -1e20 from an equity curve with no variance) is not a result: it is
stored as NaN, ranked last and shown as "n/a". Work is split into chunks; ``progress(done, total)`` is called after each chunk and setting ``cancel``
(a threading.Event) stops after the chunks in flight, returning what was finished.

SmaCross grids share their work: the closes' cumulative sum is taken once and each distinct window's SMA is
derived from it once (the same floats ``sma`` gives), one ``StatsPlan`` serves every run, and each run is scored
by ``StatsPlan.numbers`` (the statistics' values without building a Series). Only the trade walk is per run.

Processes: ``jobs`` is an upper bound. A worker process costs an interpreter start and the imports (about a
second), so the work is spread over processes only when the estimated in-process time is well above that
(``_worth_processes``). Workers are started with ``start_method`` (default "forkserver" where available, else
"spawn"): never "fork" by default, since forking a process that runs threads (a Qt app, asyncio executors) can
deadlock the child. They receive the bars once, through a picklable initialiser; strategies loaded from a file
are re-loaded from it in the worker.
"""
from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
import random
import sys
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..strategy.base import ParamError, Strategy
from ..strategy.builtin import SmaCross
from .engine import equity_from_marks, run_backtest
from .grid import MAX_GRID_SIZE, GridTooLarge, grid_size, parse_grid_spec  # noqa: F401 - re-exported
from .grid import check_grid, combination, expand, sample_indices
from .metrics import StatsPlan
from .vectorised import crosses, simulate

STAT_KEYS = ("Exposure Time [%]", "Equity Final [$]", "Equity Peak [$]", "Commissions [$]", "Return [%]",
             "Buy & Hold Return [%]", "Return (Ann.) [%]", "Volatility (Ann.) [%]", "CAGR [%]", "Sharpe Ratio",
             "Sortino Ratio", "Calmar Ratio", "Alpha [%]", "Beta", "Max. Drawdown [%]", "Avg. Drawdown [%]",
             "# Trades", "Win Rate [%]", "Best Trade [%]", "Worst Trade [%]", "Avg. Trade [%]", "Profit Factor",
             "Expectancy [%]", "SQN", "Kelly Criterion")
Progress = Callable[[int, int], None]
#: a ratio statistic beyond this magnitude comes from a (near) zero denominator, not from trading: n/a
RATIO_LIMIT = 1e4
RATIOS = ("Sharpe Ratio", "Sortino Ratio", "Calmar Ratio", "Profit Factor", "SQN", "Beta")
#: annualised volatility below this fraction of (1 + annualised return) is the cancellation error of its formula
#: (about sqrt(machine epsilon)), not a volatility: the Sharpe Ratio over it is n/a
VOLATILITY_NOISE = 1e-6
NA = "n/a"


@dataclass(frozen=True)
class RunConfig:
    cash: float = 10_000.0
    commission: float = 0.0
    slippage: float = 0.0
    finalize_trades: bool = True
    lot_size: float = 1.0  # "all in" buys whole multiples of this (1: whole units, as backtesting.py)


@dataclass
class OptimizeResult:
    results: pd.DataFrame  # one row per evaluated parameter set, best first
    maximize: str
    params: list[str]
    skipped: int = 0
    cancelled: bool = False
    walk_forward: pd.DataFrame | None = field(default=None)

    @property
    def best(self) -> dict[str, Any]:
        if self.results.empty:
            return {}
        return {p: _plain(self.results.at[0, p]) for p in self.params}

    @property
    def best_value(self) -> float:
        return float(self.results.at[0, self.maximize]) if len(self.results) else float("nan")

    def _axes(self, x: str | None, y: str | None) -> tuple[str, str]:
        return x or self.params[0], y or (self.params[1] if len(self.params) > 1 else self.params[0])

    def heatmap(self, x: str | None = None, y: str | None = None, value: str | None = None) -> pd.DataFrame:
        """A 2-D table of ``value`` (default: the maximised statistic): rows ``y``, columns ``x``, each cell the
        best over the other parameters; NaN where no run has a value (see ``runs`` to tell n/a from no run)."""
        x, y = self._axes(x, y)
        return self.results.pivot_table(index=y, columns=x, values=value or self.maximize, aggfunc="max",
                                        dropna=False)

    def runs(self, x: str | None = None, y: str | None = None) -> pd.DataFrame:
        """The number of runs behind each cell of ``heatmap(x, y)`` (0: no run there; a NaN cell with runs is n/a)."""
        x, y = self._axes(x, y)
        table = self.heatmap(x, y)
        counts = self.results.pivot_table(index=y, columns=x, values=self.maximize, aggfunc="size", dropna=False)
        return counts.reindex(index=table.index, columns=table.columns).fillna(0).astype(int)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


# ---- evaluation (in workers) ---------------------------------------------------------------------------------
_W: dict[str, Any] = {}


def _portable(cls: type[Strategy]) -> "type[Strategy] | tuple[str, str, str]":
    """What a worker needs to find ``cls``: the class itself (pickled by reference) if its module can be imported
    by name, else the file it was loaded from (strategies from ``strategy.loader``)."""
    from ..strategy import loader
    mod = sys.modules.get(cls.__module__)
    path = getattr(mod, "__file__", None)
    if cls.__module__.startswith(loader._MODULE_PREFIX + ".") and path:
        return ("file", str(path), cls.__qualname__)
    return cls


def _resolve(ref: "type[Strategy] | tuple[str, str, str]") -> type[Strategy]:
    if isinstance(ref, tuple):
        from ..strategy.loader import load_file
        _, path, qualname = ref
        return next(c for c in load_file(path) if c.__qualname__ == qualname)
    return ref


def _init_worker(df: pd.DataFrame, cls: "type[Strategy] | tuple[str, str, str]", cfg: RunConfig) -> None:
    _W.clear()
    close = df["Close"].to_numpy(dtype=np.float64)
    _W.update(df=df, cls=_resolve(cls), cfg=cfg, plan=StatsPlan(pd.DatetimeIndex(df.index), close),
              cache=SmaCache(close))


class SmaCache:
    """SMAs of one close series, each window computed once from one shared cumulative sum (bit for bit what
    ``indicators.sma`` returns: the same cumsum, the same difference and division)."""

    def __init__(self, close: np.ndarray) -> None:
        self.close = np.asarray(close, dtype=np.float64)
        self._csum: np.ndarray | None = None
        self._sma: dict[int, np.ndarray] = {}
        self.open: np.ndarray | None = None

    def __call__(self, window: int) -> np.ndarray:
        out = self._sma.get(window)
        if out is None:
            values = self.close
            out = np.full(values.shape, np.nan)
            if 0 < window <= len(values):
                if self._csum is None:
                    self._csum = np.cumsum(np.insert(values, 0, 0.0))
                c = self._csum
                out[window - 1:] = (c[window:] - c[:-window]) / window
            self._sma[window] = out
        return out


def _evaluate(params: dict[str, Any]) -> dict[str, Any]:
    df, cls, cfg, plan = _W["df"], _W["cls"], _W["cfg"], _W["plan"]
    p = cls.validate(params)
    if cls is SmaCross and not cfg.slippage:
        stats: Any = _sma_cross_stats(df, p.fast, p.slow, p.long_short, cfg, plan, _W["cache"])
    else:
        res = run_backtest(df, cls(**dict(p)), cash=cfg.cash, commission=cfg.commission, slippage=cfg.slippage,
                           lot_size=cfg.lot_size, finalize_trades=cfg.finalize_trades, validate=False, plan=plan)
        stats = res.stats
    row = dict(params)
    for key in STAT_KEYS:
        row[key] = float(stats.get(key, 0.0 if key == "Commissions [$]" else np.nan))
    row["# Trades"] = int(row["# Trades"])
    return row


def _sma_cross_stats(df: pd.DataFrame, fast: int, slow: int, long_short: bool, cfg: RunConfig, plan: StatsPlan,
                     cache: SmaCache) -> dict[str, object]:
    """The vectorised SmaCross straight to the statistics' values (no DataFrames), SMAs shared through ``cache``."""
    if cache.open is None:
        cache.open = df["Open"].to_numpy(dtype=np.float64)
    up, down = crosses(cache(fast), cache(slow))
    cols, (bars, cash_v, pos_v) = simulate(cache.open, up, down, long_short=long_short, cash=cfg.cash,
                                           commission=cfg.commission, lot_size=cfg.lot_size,
                                           finalize_trades=cfg.finalize_trades)
    equity = equity_from_marks(bars, cash_v, pos_v, cfg.cash, plan.close)
    warmup = slow - 1 if len(plan.close) >= slow else 0
    return plan.numbers(equity, cols, warmup)


def _eval_chunk(chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_evaluate(p) for p in chunk]


#: rough in-process cost of one run per bar (seconds): the vectorised SmaCross, and the event-driven engine
_SECONDS_PER_BAR = {"vectorised": 5e-8, "event": 2e-6}
#: starting a worker (interpreter, imports, the bars) costs about this much; processes must save several times it
_WORKER_START_S = 1.0


def default_start_method() -> str:
    """'forkserver' where the platform has it, else 'spawn'; never 'fork' (unsafe once threads are running)."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _worth_processes(cls: type[Strategy], cfg: RunConfig, runs: int, bars: int, jobs: int) -> bool:
    """True when ``jobs`` processes are expected to finish sooner than one, start-up included."""
    if jobs <= 1 or runs <= 1:
        return False
    per_bar = _SECONDS_PER_BAR["vectorised" if cls is SmaCross and not cfg.slippage else "event"]
    in_process = runs * bars * per_bar
    return in_process - in_process / jobs > 3 * _WORKER_START_S


def _run_all(df: pd.DataFrame, cls: type[Strategy], combos: list[dict[str, Any]], cfg: RunConfig, jobs: int,
             chunksize: int | None, progress: Progress | None, cancel: threading.Event | None,
             start_method: str | None = None, force_processes: bool = False) -> tuple[list[dict], bool]:
    total = len(combos)
    if not total:
        return [], False
    jobs = max(1, jobs)
    if not force_processes and not _worth_processes(cls, cfg, total, len(df), jobs):
        jobs = 1
    size = chunksize or max(1, math.ceil(total / (jobs * 4)))
    chunks = [combos[k:k + size] for k in range(0, total, size)]
    rows: list[dict[str, Any]] = []
    if jobs == 1 or len(chunks) == 1:
        _init_worker(df, cls, cfg)
        for chunk in chunks:
            if cancel is not None and cancel.is_set():
                return rows, True
            rows.extend(_eval_chunk(chunk))
            if progress:
                progress(len(rows), total)
        return rows, False
    mp = multiprocessing.get_context(start_method or default_start_method())
    cancelled = False
    with concurrent.futures.ProcessPoolExecutor(min(jobs, len(chunks)), mp_context=mp, initializer=_init_worker,
                                                initargs=(df, _portable(cls), cfg)) as ex:
        futures = [ex.submit(_eval_chunk, c) for c in chunks]
        for fut in concurrent.futures.as_completed(futures):
            if fut.cancelled():
                continue
            rows.extend(fut.result())
            if progress:
                progress(len(rows), total)
            if cancel is not None and cancel.is_set():
                cancelled = True
                for f in futures:
                    f.cancel()
                break
    return rows, cancelled


def sanitise(stats: pd.DataFrame) -> pd.DataFrame:
    """The statistics with every value that is not a result (NaN, infinite, absurd: see the module's doc) as NaN."""
    out = stats.copy()
    for key in STAT_KEYS:
        if key in out.columns and out[key].dtype.kind == "f":
            col = out[key].to_numpy(dtype=np.float64)
            bad = ~np.isfinite(col)
            if key in RATIOS:
                with np.errstate(invalid="ignore"):
                    bad |= np.abs(col) > RATIO_LIMIT
            if key == "Sharpe Ratio" and {"Volatility (Ann.) [%]", "Return (Ann.) [%]"} <= set(out.columns):
                vol = out["Volatility (Ann.) [%]"].to_numpy(dtype=np.float64)
                growth = 100 + out["Return (Ann.) [%]"].to_numpy(dtype=np.float64)
                with np.errstate(invalid="ignore"):
                    bad |= ~(vol > VOLATILITY_NOISE * np.abs(growth))
            if bad.any():
                out[key] = np.where(bad, np.nan, col)
    return out


def _frame(rows: list[dict[str, Any]], names: list[str], maximize: str) -> pd.DataFrame:
    """The runs as a frame, statistics sanitised, best first: runs whose statistic is n/a (NaN) last."""
    if not rows:
        return pd.DataFrame(columns=[*names, *STAT_KEYS])
    df = sanitise(pd.DataFrame(rows))
    return df.sort_values(maximize, ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def optimize(data: pd.DataFrame, strategy: type[Strategy], grid: Mapping[str, Sequence[Any]], *,
             maximize: str = "Sharpe Ratio", method: str = "grid", max_tries: int | None = None, jobs: int = 1,
             chunksize: int | None = None, cash: float = 10_000.0, commission: float = 0.0, slippage: float = 0.0,
             finalize_trades: bool = True, constraint: Callable[[dict[str, Any]], bool] | None = None,
             progress: Progress | None = None, cancel: threading.Event | None = None, seed: int = 0,
             halving_eta: int = 3, start_method: str | None = None, processes: str = "auto",
             lot_size: float | Decimal = 1) -> OptimizeResult:
    """Search ``grid`` (name -> values) for the parameters maximising ``maximize``.

    ``jobs``: at most this many processes; with ``processes="auto"`` they are used only when the estimated saving
    beats their start-up ("always" uses them whenever jobs > 1). ``start_method``: multiprocessing start method
    for the workers (default: ``default_start_method()``, never "fork").

    ``method``: "grid" (every combination), "random" (``max_tries`` of them, drawn without replacement and
    without building the grid; parameter sets the strategy refuses do not count as tries), or "halving" (successive
    halving: all candidates on the most recent 1/eta^k of the bars, the best 1/eta go on to more bars, the
    survivors to all of them; rows carry the number of bars they were scored on in ``bars``). An exhaustive
    method over more than ``MAX_GRID_SIZE`` combinations raises GridTooLarge before any run.

    ``lot_size``: "all in" orders buy whole multiples of it (1 = whole units; e.g. 0.00001 for BTC).
    """
    if maximize not in STAT_KEYS:
        raise ValueError(f"cannot maximise {maximize!r}; choose one of: {', '.join(STAT_KEYS)}")
    if processes not in ("auto", "always"):
        raise ValueError(f"processes must be 'auto' or 'always', not {processes!r}")
    if method not in ("grid", "random", "halving"):
        raise ValueError(f"unknown method {method!r}; use grid, random or halving")
    names = list(grid)
    unknown = [n for n in names if n not in strategy.parameters]
    if unknown:
        raise ParamError(f"strategy {strategy.name!r} has no parameter {unknown[0]!r} "
                         f"(parameters: {', '.join(strategy.parameters)})")
    size = check_grid(grid, method, max_tries)

    def valid(params: dict[str, Any]) -> dict[str, Any] | None:
        try:
            coerced = dict(strategy.validate(params))
        except ParamError:
            return None
        coerced = {k: coerced[k] for k in names}
        return coerced if constraint is None or constraint(coerced) else None

    combos: list[dict[str, Any]] = []
    skipped = 0
    if method == "random" and max_tries is not None:
        # draw until max_tries valid sets, the grid runs out, or the strategy has refused refused_budget draws
        refused_budget = max(1000, 100 * max_tries)
        for index in sample_indices(size, random.Random(seed)):
            params = valid(combination(grid, index))
            if params is None:
                skipped += 1
                if skipped >= refused_budget:
                    break
                continue
            combos.append(params)
            if len(combos) == max_tries:
                break
    else:
        for params in expand(grid):
            coerced = valid(params)
            if coerced is None:
                skipped += 1
            else:
                combos.append(coerced)
    cfg = RunConfig(float(cash), float(commission), float(slippage), finalize_trades, float(lot_size))
    if method != "halving":
        rows, cancelled = _run_all(data, strategy, combos, cfg, jobs, chunksize, progress, cancel, start_method,
                                   processes == "always")
        return OptimizeResult(_frame(rows, names, maximize), maximize, names, skipped, cancelled)
    # successive halving on growing, most recent slices of the data
    n = len(data)
    rounds = max(1, math.ceil(math.log(max(len(combos), 1), halving_eta)))
    candidates, all_rows, cancelled = combos, [], False
    for r in range(rounds, -1, -1):
        bars = n if r == 0 else max(200, n // (halving_eta ** r))
        rows, cancelled = _run_all(data.iloc[n - bars:], strategy, candidates, cfg, jobs, chunksize, progress, cancel,
                                   start_method, processes == "always")
        for row in rows:
            row["bars"] = bars
        all_rows.extend(rows)
        if cancelled or r == 0:
            break
        ranked = _frame(rows, names, maximize)
        keep = max(1, math.ceil(len(candidates) / halving_eta))
        candidates = [{k: _plain(ranked.at[i, k]) for k in names} for i in range(min(keep, len(ranked)))]
    final = [row for row in all_rows if row["bars"] == n] or all_rows
    result = _frame(final, names, maximize)
    return OptimizeResult(result, maximize, names, skipped, cancelled)


def walk_forward(data: pd.DataFrame, strategy: type[Strategy], grid: Mapping[str, Sequence[Any]], folds: int, *,
                 maximize: str = "Sharpe Ratio", **kwargs: Any) -> pd.DataFrame:
    """Rolling walk-forward: the bars are cut into ``folds + 1`` equal segments; for fold k the grid is optimised
    on segment k (in-sample) and the best parameters are backtested on segment k + 1 (out-of-sample, indicators
    warming up inside the segment). One row per fold."""
    if folds < 1:
        raise ValueError("walk-forward needs at least 1 fold")
    n = len(data)
    seg = n // (folds + 1)
    if seg < 50:
        raise ValueError(f"walk-forward with {folds} folds leaves {seg} bars per segment; need at least 50")
    cfg_keys = {k: kwargs[k] for k in ("cash", "commission", "slippage", "finalize_trades", "lot_size")
                if k in kwargs}
    rows = []
    for k in range(folds):
        train = data.iloc[k * seg:(k + 1) * seg]
        test = data.iloc[(k + 1) * seg:(k + 2) * seg if k + 1 < folds else n]
        res = optimize(train, strategy, grid, maximize=maximize, **kwargs)
        if res.results.empty:
            raise ValueError("walk-forward: no valid parameter set in the grid")
        best = res.best
        oos = run_backtest(test, strategy(**best), validate=False, **cfg_keys)
        oos_stats = sanitise(pd.DataFrame([{k: float(oos.stats.get(k, np.nan)) for k in STAT_KEYS}])).iloc[0]
        rows.append({"fold": k + 1, "train_start": train.index[0], "train_end": train.index[-1],
                     "test_start": test.index[0], "test_end": test.index[-1], **best,
                     f"{maximize} (in-sample)": res.best_value,
                     f"{maximize} (out-of-sample)": float(oos_stats[maximize]),
                     "Return [%] (out-of-sample)": float(oos_stats["Return [%]"]),
                     "# Trades (out-of-sample)": int(oos.stats["# Trades"])})
    return pd.DataFrame(rows)

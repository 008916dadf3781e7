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
stored as NaN, ranked last and shown as "n/a". Work is split into chunks; ``progress(done, total)`` is called as
chunks finish and setting ``cancel`` (a threading or multiprocessing Event) stops the search (on a cluster, its
queued and running chunks are cancelled), returning what was finished. A run that raises stops the search with
``cluster.TaskFailed`` naming its parameters.

SmaCross grids share their work: the closes' cumulative sum is taken once and each distinct window's SMA is
derived from it once (the same floats ``sma`` gives), one ``StatsPlan`` serves every run, and each run is scored
by ``StatsPlan.numbers`` (the statistics' values without building a Series). Only the trade walk is per run.

Where runs go (``cluster.Cluster``, Dask): an existing cluster by its scheduler's address (``scheduler``, every run
goes there), or with ``jobs`` > 1 a local cluster of ``jobs`` worker processes, started only when the estimated
in-process time is well above its start-up (about a second a worker: ``_worth_processes``), so small jobs run in
this process. The bars are scattered once to every worker (one copy a worker for every round of successive
halving and every walk-forward fold, which pass a window of bar positions, not a slice); each worker prepares the
statistics' plan and SMA cache once per window. Strategies are pickled by reference (their module must be
importable on the workers); strategies loaded from a file travel as the file's source. Rows come back in the order
of the combinations, so a cluster run ranks and scores exactly as a run in this process.
"""
from __future__ import annotations

import contextlib
import hashlib
import math
import multiprocessing
import random
import sys
import tempfile
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from ..strategy.base import ParamError, Strategy
from ..strategy.builtin import SmaCross
from .cluster import Cluster, TaskFailed
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


# ---- evaluation (here or on the cluster's workers) ---------------------------------------------------------------
def _portable(cls: type[Strategy]) -> "type[Strategy] | tuple[str, str, str, str]":
    """What a worker needs to find ``cls``: the class itself (pickled by reference) if its module can be imported
    by name, else the file it was loaded from (strategies from ``strategy.loader``) with its source, so a worker on
    another machine, where that path does not exist, loads the same code."""
    from ..strategy import loader
    mod = sys.modules.get(cls.__module__)
    path = getattr(mod, "__file__", None)
    if cls.__module__.startswith(loader._MODULE_PREFIX + ".") and path:
        try:
            source = Path(path).read_text(encoding="utf-8")
        except OSError:  # gone since it was loaded: the workers look for it by its path
            source = ""
        return ("file", str(path), cls.__qualname__, source)
    return cls


_RESOLVED: dict[tuple[str, str], type[Strategy]] = {}


def _resolve(ref: "type[Strategy] | tuple[str, ...]") -> type[Strategy]:
    if not isinstance(ref, tuple):
        return ref
    from ..strategy.loader import load_file
    _, path, qualname, source = ref
    key = (path, hashlib.sha1(source.encode()).hexdigest())
    cls = _RESOLVED.get(key)
    if cls is None:
        p = Path(path)
        if source and not (p.is_file() and p.read_text(encoding="utf-8") == source):  # another machine, or changed
            p = Path(tempfile.mkdtemp(prefix="terminal-strategy-")) / p.name
            p.write_text(source, encoding="utf-8")
        cls = _RESOLVED[key] = next(c for c in load_file(p) if c.__qualname__ == qualname)
    return cls


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


@dataclass
class _Bench:
    """What every run over one window of bars shares: the bars, the strategy, the costs, the statistics' plan and
    the SMA cache."""
    df: pd.DataFrame
    cls: type[Strategy]
    cfg: RunConfig
    plan: StatsPlan
    cache: SmaCache
    lock: threading.Lock = field(default_factory=threading.Lock)


def _bench(data: pd.DataFrame, window: tuple[int, int], cls: type[Strategy], cfg: RunConfig) -> _Bench:
    df = data.iloc[window[0]:window[1]]
    close = df["Close"].to_numpy(dtype=np.float64)
    return _Bench(df, cls, cfg, StatsPlan(pd.DatetimeIndex(df.index), close), SmaCache(close))


#: benches kept by a worker process (most recent last), keyed by the job's data token, window, strategy and costs
_BENCHES: "OrderedDict[tuple[Any, ...], _Bench]" = OrderedDict()
_BENCHES_LOCK = threading.Lock()
_BENCHES_KEPT = 4


def _worker_bench(data: pd.DataFrame, window: tuple[int, int], ref: Any, cfg: RunConfig, token: str) -> _Bench:
    key = (token, window, ref if not isinstance(ref, tuple) else ref[:3], cfg)
    with _BENCHES_LOCK:
        bench = _BENCHES.get(key)
        if bench is None:
            bench = _BENCHES[key] = _bench(data, window, _resolve(ref), cfg)
            while len(_BENCHES) > _BENCHES_KEPT:
                _BENCHES.popitem(last=False)
        _BENCHES.move_to_end(key)
    return bench


def _evaluate(params: dict[str, Any], bench: _Bench) -> dict[str, Any]:
    df, cls, cfg, plan = bench.df, bench.cls, bench.cfg, bench.plan
    p = cls.validate(params)
    if cls is SmaCross and not cfg.slippage:
        with bench.lock:  # the SMA cache is shared by the threads of a worker
            stats: Any = _sma_cross_stats(df, p.fast, p.slow, p.long_short, cfg, plan, bench.cache)
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


def _eval_rows(chunk: list[dict[str, Any]], bench: _Bench) -> list[dict[str, Any]]:
    rows = []
    for params in chunk:
        try:
            rows.append(_evaluate(params, bench))
        except Exception as exc:  # noqa: BLE001 - reported with the parameters that failed
            raise TaskFailed(params, f"{type(exc).__name__}: {exc}") from exc
    return rows


def _eval_chunk(chunk: list[dict[str, Any]], data: pd.DataFrame, window: tuple[int, int], ref: Any, cfg: RunConfig,
                token: str) -> list[dict[str, Any]]:
    """A chunk of runs on a worker (the bars arrive as the worker's copy of the scattered frame)."""
    return _eval_rows(chunk, _worker_bench(data, window, ref, cfg, token))


#: rough in-process cost of one run per bar (seconds): the vectorised SmaCross, and the event-driven engine
_SECONDS_PER_BAR = {"vectorised": 5e-8, "event": 2e-6}
#: starting a local cluster's worker (interpreter, imports, the bars) costs about this much; processes must save
#: several times it
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


#: a chunk of runs on a cluster aims at about this much work: progress and cancel at that grain, and a task's round
#: trip (a few ms) small beside it
_CHUNK_S = 0.25


def _chunk_size(cls: type[Strategy], cfg: RunConfig, runs: int, bars: int, workers: int) -> int:
    """Runs per task: at least 4 tasks a worker, each about ``_CHUNK_S`` of estimated work or less."""
    per_run = bars * _SECONDS_PER_BAR["vectorised" if cls is SmaCross and not cfg.slippage else "event"]
    return max(1, min(math.ceil(runs / (workers * 4)), int(_CHUNK_S / max(per_run, 1e-9))))


@dataclass
class _Job:
    """One optimisation's data and where its runs go: ``cluster`` None runs everything here; a local cluster is
    used (and started) only for work worth it (``_worth_processes``, or ``force``), a remote one always."""
    data: pd.DataFrame
    cls: type[Strategy]
    cfg: RunConfig
    cluster: Cluster | None
    force: bool = False
    chunksize: int | None = None
    progress: Progress | None = None
    cancel: Any = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def uses_cluster(self, runs: int, bars: int) -> bool:
        c = self.cluster
        if c is None or runs < 1:
            return False
        return c.remote or self.force or (c.workers > 1 and _worth_processes(self.cls, self.cfg, runs, bars,
                                                                             c.workers))


def _run_all(job: _Job, window: tuple[int, int], combos: list[dict[str, Any]]) -> tuple[list[dict], bool]:
    """Every run of ``combos`` on the bars ``window`` (start, stop) of the job's data: (rows in the order of
    ``combos``, cancelled)."""
    total = len(combos)
    if not total:
        return [], False
    cancel, progress = job.cancel, job.progress
    if not job.uses_cluster(total, window[1] - window[0]):
        bench = _bench(job.data, window, job.cls, job.cfg)
        size = job.chunksize or max(1, math.ceil(total / 4))
        rows: list[dict[str, Any]] = []
        for k in range(0, total, size):
            if cancel is not None and cancel.is_set():
                return rows, True
            rows.extend(_eval_rows(combos[k:k + size], bench))
            if progress:
                progress(len(rows), total)
        return rows, False
    cluster = job.cluster
    assert cluster is not None
    size = job.chunksize or _chunk_size(job.cls, job.cfg, total, window[1] - window[0], cluster.nworkers())
    chunks = [combos[k:k + size] for k in range(0, total, size)]
    done = [0]

    def finished(_: int, rows: list[dict[str, Any]]) -> None:
        done[0] += len(rows)
        if progress:
            progress(done[0], total)

    results, cancelled = cluster.map(_eval_chunk, chunks, cluster.share(job.data), window, _portable(job.cls),
                                     job.cfg, job.token, progress=finished, cancel=cancel)
    return [row for rows in results if rows is not None for row in rows], bool(cancelled)


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
             progress: Progress | None = None, cancel: Any = None, seed: int = 0,
             halving_eta: int = 3, start_method: str | None = None, processes: str = "auto",
             lot_size: float | Decimal = 1, scheduler: str | None = None,
             cluster: Cluster | None = None) -> OptimizeResult:
    """Search ``grid`` (name -> values) for the parameters maximising ``maximize``.

    Where the runs go: ``scheduler`` (``tcp://host:8786``) sends every run to that Dask cluster; ``cluster`` (a
    ``Cluster`` the caller opened and closes) to that one; otherwise ``jobs`` > 1 starts a local Dask cluster of
    ``jobs`` worker processes (``start_method``: their multiprocessing start method, never "fork") when the
    estimated saving beats its start-up (``processes="auto"``) or whenever jobs > 1 (``"always"``), and closes it
    at the end. The results are the same wherever the runs go.

    ``method``: "grid" (every combination), "random" (``max_tries`` of them, drawn without replacement and
    without building the grid; parameter sets the strategy refuses do not count as tries), or "halving" (successive
    halving: all candidates on the most recent 1/eta^k of the bars, the best 1/eta go on to more bars, the
    survivors to all of them; rows carry the number of bars they were scored on in ``bars``). An exhaustive
    method over more than ``MAX_GRID_SIZE`` combinations raises GridTooLarge before any run.

    ``progress(done, total)`` is called as chunks of runs finish; ``cancel`` (a threading or multiprocessing Event)
    stops the search (the cluster's queued and running work is cancelled) and returns the runs finished. A run
    that raises stops the search with ``TaskFailed`` naming its parameters.

    ``lot_size``: "all in" orders buy whole multiples of it (1 = whole units; e.g. 0.00001 for BTC).
    """
    if processes not in ("auto", "always"):
        raise ValueError(f"processes must be 'auto' or 'always', not {processes!r}")
    cfg = RunConfig(float(cash), float(commission), float(slippage), finalize_trades, float(lot_size))
    with _placement(cluster, scheduler, jobs, start_method) as where:
        job = _Job(data, strategy, cfg, where, processes == "always", chunksize, progress, cancel)
        return _search(job, (0, len(data)), grid, maximize=maximize, method=method, max_tries=max_tries,
                       constraint=constraint, seed=seed, halving_eta=halving_eta)


@contextlib.contextmanager
def _placement(cluster: Cluster | None, scheduler: str | None, jobs: int,
               start_method: str | None) -> Iterator[Cluster | None]:
    """The cluster runs go to: the caller's (left open), one at ``scheduler`` or a local one of ``jobs`` workers
    (closed at the end; a local one is only started if a search asks for it), or None (everything here)."""
    if cluster is not None:
        yield cluster
        return
    if not scheduler and jobs <= 1:
        yield None
        return
    with Cluster(scheduler, jobs, start_method=start_method) as own:
        yield own


def _search(job: _Job, window: tuple[int, int], grid: Mapping[str, Sequence[Any]], *, maximize: str, method: str,
            max_tries: int | None, constraint: Callable[[dict[str, Any]], bool] | None, seed: int,
            halving_eta: int) -> OptimizeResult:
    """``optimize`` on the bars ``window`` (start, stop) of the job's data."""
    strategy = job.cls
    if maximize not in STAT_KEYS:
        raise ValueError(f"cannot maximise {maximize!r}; choose one of: {', '.join(STAT_KEYS)}")
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
    if method != "halving":
        rows, cancelled = _run_all(job, window, combos)
        return OptimizeResult(_frame(rows, names, maximize), maximize, names, skipped, cancelled)
    # successive halving on growing, most recent slices of the data
    start, stop = window
    n = stop - start
    rounds = max(1, math.ceil(math.log(max(len(combos), 1), halving_eta)))
    candidates, all_rows, cancelled = combos, [], False
    for r in range(rounds, -1, -1):
        bars = n if r == 0 else max(200, n // (halving_eta ** r))
        rows, cancelled = _run_all(job, (stop - min(bars, n), stop), candidates)
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
    warming up inside the segment). One row per fold. ``kwargs`` are ``optimize``'s; with a cluster (``scheduler``,
    ``cluster`` or ``jobs``) one cluster serves every fold and the bars are shipped to it once."""
    if folds < 1:
        raise ValueError("walk-forward needs at least 1 fold")
    n = len(data)
    seg = n // (folds + 1)
    if seg < 50:
        raise ValueError(f"walk-forward with {folds} folds leaves {seg} bars per segment; need at least 50")
    cfg_keys = {k: kwargs[k] for k in ("cash", "commission", "slippage", "finalize_trades", "lot_size")
                if k in kwargs}
    defaults = RunConfig()
    cfg = RunConfig(float(cfg_keys.get("cash", defaults.cash)), float(cfg_keys.get("commission", defaults.commission)),
                    float(cfg_keys.get("slippage", defaults.slippage)),
                    bool(cfg_keys.get("finalize_trades", defaults.finalize_trades)),
                    float(cfg_keys.get("lot_size", defaults.lot_size)))
    search = {k: kwargs[k] for k in ("method", "max_tries", "constraint", "seed", "halving_eta") if k in kwargs}
    search = {"method": "grid", "max_tries": None, "constraint": None, "seed": 0, "halving_eta": 3, **search}
    unknown = set(kwargs) - set(cfg_keys) - set(search) - {"jobs", "chunksize", "progress", "cancel", "start_method",
                                                          "processes", "scheduler", "cluster"}
    if unknown:
        raise TypeError(f"walk_forward() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    rows = []
    with _placement(kwargs.get("cluster"), kwargs.get("scheduler"), kwargs.get("jobs", 1),
                    kwargs.get("start_method")) as where:
        job = _Job(data, strategy, cfg, where, kwargs.get("processes", "auto") == "always", kwargs.get("chunksize"),
                   kwargs.get("progress"), kwargs.get("cancel"))
        for k in range(folds):
            train = (k * seg, (k + 1) * seg)
            test = data.iloc[(k + 1) * seg:(k + 2) * seg if k + 1 < folds else n]
            res = _search(job, train, grid, maximize=maximize, **search)
            if res.cancelled:
                break
            if res.results.empty:
                raise ValueError("walk-forward: no valid parameter set in the grid")
            best = res.best
            oos = run_backtest(test, strategy(**best), validate=False, **cfg_keys)
            oos_stats = sanitise(pd.DataFrame([{k: float(oos.stats.get(k, np.nan)) for k in STAT_KEYS}])).iloc[0]
            rows.append({"fold": k + 1, "train_start": data.index[train[0]], "train_end": data.index[train[1] - 1],
                         "test_start": test.index[0], "test_end": test.index[-1], **best,
                         f"{maximize} (in-sample)": res.best_value,
                         f"{maximize} (out-of-sample)": float(oos_stats[maximize]),
                         "Return [%] (out-of-sample)": float(oos_stats["Return [%]"]),
                         "# Trades (out-of-sample)": int(oos.stats["# Trades"])})
    return pd.DataFrame(rows)

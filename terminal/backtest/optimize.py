"""Parameter optimisation: exhaustive grid, random search or successive halving, across processes; walk-forward.

Every run is a full backtest (the vectorised path for SmaCross, the event-driven engine otherwise) scored by one
statistic (``maximize``, e.g. "Sharpe Ratio"). Parameter sets a strategy refuses (e.g. slow <= fast) are skipped
and counted. Work is split into chunks handed to a ``ProcessPoolExecutor`` whose workers receive the bars once;
``progress(done, total)`` is called after each chunk and setting ``cancel`` (a threading.Event) stops after the
chunks in flight, returning what was finished.
"""
from __future__ import annotations

import concurrent.futures
import itertools
import math
import multiprocessing
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..strategy.base import ParamError, Strategy
from ..strategy.builtin import SmaCross
from ..strategy.indicators import sma
from .engine import equity_from_marks, run_backtest
from .metrics import StatsPlan
from .vectorised import crosses, simulate

STAT_KEYS = ("Exposure Time [%]", "Equity Final [$]", "Equity Peak [$]", "Commissions [$]", "Return [%]",
             "Buy & Hold Return [%]", "Return (Ann.) [%]", "Volatility (Ann.) [%]", "CAGR [%]", "Sharpe Ratio",
             "Sortino Ratio", "Calmar Ratio", "Alpha [%]", "Beta", "Max. Drawdown [%]", "Avg. Drawdown [%]",
             "# Trades", "Win Rate [%]", "Best Trade [%]", "Worst Trade [%]", "Avg. Trade [%]", "Profit Factor",
             "Expectancy [%]", "SQN", "Kelly Criterion")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunConfig:
    cash: float = 10_000.0
    commission: float = 0.0
    slippage: float = 0.0
    finalize_trades: bool = True


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

    def heatmap(self, x: str | None = None, y: str | None = None, value: str | None = None) -> pd.DataFrame:
        """A 2-D table of ``value`` (default: the maximised statistic): rows ``y``, columns ``x``."""
        x = x or self.params[0]
        y = y or (self.params[1] if len(self.params) > 1 else self.params[0])
        return self.results.pivot_table(index=y, columns=x, values=value or self.maximize, aggfunc="max")


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def parse_grid_spec(spec: str) -> tuple[str, list[str]]:
    """``fast=5:30:5`` (start:stop:step, stop included) or ``fast=5,10,20`` -> (name, values as text)."""
    name, sep, rhs = spec.partition("=")
    name = name.strip()
    if not sep or not name or not rhs.strip():
        raise ValueError(f"grid {spec!r} is not of the form name=start:stop:step or name=a,b,c")
    if ":" in rhs:
        parts = rhs.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"grid {spec!r}: a range is start:stop or start:stop:step")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"grid {spec!r}: range bounds must be numbers") from None
        start, stop = nums[0], nums[1]
        step = nums[2] if len(nums) == 3 else 1.0
        if step <= 0 or stop < start:
            raise ValueError(f"grid {spec!r}: need start <= stop and a positive step")
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        values = [start + k * step for k in range(count)]
        as_int = all(float(p).is_integer() for p in parts)
        return name, [str(int(round(v))) if as_int else repr(round(v, 12)) for v in values]
    return name, [v.strip() for v in rhs.split(",") if v.strip()]


def expand(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]


# ---- evaluation (in workers) ---------------------------------------------------------------------------------
_W: dict[str, Any] = {}


def _init_worker(df: pd.DataFrame, cls: type[Strategy], cfg: RunConfig) -> None:
    _W.clear()
    _W.update(df=df, cls=cls, cfg=cfg, plan=StatsPlan(pd.DatetimeIndex(df.index), df["Close"].to_numpy()), cache={})


def _evaluate(params: dict[str, Any]) -> dict[str, Any]:
    df, cls, cfg, plan = _W["df"], _W["cls"], _W["cfg"], _W["plan"]
    p = cls.validate(params)
    if cls is SmaCross and not cfg.slippage:
        stats = _sma_cross_stats(df, p.fast, p.slow, p.long_short, cfg, plan, _W["cache"])
    else:
        res = run_backtest(df, cls(**dict(p)), cash=cfg.cash, commission=cfg.commission, slippage=cfg.slippage,
                           finalize_trades=cfg.finalize_trades, validate=False, plan=plan)
        stats = res.stats
    row = dict(params)
    for key in STAT_KEYS:
        row[key] = float(stats.get(key, 0.0 if key == "Commissions [$]" else np.nan))
    row["# Trades"] = int(row["# Trades"])
    return row


def _sma_cross_stats(df: pd.DataFrame, fast: int, slow: int, long_short: bool, cfg: RunConfig, plan: StatsPlan,
                     cache: dict[Any, np.ndarray]) -> pd.Series:
    """The vectorised SmaCross straight to statistics (no trades DataFrame), SMAs and open prices cached."""
    if "open" not in cache:
        cache["open"] = df["Open"].to_numpy(dtype=np.float64)
    for w in (fast, slow):
        if w not in cache:
            cache[w] = sma(plan.close, w)
    up, down = crosses(cache[fast], cache[slow])
    cols, (bars, cash_v, pos_v) = simulate(cache["open"], up, down, long_short=long_short, cash=cfg.cash,
                                           commission=cfg.commission, finalize_trades=cfg.finalize_trades)
    equity = equity_from_marks(bars, cash_v, pos_v, cfg.cash, plan.close)
    warmup = slow - 1 if len(plan.close) >= slow else 0
    return plan.compute(equity, cols, warmup)


def _eval_chunk(chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_evaluate(p) for p in chunk]


def _run_all(df: pd.DataFrame, cls: type[Strategy], combos: list[dict[str, Any]], cfg: RunConfig, jobs: int,
             chunksize: int | None, progress: Progress | None, cancel: threading.Event | None) -> tuple[list[dict], bool]:
    total = len(combos)
    if not total:
        return [], False
    jobs = max(1, jobs)
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
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else methods[0])
    cancelled = False
    with concurrent.futures.ProcessPoolExecutor(min(jobs, len(chunks)), mp_context=mp, initializer=_init_worker,
                                                initargs=(df, cls, cfg)) as ex:
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


def _frame(rows: list[dict[str, Any]], names: list[str], maximize: str) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=[*names, *STAT_KEYS])
    df = pd.DataFrame(rows)
    return df.sort_values(maximize, ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def optimize(data: pd.DataFrame, strategy: type[Strategy], grid: Mapping[str, Sequence[Any]], *,
             maximize: str = "Sharpe Ratio", method: str = "grid", max_tries: int | None = None, jobs: int = 1,
             chunksize: int | None = None, cash: float = 10_000.0, commission: float = 0.0, slippage: float = 0.0,
             finalize_trades: bool = True, constraint: Callable[[dict[str, Any]], bool] | None = None,
             progress: Progress | None = None, cancel: threading.Event | None = None, seed: int = 0,
             halving_eta: int = 3) -> OptimizeResult:
    """Search ``grid`` (name -> values) for the parameters maximising ``maximize``.

    ``method``: "grid" (every combination), "random" (``max_tries`` of them), or "halving" (successive
    halving: all candidates on the most recent 1/eta^k of the bars, the best 1/eta go on to more bars, the
    survivors to all of them; rows carry the number of bars they were scored on in ``bars``).
    """
    if maximize not in STAT_KEYS:
        raise ValueError(f"cannot maximise {maximize!r}; choose one of: {', '.join(STAT_KEYS)}")
    if method not in ("grid", "random", "halving"):
        raise ValueError(f"unknown method {method!r}; use grid, random or halving")
    names = list(grid)
    unknown = [n for n in names if n not in strategy.parameters]
    if unknown:
        raise ParamError(f"strategy {strategy.name!r} has no parameter {unknown[0]!r} "
                         f"(parameters: {', '.join(strategy.parameters)})")
    combos, skipped = [], 0
    for params in expand(grid):
        try:
            coerced = dict(strategy.validate(params))
        except ParamError:
            skipped += 1
            continue
        coerced = {k: coerced[k] for k in names}
        if constraint is not None and not constraint(coerced):
            skipped += 1
            continue
        combos.append(coerced)
    cfg = RunConfig(float(cash), float(commission), float(slippage), finalize_trades)
    if method == "random" and max_tries is not None and max_tries < len(combos):
        combos = random.Random(seed).sample(combos, max_tries)
    if method != "halving":
        rows, cancelled = _run_all(data, strategy, combos, cfg, jobs, chunksize, progress, cancel)
        return OptimizeResult(_frame(rows, names, maximize), maximize, names, skipped, cancelled)
    # successive halving on growing, most recent slices of the data
    n = len(data)
    rounds = max(1, math.ceil(math.log(max(len(combos), 1), halving_eta)))
    candidates, all_rows, cancelled = combos, [], False
    for r in range(rounds, -1, -1):
        bars = n if r == 0 else max(200, n // (halving_eta ** r))
        rows, cancelled = _run_all(data.iloc[n - bars:], strategy, candidates, cfg, jobs, chunksize, progress, cancel)
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
    cfg_keys = {k: kwargs[k] for k in ("cash", "commission", "slippage", "finalize_trades") if k in kwargs}
    rows = []
    for k in range(folds):
        train = data.iloc[k * seg:(k + 1) * seg]
        test = data.iloc[(k + 1) * seg:(k + 2) * seg if k + 1 < folds else n]
        res = optimize(train, strategy, grid, maximize=maximize, **kwargs)
        if res.results.empty:
            raise ValueError("walk-forward: no valid parameter set in the grid")
        best = res.best
        oos = run_backtest(test, strategy(**best), validate=False, **cfg_keys)
        rows.append({"fold": k + 1, "train_start": train.index[0], "train_end": train.index[-1],
                     "test_start": test.index[0], "test_end": test.index[-1], **best,
                     f"{maximize} (in-sample)": res.best_value,
                     f"{maximize} (out-of-sample)": float(oos.stats[maximize]),
                     "Return [%] (out-of-sample)": float(oos.stats["Return [%]"]),
                     "# Trades (out-of-sample)": int(oos.stats["# Trades"])})
    return pd.DataFrame(rows)

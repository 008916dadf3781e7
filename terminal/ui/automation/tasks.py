"""What runs inside a worker process: one backtest, or one optimisation (with optional walk-forward).

No Qt here: this module is imported by the worker process. Jobs get plain data (a strategy reference, parameter
values, bars or a CSV path) and report through ``send(kind, *payload)``: ``("progress", done, total, phase)``
while they run, then ``("done", result)`` or ``("error", message)`` with a one-line message the dock shows.
"""
from __future__ import annotations

import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ...backtest import data as data_mod
from ...backtest.cluster import Cluster, ClusterUnreachable, TaskFailed
from ...backtest.data import DataError
from ...backtest.engine import StrategyError, run_backtest
from ...strategy.base import ParamError, Strategy
from ...strategy.builtin import BUILTIN
from ...strategy.loader import StrategyLoadError, load_file, strategy_name

Send = Callable[..., None]
#: Errors whose message is meant for the user as it is (no type name in front).
EXPECTED = (DataError, ParamError, StrategyError, StrategyLoadError, ValueError, ClusterUnreachable, TaskFailed)


class Cancelled(Exception):
    """The user cancelled the job."""


@dataclass(frozen=True)
class StrategyRef:
    """A strategy a worker process can find again: a built-in name, or a class in a user file."""

    name: str
    path: str = ""  # empty for built-ins

    @classmethod
    def of(cls, strategy: type[Strategy], path: str | Path | None = None) -> "StrategyRef":
        return cls(strategy_name(strategy), str(path) if path else "")

    def resolve(self) -> type[Strategy]:
        if not self.path:
            try:
                return BUILTIN[self.name]
            except KeyError:
                raise StrategyLoadError(f"unknown built-in strategy {self.name!r}") from None
        for candidate in load_file(self.path):
            if strategy_name(candidate) == self.name:
                return candidate
        raise StrategyLoadError(f"{self.path}: no strategy {self.name!r} any more")


@dataclass(frozen=True)
class DataRef:
    """Bars from a CSV file (read in the worker) or a DataFrame already fetched (e.g. from the session), and the
    quantity step "all in" orders are sized to: the instrument's LOT_SIZE step for a venue's bars, 1 (whole units,
    as backtesting.py) for a CSV file."""

    path: str = ""
    frame: pd.DataFrame | None = None
    label: str = ""
    lot_step: Decimal = Decimal(1)

    def load(self) -> pd.DataFrame:
        if self.frame is not None:
            return data_mod.prepare(self.frame, source=self.label or "history")
        if not self.path:
            raise DataError("no data: choose a CSV file or a symbol")
        return data_mod.load_csv(self.path)


@dataclass
class BacktestOutput:
    stats: pd.Series
    equity: pd.Series
    trades: pd.DataFrame
    bars: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # why there are no trades (BacktestResult.note)


def backtest(send: Send, cancel: threading.Event | Any, strategy: StrategyRef, params: dict[str, Any], data: DataRef,
             cash: float, commission: float) -> BacktestOutput:
    cls = strategy.resolve()
    instance = cls(**params)
    bars = data.load()
    n = len(bars)
    step = max(1, n // 100)
    inner = instance.on_bar
    count = [0]

    def on_bar(bar: Any) -> None:  # progress and cancel, checked every 1% of the bars
        count[0] += 1
        if count[0] % step == 0:
            if cancel.is_set():
                raise Cancelled()
            send("progress", count[0], n, "backtest")
        inner(bar)

    instance.on_bar = on_bar  # type: ignore[method-assign]
    try:
        res = run_backtest(bars, instance, cash=cash, commission=commission, lot_size=data.lot_step, validate=False)
    except StrategyError as exc:
        if isinstance(exc.__cause__, Cancelled):
            raise Cancelled() from None
        raise
    send("progress", n, n, "backtest")
    return BacktestOutput(res.stats, res.equity, res.trades, bars[["Open", "High", "Low", "Close"]], dict(instance.p),
                          res.note)


@dataclass
class OptimizeOutput:
    result: Any  # terminal.backtest.optimize.OptimizeResult
    walk_forward: pd.DataFrame | None
    bars: int


def optimize(send: Send, cancel: threading.Event | Any, strategy: StrategyRef, grid: dict[str, list[Any]],
             data: DataRef, maximize: str, cash: float, commission: float, jobs: int, folds: int,
             scheduler: str = "") -> OptimizeOutput:
    """The search (and walk-forward) on one Dask cluster: the one at ``scheduler``, or ``jobs`` local processes."""
    from ...backtest.optimize import optimize as run_optimize, walk_forward

    cls = strategy.resolve()
    bars = data.load()
    with Cluster(scheduler or None, jobs) if scheduler or jobs > 1 else nullcontext() as cluster:
        kw: dict[str, Any] = dict(maximize=maximize, cash=cash, commission=commission, lot_size=data.lot_step,
                                  cluster=cluster)
        res = run_optimize(bars, cls, grid, progress=lambda d, t: send("progress", d, t, "optimize"), cancel=cancel,
                           **kw)
        if res.results.empty and not res.cancelled:
            raise ValueError(f"no valid parameter set in the grid ({res.skipped} refused by the strategy)")
        wf = None
        if folds and not res.cancelled and not cancel.is_set():
            send("progress", 0, folds, "walk-forward")
            wf = walk_forward(bars, cls, grid, folds, cancel=cancel, **kw)
            send("progress", folds, folds, "walk-forward")
    return OptimizeOutput(res, wf, len(bars))


JOBS: dict[str, Callable[..., Any]] = {"backtest": backtest, "optimize": optimize}


def child_main(conn: Any, cancel: Any, job: str, kwargs: dict[str, Any]) -> None:
    """Entry point of the worker process: run ``job`` and send its outcome through ``conn``."""
    def send(*msg: Any) -> None:
        conn.send(msg)
    try:
        out = JOBS[job](send, cancel, **kwargs)
    except Cancelled:
        send("cancelled")
    except EXPECTED as exc:
        send("error", str(exc))
    except Exception as exc:  # noqa: BLE001 - reported to the dock as one line, never a traceback dialog
        send("error", f"{type(exc).__name__}: {exc}")
    else:
        send("done", out)
    finally:
        conn.close()

"""``trading-terminal backtest`` and ``trading-terminal optimize``.

    trading-terminal backtest --strategy sma_cross --param fast=10 --param slow=20 --data FILE.csv \\
        --cash 10000 --commission 0.002 [--lot-step 0.00001] [--json] [--trades out.csv] [--equity out.csv]
    trading-terminal optimize --strategy sma_cross --grid fast=5:30:5 --grid slow=10:60:10 --data FILE.csv \\
        [--maximize "Sharpe Ratio"] [--jobs N] [--method grid|random|halving] [--max-tries N] [--walk-forward K] \\
        [--scheduler tcp://host:8786] [--no-progress]

Bad input gives one line on stderr and exit code 2, never a traceback. ``--lot-step``: "all in" orders buy whole
multiples of it (default 1, whole units as backtesting.py; 0.00001 for BTC). A backtest without trades says why.
Strategy files in ``--strategies-dir`` that fail to load are listed on stderr (the run goes on if the strategy
asked for is found). An exhaustive grid above ``grid.MAX_GRID_SIZE`` combinations is refused before the data
is read; statistics that are NaN or absurd print as "n/a" and rank last.

``optimize`` runs on Dask: ``--jobs N`` (N > 1) a local cluster of N worker processes when the work is worth its
start-up, ``--scheduler ADDRESS`` an existing cluster (a scheduler that cannot be reached: one line naming it, exit
2). A progress bar goes to stderr (``--no-progress``: none); Ctrl-C cancels the cluster's work and exits 130. A run
that raises is reported with its parameters.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from contextlib import nullcontext
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..strategy.base import Strategy
from ..strategy.loader import StrategyLoadError, resolve
from ..strategy.params import ParamError, parse_assignments
from .cluster import Cluster, TaskFailed
from .data import DataError, load_csv
from .history import cached_frame, parse_spec
from .engine import StrategyError, run_backtest
from .progress import ProgressBar

NA = "n/a"  # a statistic that is not a result (optimize.NA; optimize is imported only when optimising)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _number(text: str, name: str, positive: bool = False) -> Decimal:
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise UsageError(f"{name} must be a number, got {text!r}") from None
    if not d.is_finite() or d < 0 or (positive and d == 0):
        raise UsageError(f"{name} must be a {'positive' if positive else 'non-negative'} number, got {text!r}")
    return d


def _parser() -> _Parser:
    p = _Parser(prog="trading-terminal", add_help=True)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("--strategy", required=True, help="built-in name, NAME from --strategies-dir, or file.py[:Class]")
    common.add_argument("--data", required=True,
                        help="CSV with a date/time column and open, high, low, close, volume; or cached history "
                             "VENUE:SYMBOL:INTERVAL:FROM..TO (trading-terminal data download fills the cache); or a "
                             "recorded feed's folder (trading-terminal record): bars built from its trades")
    common.add_argument("--symbol", default=None, help="the symbol of a recorded feed holding several")
    common.add_argument("--interval", default="1m", help="bar interval built from a recorded feed (default 1m)")
    common.add_argument("--cash", default="10000")
    common.add_argument("--commission", default="0", help="fraction of traded value per side, e.g. 0.002")
    common.add_argument("--slippage", default="0", help="fraction of price against market/stop fills")
    common.add_argument("--lot-step", default="1",
                        help="all-in orders buy whole multiples of this quantity (default 1; e.g. 0.00001 for BTC)")
    common.add_argument("--strategies-dir", action="append", default=[], help="folder of user strategy files")
    common.add_argument("--no-finalize", action="store_true", help="leave the last trade open at the end")
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")
    bt = sub.add_parser("backtest", parents=[common], help="run one backtest")
    bt.add_argument("--param", action="append", default=[], help="name=value (repeat)")
    bt.add_argument("--trades", help="write the trades to this CSV file")
    bt.add_argument("--equity", help="write the equity curve to this CSV file")
    op = sub.add_parser("optimize", parents=[common], help="search strategy parameters")
    op.add_argument("--grid", action="append", default=[], help="name=start:stop:step or name=a,b,c (repeat)")
    op.add_argument("--param", action="append", default=[], help="fixed name=value (repeat)")
    op.add_argument("--maximize", default="Sharpe Ratio")
    op.add_argument("--method", default="grid", choices=("grid", "random", "halving"))
    op.add_argument("--max-tries", type=int, default=None)
    op.add_argument("--jobs", type=int, default=1, help="worker processes of a local Dask cluster (default 1: none)")
    op.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="run on an existing Dask cluster, e.g. tcp://host:8786 (default: this machine)")
    op.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                    help="how long to try to reach --scheduler (default 10)")
    op.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    op.add_argument("--walk-forward", type=int, default=0, metavar="K", help="K-fold rolling walk-forward")
    op.add_argument("--top", type=int, default=10, help="rows of the results table to print")
    return p


def _jsonable(v: Any) -> Any:
    if isinstance(v, (pd.Timestamp, pd.Timedelta)):
        return str(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        return _jsonable(v.item())
    if v is pd.NaT:
        return None
    return v


def _print_stats(stats: pd.Series, header: dict[str, Any]) -> None:
    width = max(len(k) for k in [*stats.index, *header])
    for k, v in header.items():
        print(f"{k:<{width}}  {v}")
    for k, v in stats.items():
        text = f"{v:.5f}".rstrip("0").rstrip(".") if isinstance(v, float) and math.isfinite(v) else str(v)
        print(f"{k:<{width}}  {text}")


def _strategy(args: argparse.Namespace, prog: str) -> type[Strategy]:
    """The strategy asked for; strategy files of --strategies-dir that fail to load are reported on stderr."""
    errors: list[str] = []
    try:
        return resolve(args.strategy, tuple(args.strategies_dir), errors)
    finally:
        for message in errors:
            print(f"{prog}: warning: {message.splitlines()[0]}", file=sys.stderr)


def _bars(data: str, args: argparse.Namespace | None = None) -> pd.DataFrame:
    """``--data``: a CSV file, a spec of cached history (``binance:BTCUSDT:1m:2025-01-01..2025-06-30``), or the folder
    of a recorded feed (bars of ``--interval`` built from its trades)."""
    if Path(data).is_dir():
        from ..records.feed.bars import RecordingError, bars_from_recording
        try:
            return bars_from_recording(data, getattr(args, "symbol", None), getattr(args, "interval", "1m"))
        except (RecordingError, ValueError) as exc:
            raise DataError(f"--data {data}: {exc}") from None
    spec = parse_spec(data)
    return load_csv(data) if spec is None else cached_frame(spec)


def _backtest(args: argparse.Namespace, prog: str) -> int:
    cls = _strategy(args, prog)
    params = parse_assignments(args.param)
    strategy = cls(**params)
    cash = _number(args.cash, "--cash", positive=True)
    commission, slippage = _number(args.commission, "--commission"), _number(args.slippage, "--slippage")
    lot_size = _number(args.lot_step, "--lot-step", positive=True)
    df = _bars(args.data, args)
    res = run_backtest(df, strategy, cash=cash, finalize_trades=not args.no_finalize, validate=False,
                       commission=commission, slippage=slippage, lot_size=lot_size)
    if args.trades:
        res.trades.to_csv(args.trades, index=False)
    if args.equity:
        res.equity.to_csv(args.equity, index_label="time")
    header = {"Strategy": repr(strategy)}
    if args.json:
        print(json.dumps({"strategy": cls.name or cls.__name__, "params": dict(strategy.p),
                          "stats": {k: _jsonable(v) for k, v in res.stats.items()}, "note": res.note or None},
                         indent=2))
    else:
        _print_stats(res.stats, header)
        if res.note:
            print(f"\n{res.note}")
    return 0


def _fmt(x: float) -> str:
    return f"{x:.3f}" if math.isfinite(x) else NA


def _heatmap_text(res: Any) -> str:
    """The heatmap with "n/a" where runs exist but none has a value, blank where there was no run."""
    table, runs = res.heatmap(), res.runs()
    cells = table.apply(lambda col: [_fmt(v) if v == v else (NA if runs.at[i, col.name] else "")
                                     for i, v in col.items()])
    return cells.to_string()


def _optimize(args: argparse.Namespace, prog: str) -> int:
    from .grid import check_grid, parse_grid_spec
    from .optimize import optimize, walk_forward
    cls = _strategy(args, prog)
    if not args.grid:
        raise UsageError("give at least one --grid name=start:stop:step")
    grid: dict[str, list[Any]] = {}
    for spec in args.grid:
        name, values = parse_grid_spec(spec)
        grid[name] = values
    for name, value in parse_assignments(args.param).items():
        grid[name] = [value]
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if not args.connect_timeout > 0:
        raise UsageError("--connect-timeout must be a positive number of seconds")
    if args.max_tries is not None and args.max_tries < 1:
        raise UsageError("--max-tries must be at least 1")
    try:
        check_grid(grid, args.method, args.max_tries)  # before any work: a huge grid is refused at once
    except ValueError as exc:
        raise UsageError(f"{exc}, or sample it with --method random --max-tries N") from None
    kw: dict[str, Any] = dict(maximize=args.maximize, method=args.method, max_tries=args.max_tries, jobs=args.jobs,
                              cash=float(_number(args.cash, "--cash", positive=True)),
                              commission=float(_number(args.commission, "--commission")),
                              slippage=float(_number(args.slippage, "--slippage")),
                              lot_size=_number(args.lot_step, "--lot-step", positive=True),
                              finalize_trades=not args.no_finalize)
    df = _bars(args.data, args)
    bar = None if args.no_progress else ProgressBar(prog.rsplit(" ", 1)[-1])
    try:
        with Cluster(args.scheduler, args.jobs, connect_timeout_s=args.connect_timeout) if args.scheduler or args.jobs > 1 else nullcontext() as cluster:
            kw.update(cluster=cluster, progress=bar)
            res = optimize(df, cls, grid, **kw)
            if res.results.empty:
                raise UsageError(f"no valid parameter set in the grid ({res.skipped} refused by the strategy)")
            wf = walk_forward(df, cls, grid, args.walk_forward, **kw) if args.walk_forward else None
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        out: dict[str, Any] = {"best": res.best, "maximize": res.maximize, "value": _jsonable(res.best_value),
                               "skipped": res.skipped,
                               "results": [{k: _jsonable(v) for k, v in r.items()}
                                           for r in res.results.head(args.top).to_dict("records")]}
        if wf is not None:
            out["walk_forward"] = [{k: _jsonable(v) for k, v in r.items()} for r in wf.to_dict("records")]
        print(json.dumps(out, indent=2))
        return 0
    best = res.best_value
    print(f"Best {', '.join(f'{k}={v}' for k, v in res.best.items())}: {res.maximize} = "
          f"{f'{best:.5f}' if math.isfinite(best) else NA}  ({len(res.results)} runs, {res.skipped} parameter sets "
          f"refused)")
    cols = [*res.params, res.maximize, "Return [%]", "Max. Drawdown [%]", "# Trades", "Win Rate [%]"]
    cols = list(dict.fromkeys(cols))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(res.results[cols].head(args.top).to_string(index=False, float_format=_fmt, na_rep=NA))
        if len(res.params) >= 2:
            print(f"\n{res.maximize} by {res.params[1]} (rows) and {res.params[0]} (columns):")
            print(_heatmap_text(res))
        if wf is not None:
            print("\nWalk-forward (optimised in-sample, tested on the next segment):")
            print(wf.to_string(index=False, float_format=_fmt, na_rep=NA))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    prog = f"trading-terminal {args_list[0]}" if args_list and not args_list[0].startswith("-") else "trading-terminal"
    try:
        args = _parser().parse_args(args_list)
        return _backtest(args, prog) if args.command == "backtest" else _optimize(args, prog)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, like other command-line tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (UsageError, DataError, ParamError, StrategyLoadError, StrategyError, TaskFailed, ValueError,
            OSError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130

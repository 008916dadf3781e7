"""One strategy backtested on many symbols, here or on a Dask cluster (``cluster.Cluster``).

``backtest_many({"BTCUSDT": bars, "ETHUSDT": bars2}, SmaCross, {"fast": 10, "slow": 30})`` returns one row of
statistics per symbol (``STAT_KEYS``, in the order given), the same figures wherever it runs. On a cluster each
symbol's bars are scattered once, to one worker (not broadcast: only its own backtest needs them), and the backtest
runs where its bars are. ``progress(done, total)`` counts finished symbols; ``cancel`` stops the cluster's work and
returns the symbols finished; a backtest that raises stops the batch with ``TaskFailed`` naming the symbol.

Placement as ``optimize``: ``scheduler`` or ``cluster`` send every backtest there; ``jobs`` > 1 starts a local
cluster only when the estimated work beats its start-up; otherwise everything runs in this process.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..strategy.base import Strategy
from .cluster import Cluster, TaskFailed
from .engine import run_backtest
from .optimize import STAT_KEYS, RunConfig, _placement, _portable, _resolve, _worth_processes


@dataclass
class BatchResult:
    stats: pd.DataFrame  # one row per finished symbol (index: symbol), the columns STAT_KEYS
    cancelled: bool = False


def _one(item: tuple[str, pd.DataFrame], ref: Any, params: dict[str, Any], cfg: RunConfig) -> dict[str, Any]:
    symbol, bars = item
    try:
        cls = _resolve(ref)
        res = run_backtest(bars, cls(**params), cash=cfg.cash, commission=cfg.commission, slippage=cfg.slippage,
                           lot_size=cfg.lot_size, finalize_trades=cfg.finalize_trades, symbol=symbol)
    except Exception as exc:  # noqa: BLE001 - reported with the symbol that failed
        raise TaskFailed(symbol, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
    row: dict[str, Any] = {"symbol": symbol}
    for key in STAT_KEYS:
        row[key] = float(res.stats.get(key, 0.0 if key == "Commissions [$]" else np.nan))
    row["# Trades"] = int(row["# Trades"])
    return row


def backtest_many(data: Mapping[str, pd.DataFrame], strategy: type[Strategy], params: Mapping[str, Any] | None = None,
                  *, cash: float = 10_000.0, commission: float = 0.0, slippage: float = 0.0,
                  lot_size: float | Decimal = 1, finalize_trades: bool = True, jobs: int = 1,
                  scheduler: str | None = None, cluster: Cluster | None = None,
                  progress: Callable[[int, int], None] | None = None, cancel: Any = None) -> BatchResult:
    p = dict(strategy.validate(dict(params or {})))
    cfg = RunConfig(float(cash), float(commission), float(slippage), finalize_trades, float(lot_size))
    symbols = list(data)
    rows: list[dict[str, Any] | None] = []
    cancelled = False
    with _placement(cluster, scheduler, jobs, None) as where:
        bars = sum(len(data[s]) for s in symbols)
        remote = where is not None and (where.remote or _worth_processes(strategy, cfg, len(symbols),
                                                                         bars // max(1, len(symbols)), where.workers))
        if not remote:
            for k, symbol in enumerate(symbols):
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                rows.append(_one((symbol, data[symbol]), strategy, p, cfg))
                if progress:
                    progress(k + 1, len(symbols))
        else:
            assert where is not None
            items = [(s, where.share(data[s], broadcast=False)) for s in symbols]
            done = [0]

            def finished(_: int, __: Any) -> None:
                done[0] += 1
                if progress:
                    progress(done[0], len(symbols))

            rows, cancelled = where.map(_one, items, _portable(strategy), p, cfg, progress=finished, cancel=cancel)
    kept = [r for r in rows if r is not None]
    frame = pd.DataFrame(kept, columns=["symbol", *STAT_KEYS]).set_index("symbol")
    return BatchResult(frame, bool(cancelled))

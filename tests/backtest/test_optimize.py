"""Optimisation: grid across processes equals in-process, progress and cancel, halving, heatmap, walk-forward."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from terminal.backtest.engine import run_backtest
from terminal.backtest.metrics import StatsPlan
from terminal.backtest.optimize import (STAT_KEYS, RunConfig, SmaCache, _worth_processes, default_start_method,
                                        optimize, parse_grid_spec, walk_forward)
from terminal.backtest.synthetic import random_walk
from terminal.strategy.base import ParamError
from terminal.strategy.builtin import RsiReversion, SmaCross
from terminal.strategy.indicators import sma

GRID = {"fast": [5, 10, 15, 20], "slow": [10, 20, 30, 40]}


@pytest.fixture(scope="module")
def bars():
    return random_walk(3000, seed=9)


def test_grid_in_two_processes_equals_in_process_and_skips_refused_sets(bars):
    seen = []
    one = optimize(bars, SmaCross, GRID, commission=0.002, jobs=1)
    two = optimize(bars, SmaCross, GRID, commission=0.002, jobs=2, chunksize=3, processes="always",
                   progress=lambda done, total: seen.append((done, total)))
    assert one.skipped == two.skipped == 4  # slow <= fast
    assert len(one.results) == len(two.results) == 12
    assert one.results.equals(two.results)
    assert seen[-1] == (12, 12) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    best = one.best
    direct = run_backtest(bars, SmaCross(**best), commission=0.002)
    assert direct.stats["Sharpe Ratio"] == pytest.approx(one.best_value, rel=1e-9)
    assert one.results["Sharpe Ratio"].is_monotonic_decreasing
    heat = one.heatmap("fast", "slow")
    assert heat.loc[best["slow"], best["fast"]] == pytest.approx(one.best_value)


def test_cancel_stops_between_chunks_and_keeps_finished_rows(bars):
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 2:
            cancel.set()

    res = optimize(bars, SmaCross, GRID, jobs=1, chunksize=2, progress=progress, cancel=cancel)
    assert res.cancelled and len(res.results) == 2


def test_event_driven_strategies_optimise_too_and_random_search_samples(bars):
    res = optimize(bars, RsiReversion, {"window": [7, 14], "lower": [20, 30], "upper": [70, 80]},
                   method="random", max_tries=4, seed=1, maximize="Return [%]")
    assert len(res.results) == 4 and set(res.best) == {"window", "lower", "upper"}


def test_successive_halving_ends_on_full_data_with_the_survivors(bars):
    res = optimize(bars, SmaCross, {"fast": [3, 5, 8, 12], "slow": [20, 30, 50]}, method="halving",
                   maximize="Sharpe Ratio")
    assert (res.results["bars"] == len(bars)).all() and 1 <= len(res.results) <= 4


def test_walk_forward_tests_each_fold_on_the_next_segment(bars):
    wf = walk_forward(bars, SmaCross, GRID, folds=3, commission=0.001)
    assert list(wf["fold"]) == [1, 2, 3]
    assert (wf["test_start"] > wf["train_end"]).all()
    assert "Sharpe Ratio (out-of-sample)" in wf.columns


def test_bad_grids_and_metrics_are_refused_clearly(bars):
    with pytest.raises(ValueError, match="cannot maximise 'Luck'"):
        optimize(bars, SmaCross, GRID, maximize="Luck")
    with pytest.raises(ParamError, match="has no parameter 'window'"):
        optimize(bars, SmaCross, {"window": [1, 2]})
    assert parse_grid_spec("fast=5:30:5") == ("fast", ["5", "10", "15", "20", "25", "30"])
    assert parse_grid_spec("k=1.5:2.5:0.5") == ("k", ["1.5", "2.0", "2.5"])
    with pytest.raises(ValueError, match="need start <= stop"):
        parse_grid_spec("fast=30:5")


def test_sma_grid_fast_path_equals_the_event_driven_engine_on_every_statistic(bars):
    grid = {"fast": [3, 5, 8], "slow": [12, 20], "long_short": [False, True]}
    res = optimize(bars, SmaCross, grid, commission=0.002, jobs=1)
    assert len(res.results) == 12
    for row in res.results.to_dict("records"):
        params = {k: row[k] for k in grid}
        direct = run_backtest(bars, SmaCross(**params), commission=0.002).stats
        for key in STAT_KEYS:
            expected = float(direct.get(key, 0.0 if key == "Commissions [$]" else np.nan))
            assert row[key] == pytest.approx(expected, rel=1e-9, nan_ok=True), (params, key)


def test_shared_cumsum_smas_are_bit_for_bit_indicators_sma_and_numbers_equal_compute(bars):
    close = bars["Close"].to_numpy()
    cache = SmaCache(close)
    for w in (1, 5, 20, len(close), len(close) + 1):
        np.testing.assert_array_equal(cache(w), sma(close, w))
    res = run_backtest(bars, SmaCross(fast=5, slow=20), commission=0.002)
    plan = StatsPlan(bars.index, close)
    full = plan.compute(res.equity.to_numpy(), res.trades, 19)
    numbers = plan.numbers(res.equity.to_numpy(), res.trades, 19)
    assert set(numbers) <= set(full.index) and set(STAT_KEYS) - {"Commissions [$]"} <= set(numbers)
    for key, value in numbers.items():
        assert value == full[key] or (value != value and full[key] != full[key]), key


def test_workers_never_fork_by_default_and_small_grids_stay_in_process():
    assert default_start_method() in ("forkserver", "spawn")
    cfg = RunConfig(commission=0.002)
    assert not _worth_processes(SmaCross, cfg, runs=100, bars=100_000, jobs=2)  # ~0.5 s of work
    assert _worth_processes(SmaCross, cfg, runs=10_000, bars=1_000_000, jobs=2)
    assert not _worth_processes(RsiReversion, cfg, runs=50, bars=3_000, jobs=4)
    assert _worth_processes(RsiReversion, cfg, runs=500, bars=100_000, jobs=4)
    assert not _worth_processes(RsiReversion, cfg, runs=500, bars=100_000, jobs=1)

"""Optimisation: grid across processes equals in-process, progress and cancel, halving, heatmap, walk-forward."""
from __future__ import annotations

import random
import threading
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from terminal.backtest.engine import run_backtest
from terminal.backtest.metrics import StatsPlan
from terminal.backtest.optimize import (STAT_KEYS, RunConfig, SmaCache, _worth_processes, default_start_method,
                                        optimize, parse_grid_spec, walk_forward)
from terminal.backtest.synthetic import random_walk
from terminal.strategy.base import Param, ParamError, Strategy
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
    with pytest.raises(ValueError, match=r"grid 'fast=1:1e12' has 1,000,000,000,000 values; at most 100,000 per "):
        parse_grid_spec("fast=1:1e12")  # refused before a list of a trillion values is built
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


# ---- huge grids, sampling, statistics that are not results ------------------------------------------------------
class Wide(Strategy):
    """Five parameters (a grid of 1000^5 = 10^15 combinations); buys once."""
    name = "wide"
    parameters = {k: Param(int, 1, minimum=0) for k in "abcde"}

    def on_bar(self, bar) -> None:
        if self.ctx.position == 0 and not self.ctx.open_orders:
            self.ctx.buy()


WIDE_GRID = {k: list(range(1000)) for k in "abcde"}


def test_random_search_over_a_grid_of_10_to_the_15_never_builds_it_and_stays_small_in_memory(monkeypatch):
    from terminal.backtest import grid as grid_mod
    from terminal.backtest import optimize as optimize_mod

    def grid_builder(grid):
        raise AssertionError("the random sampler built the whole grid")
    monkeypatch.setattr(optimize_mod, "expand", grid_builder)
    monkeypatch.setattr(grid_mod, "expand", grid_builder)
    bars = random_walk(300, seed=4)
    tracemalloc.start()
    try:
        res = optimize(bars, Wide, WIDE_GRID, method="random", max_tries=3, seed=5, maximize="Return [%]")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak traced memory: {peak / 1e6:.2f} MB for 3 tries of a 10^15 grid")
    assert grid_mod.grid_size(WIDE_GRID) == 10 ** 15
    assert len(res.results) == 3 and res.skipped == 0
    tried = {tuple(r) for r in res.results[list("abcde")].itertuples(index=False)}
    assert len(tried) == 3 and all(0 <= v < 1000 for t in tried for v in t)
    assert peak < 5e6


def test_exhaustive_search_above_the_limit_is_refused_before_any_run(monkeypatch, bars):
    from terminal.backtest import grid as grid_mod
    from terminal.backtest import optimize as optimize_mod

    def no_runs(*args, **kwargs):
        raise AssertionError("a run started")
    monkeypatch.setattr(optimize_mod, "_run_all", no_runs)
    big = {"fast": list(range(1, 401)), "slow": list(range(2, 253))}  # 100,400 combinations
    assert grid_mod.grid_size(big) == 100_400 > grid_mod.MAX_GRID_SIZE == 100_000
    for kw in (dict(method="grid"), dict(method="halving"), dict(method="random")):
        with pytest.raises(grid_mod.GridTooLarge, match=r"the grid has 100,400 combinations; an exhaustive "
                                                           r"search is limited to 100,000"):
            optimize(bars, SmaCross, big, **kw)
    with pytest.raises(grid_mod.GridTooLarge):
        optimize(bars, Wide, WIDE_GRID)


def test_random_draws_are_distinct_decoded_in_product_order_and_refused_sets_do_not_count(bars):
    from terminal.backtest.grid import combination, expand, sample_indices
    grid = {"fast": [2, 3, 5, 8, 13], "slow": [3, 5, 8, 13, 21, 34], "long_short": [False, True]}
    assert [combination(grid, i) for i in range(60)] == expand(grid)
    drawn = list(sample_indices(60, random.Random(3)))
    assert sorted(drawn) == list(range(60))  # every index once, then the draws end
    res = optimize(bars, SmaCross, grid, method="random", max_tries=12, seed=2)
    assert len(res.results) == 12 and (res.results["slow"] > res.results["fast"]).all()
    assert len({tuple(r) for r in res.results[list(grid)].itertuples(index=False)}) == 12
    whole = optimize(bars, SmaCross, grid, method="random", max_tries=1000)  # more tries than valid sets: all
    exhaustive = optimize(bars, SmaCross, grid)
    assert len(whole.results) == len(exhaustive.results) == 60 - exhaustive.skipped
    assert whole.skipped == exhaustive.skipped


HOLD_EVERY = """
from terminal.strategy.base import Param, Strategy


class HoldEvery(Strategy):
    \"\"\"All in from bar ``start``; with ``every`` > 0, out and back in every ``every`` bars.\"\"\"
    name = "hold_every"
    parameters = {"every": Param(int, 0, minimum=0), "start": Param(int, 0, minimum=0)}

    def on_bar(self, bar) -> None:
        e, i = self.p.every, self.ctx.bar_index
        if e and i % e == 0 and self.ctx.position > 0:
            self.ctx.close_position()
        elif self.ctx.position == 0 and not self.ctx.open_orders and i >= self.p.start:
            self.ctx.buy()
"""
_ns: dict = {}
exec(compile(HOLD_EVERY, "hold_every.py", "exec"), _ns)  # noqa: S102 - the same text the CLI test loads from a file
HoldEvery = _ns["HoldEvery"]


def geometric_bars(n: int = 24 * 120, growth: float = 1.0001) -> pd.DataFrame:
    """Prices growing by the same factor every hour: held all in, the equity has no variance at all."""
    close = 100 * growth ** np.arange(n)
    return pd.DataFrame({"Open": close, "High": close, "Low": close, "Close": close, "Volume": 1.0},
                        index=pd.date_range("2024-01-01", periods=n, freq="h"))


def test_a_sharpe_ratio_over_zero_volatility_is_na_and_ranks_last():
    df = geometric_bars()
    cash = float(100 * df["Open"].iloc[1])  # 100 units at the first fill, no cash left over: equity = 100 x close
    held = run_backtest(df, HoldEvery(every=0), cash=cash).stats
    assert abs(held["Sharpe Ratio"]) > 1e6  # what the formula gives over floating-point noise
    res = optimize(df, HoldEvery, {"every": [0, 24 * 7, 24 * 10, 24 * 15], "start": [0, 1]}, cash=cash)
    assert list(res.results["every"])[-2:] == [0, 0] and res.results["Sharpe Ratio"].iloc[-2:].isna().all()
    ranked = res.results["Sharpe Ratio"].iloc[:-2]
    assert ranked.notna().all() and ranked.is_monotonic_decreasing and res.best["every"] != 0
    heat, runs = res.heatmap(), res.runs()
    assert heat.shape == runs.shape == (2, 4) and (runs == 1).all().all()
    assert heat[0].isna().all() and heat.drop(columns=0).notna().all().all()  # n/a: a run, and no value

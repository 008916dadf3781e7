"""The backtest benchmark compares equal work: both sides of each comparison make the same trades."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("backtesting")

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "backtest_bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("backtest_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["backtest_bench"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("backtest_bench", None)


def test_event_driven_and_backtesting_py_make_the_same_trades_and_end_on_the_same_equity(bench):
    df = bench.bars(3000)
    ours, theirs = bench.ours_event(df), bench.backtesting_py(df)
    n_ours, n_theirs, eq_ours, eq_theirs = bench.check_same_trades(ours, theirs)
    assert n_ours == n_theirs > 100  # stop-and-reverse on every cross: many trades
    assert ours.trades["EntryBar"].tolist() == theirs["_trades"]["EntryBar"].tolist()
    assert eq_ours == pytest.approx(eq_theirs, rel=1e-9)


def test_the_equal_work_check_fails_when_the_sides_trade_differently(bench):
    from terminal.backtest.engine import run_backtest
    from terminal.strategy.builtin import SmaCross

    df = bench.bars(3000)
    long_only = run_backtest(df, SmaCross(fast=bench.FAST, slow=bench.SLOW), cash=bench.CASH)
    with pytest.raises(bench.Mismatch, match="trade counts differ"):
        bench.check_same_trades(long_only, bench.backtesting_py(df))


def test_vectorised_and_plain_numpy_find_the_same_trades_and_statistics(bench):
    df = bench.bars(5000)
    ours, ref = bench.ours_vectorised(df), bench.plain_numpy(df)
    assert len(ours.trades) == ref["# Trades"] > 100
    assert set(ref) <= set(ours.stats.index)  # every statistic the reference computes, ours reports too
    assert ref["Equity Final [$]"] == pytest.approx(ours.stats["Equity Final [$]"], rel=0.05)  # fractional vs whole units


def test_the_benchmark_runs_and_passes_its_own_checks_at_a_small_size(bench, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["backtest_bench.py", "--sizes", "1500", "--vector-sizes", "1500", "--repeat", "1"])
    assert bench.main() == 0
    out = capsys.readouterr().out
    assert "NOT EQUAL WORK" not in out
    assert "load" in out and "x faster" in out

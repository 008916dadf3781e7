"""User strategies load from files; a broken file is reported with its name and line, the others still load."""
from __future__ import annotations

import pytest

from terminal.backtest.engine import run_backtest
from terminal.backtest.synthetic import random_walk
from terminal.strategy.loader import StrategyLoadError, load_file, load_folder, resolve

GOOD = '''
from decimal import Decimal
from terminal.strategy.base import Param, Strategy

class BuyAndHold(Strategy):
    name = "buy_and_hold"
    parameters = {"after": Param(int, 0, minimum=0)}

    def on_bar(self, bar):
        if self.ctx.position == 0 and self.ctx.bar_index >= self.p.after and not self.ctx.open_orders:
            self.ctx.buy()
'''


def test_folder_loads_good_files_and_reports_broken_ones(tmp_path):
    (tmp_path / "hold.py").write_text(GOOD)
    (tmp_path / "broken.py").write_text("def oops(:\n    pass\n")
    (tmp_path / "raises.py").write_text("x = 1\nraise RuntimeError('no config')\n")
    (tmp_path / "empty.py").write_text("X = 1\n")
    (tmp_path / "_private.py").write_text("raise SystemExit\n")
    report = load_folder(tmp_path)
    assert list(report.strategies) == ["buy_and_hold"]
    assert report.errors[str(tmp_path / "broken.py")].endswith("line 1: syntax error: invalid syntax")
    assert "raises.py, line 2: RuntimeError: no config" in report.errors[str(tmp_path / "raises.py")]
    assert "defines no Strategy subclass" in report.errors[str(tmp_path / "empty.py")]
    assert len(report.errors) == 3


def test_a_loaded_strategy_backtests_like_a_builtin(tmp_path):
    path = tmp_path / "hold.py"
    path.write_text(GOOD)
    cls = resolve(f"{path}:BuyAndHold")
    res = run_backtest(random_walk(300), cls(after=5), commission=0.001)
    assert res["# Trades"] == 1 and res.trades["EntryBar"].iloc[0] == 6


def test_unknown_names_and_missing_files_are_clear():
    with pytest.raises(StrategyLoadError, match="unknown strategy 'nope'; built-in: sma_cross"):
        resolve("nope")
    with pytest.raises(StrategyLoadError, match="no such file"):
        load_file("/nonexistent/strategy.py")


def test_a_loaded_strategy_optimises_in_worker_processes_started_without_fork(tmp_path):
    from terminal.backtest.optimize import optimize
    path = tmp_path / "hold.py"
    path.write_text(GOOD)
    (cls,) = load_file(path)
    bars = random_walk(300, seed=2)
    grid = {"after": [0, 10, 50]}
    one = optimize(bars, cls, grid, maximize="Return [%]", jobs=1)
    two = optimize(bars, cls, grid, maximize="Return [%]", jobs=2, chunksize=1, processes="always",
                   start_method="spawn")
    assert one.results.equals(two.results)

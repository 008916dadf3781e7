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
    (tmp_path / "raises.py").write_text("from terminal.strategy import Strategy\n\nclass S(Strategy):\n    pass\n\n"
                                        "raise RuntimeError('no config')\n")
    (tmp_path / "empty.py").write_text("X = 1\n")
    (tmp_path / "_private.py").write_text("raise SystemExit\n")
    report = load_folder(tmp_path)
    assert list(report.strategies) == ["buy_and_hold"]
    assert report.errors[str(tmp_path / "broken.py")].endswith("line 1: syntax error: invalid syntax")
    assert "raises.py, line 6: RuntimeError: no config" in report.errors[str(tmp_path / "raises.py")]
    assert len(report.errors) == 2
    assert report.skipped == [str(tmp_path / "empty.py")]  # defines no strategy: not imported, not an error


UNRELATED = """
import pathlib
pathlib.Path(__file__).with_name("ran.txt").write_text("the script ran")
from backtesting import Strategy  # another library's Strategy: not ours

class Cross(Strategy):
    pass
"""

HELPER_BASE = """
import terminal.strategy.base as base
from terminal.strategy.builtin import SmaCross


class Tuned(SmaCross):
    name = "tuned_cross"


class Mine(base.Strategy):
    name = "mine"


class Later(Mine):  # derives from a class of this file
    name = "later"
"""


def test_folder_never_runs_scripts_that_define_no_strategy(tmp_path):
    (tmp_path / "hold.py").write_text(GOOD)
    (tmp_path / "other_tool.py").write_text(UNRELATED)
    (tmp_path / "notes.py").write_text("print('hello')\nraise SystemExit(3)\n")
    report = load_folder(tmp_path)
    assert list(report.strategies) == ["buy_and_hold"] and report.errors == {}
    assert not (tmp_path / "ran.txt").exists()
    assert sorted(report.skipped) == [str(tmp_path / "notes.py"), str(tmp_path / "other_tool.py")]


def test_strategy_bases_are_recognised_through_modules_builtins_and_the_files_own_classes(tmp_path):
    from terminal.strategy.loader import defines_strategy
    (tmp_path / "mine.py").write_text(HELPER_BASE)
    report = load_folder(tmp_path)
    assert sorted(report.strategies) == ["later", "mine", "tuned_cross"] and report.errors == {}
    assert defines_strategy("from terminal.strategy import *\nclass A(Strategy):\n    pass\n")
    assert not defines_strategy("class Strategy:\n    pass\nclass A(Strategy):\n    pass\n")


def test_resolve_reports_the_strategy_files_that_failed_to_load(tmp_path):
    (tmp_path / "hold.py").write_text(GOOD)
    (tmp_path / "raises.py").write_text("from terminal.strategy import Strategy\nraise ImportError('no ta-lib')\n"
                                        "class S(Strategy):\n    pass\n")
    errors: list[str] = []
    assert resolve("buy_and_hold", (tmp_path,), errors).name == "buy_and_hold"
    assert len(errors) == 1 and "raises.py, line 2: ImportError: no ta-lib" in errors[0]
    with pytest.raises(StrategyLoadError, match="unknown strategy 'nope'.*1 strategy file failed to load"):
        resolve("nope", (tmp_path,))


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

"""trading-terminal backtest / optimize: output, files, and one-line errors with exit code 2."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pandas as pd
import pytest

from terminal.__main__ import main as app_main
from terminal.backtest.cli import main
from terminal.backtest.engine import run_backtest
from terminal.backtest.synthetic import random_walk
from terminal.strategy.builtin import SmaCross


@pytest.fixture
def bars_csv(tmp_path):
    df = random_walk(1500, seed=8)
    df.index.name = "Date"
    path = tmp_path / "bars.csv"
    df.to_csv(path)
    return path


def test_backtest_prints_the_statistics_and_writes_trades_and_equity(bars_csv, tmp_path, capsys):
    trades, equity = tmp_path / "t.csv", tmp_path / "e.csv"
    rc = main(["backtest", "--strategy", "sma_cross", "--param", "fast=10", "--param", "slow=20", "--data",
               str(bars_csv), "--cash", "10000", "--commission", "0.002", "--trades", str(trades),
               "--equity", str(equity)])
    out = capsys.readouterr().out
    assert rc == 0
    expected = run_backtest(pd.read_csv(bars_csv), SmaCross(fast=10, slow=20), commission=0.002)
    assert f"{expected['Equity Final [$]']:.5f}".rstrip("0") in out
    assert "Sharpe Ratio" in out and "# Trades" in out
    assert len(pd.read_csv(trades)) == expected["# Trades"]
    assert len(pd.read_csv(equity)) == 1500


def test_backtest_json_through_the_app_entry_point(bars_csv, capsys):
    rc = app_main(["backtest", "--strategy", "sma_cross", "--data", str(bars_csv), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["params"] == {"fast": 10, "slow": 20, "long_short": False}
    assert doc["stats"]["# Trades"] > 0 and isinstance(doc["stats"]["Max. Drawdown Duration"], str)


def test_optimize_prints_the_best_parameters_and_a_table(bars_csv, capsys):
    rc = main(["optimize", "--strategy", "sma_cross", "--grid", "fast=5:15:5", "--grid", "slow=10:30:10",
               "--data", str(bars_csv), "--commission", "0.001", "--walk-forward", "2"])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith("Best fast=")
    assert "parameter sets refused" in out and "Walk-forward" in out and "Sharpe Ratio by slow" in out


@pytest.mark.parametrize("args, message", [
    (["--param", "fast=ten"], "parameter 'fast' expects an integer, got 'ten'"),
    (["--param", "fast=30"], "parameter 'slow' (20) must be greater than 'fast' (30)"),
    (["--param", "fast"], "parameter 'fast' is not of the form name=value"),
    (["--cash", "lots"], "--cash must be a number, got 'lots'"),
    (["--commission", "-1"], "--commission must be a non-negative number"),
])
def test_backtest_bad_input_is_one_line_and_exit_code_2(bars_csv, capsys, args, message):
    rc = main(["backtest", "--strategy", "sma_cross", "--data", str(bars_csv), *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_bad_files_and_names_are_one_line_errors(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,open,high,low\n2024-01-01,1,2,0.5\n")
    assert main(["backtest", "--strategy", "sma_cross", "--data", str(bad)]) == 2
    assert "missing column(s) close" in capsys.readouterr().err
    assert main(["backtest", "--strategy", "nope", "--data", str(bad)]) == 2
    assert "unknown strategy 'nope'" in capsys.readouterr().err
    assert main(["backtest", "--data", str(bad)]) == 2
    assert "required: --strategy" in capsys.readouterr().err
    assert main(["optimize", "--strategy", "sma_cross", "--grid", "fast=a:b", "--data", str(bad)]) == 2
    assert "range bounds must be numbers" in capsys.readouterr().err
    assert main(["optimize", "--strategy", "sma_cross", "--grid", "fast=1:2", "--data", str(bad),
                 "--maximize", "Luck"]) == 2
    assert "missing column(s) close" in capsys.readouterr().err


# ---- lot step, runs without trades, strategy folders, huge grids, n/a ------------------------------------------
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_command(sub: str) -> list[str]:
    """The README's ``trading-terminal <sub>`` example, without its optional ``[...]`` parts."""
    line = next(ln for ln in README.read_text(encoding="utf-8").splitlines()
                if ln.startswith(f"trading-terminal {sub} "))
    return shlex.split(re.sub(r"\s*\[[^\]]*\]", "", line))[1:]


@pytest.fixture
def btc_csv(tmp_path):
    """Hourly bars of a BTCUSDT-like market around 64,000."""
    df = random_walk(1500, seed=8, price=64_000.0)
    df.index.name = "Date"
    path = tmp_path / "btc.csv"
    df.to_csv(path)
    return path


def test_the_readme_backtest_example_trades_on_bitcoin_priced_bars(btc_csv, capsys):
    args = [str(btc_csv) if a == "bars.csv" else a for a in readme_command("backtest")]
    assert "--cash" in args and args[args.index("--cash") + 1] == "10000"
    rc = main([*args, "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["stats"]["# Trades"] > 0 and doc["note"] is None
    first = pd.read_csv(btc_csv)["Open"].iloc[30]
    assert first > 10_000  # not one whole unit affordable: the trades are fractional


def test_a_backtest_without_trades_says_why(btc_csv, capsys):
    rc = main(["backtest", "--strategy", "sma_cross", "--data", str(btc_csv), "--cash", "10000"])
    out = capsys.readouterr().out
    assert rc == 0
    note = next(ln for ln in out.splitlines() if ln.startswith("No trades:"))
    assert re.fullmatch(r"No trades: cash 10,000 buys 0 whole units at \d\d,\d{3}(\.\d+)? \(one costs [\d,.]+ with "
                        r"commission\); use fractional sizing \(a lot step such as 0\.00001\) or more cash\.", note)
    rc = main(["backtest", "--strategy", "sma_cross", "--data", str(btc_csv), "--json"])
    assert json.loads(capsys.readouterr().out)["note"].startswith("No trades: cash 10,000 buys 0 whole units")


BROKEN_STRATEGY = "from terminal.strategy import Strategy\nimport talib  # not installed\n\nclass Fancy(Strategy):\n    pass\n"
UNRELATED_SCRIPT = "import pathlib\npathlib.Path(__file__).with_name('ran.txt').write_text('ran')\n"


def test_strategy_folder_load_errors_are_printed_and_unrelated_scripts_not_run(bars_csv, tmp_path, capsys):
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "hold.py").write_text(HOLD)
    (folder / "fancy.py").write_text(BROKEN_STRATEGY)
    (folder / "cleanup.py").write_text(UNRELATED_SCRIPT)
    rc = main(["backtest", "--strategy", "hold_first", "--strategies-dir", str(folder), "--data", str(bars_csv)])
    captured = capsys.readouterr()
    assert rc == 0 and "# Trades" in captured.out
    assert captured.err.count("\n") == 1
    assert re.fullmatch(r"trading-terminal backtest: warning: .*fancy\.py, line 2: ModuleNotFoundError: No module "
                        r"named 'talib'\n", captured.err)
    assert not (folder / "ran.txt").exists()
    rc = main(["backtest", "--strategy", "fancy", "--strategies-dir", str(folder), "--data", str(bars_csv)])
    err = capsys.readouterr().err.splitlines()
    assert rc == 2 and len(err) == 2 and "fancy.py, line 2" in err[0]
    assert "unknown strategy 'fancy'" in err[1] and "1 strategy file failed to load" in err[1]


HOLD = """
from terminal.strategy import Strategy


class HoldFirst(Strategy):
    def on_bar(self, bar):
        if self.ctx.position == 0 and not self.ctx.open_orders:
            self.ctx.buy()
"""

WIDE = """
from terminal.strategy import Param, Strategy


class Wide(Strategy):
    parameters = {k: Param(int, 1, minimum=0) for k in "abcde"}

    def on_bar(self, bar):
        if self.ctx.position == 0 and not self.ctx.open_orders:
            self.ctx.buy()
"""


def test_optimize_refuses_a_huge_grid_before_reading_the_data_and_samples_it_at_random(bars_csv, tmp_path, capsys):
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "wide.py").write_text(WIDE)
    grid = [a for k in "abcde" for a in ("--grid", f"{k}=0:999")]
    base = ["optimize", "--strategy", "wide", "--strategies-dir", str(folder), *grid]
    assert main([*base, "--data", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.csv" not in err
    assert ("the grid has 1,000,000,000,000,000 combinations; an exhaustive search is limited to 100,000" in err
            and "--method random --max-tries N" in err)
    rc = main([*base, "--data", str(bars_csv), "--method", "random", "--max-tries", "3", "--maximize", "Return [%]"])
    out = capsys.readouterr().out
    assert rc == 0 and "(3 runs, 0 parameter sets refused)" in out.splitlines()[0]


def test_optimize_shows_na_for_absurd_statistics_and_ranks_them_last(tmp_path, capsys):
    from tests.backtest.test_optimize import HOLD_EVERY, geometric_bars
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "hold_every.py").write_text(HOLD_EVERY)
    df = geometric_bars()
    df.index.name = "time"
    df.to_csv(tmp_path / "geo.csv")
    cash = repr(float(100 * df["Open"].iloc[1]))
    rc = main(["optimize", "--strategy", "hold_every", "--strategies-dir", str(folder), "--data",
               str(tmp_path / "geo.csv"), "--cash", cash, "--grid", "every=0,168,240,360", "--grid", "start=0,1"])
    lines = capsys.readouterr().out.splitlines()
    assert rc == 0 and not lines[0].startswith("Best every=0,") and "n/a" not in lines[0]
    table = lines[1:10]
    assert [ln.split()[0] for ln in table[-2:]] == ["0", "0"] and all("n/a" in ln for ln in table[-2:])
    assert not any("n/a" in ln.split()[2] for ln in table[1:-2])
    heat = lines[lines.index("Sharpe Ratio by start (rows) and every (columns):") + 1:][:4]
    assert [ln.split()[:2] for ln in heat[2:4]] == [["0", "n/a"], ["1", "n/a"]]

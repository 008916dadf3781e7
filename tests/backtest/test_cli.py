"""trading-terminal backtest / optimize: output, files, and one-line errors with exit code 2."""
from __future__ import annotations

import json

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

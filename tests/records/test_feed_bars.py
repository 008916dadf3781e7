"""Backtests on a recorded feed: bars built from the recorded trades (exact OHLCV per interval, duplicates once,
corrupt lines skipped), and ``trading-terminal backtest --data DIR`` runs on them."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from terminal.backtest.cli import main as backtest_main
from terminal.backtest.engine import run_backtest
from terminal.records.feed.bars import RecordingError, bars_from_recording
from terminal.records.feed.files import ReadStats, frame_line
from terminal.strategy.builtin import SmaCross

T0 = 1_764_892_800_000  # 2025-12-05 00:00 UTC


def _write(root: Path, trades: list[tuple[int, int, str, str]], junk: int = 0) -> None:
    path = root / "binance" / "BTCUSDT" / "2025-12-05.jsonl.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for tid, t, p, q in trades:
        data = {"e": "trade", "E": t, "s": "BTCUSDT", "t": tid, "p": p, "q": q, "T": t, "m": False, "M": True}
        lines.append(frame_line(t + 3, json.dumps({"stream": "btcusdt@trade", "data": data})))
        lines.append(frame_line(t + 3, json.dumps({"stream": "btcusdt@bookTicker", "data": {"u": tid, "b": p}})))
    lines += [b"{broken\n"] * junk
    with gzip.open(path, "wb") as fh:
        fh.writelines(lines)


def test_bars_from_recorded_trades_are_exact_per_interval(tmp_path: Path) -> None:
    trades = [(1, T0 + 1_000, "100.10", "0.5"), (2, T0 + 20_000, "101.00", "0.25"), (2, T0 + 20_000, "101.00", "0.25"),
              (3, T0 + 59_999, "99.50", "1"), (4, T0 + 60_000, "99.75", "2"), (5, T0 + 185_000, "102.00", "0.1")]
    _write(tmp_path, trades, junk=2)
    stats = ReadStats()
    df = bars_from_recording(tmp_path, interval="1m", stats=stats)
    assert stats.corrupt == 2
    assert [str(t) for t in df.index] == ["2025-12-05 00:00:00", "2025-12-05 00:01:00", "2025-12-05 00:03:00"]
    assert df.iloc[0].tolist() == [100.10, 101.00, 99.50, 99.50, 1.75]  # the duplicate trade 2 counted once
    assert df.iloc[1].tolist() == [99.75, 99.75, 99.75, 99.75, 2.0]
    five = bars_from_recording(tmp_path, "BTCUSDT", "5m")
    assert five.iloc[0].tolist() == [100.10, 102.00, 99.50, 102.00, 3.85]
    with pytest.raises(RecordingError, match="no recorded trades of ETHUSDT"):
        bars_from_recording(tmp_path, "ETHUSDT")


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # CAGR over a few hours
def test_backtest_cli_runs_on_a_recorded_folder(tmp_path: Path, capsys: Any) -> None:
    prices = [100 + (i % 40 if (i // 40) % 2 == 0 else 40 - i % 40) for i in range(400)]  # up and down waves
    _write(tmp_path, [(i, T0 + i * 60_000 + 5, f"{p}.00", "1") for i, p in enumerate(prices)])
    code = backtest_main(["backtest", "--strategy", "sma_cross", "--param", "fast=5", "--param", "slow=20",
                          "--data", str(tmp_path), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    stats = json.loads(out.out)["stats"]
    assert (stats["Start"], stats["End"]) == ("2025-12-05 00:00:00", "2025-12-05 06:39:00")  # 400 one-minute bars
    same = run_backtest(bars_from_recording(tmp_path), SmaCross(fast=5, slow=20))
    assert stats["# Trades"] == same.stats["# Trades"] >= 3
    assert stats["Equity Final [$]"] == pytest.approx(float(same.stats["Equity Final [$]"]))

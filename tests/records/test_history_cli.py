"""'trading-terminal data download|list|delete' against the real sandbox, and backtest --data reading the cache."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from terminal.__main__ import main as cli
from terminal.backtest.history import parse_spec
from terminal.backtest.data import DataError


def _klines(server) -> list[str]:
    return [q for q in server.rest.requests("GET", "/api/v3/klines") if "symbol=BTCUSDT&interval=1m&" in q]


def test_data_download_list_backtest_and_delete(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    now_ms = sandbox.clock.now_ms()
    start = datetime.fromtimestamp((now_ms - 3 * 3_600_000) / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M")
    args = ["data", "download", "binance:BTCUSDT", "1m", "--from", start, "--sandbox-url", sandbox.url]
    assert cli(args) == 0
    out = capsys.readouterr().out
    written = int(re.search(r"(\d+) bars downloaded", out).group(1))
    assert out.startswith("binance-sandbox:BTCUSDT 1m") and 178 <= written <= 181
    asked = len(_klines(sandbox))
    last_cached = int(re.search(r"cached: (\d+) bars", out).group(1))
    assert cli(args) == 0  # again: only bars closed since (none or one), nothing already cached
    out = capsys.readouterr().out
    assert int(re.search(r"(\d+) bars downloaded", out).group(1)) <= 1
    assert len(_klines(sandbox)) - asked <= 1
    # (a minute that closed between the two downloads is in the cache now: what delete must count)
    cached_again = int(re.search(r"cached: (\d+) bars", out).group(1))
    assert last_cached <= cached_again <= last_cached + 1
    last_cached = cached_again
    assert cli(["data", "list"]) == 0
    listing = capsys.readouterr().out
    assert "binance-sandbox" in listing and re.search(r"BTCUSDT\s+1m\s+\d+ bars", listing)
    assert last_cached >= written

    spec = f"binance:BTCUSDT:1m:{start}.."
    assert cli(["backtest", "--strategy", "sma_cross", "--param", "fast=3", "--param", "slow=8", "--data", spec,
                "--lot-step", "0.0001", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)["stats"]
    assert stats["# Trades"] >= 1 and stats["Start"].startswith(start[:10])

    assert cli(["data", "delete", "binance:BTCUSDT", "1m"]) == 0
    assert f"deleted {last_cached} bars" in capsys.readouterr().out
    assert cli(["backtest", "--strategy", "sma_cross", "--data", spec]) == 2
    assert "no stored 1m bars for BTCUSDT" in capsys.readouterr().err


def test_data_spec_and_errors(tmp_path, monkeypatch, capsys):
    spec = parse_spec("binance-live:btcusdt:1h:2025-01-01..2025-06-30")
    assert (spec.venue, spec.symbol, spec.interval.value) == ("binance-live", "BTCUSDT", "1h")
    assert spec.end_ms - spec.start_ms == 181 * 86_400_000 - 1  # the last day included
    assert parse_spec(str(tmp_path / "bars.csv")) is None
    with pytest.raises(DataError, match="unknown interval '7q'"):
        parse_spec("binance:BTCUSDT:7q:2025-01-01..")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert cli(["backtest", "--strategy", "sma_cross", "--data", "binance:BTCUSDT:1m:2025-01-01.."]) == 2
    assert "no cached history for binance" in capsys.readouterr().err
    assert cli(["data", "download", "BTCUSDT", "1m", "--from", "2025-01-01"]) == 2
    assert "expected PROVIDER:SYMBOL" in capsys.readouterr().err
    assert cli(["data", "list"]) == 0 and "no cached history" in capsys.readouterr().out

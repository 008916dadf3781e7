"""The parity report: sma_cross over 2 days of 1m bars, backtested and run live (a StrategyRunner on a Session on the
sandbox replaying the same CSV as its kline history, at maximum speed) makes the same decisions; the HTML report
holds the table; a divergence is named with its reason; the CLI writes the report with its own sandbox."""
from __future__ import annotations

import asyncio
import random
import re
from decimal import Decimal
from pathlib import Path

import terminal
from terminal.records.parity import Decision, compare, run_parity
from terminal.records.parity_cli import main as parity_main
from terminal.records.parity_report import render, write_report
from terminal.strategy.builtin import SmaCross
from terminal.venues.sandbox import SandboxServer

T0 = 1_764_547_200_000  # 2025-12-01 00:00 UTC


def two_days_of_1m_bars(path: Path) -> Path:
    rng = random.Random(17)
    price = 64_000.0
    lines = ["open_time,open,high,low,close,volume"]
    for i in range(2 * 24 * 60):
        o = price
        c = max(1000.0, o * (1 + rng.gauss(0, 0.0015) + 0.0004 * ((i // 180) % 2 * 2 - 1)))  # trending legs
        h = max(o, c) * (1 + abs(rng.gauss(0, 0.0005)))
        lo = min(o, c) * (1 - abs(rng.gauss(0, 0.0005)))
        lines.append(f"{T0 + i * 60_000},{o:.2f},{h:.2f},{lo:.2f},{c:.2f},{rng.uniform(1, 20):.5f}")
        price = float(f"{c:.2f}")
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_parity_report_for_sma_cross_on_two_days_of_replayed_bars_shows_the_same_decisions(tmp_path):
    csv = two_days_of_1m_bars(tmp_path / "btc-2d.csv")
    server = SandboxServer(host="127.0.0.1", port=0, replay={"BTCUSDT": str(csv)}, replay_history_fraction=1.0)
    await asyncio.get_running_loop().run_in_executor(None, server.start)
    try:
        session = await terminal.connect("sandbox", sandbox_url=server.url, history_cache=False)
        try:
            result = await run_parity(session, SmaCross(fast=10, slow=30), csv, symbol="BTCUSDT")
        finally:
            await session.close()
    finally:
        await asyncio.get_running_loop().run_in_executor(None, server.stop)
    assert result.bars == 2880 and result.data_differences == []
    assert len(result.backtest) >= 20  # many crosses in 2 days
    assert [(d.time_ms, d.side, d.qty, d.price) for d in result.backtest] == \
        [(d.time_ms, d.side, d.qty, d.price) for d in result.live]
    assert result.same_decisions and result.first_divergence == "none"
    assert result.backtest_equity == result.live_equity != result.cash
    page = write_report(result, tmp_path / "report.html").read_text()
    assert '<table id="decisions">' in page and page.count("<tr>") - 2 == len(result.rows)  # 2 header rows
    assert '<b id="first-divergence">none</b>' in page
    assert f"{result.backtest_equity.quantize(Decimal('0.01'))}" in page
    assert not re.search(r"<script|<link|src=|href=|url\(", page)  # self-contained: no external asset


def test_the_first_divergence_is_named_with_its_reason() -> None:
    a = Decision(T0 + 60_000, "BUY", Decimal("0.15"), Decimal("64000.00"), Decimal("63990.00"))
    b = Decision(T0 + 600_000, "SELL", Decimal("0.15"), Decimal("64100.00"), Decimal("64120.00"))
    moved = Decision(b.time_ms, "SELL", b.qty, Decimal("64099.99"), b.signal_close)
    rows, first = compare([a, b], [a, moved])
    assert not rows[1].same and rows[1].price_diff == Decimal("-0.01")
    assert first == "decision 2 at 2025-12-01 00:10: fill price differs by -0.01 (backtest 64100.00, live 64099.99)"
    assert b.slippage == Decimal("20.00") and a.slippage == Decimal("10.00")
    _, first = compare([a, b], [a], [(T0 + 300_000, "2025-12-01 00:05: data (1,), sandbox (2,)")])
    assert first.startswith("decision 2 at 2025-12-01 00:10: the sandbox served different bars before it")
    _, first = compare([a], [a, b])
    assert first.endswith("the live runner decided and the backtest did not")
    _, first = compare([a, b], [a, b])
    assert first == "none"


def test_parity_cli_writes_the_report_with_its_own_sandbox(tmp_path, capsys) -> None:
    csv = two_days_of_1m_bars(tmp_path / "btc-2d.csv")
    out = tmp_path / "report.html"
    code = parity_main(["--strategy", "sma_cross", "--param", "fast=10", "--param", "slow=30", "--data", str(csv),
                        "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert printed.out.startswith("same decisions:") and "first divergence: none" in printed.out
    assert '<table id="decisions">' in out.read_text()

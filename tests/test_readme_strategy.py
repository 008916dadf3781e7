"""The README's strategy example runs as written in the backtester and trades."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_strategy_example_backtests():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^```python\n(from terminal\.strategy import .*?)^```", text, re.S | re.M)
    assert block, "README has no strategy example"
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    from terminal.backtest.engine import run_backtest
    from terminal.backtest.synthetic import random_walk

    result = run_backtest(random_walk(3000), namespace["SmaCross"](fast=10, slow=30), cash=10_000, commission=0.002)
    assert result.stats["# Trades"] > 0
    assert len(result.equity) == 3000

"""``trading-terminal parity --strategy sma_cross --data FILE.csv --out report.html [--param fast=10] [--symbol S]
[--cash 10000] [--commission 0.001] [--sandbox-url URL]``.

Without ``--sandbox-url`` it starts a sandbox of its own (``trading-terminal sandbox --port 0 --replay SYMBOL=FILE
--replay-history 1``, a child process stopped at the end); with it, that sandbox must already replay the same file
with ``--replay-history 1``. Prints the verdict and the first divergence; exit 0 when the decisions are the same, 1
when they differ, 2 for a usage or data error."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, Sequence

PROG = "trading-terminal parity"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> _Parser:
    p = _Parser(prog=PROG, description="Backtest vs live on the sandbox replaying the same bars: an HTML report.")
    p.add_argument("--strategy", required=True, help="built-in name (e.g. sma_cross) or file.py[:Class]")
    p.add_argument("--param", action="append", default=[], help="name=value (repeat)")
    p.add_argument("--data", required=True, help="CSV of 1m bars (date/time, open, high, low, close, volume)")
    p.add_argument("--symbol", default="BTCUSDT", help="the sandbox symbol that replays the data (default BTCUSDT)")
    p.add_argument("--cash", default="10000")
    p.add_argument("--commission", default="0.001", help="fraction of traded value per side")
    p.add_argument("--out", required=True, help="the HTML report to write")
    p.add_argument("--sandbox-url", help="a sandbox already replaying --data with --replay-history 1")
    return p


async def _run(args: Any) -> int:
    from ..strategy.loader import resolve
    from ..strategy.params import parse_assignments
    from .parity_run import make_report

    strategy = resolve(args.strategy, (), [])(**parse_assignments(args.param))
    result = await make_report(strategy, args.data, args.out, symbol=args.symbol, cash=args.cash,
                               commission=args.commission, sandbox_url=args.sandbox_url)
    verdict = "same decisions" if result.same_decisions else "the decisions differ"
    print(f"{verdict}: {len(result.backtest)} backtest, {len(result.live)} live; first divergence: "
          f"{result.first_divergence}; final equity backtest {result.backtest_equity:.2f}, live "
          f"{result.live_equity:.2f}; report: {args.out}", flush=True)
    return 0 if result.same_decisions else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if not Path(args.data).is_file():
        print(f"{PROG}: error: {args.data}: no such file", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback
        print(f"{PROG}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

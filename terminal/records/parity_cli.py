"""``trading-terminal parity --strategy sma_cross --data FILE.csv --out report.html [--param fast=10] [--symbol S]
[--cash 10000] [--commission 0.001] [--sandbox-url URL]``.

Without ``--sandbox-url`` it starts a sandbox of its own (``trading-terminal sandbox --port 0 --replay SYMBOL=FILE
--replay-history 1``, a child process stopped at the end); with it, that sandbox must already replay the same file
with ``--replay-history 1``. Prints the verdict and the first divergence; exit 0 when the decisions are the same, 1
when they differ, 2 for a usage or data error."""
from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from decimal import Decimal
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


def _start_sandbox(symbol: str, data: str) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "terminal", "sandbox", "--port", "0", "--replay", f"{symbol}={data}",
           "--replay-history", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # "  REST:    http://127.0.0.1:PORT/api/v3/" once it listens
        if line.strip().startswith("REST:"):
            return proc, line.split()[1].rsplit("/api/", 1)[0]
    err = proc.stderr.read() if proc.stderr is not None else ""
    proc.wait(timeout=10)
    raise RuntimeError(f"the sandbox did not start: {err.strip().splitlines()[-1] if err.strip() else proc.returncode}")


async def _run(args: Any) -> int:
    import terminal

    from ..strategy.loader import resolve
    from ..strategy.params import parse_assignments
    from .parity import run_parity
    from .parity_report import write_report

    cls = resolve(args.strategy, (), [])
    strategy = cls(**parse_assignments(args.param))
    proc, url = (None, args.sandbox_url) if args.sandbox_url else _start_sandbox(args.symbol, args.data)
    try:
        session = await terminal.connect("sandbox", sandbox_url=url, history_cache=False)
        try:
            result = await run_parity(session, strategy, args.data, symbol=args.symbol, cash=Decimal(args.cash),
                                      commission=Decimal(args.commission))
        finally:
            await session.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    path = write_report(result, args.out)
    verdict = "same decisions" if result.same_decisions else "the decisions differ"
    print(f"{verdict}: {len(result.backtest)} backtest, {len(result.live)} live; first divergence: "
          f"{result.first_divergence}; final equity backtest {result.backtest_equity:.2f}, live "
          f"{result.live_equity:.2f}; report: {path}", flush=True)
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

"""``trading-terminal record PROVIDER:SYMBOL [...] --minutes N --out DIR [--env E] [--sandbox-url URL]``.

Records the raw market frames (trades, depth diffs and the snapshots they start from, bookTicker, 1m klines) of the
symbols for N minutes into ``DIR/<provider>/<SYMBOL>/<day>.jsonl.gz``; Ctrl-C stops early and keeps what was recorded.
The embedded sandbox is recorded unless ``--sandbox-url`` (a running sandbox) or ``--env testnet|live`` says
otherwise; recording places no orders. Ends with one line of counts (frames, snapshots, gaps, dropped)."""
from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, Sequence

PROG = "trading-terminal record"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of minutes")
    return value


def _parser() -> _Parser:
    p = _Parser(prog=PROG, description="Record raw market frames of symbols into compressed daily files.")
    p.add_argument("targets", nargs="+", metavar="PROVIDER:SYMBOL", help="e.g. binance:BTCUSDT (one provider)")
    p.add_argument("--minutes", type=_minutes, required=True, help="how long to record")
    p.add_argument("--out", required=True, help="the folder of the recording")
    p.add_argument("--env", default=None, help="environment (default: the provider's; Binance: sandbox)")
    p.add_argument("--sandbox-url", help="a sandbox exchange already running (instead of an embedded one)")
    return p


async def _record(provider: str, symbols: list[str], args: Any) -> str:
    import terminal

    options: dict[str, Any] = {"history_cache": False, "confirm_live": True}  # data only: nothing is traded
    if args.sandbox_url:
        options["sandbox_url"] = args.sandbox_url
    session = await terminal.connect(provider, env=args.env, **options)
    try:
        recorder = await session.record(symbols, args.out)
        try:
            await asyncio.sleep(args.minutes * 60)  # the recording's length (not a synchronisation)
        finally:
            stats = await recorder.stop()
    finally:
        await session.close()
    return (f"recorded {stats.frames} frames, {stats.snapshots} snapshots, {stats.gaps} gaps, {stats.dropped} "
            f"dropped into {args.out}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    providers, symbols = set(), []
    for target in args.targets:
        provider, sep, symbol = target.partition(":")
        if not sep or not provider or not symbol:
            print(f"{PROG}: error: {target!r}: expected PROVIDER:SYMBOL, e.g. binance:BTCUSDT", file=sys.stderr)
            return 2
        providers.add(provider.strip().lower())
        symbols.append(symbol.strip().upper())
    if len(providers) != 1:
        print(f"{PROG}: error: one provider per recording, got {', '.join(sorted(providers))}", file=sys.stderr)
        return 2
    try:
        print(asyncio.run(_record(providers.pop(), symbols, args)), flush=True)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback
        print(f"{PROG}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0

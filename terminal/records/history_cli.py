"""``trading-terminal data download|list|delete``: the kline history cache (``market.history_cache``) from the shell.

    trading-terminal data download binance:BTCUSDT 1m --from 2025-01-01 [--to 2025-06-30] [--env sandbox]
    trading-terminal data list
    trading-terminal data delete binance:BTCUSDT [1m] [--env sandbox]

``download`` asks the embedded sandbox by default (``--env testnet|live`` for Binance's, ``--sandbox-url`` for a
sandbox already running); run again, it fetches only what is not cached (an interrupted download resumes after its
last page). The caches are ``history-<provider>-<env>.sqlite`` in the data dir; ``backtest``/``optimize`` read them with
``--data binance-sandbox:BTCUSDT:1m:2025-01-01..2025-06-30`` (or ``binance:...`` when it has one cache).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, Sequence

from ..market.history import to_ms
from ..market.history_cache import HistoryCache, cache_files, cache_path
from ..model import Bar, Interval
from .cli import UsageError, _Parser
from .tables import iso


def _target(text: str) -> tuple[str, str]:
    provider, sep, symbol = text.partition(":")
    if not sep or not provider or not symbol:
        raise UsageError(f"{text!r}: expected PROVIDER:SYMBOL, e.g. binance:BTCUSDT")
    return provider.strip().lower(), symbol.strip().upper()


def _interval(text: str) -> Interval:
    try:
        return Interval(text)
    except ValueError:
        raise UsageError(f"unknown interval {text!r} (e.g. 1m, 5m, 1h, 1d)") from None


def _parser() -> _Parser:
    p = _Parser(prog="trading-terminal data", description="The kline history cache.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    dl = sub.add_parser("download", help="download (or extend) cached klines")
    dl.add_argument("target", help="PROVIDER:SYMBOL, e.g. binance:BTCUSDT")
    dl.add_argument("interval", help="1m, 5m, 1h, 1d...")
    dl.add_argument("--from", dest="start", required=True, help="first day (or time), UTC")
    dl.add_argument("--to", dest="end", help="last day (or time), UTC (default: now)")
    dl.add_argument("--env", default=None, help="environment (default: the provider's, Binance: sandbox)")
    dl.add_argument("--sandbox-url", help="a sandbox exchange already running (instead of an embedded one)")
    dl.add_argument("--data-dir", help="where the caches are (default: the user data dir)")
    ls = sub.add_parser("list", help="what is cached, per venue, symbol and interval, with sizes")
    ls.add_argument("--data-dir")
    rm = sub.add_parser("delete", help="forget cached klines")
    rm.add_argument("target", help="PROVIDER:SYMBOL")
    rm.add_argument("interval", nargs="?", help="one interval only")
    rm.add_argument("--env", default=None)
    rm.add_argument("--data-dir")
    return p


def _base(args: argparse.Namespace) -> Path:
    from ..storage.settings import data_dir
    return Path(args.data_dir) if args.data_dir else data_dir()


class _Bar:
    """A one-line progress bar on stderr (only on a terminal: pipes and logs get the final line alone)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            filled = 30 * done // max(total, 1)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} bars")
            sys.stderr.flush()

    def end(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


async def _download(args: argparse.Namespace) -> int:
    import terminal
    provider, symbol = _target(args.target)
    interval = _interval(args.interval)
    start_ms, end_ms = to_ms(args.start, "--from"), to_ms(args.end, "--to")
    assert start_ms is not None
    options: dict[str, Any] = {"sandbox_url": args.sandbox_url} if args.sandbox_url else {}
    session = await terminal.connect(provider, env=args.env, history_cache=False, **options)
    try:
        if symbol not in session.instruments:
            raise UsageError(f"{symbol} is not a symbol of {provider} {session.env}")
        now = session.venue.now_ms()
        last_closed = now - now % interval.ms - interval.ms
        end = last_closed if end_ms is None else min(end_ms, last_closed)
        if end < start_ms:
            raise UsageError("nothing to download: --to is before --from (or the range has no closed bar yet)")
        path = cache_path(session.provider, session.env, _base(args))

        async def fetch(sym: str, iv: Interval, a: int, b: int, n: int) -> list[Bar]:
            return await session.oms.retrying(lambda: session.venue.klines(sym, iv, a, b, n))

        progress = _Bar()
        with HistoryCache(path) as cache:
            try:
                written = await cache.download(fetch, symbol, interval, start_ms, end, progress)
            finally:
                progress.end()
            span = cache.span(symbol, interval)
        held = f"{span[2]} bars {iso(span[0])} .. {iso(span[1])}" if span else "no bars"
        print(f"{session.provider}-{session.env}:{symbol} {interval.value}: {written} bars downloaded; cached: {held}")
        return 0
    finally:
        await session.close()


def _list(args: argparse.Namespace) -> int:
    files = cache_files(_base(args))
    if not files:
        print("no cached history")
        return 0
    for name, path in files.items():
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        print(f"{name}  ({size / 1e6:.1f} MB, {path})")
        with HistoryCache(path) as cache:
            for s in cache.series():
                held = f"{iso(s.first_ms)} .. {iso(s.last_ms)}" if s.first_ms is not None and s.last_ms else "-"
                print(f"  {s.symbol:<12} {s.interval.value:>4} {s.count:>10} bars  {held}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    provider, symbol = _target(args.target)
    interval = _interval(args.interval) if args.interval else None
    files = cache_files(_base(args))
    names = [f"{provider}-{args.env}"] if args.env else [n for n in files if n.startswith(provider + "-")]
    names = [n for n in names if n in files]
    if not names:
        raise UsageError(f"no cached history for {provider}{' ' + args.env if args.env else ''}")
    total = 0
    for name in names:
        with HistoryCache(files[name]) as cache:
            total += cache.delete(symbol, interval)
    print(f"deleted {total} bars of {symbol}{' ' + interval.value if interval else ''} ({', '.join(names)})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    prog = "trading-terminal data"
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command == "download":
            return asyncio.run(_download(args))
        return _list(args) if args.command == "list" else _delete(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    except (UsageError, ValueError, OSError) as exc:
        print(f"{prog}: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted (run it again to resume)", file=sys.stderr)
        return 130

"""``trading-terminal export fills|orders|transfers|statement``: records from the journal files in the data dir.

    trading-terminal export fills --venue binance --from 2026-01-01 --to 2026-12-31 --out fills.csv
    trading-terminal export transfers --venue binance --from 2026-01-01 --out deposits.csv
    trading-terminal export orders --venue binance --env testnet --from 2026-01-01 --out orders.xlsx
    trading-terminal export statement --venue binance --from 2026-06-01 --to 2026-06-30 --out june.csv \\
        [--capital USDT=10000] [--plot equity.png]

The journal of a venue and environment is the one the window and ``terminal.connect`` write
(``journal-<env>.sqlite3`` for Binance, ``journal-<provider>-<env>.sqlite3`` otherwise); without ``--env`` the venue's
only journal is used. Bad input: one line on stderr, exit 2.
"""
from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Sequence

from ..storage.journal import Journal
from .export import ExportError, can_plot, export_fills, export_orders, export_statement
from .tables import journal_path
from .transfers import export_transfers


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def journals(provider: str, data_dir: Path) -> dict[str, Path]:
    """env -> journal file of ``provider`` in ``data_dir``."""
    out = {}
    for path in sorted(data_dir.glob("journal-*.sqlite3")):
        name = path.name[len("journal-"):-len(".sqlite3")]
        if provider == "binance" and "-" not in name:
            out[name] = path
        elif name.startswith(provider + "-"):
            out[name[len(provider) + 1:]] = path
    return out


def find_journal(provider: str, env: str | None, data_dir: Path) -> tuple[str, Path]:
    if env is not None:
        path = journal_path(provider, env, data_dir)
        if not path.exists():
            raise UsageError(f"no journal for {provider} {env} in {data_dir} ({path.name})")
        return env, path
    found = journals(provider, data_dir)
    if not found:
        raise UsageError(f"no journal for {provider} in {data_dir}")
    if len(found) > 1:
        raise UsageError(f"{provider} has journals for several environments ({', '.join(found)}): pick one with --env")
    return next(iter(found.items()))


def _capital(specs: list[str]) -> dict[str, Decimal]:
    out = {}
    for spec in specs:
        asset, sep, amount = spec.partition("=")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            value = Decimal("NaN")
        if not sep or not asset or not value.is_finite() or value < 0:
            raise UsageError(f"--capital {spec!r}: expected ASSET=AMOUNT, e.g. USDT=10000")
        out[asset.strip().upper()] = value
    return out


def _parser() -> _Parser:
    p = _Parser(prog="trading-terminal export", description="Export records from the order journal.")
    p.add_argument("what", choices=("fills", "orders", "transfers", "statement"))
    p.add_argument("--venue", default="binance", help="provider (default binance)")
    p.add_argument("--env", help="environment (sandbox, testnet, live...); default: the venue's only journal")
    p.add_argument("--from", dest="start", help="first day (or time), UTC")
    p.add_argument("--to", dest="end", help="last day (or time), UTC; a date includes the whole day")
    p.add_argument("--out", required=True, help="FILE.csv or FILE.xlsx")
    p.add_argument("--symbol", help="one symbol only (transfers: one asset)")
    p.add_argument("--data-dir", help="where the journals are (default: the user data dir)")
    p.add_argument("--capital", action="append", default=[], metavar="ASSET=AMOUNT",
                   help="statement: what the account held before the first fill (repeat per quote asset)")
    p.add_argument("--plot", help="statement: also write the equity curve to this PNG (needs matplotlib)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    prog = "trading-terminal export"
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        from ..storage.settings import data_dir as default_data_dir
        base = Path(args.data_dir) if args.data_dir else default_data_dir()
        provider = args.venue.strip().lower()
        env, path = find_journal(provider, args.env, base)
        venue = f"{provider}-{env}"
        symbol = args.symbol.upper() if args.symbol else None
        journal = Journal(path)
        try:
            if args.what == "fills":
                n = export_fills(journal, venue, args.start, args.end, args.out, symbol=symbol)
            elif args.what == "orders":
                n = export_orders(journal, venue, args.start, args.end, args.out, symbol=symbol)
            elif args.what == "transfers":  # deposits and withdrawals (--symbol: of one asset)
                n = export_transfers(journal, venue, args.start, args.end, args.out, asset=symbol)
            else:
                rows = export_statement(journal, args.start, args.end, args.out, symbol=symbol,
                                        capital=_capital(args.capital), plot=args.plot)
                n = len(rows)
                if args.plot and not can_plot():
                    print(f"{prog}: note: matplotlib is not installed; no plot written", file=sys.stderr)
        finally:
            journal.close()
        print(f"{n} {args.what if args.what != 'statement' else 'statement rows'} of {venue} -> {args.out}")
        return 0
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except (UsageError, ExportError, OSError) as exc:
        print(f"{prog}: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2

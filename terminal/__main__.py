"""``trading-terminal`` / ``python -m terminal``: the app, the sandbox server, backtests and optimisation."""
from __future__ import annotations

import sys

DISTRIBUTION = "trading-terminal"

#: command -> one line of help; "app" is the default when the first argument is an option or absent
COMMANDS = {
    "app": "the desktop window, connected to an embedded sandbox exchange unless told otherwise (the default)",
    "sandbox": "run a loopback paper server on its own, for your bots (--venue binance|ib|kite|finnhub|truedata)",
    "backtest": "backtest a strategy on the bars of a CSV file or cached history (statistics, trades; --json)",
    "optimize": "search a strategy's parameters on a CSV file or cached history (grid, random or halving; "
                "walk-forward)",
    "export": "orders, fills (fees, realised P&L) or a daily statement from the journal as CSV/XLSX (export --help)",
    "data": "the kline history cache: data download binance:BTCUSDT 1m --from 2025-01-01, data list, data delete",
    "record": "record raw market frames of symbols into daily files: record binance:BTCUSDT --minutes 2 --out DIR",
    "parity": "a strategy backtested vs run live on the sandbox replaying the same bars: an HTML report (parity --help)",
    "audit": "verify the audit trail's hash chain (audit verify [--file F]) or export it (audit export --out x.csv)",
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: trading-terminal [COMMAND] [OPTIONS]", "", "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "'trading-terminal --version' prints the version; 'trading-terminal COMMAND --help' lists a command's",
              "options ('trading-terminal app --help' the window's)."]
    return "\n".join(lines)


def print_version() -> int:
    """``--version``: the installed package's version (its metadata, also bundled in the frozen app)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        print(f"{DISTRIBUTION} {version(DISTRIBUTION)}")
    except PackageNotFoundError:
        print(f"{DISTRIBUTION}: version unknown (the package is not installed)", file=sys.stderr)
        return 1
    return 0


#: the paper servers ``trading-terminal sandbox --venue NAME`` runs (each speaks its provider's wire protocol)
SANDBOX_VENUES = ("binance", "ib", "kite", "finnhub", "truedata")


def _sandbox_venue(args: list[str]) -> tuple[str | None, list[str]]:
    """``--venue NAME`` (or ``--venue=NAME``) taken out of the sandbox's options; ``binance`` when absent."""
    out: list[str] = []
    venue = "binance"
    it = iter(args)
    for arg in it:
        if arg == "--venue" or arg.startswith("--venue="):
            value = arg.partition("=")[2] if "=" in arg else next(it, "")
            venue = value.strip().lower()
        else:
            out.append(arg)
    if venue not in SANDBOX_VENUES:
        print(f"trading-terminal sandbox: error: --venue must be one of {', '.join(SANDBOX_VENUES)}, got {venue!r}",
              file=sys.stderr)
        return None, out
    return venue, out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        print(usage())
        return 0
    command = args[0] if args and not args[0].startswith("-") else "app"
    rest = args[1:] if args[:1] == [command] else args
    if command == "app" and "--version" in args:
        return print_version()
    if command == "sandbox":
        venue, rest = _sandbox_venue(rest)
        if venue is None:
            return 2
        if venue != "binance":
            import importlib
            server_cli = importlib.import_module(f".servers.{venue}.cli", __package__)
            return int(server_cli.main(rest) or 0)
        from .venues.sandbox.cli import main as run_sandbox
        return int(run_sandbox(rest) or 0)
    if command == "export":
        from .records.cli import main as run_export
        return int(run_export(rest) or 0)
    if command == "data":
        from .records.history_cli import main as run_data
        return int(run_data(rest) or 0)
    if command == "record":
        from .records.feed.cli import main as run_record
        return int(run_record(rest) or 0)
    if command == "parity":
        from .records.parity_cli import main as run_parity
        return int(run_parity(rest) or 0)
    if command == "audit":
        from .storage.audit import main as run_audit
        return int(run_audit(rest) or 0)
    if command in ("backtest", "optimize"):
        from .backtest.cli import main as run_bt
        return int(run_bt([command, *rest]) or 0)
    elif command == "app":
        import gc
        # the window's start-up makes many objects and frees few: the cyclic collector would scan them over and over
        # (about a tenth of the CPU time to the first paint); ui.app.main() turns it back on after the first paint
        gc.disable()
        from .ui.app import main as run
    else:
        print(f"trading-terminal: unknown command {command!r}\n{usage()}", file=sys.stderr)
        return 2
    return int(run(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())

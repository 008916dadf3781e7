"""``trading-terminal`` / ``python -m terminal``: the app, the sandbox server, backtests and optimisation."""
from __future__ import annotations

import sys

DISTRIBUTION = "trading-terminal"


def print_version() -> int:
    """``--version``: the installed package's version (its metadata, also bundled in the frozen app)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        print(f"{DISTRIBUTION} {version(DISTRIBUTION)}")
    except PackageNotFoundError:
        print(f"{DISTRIBUTION}: version unknown (the package is not installed)", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and not args[0].startswith("-") else "app"
    rest = args[1:] if command != "app" else args
    if command == "app" and "--version" in args:
        return print_version()
    if command == "sandbox":
        from .venues.sandbox.cli import main as run
    elif command in ("backtest", "optimize"):
        from .backtest.cli import main as run_bt
        return int(run_bt([command, *rest]) or 0)
    elif command == "app":
        from .ui.app import main as run
    else:
        print(f"trading-terminal: unknown command {command!r}; use: [app] | sandbox | backtest | optimize",
              file=sys.stderr)
        return 2
    return int(run(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())

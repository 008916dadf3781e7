"""``trading-terminal sandbox --venue ib [--host 127.0.0.1] [--port 7497] [--seed S] [--always-open]``: the IB paper
server alone, for ib_async scripts and the terminal. Every error is one line on stderr and exit status 2 (a bad
option, a port out of range or in use). SIGTERM, SIGHUP and Ctrl-C stop it cleanly ("ib paper server stopped")."""
from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from types import FrameType

from .server import PaperServer


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """A usage error in one line."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535; 0 picks a free one)")
    return port


def _error(host: str, port: int, exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use (is TWS or IB Gateway running? choose another --port)"
    if isinstance(exc, OSError) and exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} (ports below 1024 need privileges; choose another --port)"
    if isinstance(exc, OSError) and exc.errno in (errno.EADDRNOTAVAIL, -2, -3, -5):
        return f"cannot listen on {host} (not an address of this machine)"
    return f"cannot start on {host}:{port}: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="trading-terminal sandbox --venue ib",
                     description="IB paper server: the TWS API socket protocol (as TWS / IB Gateway) over a simulated "
                                 "market: US stocks, ES futures, SPX, EUR.USD.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port, default=7497, help="API port (TWS paper: 7497; 0 picks a free one)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--always-open", action="store_true", help="a moving market at any hour (else US hours)")
    args = parser.parse_args(argv)
    server = PaperServer(args.host, args.port, always_open=args.always_open, seed=args.seed)
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001 - one line for the user
        print(f"trading-terminal sandbox --venue ib: error: {_error(args.host, args.port, exc)}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    names = ("SIGINT", "SIGTERM", "SIGHUP")
    for sig in [getattr(signal, n) for n in names if hasattr(signal, n)]:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, on_signal)
    print(f"IB paper server (TWS API, server version 157) on {server.host}:{server.port}\n"
          f"  account    {server.account}\n"
          f"  ib_async   IB().connect('{server.host}', {server.port}, clientId=1)\n"
          f"  terminal   terminal.connect('ib', host='{server.host}', port={server.port}, client_id=1)\n"
          f"  market     {'always open' if args.always_open else 'US hours (ET)'}\n"
          "Ctrl-C stops it.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        print("ib paper server stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``trading-terminal sandbox --venue finnhub [--host 127.0.0.1] [--port N] [--seed S]``: the Finnhub paper server on
its own. Point finnhub-python at it (``client.API_URL = "<REST>"``) with the printed token. Errors are one line on
stderr and exit status 2; SIGTERM, SIGHUP and Ctrl-C stop it cleanly (exit 0)."""
from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import sys

from .server import PaperServer

PROG = "trading-terminal sandbox --venue finnhub"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535; 0 picks a free one)")
    return port


def _error(host: str, port: int, exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use (choose another --port; 0 picks a free one)"
    if isinstance(exc, OSError) and exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} (choose another --port)"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog=PROG, description="Run the loopback Finnhub-compatible market-data server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1 only)")
    parser.add_argument("--port", type=_port, default=8770, help="port (0 picks a free one; default 8770)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the simulated market and news")
    parser.add_argument("--always-open", action="store_true", help="US stocks trade at any time (demos)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = PaperServer(args.host, args.port, seed=args.seed, always_open=args.always_open)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
                try:
                    loop.add_signal_handler(sig, stop.set)
                except (NotImplementedError, RuntimeError):
                    pass
        await server.start_async()
        try:
            print(f"Finnhub paper server running\n  REST:      {server.url}\n  WebSocket: {server.ws_url}/?token=...\n"
                  f"  token:     {server.builtin_credentials()['token']}\nCtrl-C to stop.", flush=True)
            await stop.wait()
        finally:
            await server.stop_async()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    except (ValueError, OSError) as exc:
        print(f"{PROG}: {_error(args.host, args.port, exc)}", file=sys.stderr)
        return 2
    print("finnhub paper server stopped", flush=True)
    return 0

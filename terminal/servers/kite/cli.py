"""``trading-terminal sandbox --venue kite``: the Kite paper server on its own, until SIGTERM/SIGINT/SIGHUP.

It prints the REST root (``KiteConnect(api_key, root=...)``), the ticker URL (``KiteTicker(..., root=...)``), the
login page and the test app's api_key and secret. Every error is one line on stderr and exit status 2 (a bad option,
a port out of range or in use).
"""
from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import sys

from .auth import DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_REDIRECT
from .server import PaperServer

PROG = "trading-terminal sandbox --venue kite"


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
        return f"no permission to listen on port {port} (ports below 1024 need privileges; choose another --port)"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _stop_signals() -> list[signal.Signals]:
    sigs = [getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)]
    return [s for s in sigs if signal.getsignal(s) is not signal.SIG_IGN]


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog=PROG, description="Run the loopback Kite Connect-compatible paper server (REST, login "
                                            "page, binary ticker) over a simulated NSE/NFO/MCX market.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1 only)")
    parser.add_argument("--port", type=_port, default=8089, help="port (0 picks a free one; default 8089)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the simulated market")
    parser.add_argument("--always-open", action="store_true", help="a moving market at any hour (else IST hours)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = PaperServer(args.host, args.port, always_open=args.always_open, seed=args.seed)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in _stop_signals():
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        await server.start_async()
        try:
            print(f"Kite paper server running\n  REST root:  {server.url}   (KiteConnect(api_key, root=...))\n"
                  f"  ticker:     {server.ticker_url}   (KiteTicker(api_key, access_token, root=...))\n"
                  f"  login page: {server.login_url()}\n"
                  f"  api_key:    {DEFAULT_API_KEY}\n  api_secret: {DEFAULT_API_SECRET}\n"
                  f"  redirect:   {DEFAULT_REDIRECT}\n"
                  f"  hours:      {'always open' if args.always_open else 'NSE/NFO 09:15-15:30, MCX 09:00-23:30 IST'}\n"
                  "Ctrl-C to stop.", flush=True)
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
    print("sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``trading-terminal sandbox [--host 127.0.0.1] [--port N] [--seed S] [--replay SYMBOL=FILE.csv]
[--replay-history FRACTION] [--replay-feed DIR [--speed 1|10|max]]``.

Every error is one line on stderr and exit status 2 (a bad option, a port out of range or in use, a bad replay file).
The server stops cleanly (sockets closed, "sandbox stopped", exit 0) on SIGTERM, SIGHUP and Ctrl-C. A signal that
was ignored when the command started stays ignored (a background job of a script ignores Ctrl-C), so a supervisor
stops it with SIGTERM, which always works.
"""
from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import sys

from .server import SandboxServer

PROG = "trading-terminal sandbox"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """A usage error in one line (argparse would print the whole usage first)."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535; 0 picks a free one)")
    return port


def _parse_replay(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        symbol, sep, path = item.partition("=")
        if not sep or not symbol or not path:
            raise argparse.ArgumentTypeError(f"--replay expects SYMBOL=FILE.csv, got {item!r}")
        out[symbol.upper()] = path
    return out


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction above 0 and at most 1")
    return value


def _speed(text: str) -> float | None:
    if text.strip().lower() == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a speed (a positive number such as 1 or 10, or max)") from None
    if not speed > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a speed (a positive number such as 1 or 10, or max)")
    return speed


def _stop_signals() -> list[signal.Signals]:
    """The signals that stop the server: those not ignored at start (SIGHUP does not exist on Windows)."""
    names = ("SIGINT", "SIGTERM", "SIGHUP")
    sigs = [getattr(signal, n) for n in names if hasattr(signal, n)]
    return [s for s in sigs if signal.getsignal(s) is not signal.SIG_IGN]


def _error(host: str, port: int, exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use (stop what uses it, or choose another --port; 0 picks a free one)"
    if isinstance(exc, OSError) and exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} (ports below 1024 need privileges; choose another --port)"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog=PROG, description="Run the loopback Binance-compatible sandbox exchange.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1 only)")
    parser.add_argument("--port", type=_port, default=8765, help="port (0 picks a free one; default 8765)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the simulated market")
    parser.add_argument("--replay", action="append", default=[], metavar="SYMBOL=FILE.csv",
                        help="replay trades of SYMBOL from a CSV file (repeatable)")
    parser.add_argument("--replay-history", type=_fraction, default=0.5, metavar="FRACTION",
                        help="share of each --replay file served as past klines (default 0.5; 1: all of it, e.g. "
                             "for a parity run; the rest drives the live price)")
    parser.add_argument("--replay-feed", metavar="DIR", default=None,
                        help="serve a recorded feed (trading-terminal record) on the market streams, from the first "
                             "subscription to a recorded stream on")
    parser.add_argument("--speed", type=_speed, default=1.0, metavar="1|10|max",
                        help="pace of --replay-feed: a multiple of the recorded pace, or max (as fast as the clients "
                             "take it)")
    args = parser.parse_args(argv)
    try:
        replay = _parse_replay(args.replay)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server = SandboxServer(host=args.host, port=args.port, seed=args.seed, replay=replay or None,
                               replay_feed=args.replay_feed, replay_feed_speed=args.speed,
                               replay_history_fraction=args.replay_history)
    except (ValueError, OSError) as exc:
        print(f"{PROG}: {_error(args.host, args.port, exc)}", file=sys.stderr)
        return 2

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in _stop_signals():
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C arrives as KeyboardInterrupt
                pass
        await server.start_async()
        try:
            print(f"Sandbox exchange running\n  REST:    {server.url}/api/v3/\n  streams: {server.ws_url}/ws  "
                  f"{server.ws_url}/stream\n  WS API:  {server.ws_url}/ws-api/v3\n  admin:   {server.url}/sandbox/health\n"
                  f"  API key: {server.default_api_key}\n  secret:  {server.default_api_secret}\nCtrl-C to stop.",
                  flush=True)
            await stop.wait()
        finally:
            await server.stop_async()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    except (ValueError, OSError) as exc:  # a bad replay file, a port in use
        print(f"{PROG}: {_error(args.host, args.port, exc)}", file=sys.stderr)
        return 2
    print("sandbox stopped", flush=True)
    return 0

"""``trading-terminal sandbox [--host 127.0.0.1] [--port N] [--seed S] [--replay SYMBOL=FILE.csv]
[--replay-history FRACTION] [--replay-feed DIR [--speed 1|10|max]]``.

Every error is one line on stderr and exit status 2 (a bad option, a port out of range or in use, a bad replay file).
The server stops cleanly (sockets closed, "sandbox stopped", exit 0) on SIGTERM, SIGHUP and Ctrl-C. A signal that
was ignored when the command started stays ignored (a background job of a script ignores Ctrl-C), so a supervisor
stops it with SIGTERM, which always works.
"""
from __future__ import annotations

import argparse
import logging
import sys

from terminal.serving import cli

from .server import SandboxServer

PROG = "trading-terminal sandbox"
IN_USE_HINT = "stop what uses it, or choose another --port; 0 picks a free one"


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


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser(PROG, "Run the loopback Binance-compatible sandbox exchange.")
    cli.add_endpoint(parser, 8765)
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
    except (ValueError, OSError) as exc:  # a bad replay file or feed
        print(f"{PROG}: error: {cli.error_text(args.host, args.port, exc, IN_USE_HINT)}", file=sys.stderr)
        return 2

    def banner() -> str:
        return (f"Sandbox exchange running\n  REST:    {server.url}/api/v3/\n  streams: {server.ws_url}/ws  "
                f"{server.ws_url}/stream\n  WS API:  {server.ws_url}/ws-api/v3\n  admin:   {server.url}/sandbox/health\n"
                f"  API key: {server.default_api_key}\n  secret:  {server.default_api_secret}\nCtrl-C to stop.")
    return cli.serve(server, PROG, banner, "sandbox stopped", in_use_hint=IN_USE_HINT)

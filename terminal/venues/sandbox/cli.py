"""``trading-terminal sandbox [--host 127.0.0.1] [--port N] [--seed S] [--replay SYMBOL=FILE.csv]``."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .server import SandboxServer


def _parse_replay(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        symbol, sep, path = item.partition("=")
        if not sep or not symbol or not path:
            raise argparse.ArgumentTypeError(f"--replay expects SYMBOL=FILE.csv, got {item!r}")
        out[symbol.upper()] = path
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trading-terminal sandbox",
                                     description="Run the loopback Binance-compatible sandbox exchange.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the simulated market")
    parser.add_argument("--replay", action="append", default=[], metavar="SYMBOL=FILE.csv",
                        help="replay trades of SYMBOL from a CSV file (repeatable)")
    args = parser.parse_args(argv)
    try:
        replay = _parse_replay(args.replay)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server = SandboxServer(host=args.host, port=args.port, seed=args.seed, replay=replay or None)
    except (ValueError, OSError) as exc:
        print(f"trading-terminal sandbox: {exc}", file=sys.stderr)
        return 2

    async def run() -> None:
        await server.start_async()
        print(f"Sandbox exchange running\n  REST:    {server.url}/api/v3/\n  streams: {server.ws_url}/ws  "
              f"{server.ws_url}/stream\n  WS API:  {server.ws_url}/ws-api/v3\n  admin:   {server.url}/sandbox/health\n"
              f"  API key: {server.default_api_key}\n  secret:  {server.default_api_secret}\nCtrl-C to stop.",
              flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop_async()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        print("sandbox stopped", flush=True)
    except (ValueError, OSError) as exc:  # a bad replay file, a port in use
        print(f"trading-terminal sandbox: {exc}", file=sys.stderr)
        return 2
    return 0

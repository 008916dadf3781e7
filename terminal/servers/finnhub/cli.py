"""``trading-terminal sandbox --venue finnhub [--host 127.0.0.1] [--port N] [--seed S]``: the Finnhub paper server on
its own. Point finnhub-python at it (``client.API_URL = "<REST>"``) with the printed token. Errors are one line on
stderr and exit status 2; SIGTERM, SIGHUP and Ctrl-C stop it cleanly (exit 0)."""
from __future__ import annotations

import logging

from terminal.serving import cli

from .server import PaperServer

PROG = "trading-terminal sandbox --venue finnhub"


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser(PROG, "Run the loopback Finnhub-compatible market-data server.")
    cli.add_endpoint(parser, 8770, seed_help="random seed of the simulated market and news")
    parser.add_argument("--always-open", action="store_true", help="US stocks trade at any time (demos)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = PaperServer(args.host, args.port, seed=args.seed, always_open=args.always_open)

    def banner() -> str:
        return (f"Finnhub paper server running\n  REST:      {server.url}\n  WebSocket: {server.ws_url}/?token=...\n"
                f"  token:     {server.builtin_credentials()['token']}\nCtrl-C to stop.")
    return cli.serve(server, PROG, banner, "finnhub paper server stopped")

"""``trading-terminal sandbox --venue kite``: the Kite paper server on its own, until SIGTERM/SIGINT/SIGHUP.

It prints the REST root (``KiteConnect(api_key, root=...)``), the ticker URL (``KiteTicker(..., root=...)``), the
login page and the test app's api_key and secret. Every error is one line on stderr and exit status 2 (a bad option,
a port out of range or in use).
"""
from __future__ import annotations

import logging

from terminal.serving import cli

from .auth import DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_REDIRECT
from .server import PaperServer

PROG = "trading-terminal sandbox --venue kite"


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser(PROG, "Run the loopback Kite Connect-compatible paper server (REST, login page, binary "
                              "ticker) over a simulated NSE/NFO/MCX market.")
    cli.add_endpoint(parser, 8089)
    parser.add_argument("--always-open", action="store_true", help="a moving market at any hour (else IST hours)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = PaperServer(args.host, args.port, always_open=args.always_open, seed=args.seed)

    def banner() -> str:
        return (f"Kite paper server running\n  REST root:  {server.url}   (KiteConnect(api_key, root=...))\n"
                f"  ticker:     {server.ticker_url}   (KiteTicker(api_key, access_token, root=...))\n"
                f"  login page: {server.login_url()}\n"
                f"  api_key:    {DEFAULT_API_KEY}\n  api_secret: {DEFAULT_API_SECRET}\n"
                f"  redirect:   {DEFAULT_REDIRECT}\n"
                f"  hours:      {'always open' if args.always_open else 'NSE/NFO 09:15-15:30, MCX 09:00-23:30 IST'}\n"
                "Ctrl-C to stop.")
    return cli.serve(server, PROG, banner, "sandbox stopped")


if __name__ == "__main__":
    raise SystemExit(main())

"""``trading-terminal sandbox --venue ib [--host 127.0.0.1] [--port 7497] [--seed S] [--always-open]``: the IB paper
server alone, for ib_async scripts and the terminal. Every error is one line on stderr and exit status 2 (a bad
option, a port out of range or in use). SIGTERM, SIGHUP and Ctrl-C stop it cleanly ("ib paper server stopped")."""
from __future__ import annotations

from terminal.serving import cli

from .server import PaperServer

PROG = "trading-terminal sandbox --venue ib"


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser(PROG, "IB paper server: the TWS API socket protocol (as TWS / IB Gateway) over a simulated "
                              "market: US stocks, ES futures, SPX, EUR.USD.")
    cli.add_endpoint(parser, 7497, port_help="API port (TWS paper: 7497; 0 picks a free one)")
    parser.add_argument("--always-open", action="store_true", help="a moving market at any hour (else US hours)")
    args = parser.parse_args(argv)
    server = PaperServer(args.host, args.port, always_open=args.always_open, seed=args.seed)

    def banner() -> str:
        return (f"IB paper server (TWS API, server version 157) on {server.host}:{server.port}\n"
                f"  account    {server.account}\n"
                f"  ib_async   IB().connect('{server.host}', {server.port}, clientId=1)\n"
                f"  terminal   terminal.connect('ib', host='{server.host}', port={server.port}, client_id=1)\n"
                f"  market     {'always open' if args.always_open else 'US hours (ET)'}\n"
                "Ctrl-C stops it.")
    return cli.serve(server, PROG, banner, "ib paper server stopped",
                     in_use_hint="is TWS or IB Gateway running? choose another --port")


if __name__ == "__main__":
    raise SystemExit(main())

"""``trading-terminal sandbox --venue truedata``: the TrueData paper server on its own, until SIGTERM/SIGINT/SIGHUP.
Every error is one line on stderr and exit status 2 (a bad option, a port out of range or in use)."""
from __future__ import annotations

from terminal.serving import cli

from .server import PaperServer

PROG = "trading-terminal sandbox --venue truedata"


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser(PROG, "TrueData paper server: real-time WebSocket and history REST over a simulated NSE "
                              "market (stocks, NIFTY 50/NIFTY BANK, futures).")
    cli.add_endpoint(parser, 8086, port_help="port of the WebSocket and REST APIs (0: any free one)")
    parser.add_argument("--always-open", action="store_true", help="a moving market at any hour (else NSE hours, IST)")
    parser.add_argument("--heartbeat", type=float, default=5.0, help="seconds between heartbeats")
    args = parser.parse_args(argv)
    server = PaperServer(args.host, args.port, always_open=args.always_open, seed=args.seed,
                         heartbeat_s=args.heartbeat)

    def banner() -> str:
        creds, options = server.builtin_credentials(), server.adapter_options()
        return (f"TrueData paper server\n  real-time  {options['ws_url']}?user={creds['username']}&password=<password>\n"
                f"  history    {options['history_url']} (token: POST {options['auth_url']})\n"
                f"  login      {creds['username']} / {creds['password']}\n"
                f"  connect    terminal.connect('truedata', ws_url=..., history_url=..., auth_url=..., api_url=...)\n"
                "Ctrl-C (or SIGTERM) stops it.")
    return cli.serve(server, PROG, banner, "TrueData paper server stopped")


if __name__ == "__main__":
    raise SystemExit(main())

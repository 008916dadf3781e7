"""``trading-terminal sandbox --venue truedata``: the TrueData paper server on its own, until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import threading

from .server import PaperServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trading-terminal sandbox --venue truedata",
                                     description="TrueData paper server: real-time WebSocket and history REST over a "
                                                 "simulated NSE market (stocks, NIFTY 50/NIFTY BANK, futures).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8086, help="port of the WebSocket and REST APIs (0: any free one)")
    parser.add_argument("--always-open", action="store_true", help="a moving market at any hour (else NSE hours, IST)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--heartbeat", type=float, default=5.0, help="seconds between heartbeats")
    args = parser.parse_args(argv)
    server = PaperServer(args.host, args.port, always_open=args.always_open, seed=args.seed,
                         heartbeat_s=args.heartbeat)
    server.start()
    creds, options = server.builtin_credentials(), server.adapter_options()
    print(f"TrueData paper server\n  real-time  {options['ws_url']}?user={creds['username']}&password=<password>\n"
          f"  history    {options['history_url']} (token: POST {options['auth_url']})\n"
          f"  login      {creds['username']} / {creds['password']}\n"
          f"  connect    terminal.connect('truedata', ws_url=..., history_url=..., auth_url=..., api_url=...)\n"
          "Ctrl-C (or SIGTERM) stops it.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("TrueData paper server stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

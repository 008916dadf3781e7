"""Sandbox benchmarks: REST order round trip, WebSocket fan-out, engine orders/s.

    /work/venv/bin/python benchmarks/sandbox_bench.py [--orders 2000] [--seconds 3] [--rate 20000]

Clients are raw sockets on loopback threads that only count bytes (no JSON decoding), so the figures measure
the server. Each benchmark message has a fixed size, so messages = bytes / frame size.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import http.client
import os
import socket
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal.model.enums import OrderType, Side, TimeInForce  # noqa: E402
from terminal.venues.sandbox import SandboxServer  # noqa: E402
from terminal.venues.sandbox.fanout import dumps, text_frame  # noqa: E402
from terminal.venues.sandbox.ratelimit import Limits  # noqa: E402

BIG = Limits(weight_per_minute=10**9, orders_per_10s=10**9, orders_per_day=10**9)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def rest_round_trip(n: int, simulate: bool) -> None:
    server = SandboxServer(port=0, seed=1, limits=BIG, simulate=simulate)
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port)
        key, secret = server.default_api_key, server.default_api_secret.encode()
        place: list[float] = []
        cancel: list[float] = []
        for i in range(n):
            qs = urlencode({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                            "quantity": "0.001", "price": "30000.00", "newClientOrderId": f"b{i}",
                            "timestamp": int(time.time() * 1000)})
            sig = hmac.new(secret, qs.encode(), hashlib.sha256).hexdigest()
            t0 = time.perf_counter()
            conn.request("POST", f"/api/v3/order?{qs}&signature={sig}", headers={"X-MBX-APIKEY": key})
            resp = conn.getresponse()
            resp.read()
            place.append(time.perf_counter() - t0)
            assert resp.status == 200, resp.status
            qs = urlencode({"symbol": "BTCUSDT", "origClientOrderId": f"b{i}", "timestamp": int(time.time() * 1000)})
            sig = hmac.new(secret, qs.encode(), hashlib.sha256).hexdigest()
            t0 = time.perf_counter()
            conn.request("DELETE", f"/api/v3/order?{qs}&signature={sig}", headers={"X-MBX-APIKEY": key})
            resp = conn.getresponse()
            resp.read()
            cancel.append(time.perf_counter() - t0)
            assert resp.status == 200, resp.status
        label = "market simulator running" if simulate else "market simulator paused"
        print(f"[{label}]")
        print(f"REST POST /api/v3/order round trip ({n} orders, keep-alive): "
              f"p50 {statistics.median(place) * 1000:.2f} ms  p99 {pct(place, 0.99) * 1000:.2f} ms")
        print(f"REST DELETE /api/v3/order round trip:                        "
              f"p50 {statistics.median(cancel) * 1000:.2f} ms  p99 {pct(cancel, 0.99) * 1000:.2f} ms")
    finally:
        server.stop()


class RawClient(threading.Thread):
    """A WebSocket client that handshakes and then only counts received bytes."""

    def __init__(self, port: int, path: str) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(4096)
        assert b" 101 " in head.split(b"\r\n", 1)[0], head
        self.received = len(head.split(b"\r\n\r\n", 1)[1])
        self.closed = False

    def run(self) -> None:
        try:
            while True:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    break
                self.received += len(chunk)
        except OSError:
            pass
        self.closed = True


def fan_out(clients: int, seconds: float, rate: int) -> None:
    server = SandboxServer(port=0, seed=1, simulate=False)
    server.start()
    name = "bench@feed"
    try:
        subs = [RawClient(server.port, "/ws") for _ in range(clients)]
        payload = {"e": "trade", "E": 1795521585498, "s": "BTCUSDT", "t": 123456789, "p": "64000.61000000",
                   "q": "0.00880000", "T": 1795521585498, "m": False, "M": True}
        frame_size = len(text_frame(dumps(payload)))

        def subscribe() -> None:
            for conn in server.hub.connections:
                server.hub.subscribe(conn, name)
        server.call(subscribe)
        for c in subs:
            c.start()

        async def produce() -> int:
            loop = asyncio.get_running_loop()
            start = loop.time()
            sent = 0
            while True:
                elapsed = loop.time() - start
                if elapsed >= seconds:
                    return sent
                due = int(elapsed * rate) + 1
                while sent < due:
                    server.hub.publish(name, payload)
                    sent += 1
                await asyncio.sleep(0.001)

        fut = asyncio.run_coroutine_threadsafe(produce(), server._loop)  # noqa: SLF001
        t0 = time.perf_counter()
        sent = fut.result()
        produced_in = time.perf_counter() - t0
        deadline = time.monotonic() + 10
        expected = sent * frame_size
        while time.monotonic() < deadline and any(c.received < expected and not c.closed for c in subs):
            time.sleep(0.01)
        drained_in = time.perf_counter() - t0
        got = [c.received // frame_size for c in subs]
        dropped = sum(1 for conn in server.hub.connections if conn.dropped_slow) + sum(c.closed for c in subs)
        behind = sum(1 for g in got if g < sent)
        print(f"fan-out to {clients:2d} client(s): published {sent} msgs in {produced_in:.2f} s "
              f"({sent / produced_in:,.0f} msg/s offered), all delivered in {drained_in:.2f} s -> "
              f"{sent / drained_in:,.0f} msg/s per client, {sum(got) / drained_in:,.0f} frames/s total; "
              f"clients behind: {behind}, dropped: {dropped}")
        for c in subs:
            c.sock.close()
    finally:
        server.stop()


def engine_orders(n: int) -> None:
    from terminal.clock import LiveClock
    from terminal.sim.engine import Engine
    from terminal.sim.symbols import default_instruments
    engine = Engine(default_instruments(), LiveClock())
    engine.add_account("a", {"USDT": Decimal(10**12), "BTC": Decimal(10**6)})
    engine.add_account("b", {"USDT": Decimal(10**12), "BTC": Decimal(10**6)})
    qty, t0 = Decimal("0.001"), time.perf_counter()
    for i in range(n):
        price = Decimal(64000 + (i % 50))
        engine.place("a", "BTCUSDT", Side.SELL, OrderType.LIMIT, quantity=qty, price=price,
                     time_in_force=TimeInForce.GTC)
        engine.place("b", "BTCUSDT", Side.BUY, OrderType.MARKET, quantity=qty)
    dt = time.perf_counter() - t0
    print(f"engine: {2 * n / dt:,.0f} orders/s ({n} resting limits + {n} market orders filling them)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rate", type=int, default=20000)
    args = parser.parse_args()
    rest_round_trip(args.orders, simulate=True)
    rest_round_trip(args.orders, simulate=False)
    fan_out(1, args.seconds, args.rate)
    fan_out(20, args.seconds, args.rate)
    engine_orders(20000)


if __name__ == "__main__":
    main()

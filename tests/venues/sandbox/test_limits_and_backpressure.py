"""Order-count limits, listenKey expiry, and a slow WebSocket client dropped without stalling the others."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import socket

import websockets

from terminal.venues.sandbox import SandboxServer
from terminal.venues.sandbox.ratelimit import Limits

from .signer import SESSION, body, signed


def test_order_count_limit_gives_1015_and_headers_count_orders() -> None:
    server = SandboxServer(port=0, seed=5, limits=Limits(orders_per_10s=3), simulate=False)
    server.start()
    try:
        params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
                  "price": "10000.00"}
        counts = []
        for i in range(4):
            resp = signed(server, "POST", "/api/v3/order", {**params, "newClientOrderId": f"n{i}"})
            counts.append(resp.headers.get("X-MBX-ORDER-COUNT-10S") if resp.status_code == 200 else body(resp)["code"])
        # a 10 s window boundary may fall inside the burst: then the count restarts
        assert counts[:3] == ["1", "2", "3"] and counts[3] == -1015 or "1" in counts[1:]
    finally:
        server.stop()


async def test_listen_key_expiry_sends_listen_key_expired(fresh_sandbox) -> None:
    key = SESSION.post(fresh_sandbox.url + "/api/v3/userDataStream",
                       headers={"X-MBX-APIKEY": fresh_sandbox.default_api_key}).json()["listenKey"]
    async with websockets.connect(f"{fresh_sandbox.ws_url}/ws/{key}") as ws:
        def expire_now() -> None:
            fresh_sandbox.accounts._listen[key].expires_ms = 0  # noqa: SLF001 - fast-forward the key's life
            fresh_sandbox.users.expire_listen_keys()
        await asyncio.to_thread(fresh_sandbox.call, expire_now)
        event = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert event["e"] == "listenKeyExpired" and event["listenKey"] == key
    gone = SESSION.put(f"{fresh_sandbox.url}/api/v3/userDataStream?listenKey={key}",
                       headers={"X-MBX-APIKEY": fresh_sandbox.default_api_key})
    assert body(gone)["code"] == -1125


def _raw_ws(port: int, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert b" 101 " in head
    return sock


async def test_slow_client_is_dropped_and_fast_client_keeps_everything(fresh_sandbox) -> None:
    name = "ethusdt@trade"
    slow = _raw_ws(fresh_sandbox.port, f"/ws/{name}")   # never reads
    try:
        async with websockets.connect(f"{fresh_sandbox.ws_url}/ws/{name}", max_size=None) as fast:
            conns = fresh_sandbox.call(lambda: [c for c in fresh_sandbox.hub.connections if name in c.streams])
            assert len(conns) == 2
            payload = {"e": "trade", "pad": "x" * 60000}
            total = 400   # ~24 MB: far beyond the 8 MB backlog allowed to a client

            def publish(n: int) -> None:
                for _ in range(n):
                    fresh_sandbox.hub.publish(name, payload)

            got = 0
            for _ in range(total // 20):
                await asyncio.to_thread(fresh_sandbox.call, publish, 20)
                for _ in range(20):
                    msg = json.loads(await asyncio.wait_for(fast.recv(), 10))
                    got += msg["e"] == "trade"
            assert got == total
            assert sorted(fresh_sandbox.call(lambda: [c.dropped_slow for c in conns])) == [False, True]
    finally:
        slow.close()

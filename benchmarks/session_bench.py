"""Session benchmark: order round trips through the whole stack (risk checks, journal, signed request, merge, bus)
against the sandbox on loopback, next to raw requests to the same sandbox in the same run.

    .venv/bin/python benchmarks/session_bench.py [--orders 500] [--journal-file] [--sandbox process|thread]

Per round, interleaved so that load on the machine hits every path alike:
- raw ``http.client``: a signed POST /api/v3/order (LIMIT) and its DELETE on one keep-alive connection, no library;
- raw websocket: the same signed ``order.place`` and ``order.cancel`` over one ``websockets`` connection to the WS
  API (the floor for any WS path);
- the session with the WS API on (the default): place LIMIT (journal write + order.place + ack merged), cancel it,
  place MARKET (filled), and the time from sending the LIMIT order to its NEW report on the user stream;
- the adapter alone (``venue.submit``/``cancel_order`` over the WS API: no risk checks, journal or merge);
- the session with the WS API off (``ws_api_trading=False``): place and cancel over REST (``requests``).
Prints p50/p99 in milliseconds, the ratios of the p50s to the raw requests, and the load average.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import websockets  # noqa: E402

import terminal  # noqa: E402
from terminal.venues.sandbox import SandboxServer  # noqa: E402
from terminal.venues.sandbox.ratelimit import Limits  # noqa: E402

BIG = Limits(weight_per_minute=10**9, orders_per_10s=10**9, orders_per_day=10**9)
ROOT = Path(__file__).resolve().parents[1]
#: the sandbox in a process of its own (as an exchange is): sharing this process's GIL would charge its work to
#: whichever path happens to be waiting, and a waiting session runs its loop where blocking http.client sleeps
CHILD = """
import sys
from terminal.venues.sandbox import SandboxServer
from terminal.venues.sandbox.ratelimit import Limits
big = Limits(weight_per_minute=10**9, orders_per_10s=10**9, orders_per_day=10**9)
server = SandboxServer(host="127.0.0.1", port=0, seed=3, limits=big)
server.start()
print(server.url, server.ws_url, server.default_api_key, server.default_api_secret, flush=True)
sys.stdin.read()
server.stop()
"""


class Sandbox:
    """The sandbox exchange in a child process (``--sandbox process``) or in a thread of this one."""

    def __init__(self, in_process: bool) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.server: SandboxServer | None = None
        if in_process:
            self.server = SandboxServer(host="127.0.0.1", port=0, seed=3, limits=BIG)
            self.server.start()
            s = self.server
            self.url, self.ws_url, self.key, self.secret = s.url, s.ws_url, s.default_api_key, s.default_api_secret
            return
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD], cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url, self.ws_url, self.key, self.secret = self.proc.stdout.readline().split()

    def new_account(self) -> tuple[str, str]:
        """A funded account of its own (``POST /sandbox/accounts``); returns (api key, secret)."""
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
        conn.request("POST", "/sandbox/accounts", json.dumps({"balances": {"BTC": "100", "USDT": "10000000"}}),
                     {"Content-Type": "application/json"})
        answer = json.loads(conn.getresponse().read())
        conn.close()
        return answer["apiKey"], answer["secret"]

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(30)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def line(name: str, values: list[float]) -> str:
    return (f"{name:<34} n={len(values):<5} p50={pct(values, 0.50):7.3f} ms  p99={pct(values, 0.99):7.3f} ms  "
            f"mean={statistics.fmean(values):7.3f} ms")


def ratio(name: str, values: list[float], reference: list[float], ref_name: str) -> str:
    return f"{name:<34} {pct(values, 0.5) / pct(reference, 0.5):5.2f}x {ref_name}"


def loadavg() -> str:
    return "load average %.2f %.2f %.2f (%d CPUs)" % (*os.getloadavg(), os.cpu_count() or 0)


class RawHttp:
    """Signed order requests with nothing but http.client on one keep-alive connection."""

    def __init__(self, url: str, key: str, secret: str) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
        self.key, self.secret = key, secret.encode()

    def request(self, method: str, params: dict[str, str]) -> Any:
        params["timestamp"] = str(int(time.time() * 1000))
        body = urlencode(params)
        body += "&signature=" + hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()
        self.conn.request(method, "/api/v3/order", body, {"X-MBX-APIKEY": self.key,
                                                          "Content-Type": "application/x-www-form-urlencoded"})
        resp = self.conn.getresponse()
        data = json.loads(resp.read())
        if resp.status != 200:
            raise RuntimeError(data)
        return data

    def close(self) -> None:
        self.conn.close()


class RawWs:
    """The same requests over one websocket to the WS API, with nothing but ``websockets`` and hmac."""

    def __init__(self, ws: Any, key: str, secret: str) -> None:
        self.ws, self.key, self.secret, self.n = ws, key, secret.encode(), 0

    async def request(self, method: str, params: dict[str, str]) -> Any:
        params = dict(params, apiKey=self.key, timestamp=str(int(time.time() * 1000)))
        payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        params["signature"] = hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()
        self.n += 1
        await self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        answer = json.loads(await self.ws.recv())
        if answer.get("status") != 200:
            raise RuntimeError(answer)
        return answer["result"]


async def raw_user_stream(url: str, key: str, secret: str) -> Any:
    """A websocket subscribed to the raw account's reports and read to the end: the sandbox sends the raw paths'
    orders the same reports it sends the sessions', so its work per request is alike on every path."""
    ws = await websockets.connect(url, compression=None, ping_interval=None)
    params: dict[str, Any] = {"apiKey": key, "timestamp": int(time.time() * 1000)}
    payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["signature"] = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    await ws.send(json.dumps({"id": 1, "method": "userDataStream.subscribe.signature", "params": params}))
    assert json.loads(await ws.recv()).get("status") == 200

    async def drain() -> None:
        async for _ in ws:
            pass
    return ws, asyncio.get_running_loop().create_task(drain())


def limit_params(price: Decimal) -> dict[str, str]:
    return {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
            "price": format(price, "f"), "newClientOrderId": "raw-" + uuid.uuid4().hex[:20],
            "newOrderRespType": "FULL"}


async def run(orders: int, journal_file: bool, in_process: bool) -> None:
    server = await asyncio.get_running_loop().run_in_executor(None, Sandbox, in_process)
    tmp = tempfile.TemporaryDirectory()
    # an account per path, as separate users would be: a session adopts every order its account's user stream
    # reports, so with one shared account the session's order book would also grow by the raw paths' orders
    key, secret = server.new_account()
    rest_key, rest_secret = server.new_account()
    ws_session = await terminal.connect("sandbox", sandbox_url=server.url,
                                        data_dir=tmp.name if journal_file else None)
    rest_session = await terminal.connect("sandbox", sandbox_url=server.url, api_key=rest_key,
                                          api_secret=rest_secret, ws_api_trading=False)
    raw_http = RawHttp(server.url, key, secret)
    raw_ws_conn = await websockets.connect(server.ws_url + "/ws-api/v3", compression=None, ping_interval=None)
    raw_ws = RawWs(raw_ws_conn, key, secret)
    raw_events, raw_events_task = await raw_user_stream(server.ws_url + "/ws-api/v3", key, secret)
    try:
        trading = getattr(ws_session.venue, "trading", None)
        assert trading is not None and trading.connected, "the WS API is not up"
        assert getattr(rest_session.venue, "trading", None) is None
        inst = ws_session.instrument("BTCUSDT")
        quote = await ws_session.quote("BTCUSDT")
        price = inst.snap_price(quote.bid * Decimal("0.9"), "down")
        m: dict[str, list[float]] = {k: [] for k in (
            "http_place", "http_cancel", "ws_place", "ws_cancel", "place", "cancel", "market", "stream",
            "rest_place", "rest_cancel", "venue_place", "venue_cancel")}
        acked: dict[str, float] = {}

        def on_update(ev: terminal.OrderUpdated) -> None:
            cid = ev.order.client_order_id
            if ev.order.status is terminal.OrderStatus.NEW and acked.get(cid) == 0.0:
                acked[cid] = time.perf_counter()
        ws_session.venue.bus.subscribe(terminal.OrderUpdated, on_update)  # raw user-stream reports, before merging

        def limit() -> terminal.OrderRequest:
            return terminal.OrderRequest("BTCUSDT", terminal.Side.BUY, terminal.OrderType.LIMIT, Decimal("0.001"),
                                         price, time_in_force=terminal.TimeInForce.GTC)
        async def settle() -> None:
            await asyncio.sleep(0.003)  # reports of the previous phase are handled outside the measured windows

        for _ in range(orders):
            await settle()
            p = limit_params(price)
            t0 = time.perf_counter()
            raw_http.request("POST", p)
            t1 = time.perf_counter()
            raw_http.request("DELETE", {"symbol": "BTCUSDT", "origClientOrderId": p["newClientOrderId"]})
            t2 = time.perf_counter()
            m["http_place"].append((t1 - t0) * 1000)
            m["http_cancel"].append((t2 - t1) * 1000)

            await settle()
            p = limit_params(price)
            t0 = time.perf_counter()
            await raw_ws.request("order.place", p)
            t1 = time.perf_counter()
            await raw_ws.request("order.cancel", {"symbol": "BTCUSDT", "origClientOrderId": p["newClientOrderId"]})
            t2 = time.perf_counter()
            m["ws_place"].append((t1 - t0) * 1000)
            m["ws_cancel"].append((t2 - t1) * 1000)

            await settle()
            req = limit()
            t0 = time.perf_counter()
            acked[req.client_order_id] = 0.0
            order = await ws_session.place_order(req)
            t1 = time.perf_counter()
            await ws_session.cancel_order("BTCUSDT", order.client_order_id)
            t2 = time.perf_counter()
            await ws_session.buy("BTCUSDT", "0.0001")
            t3 = time.perf_counter()
            m["place"].append((t1 - t0) * 1000)
            m["cancel"].append((t2 - t1) * 1000)
            m["market"].append((t3 - t2) * 1000)
            if acked[req.client_order_id]:
                m["stream"].append((acked[req.client_order_id] - t0) * 1000)

            await settle()
            req = limit()  # the adapter alone (no risk checks, journal or merge): where the session's time goes
            t0 = time.perf_counter()
            await ws_session.venue.submit(req)
            t1 = time.perf_counter()
            await ws_session.venue.cancel_order("BTCUSDT", req.client_order_id)
            t2 = time.perf_counter()
            m["venue_place"].append((t1 - t0) * 1000)
            m["venue_cancel"].append((t2 - t1) * 1000)

            await settle()
            req = limit()
            t0 = time.perf_counter()
            order = await rest_session.place_order(req)
            t1 = time.perf_counter()
            await rest_session.cancel_order("BTCUSDT", order.client_order_id)
            t2 = time.perf_counter()
            m["rest_place"].append((t1 - t0) * 1000)
            m["rest_cancel"].append((t2 - t1) * 1000)
        print(f"order round trips against the sandbox on loopback ({orders} rounds, interleaved; sandbox in "
              f"{'this process' if in_process else 'its own process'}; session journal "
              f"{'file (WAL)' if journal_file else 'in memory'}); {loadavg()}")
        print(line("raw http.client POST order", m["http_place"]))
        print(line("raw http.client DELETE order", m["http_cancel"]))
        print(line("raw websocket order.place", m["ws_place"]))
        print(line("raw websocket order.cancel", m["ws_cancel"]))
        print(line("session place LIMIT (WS API)", m["place"]))
        print(line("session cancel (WS API)", m["cancel"]))
        print(line("session place MARKET (WS API)", m["market"]))
        print(line("session send -> user-stream NEW", m["stream"]))
        print(line("adapter alone place LIMIT (WS API)", m["venue_place"]))
        print(line("adapter alone cancel (WS API)", m["venue_cancel"]))
        print(line("session place LIMIT (REST)", m["rest_place"]))
        print(line("session cancel (REST)", m["rest_cancel"]))
        print("ratios of p50 (target: session within 1.5x of raw http.client):")
        print(ratio("session place (WS API)", m["place"], m["http_place"], "raw http.client"))
        print(ratio("session cancel (WS API)", m["cancel"], m["http_cancel"], "raw http.client"))
        print(ratio("session place (WS API)", m["place"], m["ws_place"], "raw websocket"))
        print(ratio("session cancel (WS API)", m["cancel"], m["ws_cancel"], "raw websocket"))
        print(ratio("adapter alone place (WS API)", m["venue_place"], m["http_place"], "raw http.client"))
        print(ratio("adapter alone cancel (WS API)", m["venue_cancel"], m["http_cancel"], "raw http.client"))
        print(ratio("session place (REST)", m["rest_place"], m["http_place"], "raw http.client"))
        print(ratio("session cancel (REST)", m["rest_cancel"], m["http_cancel"], "raw http.client"))
        h = ws_session.health()["market"].extra
        print(f"WS API latency p50={h['ws_api_latency_p50_ms']:.2f} ms; "
              f"REST latency p50={rest_session.health()['market'].extra['rest_latency_p50_ms']:.2f} ms; {loadavg()}")
    finally:
        raw_http.close()
        await raw_ws_conn.close()
        await raw_events.close()
        await raw_events_task
        await ws_session.close()
        await rest_session.close()
        await asyncio.get_running_loop().run_in_executor(None, server.stop)
        tmp.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=500)
    ap.add_argument("--journal-file", action="store_true", help="journal in a SQLite file instead of memory")
    ap.add_argument("--sandbox", choices=("process", "thread"), default="process",
                    help="run the sandbox exchange in its own process (default) or in a thread of this one")
    args = ap.parse_args()
    asyncio.run(run(args.orders, args.journal_file, args.sandbox == "thread"))


if __name__ == "__main__":
    main()

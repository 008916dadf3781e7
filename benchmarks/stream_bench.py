"""MarketStream throughput vs a bare websockets+orjson client, in the same run.

A local websockets server (its own process) blasts realistic trade/bookTicker frames (combined-stream form) to
each client; the bare client only decodes each frame with orjson, MarketStream parses it into domain records.
Run: /work/venv/bin/python benchmarks/stream_bench.py [--messages 200000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import sys
import time
from typing import Any

import orjson

sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parents[1]))
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from terminal.venues.binance.stream import MarketStream


def frames(n: int) -> list[str]:
    """Realistic payloads: prices walk over 500 ticks, quantities are random with 8 decimals."""
    rnd = random.Random(7)
    out = []

    def qty() -> str:
        return f"{rnd.randint(1, 10**9) / 1e8:.8f}"

    for i in range(n):
        price = f"{87000 + (i % 500) / 100:.8f}"
        if i % 2:
            data: dict[str, Any] = {"e": "trade", "E": 1764000000000 + i, "s": "BTCUSDT", "t": 1000000 + i,
                                    "p": price, "q": qty(), "T": 1764000000000 + i,
                                    "m": bool(i % 3), "M": True}
            out.append(json.dumps({"stream": "btcusdt@trade", "data": data}, separators=(",", ":")))
        else:
            data = {"u": 400900217 + i, "s": "BTCUSDT", "b": price, "B": qty(),
                    "a": f"{87000.01 + (i % 500) / 100:.8f}", "A": qty()}
            out.append(json.dumps({"stream": "btcusdt@bookTicker", "data": data}, separators=(",", ":")))
    return out


def text_frame(text: str) -> bytes:
    """An unmasked server-to-client text frame (RFC 6455)."""
    data = text.encode()
    n = len(data)
    head = bytes([0x81, n]) if n < 126 else bytes([0x81, 126]) + n.to_bytes(2, "big")
    return head + data


def serve_forever(n: int, port_queue: "multiprocessing.Queue[int]") -> None:
    """The blasting server, in its own process so its CPU time is not charged to the clients."""
    blob = b"".join(text_frame(f) for f in frames(n))

    async def handler(ws: ServerConnection) -> None:
        msg = json.loads(await ws.recv())  # wait for the client's SUBSCRIBE, ack it, then blast
        await ws.send(json.dumps({"result": None, "id": msg.get("id")}))
        ws.transport.write(blob)  # pre-framed: the server must not be the bottleneck
        await ws.wait_closed()

    async def run() -> None:
        server = await serve(handler, "127.0.0.1", 0, compression=None, max_queue=None)
        port_queue.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(run())


async def main(n: int, rounds: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    ports: multiprocessing.Queue[int] = ctx.Queue()
    proc = ctx.Process(target=serve_forever, args=(n, ports), daemon=True)
    proc.start()
    url = f"ws://127.0.0.1:{ports.get(timeout=60)}"

    async def bare() -> tuple[float, float]:
        async with connect(url + "/stream", compression=None, ping_interval=None) as ws:
            await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade", "btcusdt@bookTicker"],
                                      "id": 1}))
            orjson.loads(await ws.recv())
            t0, c0, count = time.perf_counter(), time.process_time(), 0
            async for frame in ws:
                msg = orjson.loads(frame)
                if msg["data"]:
                    count += 1
                if count == n:
                    break
            return n / (time.perf_counter() - t0), n / (time.process_time() - c0)

    async def adapter() -> tuple[float, float]:
        done: asyncio.Future[tuple[float, float]] = asyncio.get_running_loop().create_future()
        count = 0

        def on_event(event: object) -> None:
            nonlocal count
            count += 1
            if count == n and not done.done():
                done.set_result((time.perf_counter(), time.process_time()))

        stream = MarketStream(url, on_event, silence_timeout_s=30)
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade", "btcusdt@bookTicker"])
        t0, c0 = time.perf_counter(), time.process_time()
        t1, c1 = await asyncio.wait_for(done, 120)
        await stream.close()
        return n / (t1 - t0), n / (c1 - c0)

    best = {"bare": (0.0, 0.0), "adapter": (0.0, 0.0)}
    for r in range(rounds):
        b, a = await bare(), await adapter()
        best = {"bare": tuple(map(max, best["bare"], b)), "adapter": tuple(map(max, best["adapter"], a))}
        print(f"round {r + 1}: wall: bare {b[0]:,.0f}/s MarketStream {a[0]:,.0f}/s ({a[0] / b[0]:.0%}); "
              f"per CPU-second: bare {b[1]:,.0f} MarketStream {a[1]:,.0f} ({a[1] / b[1]:.0%})")
    proc.terminate()
    proc.join(5)
    (bw, bc), (aw, ac) = best["bare"], best["adapter"]
    print(f"best of {rounds}: bare websockets+orjson {bw:,.0f} msg/s ({bc:,.0f} per CPU-s); MarketStream "
          f"(decode, dispatch, parse to QuoteTick/TradeTick with Decimal, health) {aw:,.0f} msg/s "
          f"({ac:,.0f} per CPU-s); ratio wall {aw / bw:.0%}, CPU {ac / bc:.0%}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    asyncio.run(main(args.messages, args.rounds))

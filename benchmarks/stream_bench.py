"""MarketStream throughput vs a bare websockets+orjson client, in the same run.

A local websockets server blasts realistic trade/bookTicker frames (combined-stream form) to each client.
Run: /work/venv/bin/python benchmarks/stream_bench.py [--messages 200000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import asyncio
import json
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
    """Prices walk over 500 ticks; quantities are random (8 decimals), so few repeat, as on a real stream."""
    rnd = random.Random(7)
    out = []
    for i in range(n):
        if i % 2:
            data: dict[str, Any] = {"e": "trade", "E": 1764000000000 + i, "s": "BTCUSDT", "t": 1000000 + i,
                                    "p": f"{87000 + (i % 500) / 100:.8f}", "q": f"{rnd.randint(1, 10**9) / 1e8:.8f}", "T": 1764000000000 + i,
                                    "m": bool(i % 3), "M": True}
            out.append(json.dumps({"stream": "btcusdt@trade", "data": data}, separators=(",", ":")))
        else:
            data = {"u": 400900217 + i, "s": "BTCUSDT", "b": f"{87000 + (i % 500) / 100:.8f}", "B": f"{rnd.randint(1, 10**9) / 1e8:.8f}",
                    "a": f"{87000.01 + (i % 500) / 100:.8f}", "A": f"{rnd.randint(1, 10**9) / 1e8:.8f}"}
            out.append(json.dumps({"stream": "btcusdt@bookTicker", "data": data}, separators=(",", ":")))
    return out


async def main(n: int, rounds: int) -> None:
    payload = frames(n)

    async def handler(ws: ServerConnection) -> None:
        msg = json.loads(await ws.recv())  # wait for the client's SUBSCRIBE, ack it, then blast
        await ws.send(json.dumps({"result": None, "id": msg.get("id")}))
        for f in payload:
            await ws.send(f)
        await ws.wait_closed()

    server = await serve(handler, "127.0.0.1", 0, compression=None, max_queue=None)
    url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    async def bare() -> float:
        async with connect(url + "/stream", compression=None, ping_interval=None) as ws:
            await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade", "btcusdt@bookTicker"],
                                      "id": 1}))
            orjson.loads(await ws.recv())
            t0, count = time.perf_counter(), 0
            async for frame in ws:
                msg = orjson.loads(frame)
                if msg["data"]:
                    count += 1
                if count == n:
                    break
            return n / (time.perf_counter() - t0)

    async def adapter() -> float:
        done = asyncio.get_running_loop().create_future()
        count = 0

        def on_event(event: object) -> None:
            nonlocal count
            count += 1
            if count == n and not done.done():
                done.set_result(time.perf_counter())

        stream = MarketStream(url, on_event, silence_timeout_s=30)
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade", "btcusdt@bookTicker"])
        t0 = time.perf_counter()
        t1 = await asyncio.wait_for(done, 120)
        await stream.close()
        return n / (t1 - t0)

    best_bare = best_adapter = 0.0
    for r in range(rounds):
        b = await bare()
        a = await adapter()
        best_bare, best_adapter = max(best_bare, b), max(best_adapter, a)
        print(f"round {r + 1}: bare {b:,.0f} msg/s  MarketStream {a:,.0f} msg/s  ratio {a / b:.0%}")
    server.close()
    await server.wait_closed()
    print(f"best: bare websockets+orjson {best_bare:,.0f} msg/s; MarketStream (parse to QuoteTick/TradeTick with "
          f"Decimal, dispatch, health) {best_adapter:,.0f} msg/s; ratio {best_adapter / best_bare:.0%}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    asyncio.run(main(args.messages, args.rounds))

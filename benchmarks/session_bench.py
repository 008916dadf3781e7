"""Session benchmark: order round trips through the whole stack (risk checks, journal, signed REST, merge, bus)
against the sandbox on loopback.

    /work/venv/bin/python benchmarks/session_bench.py [--orders 500] [--journal-file]

Measures, per order: place LIMIT (journal write + POST + ack merged), cancel it, place MARKET (filled), and the
time from sending a LIMIT order to its NEW report arriving over the user stream (WS API). Prints p50/p99 in milliseconds.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import terminal  # noqa: E402
from terminal.venues.sandbox import SandboxServer  # noqa: E402
from terminal.venues.sandbox.ratelimit import Limits  # noqa: E402

BIG = Limits(weight_per_minute=10**9, orders_per_10s=10**9, orders_per_day=10**9)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def line(name: str, values: list[float]) -> str:
    return (f"{name:<28} n={len(values):<5} p50={pct(values, 0.50):7.2f} ms  p99={pct(values, 0.99):7.2f} ms  "
            f"mean={statistics.fmean(values):7.2f} ms")


async def run(orders: int, journal_file: bool) -> None:
    server = SandboxServer(host="127.0.0.1", port=0, seed=3, limits=BIG)
    await asyncio.get_running_loop().run_in_executor(None, server.start)
    tmp = tempfile.TemporaryDirectory()
    session = await terminal.connect("sandbox", sandbox_url=server.url,
                                     data_dir=tmp.name if journal_file else None)
    try:
        inst = session.instrument("BTCUSDT")
        quote = await session.quote("BTCUSDT")
        price = inst.snap_price(quote.bid * Decimal("0.9"), "down")
        place, cancel, market, stream = [], [], [], []
        acked: dict[str, float] = {}

        def on_update(ev: terminal.OrderUpdated) -> None:
            cid = ev.order.client_order_id
            if ev.order.status is terminal.OrderStatus.NEW and acked.get(cid) == 0.0:
                acked[cid] = time.perf_counter()
        session.venue.bus.subscribe(terminal.OrderUpdated, on_update)  # raw user-stream reports, before merging
        for _ in range(orders):
            req = terminal.OrderRequest("BTCUSDT", terminal.Side.BUY, terminal.OrderType.LIMIT, Decimal("0.001"), price,
                                        time_in_force=terminal.TimeInForce.GTC)
            t0 = time.perf_counter()
            acked[req.client_order_id] = 0.0
            order = await session.place_order(req)
            t1 = time.perf_counter()
            await session.cancel_order("BTCUSDT", order.client_order_id)
            t2 = time.perf_counter()
            await session.buy("BTCUSDT", "0.0001")
            t3 = time.perf_counter()
            place.append((t1 - t0) * 1000)
            cancel.append((t2 - t1) * 1000)
            market.append((t3 - t2) * 1000)
            if acked[req.client_order_id]:
                stream.append((acked[req.client_order_id] - t0) * 1000)
        print(f"session order round trips against the sandbox on loopback ({orders} each, journal "
              f"{'file (WAL)' if journal_file else 'in memory'})")
        print(line("place LIMIT (ack)", place))
        print(line("cancel", cancel))
        print(line("place MARKET (filled)", market))
        print(line("send -> user-stream NEW", stream))
        h = session.health()["market"].extra
        print(f"REST latency p50={h['rest_latency_p50_ms']:.2f} ms p99={h['rest_latency_p99_ms']:.2f} ms")
    finally:
        await session.close()
        await asyncio.get_running_loop().run_in_executor(None, server.stop)
        tmp.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=500)
    ap.add_argument("--journal-file", action="store_true", help="journal in a SQLite file instead of memory")
    args = ap.parse_args()
    asyncio.run(run(args.orders, args.journal_file))


if __name__ == "__main__":
    main()

"""IB adapter speed against the built-in IB paper server (terminal/servers/ib) on 127.0.0.1, in one run:

  order round trip  a LIMIT order far from the market placed and acknowledged, then cancelled: p50/p99 of the
                    placement (send -> the venue's acknowledgement), through the whole Session (checks, journal,
                    OMS, adapter) and with bare ib_async (placeOrder -> first orderStatus past PendingSubmit); the
                    ratio session / bare
  ticks ingested    quote updates per second published by the adapter (QuoteTick/TradeTick events on the bus) for
                    the watched symbols, against ticker updates per second seen by bare ib_async
                    (pendingTickersEvent) on another connection to the same server, same symbols, same seconds

    python benchmarks/ib_bench.py [--orders 200] [--seconds 10]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ib_async import IB, LimitOrder, Stock  # noqa: E402

import terminal  # noqa: E402
from terminal.model import QuoteTick, TradeTick  # noqa: E402
from terminal.servers.ib import PaperServer  # noqa: E402

SYMBOLS = ("AAPL", "MSFT", "NVDA", "SPY")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def session_round_trips(port: int, n: int) -> list[float]:
    session = await terminal.connect("ib", env="paper", host="127.0.0.1", port=port, client_id=21)
    try:
        quote = await session.quote("AAPL")
        price = session.instrument("AAPL").snap_price(quote.bid * Decimal("0.8"), "down")
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            order = await session.buy("AAPL", "1", price=price, time_in_force="DAY")
            out.append((time.perf_counter() - t0) * 1000)
            await session.cancel_order("AAPL", order.client_order_id)
        return out
    finally:
        await session.close()


async def bare_round_trips(port: int, n: int) -> list[float]:
    ib = IB()
    await ib.connectAsync("127.0.0.1", port, clientId=22)
    try:
        contract = (await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD")))[0]
        ticker = ib.reqMktData(contract)
        while not (ticker.bid and ticker.bid > 0):
            await asyncio.wait_for(ticker.updateEvent, 5)
        price = round(ticker.bid * 0.8, 2)
        ib.cancelMktData(contract)
        out = []
        for _ in range(n):
            acked = asyncio.get_running_loop().create_future()
            t0 = time.perf_counter()
            trade = ib.placeOrder(contract, LimitOrder("BUY", 1, price, tif="DAY"))

            def on_status(t: Any, fut: asyncio.Future[None] = acked) -> None:
                if t.orderStatus.status not in ("PendingSubmit", "") and not fut.done():
                    fut.set_result(None)

            trade.statusEvent += on_status
            await asyncio.wait_for(acked, 10)
            out.append((time.perf_counter() - t0) * 1000)
            ib.cancelOrder(trade.order)
            while not trade.isDone():
                await asyncio.wait_for(trade.statusEvent, 10)
        return out
    finally:
        ib.disconnect()


async def ingest(port: int, seconds: float) -> tuple[float, float]:
    session = await terminal.connect("ib", env="paper", host="127.0.0.1", port=port, client_id=23)
    ib = IB()
    await ib.connectAsync("127.0.0.1", port, clientId=24, readonly=True)
    counts = {"session": 0, "bare": 0}

    def on_event(event: object) -> None:
        if isinstance(event, (QuoteTick, TradeTick)):
            counts["session"] += 1

    def on_batch(tickers: Any) -> None:
        counts["bare"] += len(tickers)

    try:
        session.venue.bus.subscribe(None, on_event)
        contracts = await ib.qualifyContractsAsync(*(Stock(s, "SMART", "USD") for s in SYMBOLS))
        ib.pendingTickersEvent += on_batch
        for s in SYMBOLS:
            await session.watch(s)
        for c in contracts:
            ib.reqMktData(c)
        await asyncio.sleep(1.0)  # warm-up (a measuring window, not synchronisation)
        counts.update(session=0, bare=0)
        await asyncio.sleep(seconds)
        return counts["session"] / seconds, counts["bare"] / seconds
    finally:
        ib.disconnect()
        await session.close()


async def on_fresh_server(fn: Any, *args: Any) -> Any:
    """``fn(port, *args)`` against a new paper server (the server slows down as its order history grows, so each
    measurement gets one of its own)."""
    server = PaperServer(host="127.0.0.1", port=0, always_open=True)
    server.start()
    try:
        return await fn(int(server.adapter_options()["port"]), *args)
    finally:
        server.stop()


async def main(args: argparse.Namespace) -> None:
    ours = await on_fresh_server(session_round_trips, args.orders)
    bare = await on_fresh_server(bare_round_trips, args.orders)
    print(f"order round trip ({args.orders} orders, each side on a fresh server)   p50 ms   p99 ms")
    print(f"  session (OMS + adapter)     {statistics.median(ours):7.2f}  {pct(ours, 0.99):7.2f}")
    print(f"  bare ib_async               {statistics.median(bare):7.2f}  {pct(bare, 0.99):7.2f}")
    print(f"  ratio session / bare        {statistics.median(ours) / statistics.median(bare):7.2f}"
          f"  {pct(ours, 0.99) / pct(bare, 0.99):7.2f}")
    ours_tps, bare_tps = await on_fresh_server(ingest, args.seconds)
    print(f"ticks ingested over {args.seconds:.0f} s, {len(SYMBOLS)} symbols")
    print(f"  adapter events/s            {ours_tps:9.0f}")
    print(f"  bare ib_async updates/s     {bare_tps:9.0f}")
    print(f"  ratio adapter / bare        {ours_tps / bare_tps if bare_tps else float('nan'):9.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    asyncio.run(main(parser.parse_args()))

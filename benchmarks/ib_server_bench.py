"""IB paper server speed, seen by bare ib_async on 127.0.0.1 with its client-side throttle (45 requests/s) off, so
the figures are the server's:

  order round trip   a LIMIT order far from the market: placeOrder -> orderStatus Submitted, then cancelOrder ->
                     Cancelled; p50/p99 of each
  market fill        a 1-share MKT order: placeOrder -> Filled with its commission report; p50/p99
  ticks              ticker updates/s and messages/s ib_async receives with market data, depth and tick-by-tick
                     on every listed contract
  history            reqHistoricalData 1 D of 1 min bars; p50

    python benchmarks/ib_server_bench.py [--orders 200] [--seconds 10]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ib_async import IB, LimitOrder, MarketOrder, Stock  # noqa: E402

from terminal.servers.ib import PaperServer  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def wait(cond: Callable[[], bool]) -> None:
    while not cond():
        await asyncio.sleep(0.0005)


async def run(orders: int, seconds: float) -> None:
    server = PaperServer(always_open=True)
    server.start()
    ib = IB()
    ib.client.MaxRequests = 0
    try:
        await ib.connectAsync("127.0.0.1", server.port, clientId=1, timeout=10)
        aapl = Stock("AAPL", "SMART", "USD")
        await ib.qualifyContractsAsync(aapl)
        place, cancel, fill = [], [], []
        for _ in range(orders):
            t0 = time.perf_counter()
            trade = ib.placeOrder(aapl, LimitOrder("BUY", 1, 100.0))
            await wait(lambda: trade.orderStatus.status == "Submitted")
            t1 = time.perf_counter()
            ib.cancelOrder(trade.order)
            await wait(lambda: trade.orderStatus.status == "Cancelled")
            t2 = time.perf_counter()
            place.append((t1 - t0) * 1000)
            cancel.append((t2 - t1) * 1000)
        for _ in range(orders // 2):
            t0 = time.perf_counter()
            trade = ib.placeOrder(aapl, MarketOrder("BUY", 1))
            await wait(lambda: trade.orderStatus.status == "Filled" and bool(trade.fills)
                       and bool(trade.fills[-1].commissionReport.execId))
            fill.append((time.perf_counter() - t0) * 1000)
        history = []
        for _ in range(10):
            t0 = time.perf_counter()
            await ib.reqHistoricalDataAsync(aapl, "", "1 D", "1 min", "TRADES", False)
            history.append((time.perf_counter() - t0) * 1000)
        contracts = [Stock(s, "SMART", "USD") for s in ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA",
                                                        "JPM", "XOM", "KO", "SPY", "QQQ")]
        await ib.qualifyContractsAsync(*contracts)
        updates = [0]
        ib.pendingTickersEvent += lambda tickers: updates.__setitem__(0, updates[0] + len(tickers))
        for c in contracts:
            ib.reqMktData(c)
            ib.reqMktDepth(c, 5)
            ib.reqTickByTickData(c, "AllLast")
        await asyncio.sleep(1.0)  # subscriptions settle
        updates[0] = 0
        frames0 = ib.client._numMsgRecv if hasattr(ib.client, "_numMsgRecv") else 0
        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        frames = (ib.client._numMsgRecv - frames0) if hasattr(ib.client, "_numMsgRecv") else 0
        print(f"IB paper server, bare ib_async (throttle off), {orders} orders")
        print(f"  LMT placed -> Submitted     p50 {statistics.median(place):7.2f} ms  p99 {pct(place, .99):7.2f} ms")
        print(f"  cancel -> Cancelled         p50 {statistics.median(cancel):7.2f} ms  p99 {pct(cancel, .99):7.2f} ms")
        print(f"  MKT -> Filled + commission  p50 {statistics.median(fill):7.2f} ms  p99 {pct(fill, .99):7.2f} ms")
        print(f"  history 1 D x 1 min         p50 {statistics.median(history):7.2f} ms")
        print(f"  12 stocks, L1 + depth + tick-by-tick: {updates[0] / elapsed:,.0f} ticker updates/s"
              + (f", {frames / elapsed:,.0f} messages/s" if frames else "")
              + f"; this process (client and server) used {100 * cpu / elapsed:.0f} % of a core")
    finally:
        ib.disconnect()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    logging.getLogger("ib_async").setLevel(logging.CRITICAL)  # every cancel is an "Error 202" line otherwise
    asyncio.run(run(args.orders, args.seconds))


if __name__ == "__main__":
    main()

"""Matching engine throughput: orders per second on one symbol.

A seeded mix of resting limits (55%), crossing limits (15%), market orders (10%) and cancels (20%) between
a few accounts, first with no listeners, then with every listener attached (as the sandbox server runs it).
The figure is requests per CPU second of this process (wall time is printed too; it suffers on a shared machine).

    /work/venv/bin/python benchmarks/engine_bench.py [--orders 200000] [--seed 1]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal.clock import SimClock
from terminal.model import Instrument, OrderType, Side, TimeInForce
from terminal.sim import Engine, EngineReject

D = Decimal
SYMBOL = "BTCUSDT"
ACCOUNTS = ("a", "b", "c", "d", "e", "f", "g", "h")


def build(listeners: bool) -> Engine:
    inst = Instrument(SYMBOL, "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"), min_qty=D("0.00001"),
                      min_notional=D("5"))
    engine = Engine([inst], SimClock(1_700_000_000_000))
    for a in ACCOUNTS:
        engine.add_account(a, {"USDT": D("1000000000"), "BTC": D("100000")})
    engine.set_last_price(SYMBOL, D("30000"))
    if listeners:   # listeners that look at each record and drop it, as the server's serialisers do
        counts = {"executions": 0, "trades": 0, "balances": 0, "book": 0}

        def count(kind: str) -> Callable[..., None]:
            def listener(*args: object) -> None:
                counts[kind] += 1
            return listener

        engine.execution_listeners.append(count("executions"))
        engine.trade_listeners.append(count("trades"))
        engine.balance_listeners.append(count("balances"))
        engine.book_listeners.append(count("book"))
    return engine


def make_flow(n: int, seed: int) -> list[tuple]:
    """Pre-generate requests so the timing measures the engine, not the generator."""
    rng = random.Random(seed)
    flow: list[tuple] = []
    ticks = [D(30000) + D(i) / 100 for i in range(-3000, 3001)]   # 29970.00 .. 30030.00
    qtys = [D(rng.randint(1, 500)) * D("0.00001") + D("0.001") for _ in range(1000)]
    for _ in range(n):
        roll = rng.random()
        acct = rng.choice(ACCOUNTS)
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        qty = rng.choice(qtys)
        if roll < 0.55:    # resting: behind the touch, centred on 30000
            off = rng.randint(1, 3000)
            flow.append(("rest", acct, side, qty, ticks[3000 - off] if side is Side.BUY else ticks[3000 + off]))
        elif roll < 0.70:  # crossing limit (IOC a third of the time)
            off = rng.randint(0, 400)
            px = ticks[3000 + off] if side is Side.BUY else ticks[3000 - off]
            tif = TimeInForce.IOC if rng.random() < 0.33 else TimeInForce.GTC
            flow.append(("cross", acct, side, qty, px, tif))
        elif roll < 0.80:
            flow.append(("market", acct, side, qty))
        else:
            flow.append(("cancel", acct))
    return flow


def run(engine: Engine, flow: list[tuple], seed: int) -> tuple[float, float, int, int]:
    rng = random.Random(seed + 1)
    open_ids: dict[str, list[int]] = {a: [] for a in ACCOUNTS}
    place, cancel = engine.place, engine.cancel
    LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET
    rejects = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for req in flow:
        kind = req[0]
        try:
            if kind == "rest":
                r = place(req[1], SYMBOL, req[2], LIMIT, quantity=req[3], price=req[4])
                open_ids[req[1]].append(r.order.order_id)
            elif kind == "cross":
                r = place(req[1], SYMBOL, req[2], LIMIT, quantity=req[3], price=req[4], time_in_force=req[5])
                if r.order.status.is_open:
                    open_ids[req[1]].append(r.order.order_id)
            elif kind == "market":
                place(req[1], SYMBOL, req[2], MARKET, quantity=req[3])
            else:
                ids = open_ids[req[1]]
                if ids:
                    i = rng.randrange(len(ids))
                    ids[i], ids[-1] = ids[-1], ids[i]
                    cancel(req[1], SYMBOL, order_id=ids.pop())
        except EngineReject:
            rejects += 1   # cancel of an order that filled meanwhile
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return elapsed, cpu, rejects, engine.recent_trades(SYMBOL, 1)[0].trade_id


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    flow = make_flow(args.orders, args.seed)
    for listeners in (False, True):
        engine = build(listeners)
        elapsed, cpu, rejects, trades = run(engine, flow, args.seed)
        _, bids, asks = engine.depth(SYMBOL, 100000)
        print(f"listeners={'on ' if listeners else 'off'}  {len(flow)} requests: {len(flow) / cpu:,.0f} orders per "
              f"CPU second ({cpu:.2f} s CPU, {elapsed:.2f} s wall); {trades} trades, {rejects} late cancels, "
              f"{len(bids) + len(asks)} levels left")


if __name__ == "__main__":
    main()

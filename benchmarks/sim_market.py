"""Benchmark of the simulated market: history generation, one market step, engine calls and memory per step.

Run: python benchmarks/sim_market.py [steps]
"""
from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal.clock import SimClock  # noqa: E402
from terminal.sim.engine import Engine  # noqa: E402
from terminal.sim.klines import generate_history  # noqa: E402
from terminal.sim.market import MarketSimulator  # noqa: E402
from terminal.sim.symbols import DEFAULT_SYMBOLS  # noqa: E402

NOW = 1_790_000_000_000


def main(steps: int) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    for i, spec in enumerate(DEFAULT_SYMBOLS):
        generate_history(spec, 7, NOW, days=28, symbol_index=i)
    print(f"history, 9 symbols x 28 days of 1m: {(time.perf_counter() - t0) * 1000:.0f} ms "
          f"(CPU {(time.process_time() - c0) * 1000:.0f} ms)")

    clock = SimClock(NOW)
    engine = Engine([s.instrument for s in DEFAULT_SYMBOLS], clock)
    market = MarketSimulator(engine, DEFAULT_SYMBOLS, 7, clock)
    t0 = time.perf_counter()
    market.bootstrap(NOW)
    print(f"bootstrap (history + accounts + books): {(time.perf_counter() - t0) * 1000:.0f} ms")

    calls = {"place": 0, "cancel": 0}
    place, cancel = engine.place, engine.cancel

    def counted_place(*a, **k):  # type: ignore[no-untyped-def]
        calls["place"] += 1
        return place(*a, **k)

    def counted_cancel(*a, **k):  # type: ignore[no-untyped-def]
        calls["cancel"] += 1
        return cancel(*a, **k)

    engine.place, engine.cancel = counted_place, counted_cancel  # type: ignore[method-assign]
    gc.collect()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    cpu0 = time.process_time()
    for _ in range(steps):
        clock.advance(100)
        t = time.perf_counter()
        market.step(clock.now_ms())
        times.append(time.perf_counter() - t)
    cpu_ms = (time.process_time() - cpu0) / steps * 1000
    gc.collect()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times.sort()
    ms = [x * 1000 for x in times]
    print(f"step (9 symbols), {steps} steps of 100 ms: mean {statistics.mean(ms):.2f} ms, "
          f"p50 {ms[len(ms) // 2]:.2f}, p99 {ms[int(len(ms) * 0.99)]:.2f}, max {ms[-1]:.2f}; CPU {cpu_ms:.2f} ms/step")
    print(f"engine calls per step: place {calls['place'] / steps:.1f}, cancel {calls['cancel'] / steps:.1f}")
    trades = sum(market.stores[s.symbol].ticker_24h(clock.now_ms(), window_ms=steps * 100).count
                 for s in DEFAULT_SYMBOLS)
    print(f"trades per simulated second, all symbols: {trades / (steps / 10):.1f}")
    print(f"max RSS growth: {(rss1 - rss0) / 1024:.1f} MB over {steps / 600:.1f} simulated minutes")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)

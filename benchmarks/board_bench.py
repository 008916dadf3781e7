"""Quote board: 2,000 symbols in the watchlist under a flood of quotes, against a per-event table in the same run.

Both sides get the same prebuilt ``QuoteTick``s on a real ``Bus`` at the same rate (``--rate`` quotes/s in bursts
every 5 ms; ``--rate 0``: bursts of ``--burst`` back to back, as fast as each side goes) for the same ``--seconds``, while a 5 ms ``QTimer`` measures its own lateness (the lag a click
would see) and both tables are shown at 1280x720 (offscreen) and painted:

- ours: the app's path, ``Bridge`` (latest quote per symbol, one flush per frame) -> ``WatchlistModel`` -> the
  watchlist widget, wired as the main window wires them (the model flushes on alternate frames);
- the reference: the way a per-event monitor does it (vnpy's ``BaseMonitor``): a ``QTableWidget`` of the same 2,000
  rows whose bid/ask/size cells are set from the bus callback for every quote.

Prints quotes/s absorbed, CPU per second, loop lag p50/p99/max for each, the CPU ratio (or with ``--rate 0`` the
throughput ratio), and the load average. Target (issue 16: no
regression): ours p99 lag < 20 ms at 2,000 symbols while absorbing the flood.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/board_bench.py [--symbols 2000] [--seconds 10] [--rate 150000]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import numpy as np
import qasync
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lagprobe import TICK_MS, LagProbe  # noqa: E402
from terminal import model as m  # noqa: E402
from terminal.bus import Bus  # noqa: E402
from terminal.ui.bridge import Bridge  # noqa: E402
from terminal.ui.widgets.watchlist import WatchlistWidget  # noqa: E402

D = Decimal
def instruments(n: int) -> dict[str, m.Instrument]:
    return {f"Q{i:04d}USDT": m.Instrument(f"Q{i:04d}USDT", f"Q{i:04d}", "USDT", tick_size=D("0.01"),
                                         step_size=D("0.001")) for i in range(n)}


def prebuilt(symbols: list[str], count: int) -> list[m.QuoteTick]:
    """``count`` quotes over random symbols, built before the clock starts (making Decimals is the feed's cost)."""
    rnd = random.Random(7)
    mids = {s: D(rnd.randint(100, 50000)) for s in symbols}
    out = []
    for _ in range(count):
        s = symbols[rnd.randrange(len(symbols))]
        mid = mids[s] + D(rnd.randint(-300, 300)) / 100
        out.append(m.QuoteTick(s, mid - D("0.01"), D(rnd.randint(1, 90)) / 10, mid + D("0.01"),
                               D(rnd.randint(1, 90)) / 10))
    return out


class Ours:
    """The app's quote board: bridge -> watchlist model -> view, flushed on alternate frames like ``link.py``."""

    def __init__(self, bus: Bus, insts: dict[str, m.Instrument]) -> None:
        self.widget = WatchlistWidget()
        self.widget.set_instruments(insts)
        for s in insts:
            self.widget.add_symbol(s)
        for col in (3, 4):  # bid and ask shown, as on the reference
            self.widget.view.setColumnHidden(col, False)
        self.bridge = Bridge()
        self.bridge.attach(bus)
        self.bridge.quotes.connect(self.widget.model.on_quotes)
        self.bridge.frame.connect(self._frame)
        self.widget.model.flush()
        self.bridge.start()

    def _frame(self) -> None:
        if not self.bridge.frames % 2:
            self.widget.model.flush()

    def close(self) -> None:
        self.bridge.stop()
        self.bridge.detach()
        self.widget.close()


class Reference:
    """A per-event monitor: every quote sets its row's four cells from the bus callback (vnpy's BaseMonitor)."""

    def __init__(self, bus: Bus, insts: dict[str, m.Instrument]) -> None:
        self.widget = QTableWidget(len(insts), 5)
        self.widget.setHorizontalHeaderLabels(["Symbol", "Bid", "Bid size", "Ask", "Ask size"])
        self.rows: dict[str, list[QTableWidgetItem]] = {}
        for i, s in enumerate(insts):
            cells = [QTableWidgetItem("") for _ in range(5)]
            cells[0].setText(s)
            for c, item in enumerate(cells):
                self.widget.setItem(i, c, item)
            self.rows[s] = cells
        self.unsub: Callable[[], None] = bus.subscribe(m.QuoteTick, self.on_quote)

    def on_quote(self, q: m.QuoteTick) -> None:
        cells = self.rows[q.symbol]
        cells[1].setText(str(q.bid))
        cells[2].setText(str(q.bid_qty))
        cells[3].setText(str(q.ask))
        cells[4].setText(str(q.ask_qty))

    def close(self) -> None:
        self.unsub()
        self.widget.close()


async def drive(make: Callable[[Bus], Any], quotes: list[m.QuoteTick], seconds: float, rate: int, burst: int
                ) -> dict[str, float]:
    """Publish ``quotes`` (cycled) on a fresh bus to one side: ``rate`` quotes/s in bursts every 5 ms, or with
    ``rate`` 0 bursts of ``burst`` back to back (the loop given back between them)."""
    bus = Bus()
    side = make(bus)
    side.widget.resize(1280, 720)
    side.widget.show()
    await asyncio.sleep(0.3)  # first layout and paint before the clock starts
    probe = LagProbe()
    probe.start()
    n = len(quotes)
    per = rate * TICK_MS // 1000 if rate else burst
    sent = 0
    publish = bus.publish
    t0 = time.perf_counter()
    c0 = time.process_time()
    deadline = t0 + seconds
    while (now := time.perf_counter()) < deadline:
        if rate:  # catch up with the schedule (a side that cannot keep up falls behind: quotes/s says so)
            due = int((now - t0) * rate) - sent
            if due <= 0:
                await asyncio.sleep(TICK_MS / 1000)
                continue
            count = min(due, 4 * per)
        else:
            count = per
        base = sent % n
        chunk = quotes[base:base + count]
        for q in chunk:
            publish(q)
        sent += len(chunk)
        await asyncio.sleep(TICK_MS / 1000 if rate else 0)  # a burst per 5 ms (the feed's pace), or flat out
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    lags = probe.stop()
    side.close()
    return {"quotes_per_s": sent / elapsed, "cpu_per_s": cpu / elapsed, "seconds": elapsed,
            "p50": float(np.percentile(lags, 50)), "p99": float(np.percentile(lags, 99)), "max": float(lags.max())}


async def main_async(args: argparse.Namespace) -> int:
    insts = instruments(args.symbols)
    quotes = prebuilt(list(insts), 200_000)
    gc.collect()
    gc.freeze()  # the prebuilt quotes are the feed's, not the GUI's heap: kept out of both sides' collections
    results: dict[str, list[dict[str, float]]] = {"ours": [], "reference": []}
    for _ in range(args.rounds):  # alternate so that load on the machine hits both alike
        for side, make in (("ours", Ours), ("reference", Reference)):
            results[side].append(await drive(lambda bus: make(bus, insts), quotes, args.seconds, args.rate,
                                             args.burst))

    def med(side: str, key: str) -> float:
        return float(np.median([r[key] for r in results[side]]))

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    offered = f"{args.rate:,} quotes/s offered in 5 ms bursts" if args.rate else \
        f"as fast as each side absorbs (bursts of {args.burst})"
    print(f"quote board: {args.symbols:,} symbols, {offered}, {args.seconds:g} s x "
          f"{args.rounds} rounds each (medians), 1280x720 offscreen; load average {load}")
    for side, label in (("ours", "watchlist (bridge, per-frame)"), ("reference", "per-event QTableWidget")):
        print(f"  {label:32s} {med(side, 'quotes_per_s'):>11,.0f} quotes/s  CPU {100 * med(side, 'cpu_per_s'):5.1f} % of a core  "
              f"loop lag p50 {med(side, 'p50'):6.2f} ms"
              f"  p99 {med(side, 'p99'):7.2f} ms  max {med(side, 'max'):7.1f} ms")
    p99 = med("ours", "p99")
    if args.rate:
        ratio = med("ours", "cpu_per_s") / med("reference", "cpu_per_s")
        print(f"  same quotes at the same rate: ours uses {ratio:.2f}x the reference's CPU; ours p99 lag {p99:.2f} ms, "
              f"target < 20 ms: {'PASS' if p99 < 20 else 'FAIL'}")
    else:
        ratio = med("ours", "quotes_per_s") / med("reference", "quotes_per_s")
        print(f"  ours absorbs {ratio:.1f}x the reference's quotes/s; ours p99 lag {p99:.2f} ms, target < 20 ms: "
              f"{'PASS' if p99 < 20 else 'FAIL'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--symbols", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rate", type=int, default=150_000, help="quotes/s offered to each side (0: as fast as it goes)")
    p.add_argument("--burst", type=int, default=500, help="with --rate 0: quotes published before the loop is given "
                   "back")
    args = p.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())

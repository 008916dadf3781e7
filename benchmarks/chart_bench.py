"""Chart speed at 1M one-minute candles: the whole ChartWidget against a reference plot, in the same run.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/chart_bench.py [--candles N] [--frames N] [--repeats N]

The reference is a plain ``pg.PlotWidget`` of the same size holding only a culled ``CandleItem`` over the same
series (what any chart must at least pay). Each scenario is timed on both, in alternating repeats, and the medians
and their ratio are printed with the load average (the box is shared: only ratios from one run mean anything).
A frame = the update + ``grab()`` of the whole widget (a full render, offscreen; the chart's includes its
toolbar, legend, volume pane, grid, axes and the indicators on by default plus Bollinger bands). In the live
scenario both follow the latest candle (the view moves at each new one). Scenarios: the full view, a zoomed view
(~200 candles), panning across the history, zoomed-out panning (~100k in view), a live candle update (its frames
between new candles and its frames with a new candle also printed apart), and
``set_bars`` + the first frame (wall time, fresh widgets each repeat; then the chart finishes the indicator values
it defers past its first frame, as it does 100 ms later in the app). Targets (issue 16): live within 1.5x,
full/zoom/pan within 1.3x, set_bars + first frame under 0.15 s at 1M candles. Figures are CPU ms of this process
(steadier than wall time on a shared machine).
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WIDTH, HEIGHT = 1600, 900


def random_walk(n: int, seed: int = 7) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    c = 30_000 + np.cumsum(rng.normal(0, 8, n))
    c = np.maximum(c, 100.0)
    o = np.concatenate(([c[0]], c[:-1]))
    h = np.maximum(o, c) + rng.exponential(5, n)
    l = np.minimum(o, c) - rng.exponential(5, n)  # noqa: E741
    v = rng.exponential(20, n)
    t = 1_600_000_000_000 + np.arange(n, dtype=np.int64) * 60_000
    return t, o, h, l, c, v


def timed(frames: int, step: Callable[[int], None]) -> tuple[float, float]:
    """Steady-state (wall, CPU) ms per frame after one warm-up frame."""
    step(0)
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for k in range(1, frames + 1):
        step(k)
    return (time.perf_counter() - start) / frames * 1000, (time.process_time() - cpu) / frames * 1000


class Subject:
    """One chart under test: the widget, its price ViewBox and its series, and how a live candle reaches it."""

    def __init__(self, name: str, widget: Any, vb: Any, series: Any, update: Callable[..., None]) -> None:
        self.name, self.widget, self.vb, self.series, self.update = name, widget, vb, series, update


def settle_deferred(w: Any) -> None:
    """Let the chart do what it defers after its first frame, as the app's event loop does: the indicators of
    the history before the candles shown are computed 100 ms after it (a timer). Frames here are grabbed without
    an event loop, so the timer never ran: every zoomed or panned frame further back recomputed them from there."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + 30
    while w.studies.cache.partial and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def chart_subject(data: tuple[np.ndarray, ...]) -> tuple[Subject, float]:
    from terminal.ui.chart.widget import ChartWidget

    w = ChartWidget()
    w.resize(WIDTH, HEIGHT)
    w.set_symbol("BTCUSDT", 2)
    w.set_overlay_visible("bb", True)
    w.grab()
    t0 = time.perf_counter()
    w.set_bars(*data)
    w.grab()  # the first frame
    first_ms = (time.perf_counter() - t0) * 1000
    settle_deferred(w)
    w.set_follow_latest(False)
    return Subject("chart", w, w.price_plot.vb, w.series,
                   lambda t_ms, o, h, l, c, v: w.update_bar(t_ms, o, h, l, c, v)), first_ms  # noqa: E741


def reference_subject(data: tuple[np.ndarray, ...]) -> tuple[Subject, float]:
    import pyqtgraph as pg

    from terminal.ui.chart.candles import CandleItem
    from terminal.ui.chart.series import OhlcvSeries

    series = OhlcvSeries()
    w = pg.PlotWidget()
    w.resize(WIDTH, HEIGHT)
    item = CandleItem(series)
    w.addItem(item)
    vb = w.plotItem.vb
    w.plotItem.vb.setAutoVisible(y=True)
    w.plotItem.vb.enableAutoRange(x=False, y=True)
    w.grab()
    t0 = time.perf_counter()
    t = np.asarray(data[0], dtype=np.int64).astype(np.float64) / 1000.0
    series.set(t, *data[1:])
    item.data_changed()
    w.plotItem.vb.setXRange(float(t[-200]), float(t[-1]), padding=0)
    w.grab()
    first_ms = (time.perf_counter() - t0) * 1000

    def update(t_ms: int, o: float, h: float, l: float, c: float, v: float) -> None:  # noqa: E741
        appended = series.upsert(t_ms / 1000.0, o, h, l, c, v)
        item.data_changed()
        if appended:  # follow the latest candle, as the chart does
            x0, x1 = vb.viewRange()[0]
            vb.setXRange(x0 + series.interval, x1 + series.interval, padding=0)
    return Subject("reference", w, w.plotItem.vb, series, update), first_ms


def scenarios(s: Subject, nf: int) -> dict[str, Callable[[int], None]]:
    vb, t, w = s.vb, s.series.t, s.widget
    n = len(t)
    state = {"t": 0.0, "c": 0.0}

    def full(k: int) -> None:
        vb.setXRange(float(t[0]) - k % 2, float(t[-1]), padding=0)
        w.grab()

    def zoom(k: int) -> None:
        i = n - 300 - (k % 50)
        vb.setXRange(float(t[i]), float(t[i + 200]), padding=0)
        w.grab()

    def pan(k: int) -> None:  # ~200 candles in view, jumping across the whole history
        i = int((n - 201) * (k % nf) / max(nf - 1, 1))
        vb.setXRange(float(t[i]), float(t[i + 200]), padding=0)
        w.grab()

    def pan_wide(k: int) -> None:  # ~100k candles in view (the column LOD path)
        i = int((n - 100_001) * (k % nf) / max(nf - 1, 1)) if n > 100_001 else 0
        vb.setXRange(float(t[i]), float(t[min(i + 100_000, n - 1)]), padding=0)
        w.grab()

    def live(k: int) -> None:
        if k == 0:
            tt = s.series.t
            vb.setXRange(float(tt[-200]), float(tt[-1]), padding=0)
            state["t"], state["c"] = float(tt[-1]), float(s.series.c[-1])
        if k % 20 == 19:
            state["t"] += s.series.interval  # a new candle every 20 updates
        c = state["c"] + (k % 7 - 3)
        state["c"] = c
        s.update(int(round(state["t"] * 1000)), c, c + 4, c - 4, c + 1, 5.0)
        w.grab()

    return {"full view": full, "zoomed view (~200 candles)": zoom, "panning (~200 in view)": pan,
            "panning zoomed out (~100k in view)": pan_wide, "live update (update_bar + frame)": live}


def live_split(live: Callable[[int], None], frames: int) -> tuple[float, float]:
    """The live scenario frame by frame (CPU ms, medians): frames that replace the live candle, and frames that
    add a new one (every 20th: the view follows it)."""
    between: list[float] = []
    new: list[float] = []
    for k in range(1, frames + 1):
        cpu = time.process_time()
        live(k)
        (new if k % 20 == 19 else between).append((time.process_time() - cpu) * 1000)
    return statistics.median(between), statistics.median(new)


TARGETS = {"full view": 1.3, "zoomed view (~200 candles)": 1.3, "panning (~200 in view)": 1.3,
           "panning zoomed out (~100k in view)": 1.3, "live update (update_bar + frame)": 1.5}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candles", type=int, default=1_000_000)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    data = random_walk(args.candles)
    load0 = os.getloadavg()
    firsts: dict[str, list[float]] = {"chart": [], "reference": []}
    subjects: dict[str, Subject] = {}
    for _ in range(args.repeats):  # set_bars + first frame, on fresh widgets each repeat
        for make in (reference_subject, chart_subject):
            s, ms = make(data)
            firsts[s.name].append(ms)
            if s.name in subjects:
                subjects[s.name].widget.close()
                subjects[s.name].widget.deleteLater()
            subjects[s.name] = s
            app.processEvents()
            # the replaced widgets (and their 1M-candle arrays) go now: processEvents() never runs deferred deletes,
            # and a process holding every repeat's arrays pays page faults for the next one's (it swung 30-500 ms)
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            gc.collect()
    chart, ref = subjects["chart"], subjects["reference"]
    plans = {"chart": scenarios(chart, args.frames), "reference": scenarios(ref, args.frames)}
    names = list(plans["chart"])
    results: dict[str, dict[str, list[float]]] = {nm: {"chart": [], "reference": []} for nm in names}
    for name in names:
        if name.startswith("live"):
            chart.widget.set_follow_latest(True)
        for _ in range(args.repeats):
            for who in ("reference", "chart"):
                _, cpu = timed(args.frames, plans[who][name])
                results[name][who].append(cpu)
    split = {who: live_split(plans[who][names[-1]], args.frames * args.repeats) for who in subjects}
    load1 = os.getloadavg()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"candles: {len(chart.series):,}  widgets: {WIDTH}x{HEIGHT}  frames: {args.frames}  "
          f"repeats: {args.repeats}  (CPU ms per frame, medians of repeats; frame = update + grab())")
    print(f"load average: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} (start)  "
          f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} (end)")
    print(f"{'scenario':38s} {'chart':>9s} {'reference':>10s} {'ratio':>7s} {'target':>7s}")
    for name in names:
        c_ms = statistics.median(results[name]["chart"])
        r_ms = statistics.median(results[name]["reference"])
        print(f"{name:38s} {c_ms:9.2f} {r_ms:10.2f} {c_ms / r_ms:6.2f}x {TARGETS[name]:6.1f}x")
    (c_between, c_new), (r_between, r_new) = split["chart"], split["reference"]
    print(f"{'  live: frames between new candles':38s} {c_between:9.2f} {r_between:10.2f} {c_between / r_between:6.2f}x")
    print(f"{'  live: frames with a new candle':38s} {c_new:9.2f} {r_new:10.2f} {c_new / r_new:6.2f}x"
          f"  (1 in 20 of the live frames)")
    c_first, r_first = statistics.median(firsts["chart"]), statistics.median(firsts["reference"])
    print(f"{'set_bars + first frame (wall ms)':38s} {c_first:9.1f} {r_first:10.1f} {c_first / r_first:6.2f}x"
          f"  target < 150 ms")
    print(f"peak RSS: {rss_mb:.1f} MB")
    for s in subjects.values():
        s.widget.close()


if __name__ == "__main__":
    main()

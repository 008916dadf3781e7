"""Chart speed at 1M one-minute candles in a 1600x900 ChartWidget (offscreen).

Run: QT_QPA_PLATFORM=offscreen python benchmarks/chart_bench.py [--candles N] [--frames N]
Prints ms per frame (a frame = a full render of the widget with grab()) for the full view, a zoomed view
(~200 candles), panning across the history, zoomed-out panning, and a live candle update (update_bar + repaint),
then the process's peak RSS.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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


def timed(frames: int, step) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Steady-state (wall, CPU) ms per frame after one warm-up frame (it builds pyramid levels and caches once).
    CPU time is the steadier figure on a loaded machine."""
    step(0)
    start, cpu = time.perf_counter(), time.process_time()
    for k in range(frames):
        step(k)
    return (time.perf_counter() - start) / frames * 1000, (time.process_time() - cpu) / frames * 1000


def measure(frames: int, step, paint_ms: list[float]) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    paint_ms.clear()
    wall, cpu = timed(frames, step)
    item = float(np.median(paint_ms[1:])) if len(paint_ms) > 1 else float("nan")
    return wall, cpu, item


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candles", type=int, default=1_000_000)
    ap.add_argument("--frames", type=int, default=100)
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    from terminal.ui.chart.candles import CandleItem
    from terminal.ui.chart.widget import ChartWidget

    paint_ms: list[float] = []  # the candle item's own paint time, per frame
    original_paint = CandleItem.paint

    def timed_paint(self, *a):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        original_paint(self, *a)
        paint_ms.append((time.perf_counter() - t0) * 1000)

    CandleItem.paint = timed_paint  # type: ignore[method-assign]

    app = QApplication.instance() or QApplication([])
    w = ChartWidget()
    w.resize(1600, 900)
    w.set_symbol("BTCUSDT", 2)
    w.set_overlay_visible("bb", True)
    data = random_walk(args.candles)
    t0 = time.perf_counter()
    w.set_bars(*data)
    w.grab()  # first frame computes the overlays over the whole history
    first_ms = (time.perf_counter() - t0) * 1000
    app.processEvents()
    vb = w.price_plot.vb
    t = w.series.t
    iv = w.series.interval
    n = len(t)
    w.set_follow_latest(False)
    nf = args.frames

    def full(k: int) -> None:
        vb.setXRange(float(t[0]) - k % 2, float(t[-1]), padding=0)
        w.grab()

    def zoom(k: int) -> None:
        i = n - 300 - (k % 50)
        vb.setXRange(float(t[i]), float(t[i + 200]), padding=0)
        w.grab()

    def pan(k: int) -> None:  # ~200 candles in view, jumping across the whole history
        i = int((n - 201) * k / max(nf - 1, 1))
        vb.setXRange(float(t[i]), float(t[i + 200]), padding=0)
        w.grab()

    def pan_wide(k: int) -> None:  # ~100k candles in view (the column LOD path)
        i = int((n - 100_001) * k / max(nf - 1, 1)) if n > 100_001 else 0
        vb.setXRange(float(t[i]), float(t[min(i + 100_000, n - 1)]), padding=0)
        w.grab()

    full_ms = measure(max(nf // 5, 5), full, paint_ms)
    full_mode = w.candles.last_paint
    zoom_ms = measure(nf, zoom, paint_ms)
    pan_ms = measure(nf, pan, paint_ms)
    pan_wide_ms = measure(nf, pan_wide, paint_ms)
    vb.setXRange(float(t[-200]), float(t[-1]), padding=0)
    w.set_follow_latest(True)
    last = w.series.row(n - 1)
    state = {"t": last[0], "c": last[4]}

    def live(k: int) -> None:
        if k % 20 == 19:
            state["t"] += iv  # a new candle every 20 updates
        c = state["c"] + (k % 7 - 3)
        state["c"] = c
        w.update_bar(int(state["t"] * 1000), c, c + 4, c - 4, c + 1, 5.0)
        w.grab()

    live_ms = measure(nf, live, paint_ms)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"candles: {n:,}  widget: 1600x900  frames: {nf}  (frame = update + ChartWidget.grab())")
    print(f"set_bars + first frame (incl. overlays over all history): {first_ms:.1f} ms")
    print(f"{'scenario':44s} {'wall ms/frame':>14s} {'CPU ms/frame':>13s} {'candle paint ms':>16s}")
    rows = [(f"full view ({full_mode.mode}, pyramid level {full_mode.level})", full_ms),
            ("zoomed view (~200 candles)", zoom_ms), ("panning across history (~200 in view)", pan_ms),
            ("panning zoomed out (~100k in view)", pan_wide_ms), ("live update (update_bar + repaint)", live_ms)]
    for name, (wall, cpu, item) in rows:
        print(f"{name:44s} {wall:14.2f} {cpu:13.2f} {item:16.2f}")
    print(f"peak RSS: {rss_mb:.1f} MB")
    w.close()


if __name__ == "__main__":
    main()

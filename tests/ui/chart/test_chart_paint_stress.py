"""Regression guard for the Qt binding: paint a plot with the candle item thousands of times.

PySide6 6.12.0 on CPython 3.11 drops a reference to None on every void QPainter call and aborts the interpreter
(``Fatal Python error: none_dealloc``) after a few thousand paints. This test makes such an upgrade crash CI
instead of a user's session. Keep it cheap: a small widget, a few seconds.
"""
from __future__ import annotations

import sys

import pyqtgraph as pg

from chartdata import random_walk
from terminal.ui.chart.candles import CandleItem
from terminal.ui.chart.series import OhlcvSeries
from terminal.ui.chart.volume import VolumeItem

PAINTS = 3000


def test_candle_plot_survives_thousands_of_repaints(qtbot):
    t, o, h, l, c, v = random_walk(400)  # noqa: E741
    series = OhlcvSeries()
    series.set(t / 1000.0, o, h, l, c, v)
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(160, 120)
    candles, volume = CandleItem(series), VolumeItem(series)
    plot.addItem(candles)
    plot.addItem(volume)
    none_refs = sys.getrefcount(None)
    for k in range(PAINTS):
        if k % 2:
            series.upsert(float(series.t[-1]), o[-1], h[-1] + k % 7, l[-1], c[-1] + k % 5, v[-1])
            candles.data_changed()
        plot.setXRange(float(series.t[-1 - 40 - k % 300]), float(series.t[-1]), padding=0)  # both LOD paths
        plot.grab()
    assert candles.last_paint.primitives > 0
    # a leaking binding shows up here long before the interpreter dies
    assert sys.getrefcount(None) >= none_refs - 1000

"""What a live candle and a new history cost the chart: the work it does not redo (issue 16, item 2).

The figures are in ``benchmarks/chart_bench.py``; these tests pin the mechanisms: a candle that leaves the view's
range alone repaints neither the axes nor recomputes the grid, moves the last-price line without re-placing its
label, and a long history computes its indicators for the candles on screen first, the rest after the frame.
"""
from __future__ import annotations

import numpy as np
import pytest

from chartdata import random_walk
from terminal.strategy import indicators
from terminal.ui.chart.axispaint import LeanAxisPaint
from terminal.ui.chart.grid import GridItem

pytestmark = pytest.mark.gui


def _live_inside_range(chart) -> tuple[float, float, float, float, float]:
    """A replacement of the last candle whose prices stay inside the candles shown (the ranges do not move)."""
    t, o, h, lo, c, v = chart.series.row(len(chart.series) - 1)
    mid = (h + lo) / 2
    return o, h, lo, mid + (0.25 if mid + 0.25 != c else 0.5), v + 1.0


def test_a_live_candle_inside_the_range_repaints_no_axis_and_computes_no_grid(chart, qtbot, monkeypatch):
    chart.grab()
    chart.grab()  # the second frame of a view draws the live layer's picture (chart/livelayer.py)
    (x0, x1), (y0, y1) = chart.price_plot.vb.viewRange()
    axis_paints: list[object] = []
    grid_paths: list[object] = []
    original_specs, original_ticks = LeanAxisPaint.generateDrawSpecs, GridItem._ticks

    def counting_specs(self, *args):  # type: ignore[no-untyped-def]
        axis_paints.append(self)
        return original_specs(self, *args)

    def counting_ticks(axis, lo, hi, size):  # type: ignore[no-untyped-def]
        grid_paths.append(axis)
        return original_ticks(axis, lo, hi, size)

    monkeypatch.setattr(LeanAxisPaint, "generateDrawSpecs", counting_specs)  # every axis of the chart draws so
    monkeypatch.setattr(GridItem, "_ticks", staticmethod(counting_ticks))
    t_ms = int(round(chart.series.t[-1] * 1000))
    o, h, lo, c, v = _live_inside_range(chart)
    assert chart.update_bar(t_ms, o, h, lo, c, v)
    chart.grab()
    assert chart.price_plot.vb.viewRange() == [[x0, x1], [y0, y1]]  # the candle left the ranges alone
    assert float(chart.series.c[-1]) == c
    assert axis_paints == []  # the axes come from their pixmaps
    assert grid_paths == []  # the grid's lines are kept for the range
    # a range change draws them again
    chart.price_plot.vb.setXRange(x0 - 600, x1, padding=0)
    chart.grab()
    assert axis_paints and grid_paths


def test_the_last_price_line_follows_the_live_close_and_lays_out_each_new_text_once(chart, qtbot):
    line = chart.last_price_line
    t_ms = int(round(chart.series.t[-1] * 1000))
    o = float(chart.series.o[-1])
    chart.update_bar(t_ms, o, o + 50, o - 50, o + 12.5, 3.0)
    chart.grab()
    assert line.value() == o + 12.5
    assert line.text() == f"{o + 12.5:,.2f}"
    assert line.color().name() == chart._palette.up
    laid = line.texts_laid_out
    chart.grab()
    assert line.texts_laid_out == laid  # a repaint of the same price lays nothing out
    chart.update_bar(t_ms, o, o + 50, o - 50, o - 7.25, 3.0)  # the live candle turned down
    image = chart.grab().toImage()
    assert line.value() == o - 7.25
    assert line.text() == f"{o - 7.25:,.2f}"
    assert line.color().name() == chart._palette.down
    assert line.texts_laid_out == laid + 1
    assert line.isVisible()
    box = line.box_rect().translated(0, chart.view.y())  # the box, in the chart's pixels, in the down colour
    assert image.pixelColor(int(box.left()) + 1, int(box.top()) + 1).name() == chart._palette.down
    right = chart.price_plot.vb.sceneBoundingRect().right()
    assert right - 20 < box.right() <= right  # at the right of the plot


def test_a_long_history_computes_the_indicators_on_screen_first_and_the_rest_after_the_frame(qtbot):
    from terminal.ui.chart.indicator import DEFAULTS
    from terminal.ui.chart.widget import ChartWidget

    w = ChartWidget()
    qtbot.addWidget(w)
    w.resize(900, 560)
    w.set_symbol("BTCUSDT", 2)
    w.set_indicators([DEFAULTS[k] for k in ("sma", "ema", "bb", "rsi", "macd")])
    bars = random_walk(200_000, seed=3)
    w.set_bars(*bars)
    w.grab()
    cache, c = w.studies.cache, w.series.c
    assert cache.partial  # the candles before the first frame's are still to compute
    n = len(c)
    i0 = max(e.lo for e in cache._entries.values())  # the first candle computed by every indicator
    assert 0 < i0 < n - 100
    sma, ema, rsi = indicators.sma(c, 20), indicators.ema(c, 50), indicators.rsi(c, 14)
    mid, upper, lower = indicators.bollinger(c, 20, 2.0)
    # what the frame shows equals the whole-history computation (the moving sums of a shorter history are, if
    # anything, nearer the exact values: the whole one's cumulative sums carry ~1e-12 of rounding at 200k)
    shown = {"sma": (sma, 1e-9), "ema": (ema, 1e-12), "rsi": (rsi, 1e-9)}
    for kind, (want, rtol) in shown.items():
        got = cache._entries[kind].arrays["value"][:n]
        np.testing.assert_allclose(got[i0:], want[i0:], rtol=rtol)
    windows = np.lib.stride_tricks.sliding_window_view(c, 20)[i0 - 19:]  # the bands by their definition
    exact_upper = windows.mean(axis=1) + 2.0 * windows.std(axis=1)
    np.testing.assert_allclose(cache._entries["bb"].arrays["upper"][i0:n], exact_upper, rtol=1e-10)
    assert f"{ema[-1]:,.2f}" in w.legend_text() and f"{upper[-1]:,.2f}" in w.legend_text()
    qtbot.waitUntil(lambda: not cache.partial, timeout=10_000)  # then the rest, once the frame is out
    np.testing.assert_allclose(cache.get("ema", "value"), ema, rtol=1e-12)
    np.testing.assert_allclose(cache.get("sma", "value"), sma, rtol=1e-9)
    np.testing.assert_allclose(cache.get("rsi", "value"), rsi, rtol=1e-9)
    np.testing.assert_allclose(cache.get("bb", "lower"), lower, rtol=1e-9)
    assert np.isnan(cache.get("ema", "value")[:49]).all() and np.isfinite(cache.get("ema", "value")[49:]).all()


def _elements(path) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    return [(path.elementAt(i).x, path.elementAt(i).y) for i in range(path.elementCount())]


def test_a_live_candle_moves_the_last_point_of_each_overlay_line_instead_of_rebuilding_it(chart, qtbot):
    chart.layer.enabled = False  # whole lines at every frame (over the live layer's picture: their last points)
    chart.set_overlay_visible("bb", True)
    chart.grab()
    curves = [curve for kind in ("sma", "ema", "bb") for curve in chart.studies.curves[kind]]
    built = [curve.rebuilt for curve in curves]
    t_ms = int(round(chart.series.t[-1] * 1000))
    o, h, lo, c, v = _live_inside_range(chart)
    ranges = chart.price_plot.vb.viewRange()
    assert chart.update_bar(t_ms, o, h, lo, c, v)
    chart.grab()
    assert chart.price_plot.vb.viewRange() == ranges
    assert [curve.rebuilt for curve in curves] == built  # moved in place
    kept = [_elements(curve._path[1]) for curve in curves]
    for curve in curves:  # the same lines as paths built from scratch
        curve._path = None
    chart.grab()
    assert [curve.rebuilt for curve in curves] == [b + 1 for b in built]
    fresh = [_elements(curve._path[1]) for curve in curves]
    for a, b in zip(kept, fresh):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=0, atol=1e-9)
    # the view moved: built again
    chart.price_plot.vb.setXRange(*[x - 300 for x in ranges[0]], padding=0)
    chart.grab()
    assert all(curve.rebuilt == b + 2 for curve, b in zip(curves, built))


@pytest.mark.parametrize("zoom", [200, 20_000])  # bars, and one bar per pixel column
def test_translucent_volume_bars_drawn_through_a_layer_look_the_same_as_stroked_at_their_alpha(qtbot, monkeypatch,
                                                                                              zoom):
    from terminal.ui.chart.volume import VolumeItem
    from terminal.ui.chart.widget import ChartWidget

    w = ChartWidget()
    qtbot.addWidget(w)
    w.resize(900, 560)
    w.set_symbol("BTCUSDT", 2)
    w.set_bars(*random_walk(30_000, seed=5))
    w.set_follow_latest(False)
    t = w.series.t
    w.price_plot.vb.setXRange(float(t[-zoom]), float(t[-1]), padding=0)
    layered = w.view.grab().toImage()
    monkeypatch.setattr(VolumeItem, "LAYERED", False)
    w.volume.update()
    stroked = w.view.grab().toImage()
    assert layered.size() == stroked.size()
    a = np.frombuffer(layered.constBits(), np.uint8, layered.sizeInBytes()).astype(int)
    b = np.frombuffer(stroked.constBits(), np.uint8, stroked.sizeInBytes()).astype(int)
    assert np.abs(a - b).max() <= 2  # the same pixels, up to the blend's rounding
    assert w.volume.last_paint.primitives > 50


def test_the_chart_paints_its_own_background_without_a_style_sheet(chart):
    # a style sheet on the chart sent the painting of every child through Qt's style-sheet style
    assert chart.styleSheet() == ""
    chart.toolbar.hide()
    chart.view.hide()
    image = chart.grab().toImage()
    assert image.pixelColor(5, 5).name() == chart._palette.background
    chart.set_theme("light")
    assert chart.grab().toImage().pixelColor(5, 5).name() == chart._palette.background


def test_the_grid_draws_one_pixel_lines_not_stroked_paths(chart, monkeypatch):
    """Not a path, not even stroked lines: the pixels a 1-px line covers, filled (test_chart_axis_cost.py)."""
    from PySide6.QtGui import QPainter

    strokes: list[str] = []
    drawn: list[int] = []
    draw_path, draw_rects = QPainter.drawPath, QPainter.drawRects

    def counting_path(self, *args):  # type: ignore[no-untyped-def]
        strokes.append("path")
        return draw_path(self, *args)

    def counting_rects(self, rects):  # type: ignore[no-untyped-def]
        drawn.append(len(rects))
        return draw_rects(self, rects)

    monkeypatch.setattr(QPainter, "drawPath", counting_path)
    monkeypatch.setattr(QPainter, "drawRects", counting_rects)
    image = chart.view.grab().toImage()
    for grid in chart.grids:
        strokes.clear()
        drawn.clear()
        painter = QPainter(image)
        grid.paint(painter)
        painter.end()
        assert strokes == [] and len(drawn) == 1 and drawn[0] >= 4  # every tick line in one call


def _count_auto_range(vb) -> list[int]:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    original = vb.updateAutoRange

    def counted() -> None:
        calls.append(1)
        original()
    vb.updateAutoRange = counted
    return calls


def _fitted(vb) -> list[float]:  # type: ignore[no-untyped-def]
    """The view's y range as a full auto-range computes it now (from every item's extent)."""
    vb._autoRangeNeedsUpdate = True
    vb.updateAutoRange()
    return list(vb.viewRange()[1])


def test_a_live_candle_inside_the_extents_fits_neither_plot_again_and_one_that_moves_an_end_does(chart, qtbot):
    price_vb, volume_vb = chart.price_plot.vb, chart.volume_plot.vb
    chart.grab()
    chart.grab()  # the first frame's fit asks for one more
    price_calls, volume_calls = _count_auto_range(price_vb), _count_auto_range(volume_vb)
    ranges = (list(price_vb.viewRange()[1]), list(volume_vb.viewRange()[1]))
    t_ms = int(round(chart.series.t[-1] * 1000))
    for k in range(5):  # inside: no auto-range of either plot, the same ranges
        o, h, lo, c, v = _live_inside_range(chart)
        assert chart.update_bar(t_ms, o, h, lo, c + k, v)
        chart.grab()
    assert (price_calls, volume_calls) == ([], [])
    assert (list(price_vb.viewRange()[1]), list(volume_vb.viewRange()[1])) == ranges
    # the live candle makes the new top and the new volume top: both plots grow
    i0, i1 = chart.series.visible_slice(*price_vb.viewRange()[0])
    top, vtop = float(chart.series.h[i0:i1].max()), float(chart.series.v[i0:i1].max())
    o = float(chart.series.o[-1])
    assert chart.update_bar(t_ms, o, top + 100.0, o - 1.0, o + 1.0, vtop * 2)
    chart.grab()
    chart.grab()  # the fit's own follow-up (a changed range asks for one more), so nothing is pending
    assert price_vb.viewRange()[1][1] > ranges[0][1] and volume_vb.viewRange()[1][1] > ranges[1][1]
    # and back inside: the ends it made are gone, both plots shrink back to what a full fit gives
    assert chart.update_bar(t_ms, o, o + 1.0, o - 1.0, o + 0.5, 1.0)
    chart.grab()
    assert list(price_vb.viewRange()[1]) == ranges[0] == _fitted(price_vb)
    assert list(volume_vb.viewRange()[1]) == ranges[1] == _fitted(volume_vb)


def test_the_chart_fills_only_what_its_view_does_not_cover(chart, qtbot, monkeypatch):
    """The view paints its own opaque background: the chart's fill under it was a whole-widget fill per frame."""
    from PySide6.QtGui import QImage, QPainter, QRegion

    from terminal.ui.chart import widget as widget_module

    filled = QRegion()

    class Recording(QPainter):
        def fillRect(self, rect, *args):  # type: ignore[no-untyped-def]  # noqa: N802
            nonlocal filled
            filled = filled.united(QRegion(rect.toRect() if hasattr(rect, "toRect") else rect))
            super().fillRect(rect, *args)
    monkeypatch.setattr(widget_module, "QPainter", Recording)
    chart.resize(900, 560)
    image = chart.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert not filled.isEmpty()
    assert filled.intersected(QRegion(chart.view.geometry())).isEmpty()
    assert filled.united(QRegion(chart.view.geometry())).boundingRect() == chart.rect()
    # the toolbar's strip and the view's background: the chart's colour, as before
    background = chart._background.rgb()
    assert image.pixel(chart.width() - 2, 1) == background
    assert image.pixel(2, chart.view.geometry().top() + 60) == chart.view.backgroundBrush().color().rgb()


def test_panning_sets_no_axis_label(chart, qtbot, monkeypatch):
    """The plots' hidden axes follow the view too: with pyqtgraph's SI prefix on, every range change set their
    label's HTML (a text document) and re-sized them."""
    import pyqtgraph as pg

    chart.set_indicators(chart.studies.with_kind("rsi", True))
    chart.grab()
    labels: list[str] = []
    original = pg.AxisItem._updateLabel

    def counted(axis) -> None:  # type: ignore[no-untyped-def]
        labels.append(axis.orientation)
        original(axis)
    monkeypatch.setattr(pg.AxisItem, "_updateLabel", counted)
    t = chart.series.t
    for k in range(3):
        chart.price_plot.vb.setXRange(float(t[100 + 50 * k]), float(t[300 + 50 * k]), padding=0)
        chart.grab()
    assert chart.price_plot.vb.viewRange()[0][0] == float(t[200])
    assert labels == []


def test_price_and_volume_ticks_are_pyqtgraphs_without_its_isclose(qtbot, monkeypatch):
    import pyqtgraph as pg

    from terminal.ui.chart.axis import PriceAxis, VolumeAxis

    rng = np.random.default_rng(5)
    cases = [(float(a), float(a + w), float(px)) for a, w, px in zip(rng.normal(30_000, 5_000, 60),
                                                                    rng.exponential(800, 60), rng.uniform(80, 900, 60))]
    cases += [(0.0, 1e-9, 100.0), (-5.0, 5.0, 400.0), (0.0, 250_000.0, 140.0), (1e-6, 3e-6, 300.0)]
    wanted = [pg.AxisItem("right").tickValues(*case) for case in cases]
    calls: list[int] = []
    isclose = np.isclose

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return isclose(*args, **kwargs)
    monkeypatch.setattr(np, "isclose", counted)
    for axis in (PriceAxis("right"), VolumeAxis("right")):
        for case, levels in zip(cases, wanted):
            assert axis.tickValues(*case) == levels, case
    assert calls == []

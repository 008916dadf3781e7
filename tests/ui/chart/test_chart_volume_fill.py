"""The volume bars written into their layer as pixels (chart/barfill.py) look as the strokes did (issue 16, item 2)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from terminal.ui.chart.barfill import fill_bars
from terminal.ui.chart.lod import bar_pen, vlines_path
from terminal.ui.chart.volume import VolumeItem

pytestmark = pytest.mark.gui
UP, DOWN = QColor("#26a69a"), QColor("#ef5350")


def _stroked(x, top, bottom, up, bw, width, height) -> QImage:  # type: ignore[no-untyped-def]
    image = QImage(width + 5, height + 5, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for mask, color in ((up, UP), (~up, DOWN)):
        if mask.any():
            painter.setPen(bar_pen(color, bw))
            painter.drawPath(vlines_path(x[mask] + 0.5, top[mask], bottom[mask]))
    painter.end()
    return image


@pytest.mark.parametrize("bw", [1, 3, 5, 9, 21])
@pytest.mark.parametrize("same_base", [True, False])
def test_bars_written_as_pixels_are_the_strokes_pixels(qtbot, bw, same_base):
    rng = np.random.default_rng(bw)
    for _ in range(5):
        spacing = bw + int(rng.integers(0, 4))
        n = int(rng.integers(1, 400 // spacing + 2))
        x = (bw // 2 + 1 + np.arange(n) * spacing).astype(np.float64)
        height = int(rng.integers(5, 160))
        bottom = np.full(n, float(height - 1)) if same_base else np.floor(rng.uniform(2, height, n))
        top = np.minimum(np.floor(rng.uniform(0, height - 1, n)), bottom - 1)
        up = rng.uniform(size=n) > 0.5
        width = int(x[-1]) + bw + 2
        filled = QImage(width + 5, height + 5, QImage.Format.Format_ARGB32_Premultiplied)
        filled.fill(QColor("#123456"))  # a stale layer: every pixel of the corner must be set
        colors = np.where(up, np.uint32(UP.rgba()), np.uint32(DOWN.rgba()))
        assert fill_bars(filled, x, top, bottom, colors, bw, width, height)
        assert filled.copy(0, 0, width, height) == _stroked(x, top, bottom, up, bw, width, height).copy(
            0, 0, width, height)


def test_bars_that_cannot_be_written_as_whole_pixels_are_left_to_the_strokes(qtbot):
    image = QImage(100, 50, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    x, top, bottom = np.array([10.0, 20.0]), np.array([5.0, 8.0]), np.array([40.0, 40.0])
    colors = np.array([UP.rgba(), DOWN.rgba()], dtype=np.uint32)
    assert not fill_bars(image, x, top, bottom, colors, 2, 90, 45)  # even width: no centre column
    assert not fill_bars(image, x + 0.5, top, bottom, colors, 3, 90, 45)  # off the pixel grid
    assert not fill_bars(image, np.array([10.0, 12.0]), top, bottom, colors, 3, 90, 45)  # overlapping
    assert not fill_bars(image, x, top, bottom + 20, colors, 3, 90, 45)  # past the image
    assert image.constBits().tobytes() == bytes(image.sizeInBytes())  # nothing written


@pytest.mark.parametrize("span", [2000, 600, 120, 40, 12])  # columns (one per pixel), bars 1 to ~60 px wide
def test_the_volume_pane_looks_the_same_with_its_bars_written_as_pixels(chart, qtbot, monkeypatch, span):
    from terminal.ui.chart import volume

    t = chart.series.t
    chart.set_follow_latest(False)
    chart.resize(1100, 640)
    chart.price_plot.vb.setXRange(float(t[-span]), float(t[-1]), padding=0)
    chart.grab()
    strokes: list[int] = []
    draw_bars = VolumeItem._draw_bars

    def counted(*args):  # type: ignore[no-untyped-def]
        strokes.append(len(args[1]))  # bars stroked in the call
        return draw_bars(*args)
    monkeypatch.setattr(VolumeItem, "_draw_bars", staticmethod(counted))
    chart.volume._settled = None
    chart.view.layer.invalidate()  # the chart's settled picture drawn again (not the live bar alone over it)
    written = chart.grab().toImage()
    # the settled bars written (the live bar, alone in its own layer, and a handful are cheaper stroked)
    assert all(n < volume.FILL_MIN_BARS for n in strokes)
    # (the live bar, alone, from a column of its colour: never stroked)
    assert (sum(strokes) == chart.volume.last_paint.primitives - 1) == (span < volume.FILL_MIN_BARS)
    strokes.clear()
    monkeypatch.setattr(volume, "fill_bars", lambda *args: False)
    chart.volume._settled = None
    chart.view.layer.invalidate()
    stroked = chart.grab().toImage()
    assert strokes
    assert written == stroked
    assert chart.volume.last_paint.mode == ("columns" if span >= 600 else "bodies")


def test_a_written_layer_is_not_cleared_first(chart, qtbot, monkeypatch):
    """Every pixel the frame takes from the layer is written: clearing the whole kept layer first (~1 MB at
    1600 px) was wasted."""
    t = chart.series.t
    chart.set_follow_latest(False)
    chart.price_plot.vb.setXRange(float(t[0]), float(t[-1]), padding=0)
    chart.grab()
    cleared: list[object] = []
    fill = QImage.fill

    def counted(image, *args):  # type: ignore[no-untyped-def]
        if image is chart.volume._layers[0]:  # the settled bars' (the live bar alone is stroked: cleared)
            cleared.append(image)
        return fill(image, *args)
    monkeypatch.setattr(QImage, "fill", counted)
    chart.volume._settled = None
    chart.price_plot.vb.setXRange(float(t[1]), float(t[-1]), padding=0)
    chart.grab()
    assert chart.volume.layers_built and chart.volume.last_paint.mode == "columns"
    assert cleared == []


@pytest.mark.parametrize("span", [600, 120, 12])
def test_the_live_bar_alone_has_the_pixels_it_had_in_its_own_layer(chart, qtbot, monkeypatch, span):
    """The live bar is put on the frame as a corner of a kept column of its colour: the pixels of the bar drawn
    opaque into a cleared layer and blended at the bars' alpha, up and down, at each live candle."""
    t = chart.series.t
    chart.set_follow_latest(False)
    chart.resize(1100, 640)
    # (a little room right of the live bar: at the plot's edge half of it is clipped)
    chart.price_plot.vb.setXRange(float(t[-span]), float(t[-1]) + span / 50 * chart.series.interval, padding=0)
    chart.grab()
    last = float(chart.series.c[-1])
    for k, close in enumerate((last + 30, last - 30, last + 5, last - 80)):  # up, down, ...
        chart.update_bar(int(t[-1] * 1000), last, max(last, close) + 3, min(last, close) - 3, close, 40.0 + 25 * k)
        monkeypatch.setattr(VolumeItem, "BAR_COLUMNS", True)
        columns = chart.grab().toImage()
        monkeypatch.setattr(VolumeItem, "BAR_COLUMNS", False)
        layered = chart.grab().toImage()
        assert columns == layered, (span, k)
    assert chart.volume._layers[2] is not None and chart.volume._layers[3] is not None  # both colours were used

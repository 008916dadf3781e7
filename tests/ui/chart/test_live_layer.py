"""Live frames over the settled picture (chart/livelayer.py) have the pixels of a whole paint (issue 16, item 2).

Each step below changes the chart as a user or the market would; after each, the frame painted through the layer
is compared with the frame painted whole (the layer switched off) pixel for pixel. A stale picture (a change the
layer did not see) or an item painted out of its stacking order fails here.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from chartdata import random_walk

pytestmark = pytest.mark.gui


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(
        image.height(), image.bytesPerLine())[:, : image.width() * 4].copy()


def _same_as_whole(chart, over_picture: bool = True) -> None:  # type: ignore[no-untyped-def]
    layer = chart.layer
    chart.grab()  # (a frame unlike the last one is painted whole: the picture comes with the second)
    frames = layer.layered_frames
    layered = _pixels(chart.grab().toImage())
    assert layer.layered_frames == frames + over_picture  # painted over the picture (or whole)
    layer.enabled = False
    try:
        whole = _pixels(chart.grab().toImage())
    finally:
        layer.enabled = True
    where = np.argwhere((layered != whole).reshape(layered.shape[0], -1, 4).any(axis=2))
    assert not len(where), f"{len(where)} pixels differ, first at (row, column) {where[0].tolist()}"


def _tick(chart, dt: int = 0, move: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    s = chart.series
    t_ms = int(round(float(s.t[-1]) * 1000)) + dt * 60_000
    o = float(s.o[-1]) if dt == 0 else float(s.c[-1])
    c = float(s.c[-1]) + move
    chart.update_bar(t_ms, o, max(o, c) + 2, min(o, c) - 2, c, float(s.v[-1]) + 1)


def _calls(monkeypatch, cls, name: str) -> list[object]:  # type: ignore[no-untyped-def]
    """The instances on which ``cls.name`` is called from now on (the method still runs)."""
    calls: list[object] = []
    method = getattr(cls, name)

    def recorded(self, *args):  # type: ignore[no-untyped-def]
        calls.append(self)
        return method(self, *args)
    monkeypatch.setattr(cls, name, recorded)
    return calls


@pytest.fixture
def live_chart(qtbot):  # type: ignore[no-untyped-def]
    from terminal.ui.chart.widget import ChartWidget

    w = ChartWidget()
    qtbot.addWidget(w)
    w.resize(1000, 620)
    w.set_symbol("BTCUSDT", 2)
    w.set_overlay_visible("bb", True)
    w.set_bars(*random_walk(3000))
    w.set_order_lines([("a", float(w.series.c[-1]) + 15, "sell", "SELL 0.10000"),
                       ("b", float(w.series.c[-1]) - 15, "buy", "BUY 0.10000")])
    w.add_fill_markers([(float(w.series.t[-5]), float(w.series.c[-5]), "buy")])
    w.grab()
    return w


def test_live_ticks_are_painted_over_one_picture_with_the_pixels_of_a_whole_paint(live_chart):
    chart, layer = live_chart, live_chart.layer
    _same_as_whole(chart)
    pictures, layered = layer.pictures, layer.layered_frames
    for move in (1.5, -2.0, 0.5, 2.5, -1.0):  # the live candle moves inside the range shown
        _tick(chart, 0, move)
        _same_as_whole(chart)
    assert layer.layered_frames >= layered + 5  # the frames went through the layer...
    assert layer.pictures == pictures  # ...over the same picture: nothing else changed
    assert chart.candles.last_paint.last == len(chart.series)  # and the live candle was painted


@pytest.mark.parametrize("step", ["new candle", "beyond the range", "zoom", "pan back", "theme", "decimals",
                                  "rsi pane", "macd pane", "resize", "order lines", "fills", "crosshair",
                                  "scrolled back, live candle out of view"])
def test_every_change_shows_in_the_next_live_frame(live_chart, qtbot, step):
    chart = live_chart
    t = chart.series.t
    if step == "new candle":
        _tick(chart, 1, 4.0)
    elif step == "beyond the range":
        _tick(chart, 0, 400.0)  # the price range fits again: axis and grid move
    elif step == "zoom":
        chart.set_follow_latest(False)
        chart.price_plot.vb.setXRange(float(t[-80]), float(t[-1]) + 120, padding=0)
    elif step == "pan back":
        chart.set_follow_latest(False)
        chart.price_plot.vb.setXRange(float(t[-400]), float(t[-150]), padding=0)
    elif step == "theme":
        chart.set_theme("light")
    elif step == "decimals":
        chart.set_symbol("BTCUSDT", 4)
    elif step == "rsi pane":
        chart.set_overlay_visible("rsi", True)
    elif step == "macd pane":
        chart.set_overlay_visible("macd", True)
    elif step == "resize":
        chart.resize(1100, 700)
    elif step == "order lines":
        chart.set_order_lines([("c", float(chart.series.c[-1]) + 5, "buy", "BUY 1.00000")])
    elif step == "fills":
        chart.add_fill_markers([(float(t[-2]), float(chart.series.c[-2]), "sell")])
    elif step == "crosshair":
        vb = chart.price_plot.vb
        chart.crosshair._on_mouse_moved(vb.mapViewToScene(QPointF(float(t[-20]), float(chart.series.c[-20]))))
        assert chart.crosshair.vline.isVisible()
    elif step == "scrolled back, live candle out of view":
        chart.set_follow_latest(False)
        chart.price_plot.vb.setXRange(float(t[-600]), float(t[-300]), padding=0)
    _same_as_whole(chart)
    for move in (2.0, -3.0):  # and the live frames after it
        _tick(chart, 0, move)
        _same_as_whole(chart)


def test_thin_candles_drawn_as_columns_are_painted_whole(live_chart):
    chart, layer = live_chart, live_chart.layer
    chart.set_follow_latest(False)
    t = chart.series.t
    chart.price_plot.vb.setXRange(float(t[0]), float(t[-1]), padding=0)  # 3,000 candles in ~900 px
    whole = layer.whole_frames
    _tick(chart, 0, 1.0)
    _same_as_whole(chart, over_picture=False)
    assert layer.whole_frames > whole
    assert chart.candles.last_paint.mode == "columns"


def test_a_shown_chart_repaints_live_candles_through_the_layer(live_chart, qtbot):
    chart, layer = live_chart, live_chart.layer
    chart.show()
    qtbot.waitExposed(chart)
    frames = layer.layered_frames
    _tick(chart, 0, 1.0)
    qtbot.waitUntil(lambda: layer.layered_frames > frames)
    price = Decimal(str(round(float(chart.series.c[-1]), 2)))
    assert chart.last_price_line.text().replace(",", "") == f"{price:.2f}"


def test_a_scrolled_back_chart_keeps_its_volume_bars_in_the_next_frames(live_chart):
    """The volume's settled layer was kept, and the next frame of a chart scrolled back (the live bar out of view)
    drew nothing of it: the bars vanished at the first repaint (a crosshair over the volume pane, a live tick)."""
    chart = live_chart
    chart.layer.enabled = False  # the volume item alone, painted whole
    chart.set_follow_latest(False)
    t = chart.series.t
    chart.price_plot.vb.setXRange(float(t[-600]), float(t[-300]), padding=0)
    chart.grab()  # (the price range fits the candles shown at this first frame's paint)
    first = _pixels(chart.grab().toImage())
    again = _pixels(chart.grab().toImage())
    top = int(chart.volume_plot.vb.sceneBoundingRect().top()) + chart.view.y() + 2
    bars = first[top:] != first[top, 8]  # pixels unlike the background at the pane's top-left
    assert bars.sum() > 1000
    assert (first[top:] != again[top:]).sum() == 0


@pytest.mark.parametrize("candles", [40, 120, 250])  # ~22, ~7 and ~3.5 px a candle
def test_indicator_lines_are_cut_in_two_parts_with_the_pixels_of_the_whole_line(live_chart, candles):
    """A solid indicator line is in the picture left of a cut just before its second-to-last point, and only its
    last points are drawn over it; the dashed one (its dashes run from its start) is drawn whole."""
    from terminal.ui.chart.overlays import OverlayCurve

    chart = live_chart
    chart.set_follow_latest(False)
    t = chart.series.t
    chart.price_plot.vb.setXRange(float(t[-candles]), float(t[-1]) + 60, padding=0)
    _same_as_whole(chart)
    for move in (1.0, -2.5, 4.0):
        _tick(chart, 0, move)
        _same_as_whole(chart)
    _tick(chart, 0, 0.5)
    frames = chart.layer.layered_frames
    chart.grab()
    assert chart.layer.layered_frames == frames + 1
    lines = [c for c in chart.price_plot.vb.childGroup.childItems() if isinstance(c, OverlayCurve)]
    solid = [c.drawn_points for c in lines if c._pen.style() == Qt.PenStyle.SolidLine]
    dashed = [c.drawn_points for c in lines if c._pen.style() != Qt.PenStyle.SolidLine]
    assert solid and all(0 < n <= 12 for n in solid)  # the last points alone
    assert dashed and all(n >= candles - 2 for n in dashed)


def test_a_lines_live_part_is_drawn_from_the_plan_its_settled_part_made(live_chart, monkeypatch):
    """The settled part of a solid line (drawn with the picture) leaves the live part its plan (cut, first point,
    the points' x): a live tick draws the last points from it, without finding the visible candles and the cut
    again; a new view makes a new plan (the pixels: the tests above)."""
    from terminal.ui.chart.overlays import OverlayCurve

    chart = live_chart
    chart.set_follow_latest(False)
    t = chart.series.t
    chart.price_plot.vb.setXRange(float(t[-150]), float(t[-1]) + 60, padding=0)
    chart.grab()
    chart.grab()  # the picture
    cuts = _calls(monkeypatch, OverlayCurve, "_cut")
    for move in (1.0, -2.0, 3.0):
        _tick(chart, 0, move)
        frames = chart.layer.layered_frames
        chart.grab()
        assert chart.layer.layered_frames == frames + 1
    # the dashed line (no cut) is drawn whole each frame; the solid ones not once
    lines = [c for c in chart.price_plot.vb.childGroup.childItems() if isinstance(c, OverlayCurve)]
    solid = [c for c in lines if c._pen.style() == Qt.PenStyle.SolidLine]
    assert solid and not any(c in cuts for c in solid)
    assert all(0 < c.drawn_points <= 12 for c in solid)
    chart.price_plot.vb.setXRange(float(t[-120]), float(t[-1]) + 60, padding=0)
    chart.grab()
    chart.grab()  # a new picture: the settled parts cut the lines again
    assert all(c in cuts for c in solid)
    _same_as_whole(chart)


def test_items_that_draw_nothing_are_not_painted(qtbot, monkeypatch):
    """Order overlays without orders and the plots' border without a pen draw nothing: they are items without
    contents, which neither Qt nor the live frames paint; an order or a border pen makes them paint again."""
    from PySide6.QtGui import QColor

    from terminal.ui.chart.orderlines import OrderOverlay
    from terminal.ui.chart.widget import ChartWidget

    chart = ChartWidget()
    qtbot.addWidget(chart)
    chart.resize(900, 560)
    chart.set_symbol("BTCUSDT", 2)
    chart.set_bars(*random_walk(500))
    painted = _calls(monkeypatch, OrderOverlay, "paint")
    for _ in range(3):  # whole, picture, live
        _tick(chart)
        chart.grab()
    assert painted == []
    chart.set_order_lines([("a", float(chart.series.c[-1]) + 5, "sell", "SELL 1")])
    before = _pixels(chart.grab().toImage())
    assert chart.order_lines in painted
    chart.set_order_lines([])
    painted.clear()
    after = _pixels(chart.grab().toImage())
    assert painted == [] and (before != after).any()
    vb = chart.price_plot.vb
    chart.grab()
    plain = _pixels(chart.grab().toImage())
    vb.setBorder(QColor("#ff00ff"))
    chart.layer.invalidate()
    chart.grab()
    bordered = _pixels(chart.grab().toImage())
    assert (plain != bordered).any()
    vb.setBorder(None)
    chart.layer.invalidate()
    chart.grab()
    assert (_pixels(chart.grab().toImage()) == plain).all()

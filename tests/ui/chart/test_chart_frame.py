"""The chart's frame caches draw what the uncached drawing drew (issue 16, item 2).

Each cache here (the axes' lean drawing, the volume and overlay layers, the legend) is checked against the plain
drawing of the same state, and against a state change that must show: a stale picture fails these tests.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter, QPicture

pytestmark = pytest.mark.gui


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(
        image.height(), image.bytesPerLine())[:, : image.width() * 4].astype(int)


def _pyqtgraph_paint(axis, painter, *_) -> None:  # type: ignore[no-untyped-def]
    """``pg.AxisItem.paint`` with pyqtgraph's own spec and drawing (the subclass overrides both)."""
    picture = QPicture()
    recorder = QPainter(picture)
    if axis.style["tickFont"]:
        recorder.setFont(axis.style["tickFont"])
    specs = pg.AxisItem.generateDrawSpecs(axis, recorder)
    if specs is not None:
        pg.AxisItem.drawPicture(axis, recorder, *specs)
    recorder.end()
    picture.play(painter)


def _axis_image(axis, paint) -> np.ndarray:  # type: ignore[no-untyped-def]
    rect = axis.boundingRect().toAlignedRect()
    image = QImage(rect.width() + 2, rect.height() + 2, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.translate(-rect.x() + 1, -rect.y() + 1)
    axis.picture = None
    paint(axis, painter, None, None)
    painter.end()
    return _pixels(image)


@pytest.mark.parametrize("span", [30, 600, 2000])  # candles in view: minutes, hours, days on the time axis
def test_each_axis_draws_the_labels_and_ticks_pyqtgraph_draws(chart, span):
    t = chart.series.t
    chart.set_follow_latest(False)
    chart.price_plot.vb.setXRange(float(t[-span]), float(t[-1]), padding=0)
    chart.grab()
    axes = [chart.price_axis, chart.volume_plot.getAxis("right"), chart.volume_plot.getAxis("bottom")]
    for axis in axes:
        lean = _axis_image(axis, type(axis).paint)
        plain = _axis_image(axis, _pyqtgraph_paint)
        assert (lean != 0).any()  # labels were drawn
        rows, cols = np.nonzero(np.abs(lean - plain))
        # the same labels at the same places; pyqtgraph replays a QPicture, whose stored coordinates put a
        # zero-length tick's dot a pixel off now and then: only the tick line (next to the axis line) may differ
        along = cols // 4 if axis.orientation == "right" else rows
        assert (along <= 2).all(), type(axis).__name__



@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, on show()
def test_the_legend_draws_what_a_rich_text_label_draws_of_the_same_markup(chart, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    chart.show()
    qtbot.waitExposed(chart)
    chart.set_overlay_visible("bb", True)
    legend = chart.readout
    assert legend.width() > 500
    assert "<br>" in legend.text() and "BB 20,2" in chart.legend_text()
    label = QLabel(chart.view)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setText(legend.text())
    label.setGeometry(legend.geometry())
    label.show()
    drawn, wanted = _pixels(legend.grab().toImage()), _pixels(label.grab().toImage())
    _same_text_drawn(drawn, wanted)


def _same_text_drawn(drawn: np.ndarray, wanted: np.ndarray) -> None:
    """The same lines of text, from and to the same places, as much ink, in the same colours. Not the same pixels:
    QStaticText and QLabel's text layout put glyphs at subpixel positions that differ with the font size (at the
    theme's 9.5 pt, set by any window made earlier in a run, a long line drifts by a column here and there)."""
    def ink(image: np.ndarray) -> np.ndarray:
        px = image.reshape(image.shape[0], -1, 4)
        return np.abs(px - px[0, 0]).sum(axis=2) > 60

    def colours(image: np.ndarray) -> list[tuple[int, ...]]:
        px = image.reshape(image.shape[0], -1, 4)[ink(image)] // 32  # coarse: anti-aliased edges blend
        values, counts = np.unique(px, axis=0, return_counts=True)
        return sorted(tuple(v) for v, n in zip(values, counts) if n >= counts.max() // 4)

    a, b = ink(drawn), ink(wanted)
    assert b.any() and a.any()
    rows_a, rows_b = np.nonzero(a.any(axis=1))[0], np.nonzero(b.any(axis=1))[0]
    cols_a, cols_b = np.nonzero(a.any(axis=0))[0], np.nonzero(b.any(axis=0))[0]
    assert abs(rows_a[0] - rows_b[0]) <= 1 and abs(rows_a[-1] - rows_b[-1]) <= 1, (rows_a, rows_b)
    assert abs(cols_a[0] - cols_b[0]) <= 1 and abs(cols_a[-1] - cols_b[-1]) <= 0.01 * a.shape[1], (cols_a, cols_b)
    assert abs(int(a.sum()) - int(b.sum())) <= 0.06 * b.sum(), (a.sum(), b.sum())
    assert colours(drawn) == colours(wanted)


def test_a_live_candle_redraws_the_legend_and_an_unchanged_one_is_not_drawn_again(chart, qtbot):
    chart.grab()
    legend = chart.readout
    before = _pixels(legend.grab().toImage())
    rendered = legend.rendered
    chart.grab()  # nothing changed: the legend's picture is reused
    assert legend.rendered == rendered
    t_ms = int(round(chart.series.t[-1] * 1000))
    o = float(chart.series.o[-1])
    assert chart.update_bar(t_ms, o, o + 40, o - 40, o + 17.25, 9.0)
    chart.grab()
    assert legend.rendered == rendered + 1
    assert f"C {o + 17.25:,.2f}" in chart.legend_text()
    assert not np.array_equal(_pixels(legend.grab().toImage()), before)  # the new close is on screen


def test_the_legend_keeps_markup_it_does_not_know_as_text():
    from terminal.ui.chart.legend import parse

    lines = parse("<b style='color:#fff'>A&amp;B</b>&nbsp;<i>x</i><br><span style='color:#123456'>C</span>")
    assert ["".join(r.text for r in line) for line in lines] == ["A&B\xa0<i>x</i>", "C"]
    assert lines[0][0].bold and lines[0][0].color == "#fff" and lines[1][0].color == "#123456"


def _screen(chart) -> np.ndarray:  # type: ignore[no-untyped-def]
    """What the window shows (the offscreen platform's backing store), not a fresh render."""
    return _pixels(chart.screen().grabWindow(chart.winId()).toImage())


@pytest.mark.qt_log_ignore("propagateSizeHints")
@pytest.mark.parametrize("span", [150, 1900])  # candles as bodies, and as one column per pixel
def test_after_a_live_candle_the_window_shows_its_new_high_and_volume_as_a_whole_render_does(chart, qtbot, span):
    chart.set_follow_latest(False)
    t = chart.series.t
    chart.price_plot.vb.setXRange(float(t[-span]), float(t[-1]) + 300, padding=0)
    chart.show()
    qtbot.waitExposed(chart)
    qtbot.waitUntil(lambda: chart.candles.last_paint.last == len(chart.series))
    s = chart.series
    (x0, x1), y_range = chart.price_plot.vb.viewRange()
    i0, i1 = s.visible_slice(x0, x1)
    top, vtop = float(s.h[i0:i1].max()), float(s.v[i0:i1].max())
    tt, o, h, lo, c, v = s.row(len(s) - 1)
    assert h < top and v < vtop
    before = _screen(chart)
    painted = chart.readout.rendered
    # the last candle reaches higher and trades more, inside the ranges shown (they do not move)
    assert chart.update_bar(int(round(tt * 1000)), o, (h + top) / 2, lo, c + 0.5, (v + vtop) / 2)
    qtbot.waitUntil(lambda: chart.readout.rendered > painted)  # the frame with the new close is out
    assert chart.price_plot.vb.viewRange()[1] == y_range
    shown = _screen(chart)
    assert not np.array_equal(shown, before)
    assert np.array_equal(shown, _pixels(chart.grab().toImage()))  # the window equals a whole new render


def _fresh_volume(chart) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The chart drawn with the volume's settled bars drawn again (no layer kept)."""
    chart.volume._settled = None
    chart.volume.update()
    return _pixels(chart.grab().toImage())


@pytest.mark.parametrize("span", [150, 1900])  # bars, and one bar per pixel column
def test_a_live_candle_redraws_only_the_last_volume_bar_and_a_range_change_all_of_them(chart, span):
    s, vol = chart.series, chart.volume
    chart.set_follow_latest(False)
    chart.price_plot.vb.setXRange(float(s.t[-span]), float(s.t[-1]) + 300, padding=0)
    first = _pixels(chart.grab().toImage())
    built = vol.layers_built
    (x0, x1), _ = chart.volume_plot.vb.viewRange()
    i0, i1 = s.visible_slice(x0, x1)
    tt, o, h, lo, c, v = s.row(len(s) - 1)
    vtop = float(s.v[i0:i1].max())
    assert v < vtop
    volume_range = chart.volume_plot.vb.viewRange()[1]
    assert chart.update_bar(int(round(tt * 1000)), o, h, lo, c, (v + vtop) / 2)  # more volume, inside the range
    ticked = _pixels(chart.grab().toImage())
    assert chart.volume_plot.vb.viewRange()[1] == volume_range
    assert vol.layers_built == built  # the bars before the live one came from their layer
    assert not np.array_equal(ticked, first)  # the live bar grew
    assert np.array_equal(ticked, _fresh_volume(chart))
    built = vol.layers_built
    chart.price_plot.vb.setXRange(float(s.t[-span - 40]), float(s.t[-41]), padding=0)  # the view moved back
    chart.grab()  # pyqtgraph fits the prices to the new candles while painting the first frame
    moved = _pixels(chart.grab().toImage())
    assert vol.layers_built > built and vol.last_paint.last < len(s)  # culled again, no live bar in view
    assert np.array_equal(moved, _fresh_volume(chart))


def _fresh_grid(chart) -> np.ndarray:  # type: ignore[no-untyped-def]
    for grid in chart.grids:
        grid._cached = None  # the lines computed again from the axes
    return _pixels(chart.view.grab().toImage())


def _settled(chart) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The view after the frames that fit the prices (the first paint after a range change may refit them) and
    draw the grid's kept lines again."""
    for _ in range(3):
        chart.view.grab()
    return _pixels(chart.view.grab().toImage())


def test_the_grid_kept_for_a_range_follows_the_range_and_the_theme(chart):
    chart.set_follow_latest(False)
    t = chart.series.t
    chart.price_plot.vb.setXRange(float(t[-300]), float(t[-1]), padding=0)
    kept = _settled(chart)
    assert np.array_equal(kept, _fresh_grid(chart))
    chart.price_plot.vb.setXRange(float(t[-1000]), float(t[-1]), padding=0)  # other time ticks
    moved = _settled(chart)
    assert not np.array_equal(moved, kept)
    assert np.array_equal(moved, _fresh_grid(chart))
    _settled(chart)
    chart.set_theme("light")  # the grid's colour
    light = _settled(chart)
    assert np.array_equal(light, _fresh_grid(chart))


def test_the_hidden_crosshair_label_skips_view_changes_and_is_placed_for_the_new_view_when_shown(chart):
    ch = chart.crosshair
    vb = chart.price_plot.vb
    chart.grab()
    scene_pos = vb.mapViewToScene(QPointF(float(chart.series.t[-40]), float(chart.series.c[-40])))
    ch._on_mouse_moved(scene_pos)
    label = ch.hline.label
    assert ch.hline.isVisible() and label.isVisible()
    ch.hide()
    t = chart.series.t
    chart.set_follow_latest(False)
    vb.setRange(xRange=(float(t[-700]), float(t[-1])), yRange=(float(chart.series.l[-700:].min()) - 400,
                                                                  float(chart.series.h[-700:].max())), padding=0)
    chart.grab()  # the view changed while the label was hidden: only marked
    assert label._pending
    ch._on_mouse_moved(vb.mapViewToScene(QPointF(float(t[-40]), float(chart.series.c[-40]))))
    assert ch.hline.isVisible() and not label._pending
    shown = (label.pos(), label.anchor, label.transform())
    label.updateTransform(force=True)  # the label unscaled for the new view and placed along the line for it,
    label.updatePosition()  # as a label kept up to date at every view change would be
    assert (label.pos(), label.anchor, label.transform()) == shown
    assert label.toPlainText() == f"{ch.hline.value():,.2f}"


def _full_legend_pixels(legend) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The same markup drawn from scratch by a new legend of the same box and look."""
    from terminal.ui.chart.legend import Legend

    fresh = Legend(legend.parentWidget())
    fresh.setFont(legend.font())
    fresh.setPalette(legend.palette())
    fresh.setGeometry(legend.geometry())
    fresh.setText(legend.text())
    try:
        return _pixels(fresh.grab().toImage())
    finally:
        fresh.deleteLater()


def test_live_candles_redraw_only_the_legend_tail_that_changed_and_it_equals_a_full_redraw(chart, qtbot):
    chart.set_overlay_visible("bb", True)
    legend = chart.readout
    chart.grab()
    runs = sum(len(line) for line in legend.lines())
    rng = np.random.default_rng(3)
    t_ms = int(round(chart.series.t[-1] * 1000))
    o = float(chart.series.o[-1])
    for k in range(30):
        if k % 10 == 9:
            t_ms += 60_000  # a new candle: the time and the open change too
            o += float(rng.normal(0, 30))
        c = o + float(rng.normal(0, 50))
        before = legend.runs_drawn
        assert chart.update_bar(t_ms, o, max(o, c) + 9, min(o, c) - 9, c, float(rng.exponential(20)))
        drawn = _pixels(legend.grab().toImage())
        assert f"C {c:,.2f}" in chart.legend_text()
        # the symbol and timeframe at the start of the first line are never drawn again by a live candle
        assert 0 < legend.runs_drawn - before < runs - 3
        wanted = _full_legend_pixels(legend)
        assert (drawn != wanted).sum() == 0, k
    # a shorter text (no indicators: one line) is drawn whole, nothing of the old second line is left
    chart.set_overlay_visible("bb", False)
    chart.set_overlay_visible("sma", False)
    chart.set_overlay_visible("ema", False)
    assert "<br>" not in legend.text()
    assert (_pixels(legend.grab().toImage()) != _full_legend_pixels(legend)).sum() == 0

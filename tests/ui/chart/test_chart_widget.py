"""ChartWidget rendered offscreen: candles, live updates, culling, LOD, lines, markers, clicks, crosshair."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from chartdata import T0_MS, random_walk
from terminal.ui.chart.theme import DARK, LIGHT


def pixels(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine()).copy()  # own the bytes
    return arr[:, : img.width() * 4].reshape(img.height(), img.width(), 4)[:, :, 2::-1]  # BGRA -> RGB


def count_color(arr: np.ndarray, color: str, tol: int = 6) -> int:
    c = QColor(color)
    target = np.array([c.red(), c.green(), c.blue()], dtype=np.int16)
    return int((np.abs(arr.astype(np.int16) - target).max(axis=2) <= tol).sum())


def send_mouse(widget, kind: QEvent.Type, pos: QPoint, buttons=Qt.MouseButton.NoButton) -> None:
    """Deliver a mouse event straight to the widget (works offscreen without showing a window)."""
    button = buttons if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget, start: QPoint, end: QPoint, steps: int = 8) -> None:
    left = Qt.MouseButton.LeftButton
    send_mouse(widget, QEvent.Type.MouseButtonPress, start, left)
    for k in range(1, steps + 1):
        send_mouse(widget, QEvent.Type.MouseMove, start + (end - start) * k / steps, left)
    send_mouse(widget, QEvent.Type.MouseButtonRelease, end, left)


def view_point(chart, t_seconds: float, price: float) -> QPoint:
    scene = chart.price_plot.vb.mapViewToScene(QPointF(t_seconds, price))
    return chart.view.mapFromScene(scene)


def test_bars_render_up_and_down_candles(chart):
    arr = pixels(chart)
    assert count_color(arr, DARK.up) > 500
    assert count_color(arr, DARK.down) > 500
    assert chart.candles.last_paint.mode == "bodies"


def test_live_update_changes_the_last_candle_pixels(chart, qtbot):
    before = pixels(chart)
    t, o, h, l, c, v = (float(x[-1]) for x in random_walk(2000))  # noqa: E741
    lo, hi = chart.price_plot.vb.viewRange()[1]
    chart.update_bar(int(t), o, hi, lo, lo + (hi - lo) * 0.1, v)  # the live candle turns into a long red one
    after = pixels(chart)
    assert count_color(after, DARK.down) > count_color(before, DARK.down) + 50
    assert chart.series.c[-1] == pytest.approx(lo + (hi - lo) * 0.1)
    assert len(chart.series) == 2000


def test_update_bar_with_a_newer_time_appends_and_follows(chart):
    t_last = int(chart.series.t[-1] * 1000)
    x1_before = chart.price_plot.vb.viewRange()[0][1]
    chart.update_bar(t_last + 60_000, 43000, 43010, 42990, 43005, 3.0)
    assert len(chart.series) == 2001
    assert chart.price_plot.vb.viewRange()[0][1] == pytest.approx(x1_before + 60)
    assert "C 43,005.00" in chart.readout_text()


def test_panning_back_turns_follow_off_and_the_toggle_brings_it_back(chart, qtbot):
    vb = chart.price_plot.vb
    (x0, x1), _ = vb.viewRange()
    chart.grab()
    viewport = chart.view.viewport()
    start = view_point(chart, x0 + (x1 - x0) * 0.2, float(chart.series.c[-1]))
    drag(viewport, start, start + QPoint(viewport.width() // 2, 0))  # the user drags the chart to the right
    assert chart.follow_latest is False and not chart.toolbar.follow_button.isChecked()
    x1_paused = vb.viewRange()[0][1]
    chart.update_bar(int(chart.series.t[-1] * 1000) + 60_000, 1, 1, 1, 1, 1)
    assert vb.viewRange()[0][1] == pytest.approx(x1_paused)  # no auto-scroll while paused
    chart.toolbar.follow_button.click()
    assert chart.follow_latest is True
    assert vb.viewRange()[0][0] <= chart.series.t[-1] <= vb.viewRange()[0][1]


def test_culling_paints_only_the_visible_slice(chart):
    t = chart.series.t
    chart.price_plot.vb.setXRange(float(t[1000]), float(t[1100]), padding=0)
    chart.grab()
    info = chart.candles.last_paint
    assert info.mode == "bodies"
    assert (info.first, info.last) == (999, 1102)


def test_million_candles_use_the_column_lod(qtbot):
    from terminal.ui.chart.widget import ChartWidget

    w = ChartWidget()
    qtbot.addWidget(w)
    w.resize(800, 500)
    w.set_bars(*random_walk(1_000_000))
    w.price_plot.vb.setXRange(float(w.series.t[0]), float(w.series.t[-1]), padding=0)
    arr = pixels(w)
    info = w.candles.last_paint
    assert info.mode == "columns" and info.level >= 9
    assert info.primitives <= 800  # one line per pixel column at most
    assert count_color(arr, DARK.up) + count_color(arr, DARK.down) > 1000
    assert w.volume.last_paint.mode == "columns"


def test_fill_markers_are_drawn_and_cleared(chart):
    t = chart.series.t
    chart.add_fill_markers([(float(t[-5]), float(chart.series.c[-5]), "buy"),
                            (float(t[-3]), float(chart.series.c[-3]), "sell")])
    assert len(chart.fills.item.data) == 2
    chart.clear_markers()
    assert len(chart.fills.item.data) == 0
    with pytest.raises(ValueError):
        chart.add_fill_markers([(float(t[-1]), 1.0, "long")])


def test_click_on_the_plot_emits_the_price_under_the_mouse(chart, qtbot):
    chart.grab()
    (x0, x1), (y0, y1) = chart.price_plot.vb.viewRange()
    price = y0 + (y1 - y0) * 0.37
    pos = view_point(chart, (x0 + x1) / 2, price)
    with qtbot.waitSignal(chart.price_clicked, timeout=2000) as blocker:
        qtbot.mouseClick(chart.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    per_pixel = (y1 - y0) / chart.price_plot.vb.height()
    assert blocker.args[0] == pytest.approx(price, abs=2 * per_pixel)


def test_crosshair_readout_shows_the_candle_under_the_cursor(chart, qtbot):
    chart.grab()
    s = chart.series
    i = len(s) - 40
    pos = view_point(chart, float(s.t[i]) + 5, float(s.c[i]))
    send_mouse(chart.view.viewport(), QEvent.Type.MouseMove, pos)
    qtbot.waitUntil(lambda: chart.crosshair.index == i, timeout=2000)
    text = chart.readout_text()
    assert f"O {s.o[i]:,.2f}" in text and f"C {s.c[i]:,.2f}" in text and f"H {s.h[i]:,.2f}" in text
    assert chart.crosshair.vline.value() == pytest.approx(float(s.t[i]))


def test_price_axis_uses_instrument_decimals_without_si_prefix(chart):
    chart.set_symbol("DOGEUSDT", 5)
    labels = chart.price_axis.tickStrings([43000.0, 43010.0], 1.0, 10.0)
    assert labels == ["43,000.00000", "43,010.00000"]
    assert chart.price_axis.autoSIPrefix is False


def test_timeframe_button_emits_timeframe_changed(chart, qtbot):
    with qtbot.waitSignal(chart.timeframe_changed) as blocker:
        chart.toolbar.timeframe_buttons["15m"].click()
    assert blocker.args == ["15m"]


def test_light_theme_repaints_background(chart):
    chart.set_theme("light")
    arr = pixels(chart)
    assert count_color(arr, LIGHT.background, tol=2) > arr.shape[0] * arr.shape[1] // 3
    with pytest.raises(ValueError):
        chart.set_theme("neon")


def test_panning_past_history_requests_older_bars(chart, qtbot):
    vb = chart.price_plot.vb
    first = float(chart.series.t[0])
    with qtbot.waitSignal(chart.range_requested) as blocker:
        vb.setXRange(first - 3600, first + 3600, padding=0)
    assert blocker.args[0] == int((first - 3600) * 1000)


def test_overlay_toggles_show_and_hide_curves(chart):
    assert [sp.kind for sp in chart.indicator_specs()] == ["sma", "ema"]  # the defaults
    assert "bb" not in chart.studies.curves
    chart.set_overlay_visible("bb", True)
    assert len(chart.studies.curves["bb"]) == 3
    chart.grab()
    assert chart.studies.curves["bb"][0].drawn_points > 100
    chart.set_overlay_visible("bb", False)
    assert "bb" not in chart.studies.curves


def test_empty_chart_and_first_live_bar_render(qtbot):
    from terminal.ui.chart.widget import ChartWidget

    w = ChartWidget()
    qtbot.addWidget(w)
    w.resize(400, 300)
    w.grab()
    w.update_bar(T0_MS, 10, 11, 9, 10.5, 1)
    w.grab()
    assert len(w.series) == 1 and w.series.interval == 60


def test_a_candle_older_than_the_last_is_ignored(chart):
    t0 = int(chart.series.t[0] * 1000)
    assert chart.update_bar(t0, 1, 1, 1, 1, 1) is False
    assert len(chart.series) == 2000 and chart.series.o[0] != 1


def test_set_bars_with_no_history_renders_an_empty_chart(chart):
    empty = np.empty(0)
    chart.set_bars(np.empty(0, dtype=np.int64), empty, empty, empty, empty, empty)
    chart.grab()
    assert len(chart.series) == 0 and chart.readout_text() == ""


def test_candles_use_the_theme_colors(chart):
    chart.set_theme("light")
    arr = pixels(chart)
    assert count_color(arr, LIGHT.up) > 300 and count_color(arr, LIGHT.down) > 300


def test_mouse_wheel_zooms_time_only_and_price_follows_the_visible_candles(chart):
    chart.grab()
    vb = chart.price_plot.vb
    (x0, x1), _ = vb.viewRange()
    pos = view_point(chart, (x0 + x1) / 2, float(chart.series.c[-1]))
    event = QWheelEvent(QPointF(pos), QPointF(chart.view.viewport().mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(chart.view.viewport(), event)
    (z0, z1), (y0, y1) = vb.viewRange()
    assert z1 - z0 < (x1 - x0) * 0.9  # zoomed in on time
    i0, i1 = chart.series.visible_slice(z0, z1)
    assert y0 <= chart.series.l[i0 + 1: i1 - 1].min() and y1 >= chart.series.h[i0 + 1: i1 - 1].max()


def test_prepend_bars_adds_older_candles_and_keeps_the_view(chart, qtbot):
    import numpy as np

    s = chart.series
    n0, first, last = len(s), float(s.t[0]), float(s.t[-1])
    chart.price_plot.vb.setXRange(last - 3000, last, padding=0)
    before = chart.price_plot.vb.viewRange()[0]
    iv = s.interval
    t_ms = ((first - iv * np.arange(50, 0, -1)) * 1000).astype(np.int64)
    t_ms = np.append(t_ms, int(first * 1000))  # not older than the first loaded candle: ignored
    ones = np.ones(len(t_ms))
    assert chart.prepend_bars(t_ms, ones, ones * 2, ones * 0.5, ones, ones) == 50
    assert len(s) == n0 + 50 and float(s.t[0]) == first - 50 * iv and float(s.t[-1]) == last
    assert np.all(np.diff(s.t) > 0)
    assert chart.price_plot.vb.viewRange()[0] == before
    new_first = float(s.t[0])
    with qtbot.waitSignal(chart.range_requested) as blocker:  # re-armed for the new left edge
        chart.price_plot.vb.setXRange(new_first - 600, new_first + 600, padding=0)
    assert blocker.args[0] == int((new_first - 600) * 1000)


def test_the_last_price_box_is_drawn_over_a_fill_at_the_live_candle(qtbot):
    """A fill marker at the live candle's price was drawn over the last price's box and hid its last digit."""
    from terminal.ui.chart.widget import ChartWidget

    chart = ChartWidget()
    qtbot.addWidget(chart)
    chart.resize(900, 560)
    chart.set_symbol("BTCUSDT", 2)
    chart.set_bars(*random_walk(300))
    chart.grab()
    box = chart.last_price_line.box_rect()
    assert box is not None

    def box_pixels():  # type: ignore[no-untyped-def]
        chart.grab()  # (a changed frame is painted whole, then over its picture)
        image = chart.grab().toImage()
        view_rect = chart.view.mapFromScene(box).boundingRect()
        top_left = chart.view.viewport().mapTo(chart, view_rect.topLeft())
        return image.copy(view_rect.translated(top_left - view_rect.topLeft()).adjusted(1, 1, -1, -1))
    plain = box_pixels()
    # a fill under the box's right end, where the last digit is
    t = chart.price_plot.vb.mapSceneToView(box.center() + QPoint(int(box.width() / 2) - 6, 0))
    chart.add_fill_markers([(t.x(), float(chart.last_price_line.value()), "buy")])
    assert box_pixels() == plain

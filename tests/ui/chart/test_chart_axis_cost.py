"""What the time axis and the grid cost a pan or zoom frame (issue 16, item 2): the work they do not redo.

The time axis' ticks and labels are pyqtgraph's ``DateAxisItem``'s, value for value and string for string, without
its ``np.isclose`` and without converting a tick it has already labelled; the grid asks for the shared time axis'
ticks once per range for both plots. The frames look the same as before.
"""
from __future__ import annotations

import numpy as np
import pytest
from pyqtgraph.graphicsItems import DateAxisItem as date_module

from terminal.ui.chart.datetick import LeanDateTicks

pytestmark = pytest.mark.gui


def _pyqtgraph_date_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyqtgraph as pg

    for name in ("tickStrings", "tickValues", "setZoomLevelForDensity"):
        monkeypatch.setattr(LeanDateTicks, name, getattr(pg.DateAxisItem, name))


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York"])
def test_time_ticks_and_labels_are_pyqtgraphs_without_its_isclose(qtbot, monkeypatch, tz):
    import time

    import pyqtgraph as pg
    from PySide6.QtGui import QFontMetrics

    from terminal.ui.chart.axis import TimeAxis

    monkeypatch.setenv("TZ", tz)
    time.tzset()
    try:
        rng = np.random.default_rng(3)
        # from sub-second spans to decades, around daylight-saving changes too (late March and October 2026)
        cases = [(float(a), float(a + 10 ** e), float(px)) for a, e, px in zip(
            rng.uniform(1.0e9, 2.0e9, 150), rng.uniform(-1, 9.3, 150), rng.uniform(80, 1600, 150))]
        cases += [(1774738800.0 - 10 ** e, 1774738800.0 + 10 ** e, 900.0) for e in (3, 4, 4.7, 5.3)]
        cases += [(1792882800.0 - 10 ** e, 1792882800.0 + 10 ** e, 900.0) for e in (3, 4, 4.7, 5.3)]
        reference = pg.DateAxisItem("bottom")
        reference.fontMetrics = QFontMetrics(reference.font())
        wanted = []
        for case in cases:
            levels = reference.tickValues(*case)
            wanted.append((levels, [reference.tickStrings(values, 1.0, spacing) for spacing, values in levels]))
        calls: list[int] = []
        isclose = np.isclose

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(1)
            return isclose(*args, **kwargs)
        monkeypatch.setattr(np, "isclose", counted)
        axis = TimeAxis("bottom")
        for _ in range(2):  # the second round from what the axis kept
            for case, (levels, strings) in zip(cases, wanted):
                assert axis.tickValues(*case) == levels, case
                assert [axis.tickStrings(values, 1.0, spacing) for spacing, values in levels] == strings, case
        assert calls == []
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_zoom_frame_converts_no_tick_it_has_already_labelled(chart, qtbot, monkeypatch):
    t = chart.series.t
    vb = chart.price_plot.vb
    axis = chart.volume_plot.getAxis("bottom")
    vb.setXRange(float(t[1000]), float(t[1200]), padding=0)
    chart.grab()
    before = axis.tickValues(*axis.range, axis.length_px())
    conversions: list[float] = []
    original = date_module.utcfromtimestamp

    def counted(ts):  # type: ignore[no-untyped-def]
        conversions.append(ts)
        return original(ts)
    monkeypatch.setattr(date_module, "utcfromtimestamp", counted)
    vb.setXRange(float(t[1001]), float(t[1201]), padding=0)  # one candle on: the same ticks, a new range
    chart.grab()
    assert axis.tickValues(*axis.range, axis.length_px()) == before
    assert sum(len(values) for _, values in before) >= 3  # (4 at the app theme's 9.5 pt once a window set it)
    assert conversions == []
    vb.setXRange(float(t[1400]), float(t[1600]), padding=0)  # new ticks are labelled
    chart.grab()
    assert conversions


def test_the_lean_time_ticks_draw_the_same_chart(chart, qtbot, monkeypatch):
    t = chart.series.t
    chart.resize(1100, 640)
    images: dict[str, list[object]] = {"warm-up": [], "lean": [], "pyqtgraph": []}
    for run, shots in images.items():
        if run == "pyqtgraph":
            _pyqtgraph_date_ticks(monkeypatch)
        for a, b in ((0, 1999), (1500, 1700), (1501, 1701), (1990, 1999)):
            chart.price_plot.vb.setXRange(float(t[a]), float(t[b]), padding=0)
            shots.append(chart.grab().toImage())
    assert images["lean"] == images["pyqtgraph"]


def test_a_range_seen_before_another_zoom_level_is_labelled_by_its_own_level(chart, qtbot):
    """The axis keeps the last ranges' ticks; answered from there, they come with the zoom level that made them
    (pyqtgraph labels ticks by the level its last tickValues chose: minute ticks under the hour level had no format
    and the paint raised)."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from terminal.ui.chart.axis import TimeAxis

    t = chart.series.t
    vb = chart.price_plot.vb
    axis = chart.volume_plot.getAxis("bottom")
    zoomed = (float(t[1500]), float(t[1700]))
    for lo, hi in (zoomed, (float(t[0]), float(t[1999])), zoomed):
        vb.setXRange(lo, hi, padding=0)
        chart.grab()
    length = axis.length_px()
    fresh = TimeAxis("bottom")
    fresh.fontMetrics = axis.fontMetrics
    levels = fresh.tickValues(*zoomed, length)
    assert axis.tickValues(*zoomed, length) == levels
    assert axis.zoomLevel is fresh.zoomLevel
    image = QImage(10, 10, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        painter.setClipRect(QRectF(0, 0, 1, 1))
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    drawn = [text for _, _, text in specs[2]]
    assert drawn and set(drawn) <= {s for spacing, values in levels for s in fresh.tickStrings(values, 1.0, spacing)}


def test_the_two_grids_ask_the_time_axis_for_its_ticks_once_a_range(chart, qtbot, monkeypatch):
    from terminal.ui.chart.grid import GridItem

    t = chart.series.t
    vb = chart.price_plot.vb
    axis = chart.volume_plot.getAxis("bottom")
    asked: list[tuple[float, ...]] = []
    in_grid = [False]
    original_ticks, original_values = GridItem._ticks, type(axis).tickValues

    def grid_ticks(axis_, lo, hi, size):  # type: ignore[no-untyped-def]
        in_grid[0] = True
        try:
            return original_ticks(axis_, lo, hi, size)
        finally:
            in_grid[0] = False

    def values(self, lo, hi, size):  # type: ignore[no-untyped-def]
        if self is axis and in_grid[0]:
            asked.append((lo, hi, size))
        return original_values(self, lo, hi, size)
    monkeypatch.setattr(GridItem, "_ticks", staticmethod(grid_ticks))
    monkeypatch.setattr(type(axis), "tickValues", values)
    for k in range(3):
        vb.setXRange(float(t[1000 + 7 * k]), float(t[1200 + 7 * k]), padding=0)
        chart.grab()
        assert len(asked) == k + 1  # one range, asked once for both grids
    assert all(len(grid._cached[1]) > 4 for grid in chart.grids)  # type: ignore[index]


def test_the_grid_draws_its_lines_at_every_frame_without_a_picture(chart, qtbot, monkeypatch):
    """Kept as a plot-sized image blended in, the same lines cost more than drawing them."""
    from PySide6.QtGui import QImage, QPainter

    images: list[str] = []
    lines: list[int] = []
    draw_image, draw_rects = QPainter.drawImage, QPainter.drawRects

    def counting_image(self, *args):  # type: ignore[no-untyped-def]
        images.append("image")
        return draw_image(self, *args)

    def counting_rects(self, drawn):  # type: ignore[no-untyped-def]
        lines.append(len(drawn))
        return draw_rects(self, drawn)
    chart.grab()
    monkeypatch.setattr(QPainter, "drawImage", counting_image)
    monkeypatch.setattr(QPainter, "drawRects", counting_rects)
    for grid in chart.grids:
        drawn = []
        for _ in range(3):  # the same lines three frames running
            image = QImage(chart.view.size(), QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(0)
            painter = QPainter(image)
            painter.translate(grid.mapToScene(0, 0))
            grid.paint(painter)
            painter.end()
            drawn.append(image)
        assert images == []
        assert drawn[0] == drawn[1] == drawn[2]
        assert lines and all(n > 4 for n in lines)
        lines.clear()


def test_an_axis_length_finds_the_device_transform_once(chart, qtbot, monkeypatch):
    """The axes and the grids measure each axis' length at every range change: one walk to the view, not two."""
    from pyqtgraph.graphicsItems.GraphicsItem import GraphicsItem

    chart.grab()
    axis = chart.volume_plot.getAxis("bottom")
    walks: list[object] = []
    original = GraphicsItem.deviceTransform_

    def counted(self):  # type: ignore[no-untyped-def]
        walks.append(self)
        return original(self)
    rect = axis.boundingRect()
    expected = axis.mapToDevice(rect.topRight()).x() - axis.mapToDevice(rect.topLeft()).x()
    monkeypatch.setattr(GraphicsItem, "deviceTransform_", counted)
    length = axis.length_px()
    assert walks == [axis]
    assert abs(length - (expected + 2)) < 1e-9  # the axis line runs a pixel past the plot each way


def _stroked_grid(grid, painter) -> None:  # type: ignore[no-untyped-def]
    """The grid as it was drawn before: 1-px lines through the pixels' middles, stroked with ``drawLines``."""
    from PySide6.QtCore import QLineF
    from PySide6.QtGui import QPen

    (x0, x1), (y0, y1) = grid._vb.viewRange()
    rect = grid._vb.boundingRect()
    w, h = rect.width(), rect.height()
    tr = painter.transform()
    left, top = tr.dx(), tr.dy()
    xs = grid._ticks(grid._x_axis, x0, x1, w)
    ys = grid._ticks(grid._y_axis, y0, y1, h)
    px = np.floor((xs - x0) / (x1 - x0) * w + left) + 0.5
    py = np.floor((y1 - ys) / (y1 - y0) * h + top) + 0.5
    lines = [QLineF(x, top, x, top + h) for x in px.tolist()] + [QLineF(left, y, left + w, y) for y in py.tolist()]
    painter.resetTransform()
    painter.setPen(QPen(grid._pen.color(), 1))
    painter.drawLines(lines)


@pytest.mark.parametrize("color", ["#1e2230", "#8026a69a"])  # the theme's grid; translucent (crossings blend twice)
def test_the_grid_filled_as_pixels_looks_as_the_stroked_lines(chart, qtbot, color):
    from PySide6.QtGui import QColor, QImage, QPainter

    t = chart.series.t
    rng = np.random.default_rng(11)
    compared = 0
    for size, span in (((900, 560), 200), ((1037, 611), 1500), ((1280, 733), 37)):
        chart.resize(*size)
        chart.price_plot.vb.setXRange(float(t[-span]), float(t[-1]), padding=0)
        chart.grab()
        for grid in chart.grids:
            grid.set_color(color)
            grid.top_border = None
            for dx, dy in [(0.0, 0.0)] + [tuple(rng.uniform(-3, 3, 2)) for _ in range(4)]:  # fractional offsets
                images = []
                for draw in (lambda p: grid.paint(p), lambda p: _stroked_grid(grid, p)):  # noqa: B023
                    image = QImage(size[0] + 8, size[1] + 8, QImage.Format.Format_ARGB32_Premultiplied)
                    image.fill(QColor("#101018"))
                    painter = QPainter(image)
                    painter.translate(4 + float(dx), 4 + float(dy))
                    draw(painter)
                    painter.end()
                    images.append(image)
                assert images[0] == images[1], (size, span, dx, dy)
                compared += 1
    assert compared == 30


@pytest.mark.parametrize("span", [30, 600, 2000])
def test_the_axes_specs_are_pyqtgraphs_with_a_line_per_tick(chart, qtbot, span):
    """Each tick is laid out as the line drawn (not as two points joined at draw time), and labels strictly inside
    the axis are kept without asking Qt for an intersection: the same lines and labels as pyqtgraph's specs."""
    import pyqtgraph as pg
    from PySide6.QtCore import QLineF
    from PySide6.QtGui import QImage, QPainter

    t = chart.series.t
    chart.set_follow_latest(False)
    chart.price_plot.vb.setXRange(float(t[-span]), float(t[-1]), padding=0)
    chart.grab()
    image = QImage(10, 10, QImage.Format.Format_ARGB32_Premultiplied)
    for axis in (chart.price_axis, chart.volume_plot.getAxis("right"), chart.volume_plot.getAxis("bottom")):
        painter = QPainter(image)
        try:
            if axis.style["tickFont"]:
                painter.setFont(axis.style["tickFont"])
            lean = axis.generateDrawSpecs(painter)
            plain = pg.AxisItem.generateDrawSpecs(axis, painter)
        finally:
            painter.end()
        assert all(len(spec) == 2 and isinstance(spec[1], QLineF) for spec in lean[1])
        assert [line for _, line in lean[1]] == [QLineF(p1, p2) for _, p1, p2 in plain[1]]
        assert [pen.color().rgba() for pen, _ in lean[1]] == [pen.color().rgba() for pen, _, _ in plain[1]]
        assert lean[2] and [(rect, text) for rect, _, text in lean[2]] == [(rect, text) for rect, _, text in plain[2]]


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
def test_new_time_labels_take_the_local_offset_from_the_c_library_as_qt_does(qtbot, monkeypatch, tz):
    """A label never seen before asks for no QDateTime (~15 us each): the offset is the C library's localtime's,
    which is Qt's local time, second for second across daylight-saving changes (Lord Howe moves by 30 minutes)."""
    import time

    from terminal.ui.chart.axis import TimeAxis
    from terminal.ui.chart.datetick import utc_offset

    monkeypatch.setenv("TZ", tz)
    time.tzset()
    try:
        rng = np.random.default_rng(8)
        stamps = [float(v) for v in rng.uniform(0, 2**31 - 1, 3000)]
        for change in (1774746000, 1792890000, 1775404800, 1791129600):  # around 2026's changes (EU, AU)
            stamps += [float(change + d) for d in range(-7200, 7201, 300)]
        stamps += [-86400.5, 2.0**31 + 10]  # outside time_t's portable range: Qt answers
        assert [utc_offset(v) for v in stamps] == [date_module.calculateUtcOffset(v) for v in stamps]
        axis = TimeAxis("bottom")
        day = 1_790_000_000.0
        levels = axis.tickValues(day, day + 4 * 3600, 900.0)
        asked: list[float] = []
        original = date_module.fromSecsSinceEpoch

        def counted(ts):  # type: ignore[no-untyped-def]
            asked.append(ts)
            return original(ts)
        monkeypatch.setattr(date_module, "fromSecsSinceEpoch", counted)
        labels = [axis.tickStrings(values, 1.0, spacing) for spacing, values in levels]
        assert sum(map(len, labels)) >= 4 and asked == []
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_indicator_line_is_built_as_one_polygon_and_is_pyqtgraphs_path(chart, qtbot, monkeypatch):
    import pyqtgraph as pg

    from terminal.ui.chart.overlays import OverlayCurve, polyline_path

    rng = np.random.default_rng(2)
    for n in (2, 3, 200, 3200):
        px, py = np.cumsum(rng.uniform(0.3, 8, n)), rng.normal(300, 80, n)
        assert polyline_path(px, py) == pg.arrayToQPath(px, py, connect="finite")
        py[rng.integers(0, n, max(1, n // 20))] = np.nan  # gaps: pyqtgraph's path, moves over them
        assert polyline_path(px, py) == pg.arrayToQPath(px, py, connect="finite")
    built: list[int] = []
    original = pg.arrayToQPath

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("connect") == "finite":  # (the candles' and bars' pairs are lod.py's)
            built.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(pg, "arrayToQPath", counted)
    t = chart.series.t
    chart.set_follow_latest(False)
    chart.price_plot.vb.setXRange(float(t[-300]), float(t[-100]), padding=0)
    lines = [item for item in chart.price_plot.vb.childGroup.childItems() if isinstance(item, OverlayCurve)]
    rebuilt = sum(line.rebuilt for line in lines)
    chart.grab()
    assert sum(line.rebuilt for line in lines) >= rebuilt + 2  # the lines shown were built for the new range
    assert built == []  # finite values: no arrayToQPath
    assert any(line.drawn_points > 100 for line in lines)

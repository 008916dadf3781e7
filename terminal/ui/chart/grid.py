"""A chart grid drawn as 1-px device lines at the axes' tick positions.

pyqtgraph's own grid (``showGrid``) paints tick lines across the plot inside the axis' QPicture with alpha; here
that cost about 10 ms per axis per frame at 1600x900. These lines are crisp and cost well under a millisecond.

The lines are filled rectangles one pixel wide, not stroked lines: Qt's non-antialiased 1-px stroke of a line from
a to b covers the pixels floor(a)..floor(b) across the line's pixel, and a rectangle filled over exactly those pixels
gives the same image (tests/ui/chart/test_chart_axis_cost.py) ~6x cheaper (~0.2 ms for the price grid at 1600x900:
the stroker walks every pixel). They are drawn straight at every frame: kept as a picture (a plot-sized ARGB image
blended in) they cost more than the lines themselves. The price and volume grids share the time axis and ask it
for its ticks once a range (the axis keeps the sorted tick positions of the last range for the second grid).
"""
from __future__ import annotations

from typing import Any

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen


class GridItem(pg.GraphicsObject):
    """Child of the ViewBox itself (its local coordinates are pixels of the plot area), below the data."""

    def __init__(self, vb: pg.ViewBox, x_axis: pg.AxisItem, y_axis: pg.AxisItem, color: str = "#1e2230",
                 top_border: QColor | None = None) -> None:
        super().__init__()
        self.top_border = top_border
        self._vb = vb
        self._x_axis = x_axis
        self._y_axis = y_axis
        self._pen = QPen(QColor(color), 1)
        self._cached: tuple[tuple[float, ...], list[QRect]] | None = None
        self.setParentItem(vb)
        self.setZValue(-100)
        vb.sigResized.connect(self._on_resized)
        vb.sigRangeChanged.connect(self._on_range_changed)

    def set_color(self, color: str) -> None:
        self._pen.setColor(QColor(color))
        self.update()

    def _on_resized(self, *_: object) -> None:
        self.prepareGeometryChange()

    def _on_range_changed(self, *_: object) -> None:
        self.update()

    def boundingRect(self) -> QRectF:
        return self._vb.boundingRect()

    @staticmethod
    def _ticks(axis: pg.AxisItem, lo: float, hi: float, size: float) -> np.ndarray:
        """The sorted positions of the axis' first two tick levels; the last range's are kept on the axis (the
        other grid on the same axis asks for the same range in the same frame)."""
        length = getattr(axis, "length_px", None)
        key = (lo, hi, (length() if length is not None else None) or size)
        kept = axis.__dict__.get("_grid_ticks")
        if kept is not None and kept[0] == key:
            return kept[1]  # type: ignore[no-any-return]
        levels = axis.tickValues(*key)
        values = np.sort(np.asarray([v for _, ticks in levels[:2] for v in ticks], dtype=np.float64))
        # np.unique without it: its first call imports numpy.ma (~40 ms in the chart's first frame)
        if len(values):
            values = values[np.concatenate(([True], values[1:] != values[:-1]))]
        axis.__dict__["_grid_ticks"] = (key, values)
        return values

    def _paths(self, key: tuple[float, ...]) -> list[QRect]:
        """The vertical and horizontal lines (device pixels, as the rectangles of pixels they cover) for a view
        range, plot size and offset; kept until one of them changes (a live candle inside the range redraws the
        same lines without asking the axes)."""
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        x0, x1, y0, y1, w, h, left, top = key
        # asked at the axes' own length: the lines are the labelled ticks, and the axes' tick memo answers
        xs = self._ticks(self._x_axis, x0, x1, w)
        ys = self._ticks(self._y_axis, y0, y1, h)
        columns = np.floor((xs - x0) / (x1 - x0) * w + left).astype(np.int64)  # a line through each one's middle
        rows = np.floor((y1 - ys) / (y1 - y0) * h + top).astype(np.int64)
        # from top to top + h (left to left + w): the pixels floor(top)..floor(top + h), as a 1-px stroke covers
        r0, r1 = math.floor(top), math.floor(top + h)
        c0, c1 = math.floor(left), math.floor(left + w)
        lines = [QRect(x, r0, 1, r1 - r0 + 1) for x in columns.tolist()]
        lines += [QRect(c0, y, c1 - c0 + 1, 1) for y in rows.tolist()]
        self._cached = (key, lines)
        return lines

    def paint(self, p: QPainter, *args: Any) -> None:
        (x0, x1), (y0, y1) = self._vb.viewRange()
        rect = self._vb.boundingRect()
        w, h = rect.width(), rect.height()
        if w <= 0 or h <= 0 or x1 <= x0 or y1 <= y0:
            return
        tr = p.transform()  # vb-local pixels -> device (a translation)
        left, top = tr.dx(), tr.dy()
        key = (x0, x1, y0, y1, w, h, left, top)
        lines = self._paths(key)
        p.save()
        try:
            p.resetTransform()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            self._draw(p, lines, left, top, w)
        finally:
            p.restore()

    def _draw(self, p: QPainter, lines: list[QRect], left: float, top: float, w: float) -> None:
        if lines:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self._pen.color())
            p.drawRects(lines)
        if self.top_border is not None:
            p.setPen(QPen(self.top_border, 1))
            p.drawLine(QPointF(left, top + 0.5), QPointF(left + w, top + 0.5))

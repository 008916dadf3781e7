"""A chart grid drawn as 1-px device lines at the axes' tick positions.

pyqtgraph's own grid (``showGrid``) paints tick lines across the plot inside the axis' QPicture with alpha; here
that cost about 10 ms per axis per frame at 1600x900. These lines are crisp and cost well under a millisecond.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPoint, QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPen


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
        self._cached: tuple[tuple[float, ...], list[QLineF]] | None = None
        # the lines kept as a picture once a second frame draws the same ones (a live candle inside the range):
        # (what they depend on, where, the picture); a range that changes at every frame is drawn straight
        self._layer: tuple[tuple[object, ...], QPoint, QImage] | None = None
        self._last_look: tuple[object, ...] | None = None
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
        length = getattr(axis, "length_px", None)
        levels = axis.tickValues(lo, hi, (length() if length is not None else None) or size)
        values = np.sort(np.asarray([v for _, ticks in levels[:2] for v in ticks], dtype=np.float64))
        # np.unique without it: its first call imports numpy.ma (~40 ms in the chart's first frame)
        return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values

    def _paths(self, key: tuple[float, ...]) -> list[QLineF]:
        """The vertical and horizontal lines (device pixels) for a view range, plot size and offset; kept until
        one of them changes (a live candle inside the range redraws the same lines without asking the axes)."""
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        x0, x1, y0, y1, w, h, left, top = key
        # asked at the axes' own length: the lines are the labelled ticks, and the axes' tick memo answers
        xs = self._ticks(self._x_axis, x0, x1, w)
        ys = self._ticks(self._y_axis, y0, y1, h)
        px = np.floor((xs - x0) / (x1 - x0) * w + left) + 0.5
        py = np.floor((y1 - ys) / (y1 - y0) * h + top) + 0.5
        # 1-px lines, not a path: drawLines takes the raster engine's line fast path (a path is stroked)
        lines = [QLineF(x, top, x, top + h) for x in px.tolist()]
        lines += [QLineF(left, y, left + w, y) for y in py.tolist()]
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
            look = (key, self._pen.color().rgba(), None if self.top_border is None else self.top_border.rgba())
            if self._layer is not None and self._layer[0] == look:
                p.drawImage(self._layer[1], self._layer[2])
            elif look == self._last_look:  # the same lines a second frame running: keep them as a picture
                origin = QPoint(int(np.floor(left)), int(np.floor(top)))
                image = QImage(int(np.ceil(w)) + 3, int(np.ceil(h)) + 3, QImage.Format.Format_ARGB32_Premultiplied)
                image.fill(0)
                q = QPainter(image)
                try:
                    q.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                    q.translate(-origin.x(), -origin.y())
                    self._draw(q, lines, left, top, w)
                finally:
                    q.end()
                self._layer = (look, origin, image)
                p.drawImage(origin, image)
            else:
                self._draw(p, lines, left, top, w)
            self._last_look = look
        finally:
            p.restore()

    def _draw(self, p: QPainter, lines: list[QLineF], left: float, top: float, w: float) -> None:
        p.setPen(self._pen)
        if lines:
            p.drawLines(lines)
        if self.top_border is not None:
            p.setPen(QPen(self.top_border, 1))
            p.drawLine(QPointF(left, top + 0.5), QPointF(left + w, top + 0.5))

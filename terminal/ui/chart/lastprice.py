"""The last price: a dotted horizontal line across the price plot with the price in a coloured box at the right.

A live candle moves it many times a second. pyqtgraph's InfiniteLine with a text label (a QGraphicsTextItem laid out
as a document) set its position through the scene, computed its ends and re-laid its label's document at each
price (~0.1 ms of a live candle), and drew both antialiased at fractional pixels. This item keeps the price, its
text measured once per text, and draws, in device pixels, a crisp 1-px dotted line and the box: right
edge at 98.5 % of the plot's width, centred on the line, 4 px around the text.
"""
from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

PAD = 4  # px around the text (the document margin of the label it replaces)
ALONG = 0.985  # where the box's right edge is, along the plot's width


class LastPriceLine(pg.GraphicsObject):
    def __init__(self) -> None:
        super().__init__()
        self._value = 0.0
        self._text = ""
        self._color = QColor("#26a69a")
        self._pen = QPen(self._color, 1, Qt.PenStyle.DotLine)
        self._pen.setCosmetic(True)
        self._ink = QColor("#ffffff")
        self._laid: tuple[str, str, QFont, float, float] | None = None  # font key, text, font, advance, height
        self._bounds: QRectF | None = None
        self.texts_laid_out = 0  # texts laid out (tests: once per new text, none for a repaint)

    # ---- state -------------------------------------------------------------------------------------------------
    def set_price(self, value: float, text: str, color: str) -> None:
        """Show ``value`` labelled ``text`` in ``color`` (the live candle's direction)."""
        if color != self._color.name():
            self._color = QColor(color)
            self._pen.setColor(self._color)
            self.update()
        if value != self._value:
            self.prepareGeometryChange()
            self._value = value
            self._bounds = None
        if text != self._text:
            self._text = text
            self.update()

    def value(self) -> float:
        return self._value

    def text(self) -> str:
        return self._text

    def color(self) -> QColor:
        return QColor(self._color)

    # ---- geometry ----------------------------------------------------------------------------------------------
    def viewRangeChanged(self) -> None:  # noqa: N802 (pyqtgraph's hook: the view's range changed)
        self.prepareGeometryChange()
        self._bounds = None

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph's hook)
        self.prepareGeometryChange()
        self._bounds = None

    def boundingRect(self) -> QRectF:  # noqa: N802
        if self._bounds is None:
            vb = self.getViewBox()
            if not isinstance(vb, pg.ViewBox):  # (pyqtgraph answers the view itself before a ViewBox takes it)
                return QRectF()
            (x0, x1), (y0, y1) = vb.viewRange()
            per_px = abs(y1 - y0) / max(vb.height(), 1.0)
            half = (QFontMetricsF(QFont()).height() / 2 + PAD + 2) * per_px
            self._bounds = QRectF(x0, self._value - half, x1 - x0, 2 * half)
        return QRectF(self._bounds)

    def _metrics(self) -> tuple[QFont, float, float]:
        """The application's font (the theme sets its size), the text's advance and the font's height."""
        font = QFont()
        key = font.key()
        kept = self._laid
        if kept is None or kept[0] != key or kept[1] != self._text:
            fm = QFontMetricsF(font)
            kept = self._laid = (key, self._text, font, fm.horizontalAdvance(self._text), fm.height())
            self.texts_laid_out += 1
        return kept[2], kept[3], kept[4]

    def _box_size(self) -> tuple[float, float]:
        _, width, height = self._metrics()
        return math.ceil(width) + 2 * PAD, math.ceil(height) + 2 * PAD

    def box_rect(self) -> QRectF | None:
        """Where the box is, in scene coordinates (tests), or None off a view."""
        vb = self.getViewBox()
        if not isinstance(vb, pg.ViewBox):
            return None
        r = vb.sceneBoundingRect()
        y = vb.mapViewToScene(QPointF(0, self._value)).y()
        w, h = self._box_size()
        return QRectF(round(r.left() + ALONG * r.width() - w), math.floor(y) - math.floor(h / 2), w, h)

    # ---- painting ----------------------------------------------------------------------------------------------
    def paint(self, p: QPainter, *args: Any) -> None:
        vb = self.getViewBox()
        if not isinstance(vb, pg.ViewBox) or not self._text:
            return
        tr = p.transform()
        (x0, x1), _ = vb.viewRange()
        left, right = sorted((x0 * tr.m11() + tr.dx(), x1 * tr.m11() + tr.dx()))
        y = math.floor(self._value * tr.m22() + tr.dy())
        font, _, _ = self._metrics()
        w, h = self._box_size()
        bx = round(left + ALONG * (right - left) - w)
        by = y - math.floor(h / 2)
        p.save()
        try:
            p.resetTransform()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.setPen(self._pen)
            p.drawLine(QPointF(left, y + 0.5), QPointF(right, y + 0.5))
            p.fillRect(QRectF(bx, by, w, h), self._color)
            p.setPen(self._ink)
            p.setFont(font)
            p.drawText(QRectF(bx, by, w, h), Qt.AlignmentFlag.AlignCenter, self._text)
        finally:
            p.restore()

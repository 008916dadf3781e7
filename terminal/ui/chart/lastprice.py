"""The last price: a dotted horizontal line across the price plot with the price in a coloured box at the right.

A live candle moves it many times a second, so it changes only what changed: the position when the price moved
(without ``InfiniteLine.setPos``'s ``sigPositionChanged``, which re-placed the label along the line and set its
text twice), the text when the formatted price differs, the colours when the candle turned up or down.
"""
from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph import Point
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor


def _nothing_to_tell() -> None:
    return None


class LastPriceLine(pg.InfiniteLine):
    def __init__(self) -> None:
        super().__init__(angle=0, movable=False, label="",
                         labelOpts={"position": 0.985, "anchors": [(1, 0.5), (1, 0.5)]})
        self.label.setColor(QColor("#ffffff"))
        # the label moves with each new text (pyqtgraph re-centres it): the view's fit never reads it either
        self.label.informViewBoundsChanged = _nothing_to_tell
        self._color = ""
        self._text: str | None = None

    def informViewBoundsChanged(self) -> None:  # noqa: N802
        """Nothing to tell: the line is added with ``ignoreBounds`` (the view's fit never reads it), yet
        pyqtgraph's ``itemChange`` calls this at every move and the price view fitted itself again at every tick."""

    def set_price(self, value: float, text: str, color: str) -> None:
        """Show ``value`` labelled ``text`` in ``color`` (the live candle's direction)."""
        if color != self._color:
            self._color = color
            self.setPen(pg.mkPen(QColor(color), width=1, style=Qt.PenStyle.DotLine))
            self.label.fill = pg.mkBrush(QColor(color))
            self.label.update()
        if self.p != [0, value]:
            # the label is a child of the line: it moves along; its place along the line depends on the view only
            self.p = [0, value]
            self.viewTransformChanged()
            pg.GraphicsObject.setPos(self, Point(0, value))
        if text != self._text:
            self._text = text
            self.label.setText(text)

"""The heatmap's colour bar: the diverging scale from the worst value to the best, its centre marked."""
from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme
from .models import HeatmapModel

BAR_PX = 10


def _num(v: float) -> str:
    return f"{v:.4g}"


class ColorBar(QWidget):
    def __init__(self, model: HeatmapModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        model.modelReset.connect(self.update)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(BAR_PX + self.fontMetrics().height() + 6)

    def labels(self) -> tuple[str, str, str]:
        """(lowest, centre, highest) as written under the bar."""
        lo, hi = self.model.range
        c = self.model.center
        middle = "0" if self.model.centred_on_zero else f"median {_num(c)}"
        return _num(lo), middle, _num(hi)

    def value_at(self, x: int) -> float:
        lo, hi = self.model.range
        return lo + (hi - lo) * x / max(1, self.width() - 1)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.model.rowCount():
            return
        p = QPainter(self)
        width = self.width()
        for x in range(width):
            p.setPen(self.model.color_of(self.value_at(x)))
            p.drawLine(x, 0, x, BAR_PX - 1)
        lo, hi = self.model.range
        c = theme.colors()
        if hi > lo:  # the centre's place on the bar
            cx = int((self.model.center - lo) / (hi - lo) * (width - 1))
            p.setPen(QPen(QColor(c.text), 1))
            p.drawLine(cx, 0, cx, BAR_PX + 2)
        else:
            cx = width // 2
        p.setPen(QColor(c.muted))
        top = BAR_PX + 3
        h = self.height() - top
        left, middle, right = self.labels()
        p.drawText(QRect(0, top, width, h), int(Qt.AlignmentFlag.AlignLeft), left)
        p.drawText(QRect(0, top, width, h), int(Qt.AlignmentFlag.AlignRight), right)
        mw = self.fontMetrics().horizontalAdvance(middle)
        mx = max(self.fontMetrics().horizontalAdvance(left) + 8,
                 min(cx - mw // 2, width - self.fontMetrics().horizontalAdvance(right) - 8 - mw))
        p.drawText(QRect(mx, top, mw + 2, h), int(Qt.AlignmentFlag.AlignLeft), middle)
        p.end()

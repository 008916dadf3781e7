"""Small buttons painted in a table cell (modify, cancel), clicked like buttons: a delegate, no widget per row.

``RowActions.clicked(row, name)`` reports the view row (of the view's model, e.g. a sorting proxy) and the action.
An action disabled for a row (``enabled(row, name)`` False) is painted dimmed and does nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QToolTip, QWidget

from .. import theme

PAD = 3
GAP = 4


@dataclass(frozen=True)
class Action:
    name: str
    glyph: str
    tip: str
    color: str = "text"  # theme colour name of the glyph


class RowActions(QStyledItemDelegate):
    clicked = Signal(int, str)  # view row, action name

    def __init__(self, actions: list[Action], enabled: Callable[[int, str], bool] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.enabled = enabled or (lambda row, name: True)

    def rects(self, cell: QRect) -> list[QRect]:
        """Where each action's button sits in ``cell``."""
        side = max(12, cell.height() - 2 * PAD)
        x, y = cell.left() + GAP, cell.top() + (cell.height() - side) // 2
        out = []
        for _ in self.actions:
            out.append(QRect(x, y, side + 4, side))
            x += side + 4 + GAP
        return out

    def width(self, row_height: int) -> int:
        side = max(12, row_height - 2 * PAD)
        return GAP + len(self.actions) * (side + 4 + GAP)

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        return QSize(self.width(option.rect.height() or 22), 22)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        super().paint(painter, option, index)  # background and selection
        c = theme.colors()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for action, r in zip(self.actions, self.rects(option.rect)):
            on = self.enabled(index.row(), action.name)
            painter.setPen(QPen(QColor(c.border)))
            painter.setBrush(QColor(c.panel))
            painter.drawRoundedRect(r, 3, 3)
            painter.setPen(QColor(getattr(c, action.color) if on else c.muted))
            painter.drawText(r, int(Qt.AlignmentFlag.AlignCenter), action.glyph)
        painter.restore()

    def action_at(self, cell: QRect, pos: Any) -> str | None:
        for action, r in zip(self.actions, self.rects(cell)):
            if r.contains(pos):
                return action.name
        return None

    def editorEvent(self, event: QEvent, model: Any, option: QStyleOptionViewItem, index: Any) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            name = self.action_at(option.rect, event.position().toPoint())
            if name is not None:
                if self.enabled(index.row(), name):
                    self.clicked.emit(index.row(), name)
                return True
        return super().editorEvent(event, model, option, index)

    def helpEvent(self, event: Any, view: Any, option: QStyleOptionViewItem, index: Any) -> bool:
        name = self.action_at(option.rect, event.pos())
        tip = next((a.tip for a in self.actions if a.name == name), "")
        if tip:
            QToolTip.showText(event.globalPos(), tip, view)
            return True
        return super().helpEvent(event, view, option, index)

"""A reserved row for a message under a field: the text and up to two link-buttons offering valid values.

Its height is fixed once styled, so a message coming or going never moves the controls below it (the form never
shifts under the pointer).
"""
from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

LINK_STYLE = ("QPushButton { border: none; background: transparent; padding: 0 2px; font-size: 11px;"
              " color: palette(link); text-decoration: underline; text-align: right; }")


class MessageRow(QWidget):
    """Reserved space for one message: its text (word-wrapped, ``lines`` lines) and up to two link-buttons that
    put a valid value in the field. The height is fixed once styled: a message appearing never moves the form."""

    picked = Signal(str)

    def __init__(self, parent: QWidget, lines: int = 2, buttons: int = 2, object_name: str = "fieldError") -> None:
        super().__init__(parent)
        self.lines = lines
        self.label = QLabel("", self)
        self.label.setObjectName(object_name)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.label.hide()
        self.buttons: list[QPushButton] = []
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.label, 1)
        col = QVBoxLayout()
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        for _ in range(buttons):
            b = QPushButton("", self)
            b.setObjectName("suggestion")
            b.setStyleSheet(LINK_STYLE)
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field
            b.hide()
            b.clicked.connect(lambda _=False, b=b: self.picked.emit(b.property("value")))
            self.buttons.append(b)
            col.addWidget(b)
        col.addStretch(1)
        lay.addLayout(col)

    def reserve(self) -> None:
        """Fix the height to ``lines`` lines of the (styled) message font, or the stacked buttons if taller."""
        self.label.ensurePolished()
        text = self.label.fontMetrics().lineSpacing() * self.lines + 2
        buttons = 0
        for b in self.buttons:
            b.ensurePolished()
            buttons += b.fontMetrics().height() + 2
        self.setFixedHeight(max(text, buttons))

    def show_message(self, text: str, options: Sequence[tuple[str, str]] = ()) -> None:
        """``options``: (button text, value put in the field)."""
        self.label.setText(text)
        self.label.setToolTip(text)
        self.label.setVisible(bool(text))
        for i, b in enumerate(self.buttons):
            if i < len(options):
                b.setText(options[i][0])
                b.setProperty("value", options[i][1])
                b.setToolTip(f"Use {options[i][0]}")
                b.show()
            else:
                b.hide()

    def text(self) -> str:
        return self.label.text()

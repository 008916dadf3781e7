"""The chart's market notes ("market closed, opens 09:30 ET · delayed") on the price pane's top left, under the
readout's two lines (the last price's tag stays free on the right). An overlay: it takes no width from the toolbar (a narrow chart keeps its buttons)
and lets the mouse through to the chart."""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

STYLE = ("color: #d29922; font-weight: 600; background: rgba(20, 20, 20, 150); border: 1px solid #d29922; "
         "border-radius: 3px; padding: 1px 6px;")


class ChartNotice(QObject):
    def __init__(self, view: QWidget, readout: QWidget, right_inset: int) -> None:
        super().__init__(view)
        self.view, self.readout, self.right_inset = view, readout, right_inset
        self.label = QLabel("", view)
        self.label.setObjectName("chartNotice")
        self.label.setStyleSheet(STYLE)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.hide()
        # placed again by the chart when its view is resized (an event filter of its own on the view was called,
        # in Python, for every event of the view: its paint at every frame too)

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.label.setToolTip(text)
        self.label.setVisible(bool(text))
        self.place()

    def text(self) -> str:
        return self.label.text()

    def place(self) -> None:
        if not self.label.text():
            return
        self.label.adjustSize()
        r = self.readout
        x = r.x()  # under both of its lines (OHLC, then the indicators' values)
        self.label.move(x, r.y() + 2 * r.fontMetrics().lineSpacing() + 8)
        self.label.raise_()

"""Chart toolbar: timeframe buttons, the Indicators button (opens the indicators popup) and the follow-latest toggle."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QToolButton, QWidget

from terminal.ui.chart.theme import ChartPalette

TIMEFRAMES: dict[str, int] = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "4h": 14400, "1d": 86400}


class ChartToolbar(QWidget):
    timeframe_clicked = Signal(str)
    indicators_clicked = Signal()
    follow_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartToolbar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(2)
        self.timeframe_buttons: dict[str, QToolButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for tf in TIMEFRAMES:
            b = self._button(tf, checkable=True)
            self._group.addButton(b)
            self.timeframe_buttons[tf] = b
            b.clicked.connect(lambda _=False, tf=tf: self.timeframe_clicked.emit(tf))
            layout.addWidget(b)
        layout.addWidget(self._separator())
        self.indicators_button = self._button("ƒx Indicators", checkable=False)
        self.indicators_button.setToolTip("Indicators: SMA, EMA, Bollinger, RSI, MACD; period, source, colour")
        self.indicators_button.clicked.connect(self.indicators_clicked)
        layout.addWidget(self.indicators_button)
        layout.addStretch(1)
        self.follow_button = self._button("Follow latest", checkable=True)
        self.follow_button.setToolTip("Keep the live candle at the right edge")
        self.follow_button.toggled.connect(self.follow_toggled)
        layout.addWidget(self.follow_button)
        self.timeframe_buttons["1m"].setChecked(True)

    def _button(self, text: str, checkable: bool) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setCheckable(checkable)
        b.setAutoRaise(True)
        return b

    def _separator(self) -> QFrame:
        f = QFrame(self)
        f.setFrameShape(QFrame.Shape.VLine)
        f.setFixedWidth(9)
        return f

    def set_timeframe(self, tf: str) -> None:
        self.timeframe_buttons[tf].setChecked(True)

    def timeframe(self) -> str:
        return next(tf for tf, b in self.timeframe_buttons.items() if b.isChecked())

    def apply_palette(self, p: ChartPalette) -> None:
        self.setStyleSheet(
            f"#chartToolbar {{ background: {p.background}; border-bottom: 1px solid {p.axis}; }}"
            f"QToolButton {{ color: {p.text_dim}; background: transparent; border: none; padding: 3px 7px;"
            f" border-radius: 3px; font-weight: 600; }}"
            f"QToolButton:hover {{ color: {p.text}; background: {p.panel}; }}"
            f"QToolButton:checked {{ color: {p.text}; background: {p.axis}; }}"
            f"QFrame {{ color: {p.axis}; }}")

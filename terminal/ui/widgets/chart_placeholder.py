"""Stands in for the chart while ``terminal.ui.chart`` is unavailable; same API, records what it is given."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlaceholderChart(QWidget):
    timeframe_changed = Signal(str)
    price_clicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("Chart", self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        QVBoxLayout(self).addWidget(self.label)
        self.lines: list[Any] = []
        self.markers: list[Any] = []
        self.bars = 0

    def set_symbol(self, symbol: str, price_decimals: int, **_: Any) -> None:
        self.label.setText(f"{symbol} chart")

    def set_timeframe(self, timeframe: str) -> None:
        pass

    def set_bars(self, times_ms: Any, o: Any, h: Any, l: Any, c: Any, v: Any, **_: Any) -> None:  # noqa: E741
        self.bars = len(times_ms)

    def update_bar(self, *args: Any, **_: Any) -> None:
        pass

    def set_order_lines(self, lines: Any) -> None:
        self.lines = list(lines)

    def add_fill_markers(self, markers: Any) -> None:
        self.markers.extend(markers)

    def clear_markers(self) -> None:
        self.markers.clear()

    def set_theme(self, name: str) -> None:
        pass

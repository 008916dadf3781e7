"""The log dock: bounded, filterable by level and text, follows the tail."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from .. import theme
from ..models.log import LogFilter, LogModel, LogRow
from .table import make_table


class LogWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LogModel(self)
        self.proxy = LogFilter(self)
        self.proxy.setSourceModel(self.model)
        self.level = QComboBox(self)
        self.level.addItems(["DEBUG", "INFO", "WARNING", "ERROR"])
        self.level.setCurrentText("INFO")
        self.proxy.set_min_level("INFO")
        self.level.currentTextChanged.connect(self.proxy.set_min_level)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filter…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        theme.style(self.level)
        theme.style(self.search)
        self.view = make_table(self)
        self.view.setModel(self.proxy)
        for col, w in enumerate((100, 62, 520)):
            self.view.setColumnWidth(col, w)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 6, 0)
        top.addWidget(self.level)
        top.addWidget(self.search, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)

    def on_logs(self, rows: list[tuple[int, str, str, str, str]]) -> None:
        self.model.on_records([LogRow.make(*r) for r in rows])

    def flush(self) -> None:
        if not self.model.pending():
            return
        sb = self.view.verticalScrollBar()
        at_end = sb.value() >= sb.maximum() - 2
        self.model.flush()
        if at_end:
            self.view.scrollToBottom()

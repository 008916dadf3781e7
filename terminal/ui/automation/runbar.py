"""Run / Cancel buttons, a progress bar and a message line: the controls of one background job."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from .. import theme
from .look import style


def accent_button(button: QPushButton) -> None:
    """The theme's accent colour on a primary action button (re-applied when the theme changes)."""
    c = theme.colors()
    button.theme_name = c.name  # type: ignore[attr-defined]
    button.setStyleSheet(f"QPushButton {{ background: {c.accent}; color: #000; border: none; font-weight: 700;"
                         f" padding: 5px 12px; }} QPushButton:disabled {{ background: {c.border}; color: {c.muted}; }}")


class RunBar(QWidget):
    def __init__(self, run_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        row = QHBoxLayout()
        self.run_button = QPushButton(run_text)
        self.run_button.setObjectName("runButton")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        row.addWidget(self.run_button, 1)
        row.addWidget(self.cancel_button)
        lay.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setMaximumHeight(14)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("")
        lay.addWidget(self.progress)
        self.message = QLabel()
        self.message.setObjectName("automationMessage")
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() * 3)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._error = False
        lay.addWidget(self.message)
        accent_button(self.run_button)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and getattr(self.run_button, "theme_name", "") != theme.colors().name:
            accent_button(self.run_button)

    def busy(self, on: bool, text: str = "") -> None:
        self.run_button.setEnabled(not on)
        self.cancel_button.setEnabled(on)
        if on:
            self.progress.setRange(0, 0)  # indeterminate until the first progress report
            self.progress.setFormat(text)
            self.info(text)
        else:
            self.progress.setRange(0, 100)

    def report(self, done: int, total: int, phase: str = "") -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.progress.setFormat(f"{phase} {done:,}/{total:,}".strip())

    def finish(self, ok: bool) -> None:
        self.busy(False)
        self.progress.setValue(self.progress.maximum() if ok else 0)
        self.progress.setFormat("done" if ok else "")

    def info(self, text: str) -> None:
        self._error = False
        self._color("muted")
        self.message.setText(text)

    def error(self, text: str) -> None:
        self._error = True
        self._color("down")
        self.message.setText(text)

    def _color(self, name: str) -> None:
        if getattr(theme, "style", None) is not None:
            style(self.message, name)
        else:
            self.message.setStyleSheet(f"color: {getattr(theme.colors(), name)};")

    def is_error(self) -> bool:
        return self._error

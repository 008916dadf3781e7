"""Help > About: the app's version, the versions of the stack under it, and where its files live.

Opened with ``show()`` (never ``exec()``: a nested event loop would stall the session's tasks). The text is
selectable and "Copy" puts it on the clipboard for a bug report.
"""
from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import PySide6
import pyqtgraph
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...storage import settings as settings_store

APP = "trading-terminal"


def _installed(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown (not installed)"


def about_rows(settings_dir: Path | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs shown by the dialog, in order."""
    return [
        ("Trading Terminal", _installed(APP)),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("pyqtgraph", pyqtgraph.__version__),
        ("qasync", _installed("qasync")),  # qasync has no __version__; the frozen app bundles its metadata
        ("Data directory", str(settings_store.data_dir())),
        ("Settings file", str(settings_store.settings_path(settings_dir))),
    ]


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, settings_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Trading Terminal")
        self.setModal(False)
        self.rows = about_rows(settings_dir)
        title = QLabel("<b>Trading Terminal</b> — a desktop trading terminal with an embedded sandbox exchange", self)
        title.setWordWrap(True)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for name, value in self.rows:
            label = QLabel(value, self)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{name}:", label)
            self.values[name] = label
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy", self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def text(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.rows)

    def _on_copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

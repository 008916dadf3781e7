"""The feed-health dock: one row per stream, refreshed from ``session.health()`` about once a second."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ... import model as m
from ..models.health import HealthModel
from .table import make_table


class HealthWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HealthModel(self)
        self.view = make_table(self)
        self.view.setModel(self.model)
        for col, width in enumerate((138, 84, 56, 56, 70, 60, 50, 56, 50)):
            self.view.setColumnWidth(col, width)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)

    def on_health(self, health: dict[str, Any]) -> None:
        self.model.on_health(health)

    def on_connections(self, events: list[m.ConnectionChanged]) -> None:
        self.model.on_connections(events)

    def flush(self) -> None:
        self.model.flush()

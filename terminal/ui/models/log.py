"""The log: bounded, newest last, with a proxy that filters by minimum level and text."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Hashable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel

from .. import format as f
from .table import LEFT, Column, RowTableModel

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
_ids = itertools.count()


@dataclass(frozen=True)
class LogRow:
    ts_ms: int
    level: str
    source: str
    message: str
    seq: int = 0
    venue: str = ""

    @staticmethod
    def make(ts_ms: int, level: str, source: str, message: str, venue: str = "") -> "LogRow":
        return LogRow(ts_ms, level, source, message, next(_ids), venue)


def _level_color(r: LogRow) -> str | None:
    n = LEVELS.get(r.level, 20)
    return "down" if n >= 40 else ("warn" if n >= 30 else ("muted" if n < 20 else None))


class LogModel(RowTableModel[LogRow]):
    MAX_ROWS = 5000
    columns = [
        Column("Time", lambda r: f.clock(r.ts_ms, with_ms=True), LEFT, raw=lambda r: r.ts_ms),
        Column("Level", lambda r: r.level, LEFT, color=_level_color),
        Column("Message", lambda r: r.message, LEFT),
        Column("Source", lambda r: r.source, LEFT),
        Column("Venue", lambda r: r.venue, LEFT),
    ]

    def key(self, row: LogRow) -> Hashable:
        return row.seq

    def on_records(self, rows: list[LogRow]) -> None:
        for r in rows[-self.MAX_ROWS:]:
            self.put(r)

    def flush(self) -> None:
        super().flush()
        self.trim(self.MAX_ROWS)


class LogFilter(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._min_level = 0
        self._text = ""

    def set_min_level(self, name: str) -> None:
        self.beginFilterChange()
        self._min_level = LEVELS.get(name, 0)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        src = self.sourceModel()
        if not isinstance(src, LogModel) or source_row >= len(src.store):
            return True
        r = src.row_at(source_row)
        if LEVELS.get(r.level, 20) < self._min_level:
            return False
        return not self._text or self._text in r.message.lower() or self._text in r.source.lower()

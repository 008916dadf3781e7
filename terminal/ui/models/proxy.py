"""Sorting and filtering over a thin table model: a QSortFilterProxyModel that sorts by each cell's raw value.

Cells carry their raw value (Decimal, int, str, enum) under ``RawRole``; sorting compares those, so "1,000.00" comes
after "999.00" and a price sorts as a number, never as text. An empty cell (None) sorts first. The source model's
own order (newest first, insertion order) is kept until a header is clicked (sort column -1).

The optional filter keeps the rows whose ``filter_column`` displays exactly one of the accepted texts (the blotters'
source filter: "manual" or a strategy's name); it runs in Qt over the display texts, no Python per row.
"""
from __future__ import annotations

import enum
import re
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRegularExpression, QSortFilterProxyModel

from .table import RawRole

Index = QModelIndex | QPersistentModelIndex


def sort_key(value: Any) -> tuple[int, Any]:
    """A total order over raw cell values: None, then numbers, then texts (case-insensitive) and enums by name."""
    if value is None:
        return (0, 0)
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return (1, value)
    if isinstance(value, str):
        return (2, value.casefold())
    if isinstance(value, enum.Enum):
        return (2, value.name.casefold())
    return (3, str(value))


class SortProxy(QSortFilterProxyModel):
    def __init__(self, source: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(RawRole)
        self.setDynamicSortFilter(True)
        self.filter_texts: tuple[str, ...] = ()

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = sort_key(left.data(RawRole)), sort_key(right.data(RawRole))
        if a[0] != b[0]:
            return a[0] < b[0]
        return bool(a[1] < b[1])

    def set_filter(self, column: int, texts: tuple[str, ...] | list[str] = ()) -> None:
        """Keep only the rows whose ``column`` shows one of ``texts`` (no texts: every row)."""
        self.filter_texts = tuple(texts)
        self.setFilterKeyColumn(column)
        if not texts:
            self.setFilterRegularExpression(QRegularExpression())
            return
        pattern = "^(?:" + "|".join(re.escape(t) for t in texts) + ")$"
        self.setFilterRegularExpression(QRegularExpression(pattern))

    def source_row(self, proxy_row: int) -> int:
        """The source model's row shown at ``proxy_row`` (-1 if none)."""
        src = self.mapToSource(self.index(proxy_row, 0))
        return src.row() if src.isValid() else -1

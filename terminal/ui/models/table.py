"""A keyed row store (plain Python) and the Qt table model that adapts it.

Rows are kept by key in insertion order. Updates mark keys dirty; ``flush()`` turns the dirty set into a few
``dataChanged`` signals over contiguous row ranges. Appends use ``beginInsertRows`` once per batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, Hashable, Iterable, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from .. import theme

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter
#: A role carrying the raw value of a cell (Decimal, str, int) for sorting and tests.
RawRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    align: Qt.AlignmentFlag = RIGHT
    color: Callable[[R], str | None] | None = None  # a theme colour name ("up", "down", "muted") or None
    raw: Callable[[R], Any] | None = None
    tip: str = ""


def contiguous(rows: Iterable[int]) -> list[tuple[int, int]]:
    """[1,2,3,7,8] -> [(1,3),(7,8)]."""
    out: list[tuple[int, int]] = []
    for r in sorted(rows):
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


class RowStore(Generic[R]):
    """Plain-Python rows by key, in order, with a dirty set. No Qt."""

    def __init__(self) -> None:
        self.keys: list[Hashable] = []
        self.rows: dict[Hashable, R] = {}
        self.pos: dict[Hashable, int] = {}
        self.dirty: set[Hashable] = set()

    def __len__(self) -> int:
        return len(self.keys)

    def row(self, i: int) -> R:
        return self.rows[self.keys[i]]

    def get(self, key: Hashable) -> R | None:
        return self.rows.get(key)

    def reindex(self) -> None:
        self.pos = {k: i for i, k in enumerate(self.keys)}


class RowTableModel(QAbstractTableModel, Generic[R]):
    """Adapter over a RowStore. Subclasses declare ``columns`` and a ``key`` function."""

    columns: list[Column[R]] = []

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.store: RowStore[R] = RowStore()
        self._pending_new: dict[Hashable, R] = {}
        self._newest_first = False

    # ---- plain-Python side (cheap; no signals) -------------------------------------------------------------
    def key(self, row: R) -> Hashable:  # pragma: no cover - overridden
        raise NotImplementedError

    def put(self, row: R) -> None:
        """Insert or replace a row; the change reaches the view at the next ``flush()``."""
        k = self.key(row)
        if k in self.store.rows:
            self.store.rows[k] = row
            self.store.dirty.add(k)
        else:
            self._pending_new[k] = row

    def touch(self, key: Hashable) -> None:
        """Mark a row whose object was changed in place."""
        if key in self.store.rows:
            self.store.dirty.add(key)

    def lookup(self, key: Hashable) -> R | None:
        """The row for ``key``, shown or still waiting for the next flush."""
        row = self.store.rows.get(key)
        return row if row is not None else self._pending_new.get(key)

    def pending(self) -> bool:
        return bool(self._pending_new or self.store.dirty)

    # ---- Qt side -----------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Emit the accumulated changes: one insert per batch, dataChanged per contiguous dirty range."""
        s = self.store
        if self._pending_new:
            new = list(self._pending_new.items())
            self._pending_new = {}
            if self._newest_first:
                self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
                s.keys[0:0] = [k for k, _ in reversed(new)]
            else:
                self.beginInsertRows(QModelIndex(), len(s.keys), len(s.keys) + len(new) - 1)
                s.keys.extend(k for k, _ in new)
            for k, r in new:
                s.rows[k] = r
            s.reindex()
            self.endInsertRows()
        if s.dirty:
            rows = [s.pos[k] for k in s.dirty if k in s.pos]
            s.dirty.clear()
            last_col = len(self.columns) - 1
            for a, b in contiguous(rows):
                self.dataChanged.emit(self.index(a, 0), self.index(b, last_col))

    def remove(self, key: Hashable) -> None:
        s = self.store
        self._pending_new.pop(key, None)
        i = s.pos.get(key)
        if i is None:
            return
        self.beginRemoveRows(QModelIndex(), i, i)
        del s.keys[i]
        del s.rows[key]
        s.dirty.discard(key)
        s.reindex()
        self.endRemoveRows()

    def trim(self, max_rows: int) -> None:
        """Drop the oldest rows beyond ``max_rows`` (the tail when newest-first, else the head)."""
        s = self.store
        extra = len(s.keys) - max_rows
        if extra <= 0:
            return
        if self._newest_first:
            first, last = max_rows, len(s.keys) - 1
        else:
            first, last = 0, extra - 1
        self.beginRemoveRows(QModelIndex(), first, last)
        for k in s.keys[first:last + 1]:
            del s.rows[k]
            s.dirty.discard(k)
        del s.keys[first:last + 1]
        s.reindex()
        self.endRemoveRows()

    def reset(self, rows: Iterable[R]) -> None:
        self.beginResetModel()
        s = self.store
        s.keys.clear(); s.rows.clear(); s.dirty.clear()
        self._pending_new = {}
        items = list(rows)
        if self._newest_first:
            items.reverse()
        for r in items:
            k = self.key(r)
            if k not in s.rows:
                s.keys.append(k)
            s.rows[k] = r
        s.reindex()
        self.endResetModel()

    def row_at(self, i: int) -> R:
        return self.store.row(i)

    # ---- QAbstractTableModel ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.store.keys)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        col = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align)
        if role == Qt.ItemDataRole.ToolTipRole and col.tip:
            return col.tip
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.store.keys) or index.column() >= len(self.columns):
            return None
        col = self.columns[index.column()]
        row = self.store.row(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align)
        if role == Qt.ItemDataRole.ForegroundRole and col.color is not None:
            name = col.color(row)
            if name:
                return QBrush(QColor(getattr(theme.colors(), name)))
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.background(row)
        if role == RawRole:
            return col.raw(row) if col.raw else col.text(row)
        return None

    def background(self, row: R) -> Any:
        return None

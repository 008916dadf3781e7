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
_DISPLAY, _ALIGN = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole
_FG, _BG = Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole
ALL_COLUMNS = (0, 1 << 30)
_ROLES = frozenset({_DISPLAY, _ALIGN, _FG, _BG, RawRole})
_brushes: dict[tuple[str, str], QBrush] = {}


def brush(name: str) -> QBrush:
    """A cached brush for a theme colour name ("up", "down", "muted", ...) in the current theme."""
    c = theme.colors()
    key = (c.name, name)
    b = _brushes.get(key)
    if b is None:
        b = _brushes[key] = QBrush(QColor(getattr(c, name)))
    return b


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    align: Qt.AlignmentFlag = RIGHT
    color: Callable[[R], str | None] | None = None  # a theme colour name ("up", "down", "muted") or None
    raw: Callable[[R], Any] | None = None
    tip: str = ""
    width: int = 0  # default width in digits ("0" advances) for the views that size columns; 0: the view's default


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
        self.dirty: dict[Hashable, tuple[int, int]] = {}  # key -> (first, last) changed column

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
        self._texts: dict[Hashable, list[str]] = {}  # display texts per row key, dropped when the row changes

    # ---- plain-Python side (cheap; no signals) -------------------------------------------------------------
    def key(self, row: R) -> Hashable:  # pragma: no cover - overridden
        raise NotImplementedError

    def put(self, row: R) -> None:
        """Insert or replace a row; the change reaches the view at the next ``flush()``."""
        k = self.key(row)
        if k in self.store.rows:
            self.store.rows[k] = row
            self.store.dirty[k] = ALL_COLUMNS
            self._texts.pop(k, None)
        else:
            self._pending_new[k] = row

    def touch(self, key: Hashable, first: int = 0, last: int = 1 << 30) -> None:
        """Mark a row whose object was changed in place (optionally only columns ``first..last``)."""
        if key in self.store.rows:
            old = self.store.dirty.get(key)
            self.store.dirty[key] = (first, last) if old is None else (min(old[0], first), max(old[1], last))
            self._texts.pop(key, None)

    def lookup(self, key: Hashable) -> R | None:
        """The row for ``key``, shown or still waiting for the next flush."""
        row = self.store.rows.get(key)
        return row if row is not None else self._pending_new.get(key)

    def all_rows(self) -> list[R]:
        """Every row, those not yet shown (inserted at the next flush) last."""
        return [self.store.rows[k] for k in self.store.keys] + list(self._pending_new.values())

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
            # rows grouped into contiguous runs; each run signals the union of its changed columns only, so a
            # view repaints just those cells (nothing at all for hidden columns)
            last_col = len(self.columns) - 1
            spans = {s.pos[k]: cols for k, cols in s.dirty.items() if k in s.pos}
            s.dirty.clear()
            for a, b in contiguous(spans):
                c0 = min(spans[r][0] for r in range(a, b + 1))
                c1 = min(last_col, max(spans[r][1] for r in range(a, b + 1)))
                self.dataChanged.emit(self.index(a, c0), self.index(b, c1))

    def remove(self, key: Hashable) -> None:
        s = self.store
        self._pending_new.pop(key, None)
        i = s.pos.get(key)
        if i is None:
            return
        self.beginRemoveRows(QModelIndex(), i, i)
        del s.keys[i]
        del s.rows[key]
        self._texts.pop(key, None)
        s.dirty.pop(key, None)
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
            self._texts.pop(k, None)
            s.dirty.pop(k, None)
        del s.keys[first:last + 1]
        s.reindex()
        self.endRemoveRows()

    def reset(self, rows: Iterable[R]) -> None:
        self.beginResetModel()
        s = self.store
        s.keys.clear(); s.rows.clear(); s.dirty.clear(); self._texts.clear()
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

    @property
    def _aligns(self) -> list[int]:
        cached = self.__dict__.get("_align_cache")
        if cached is None or len(cached) != len(self.columns):
            cached = self.__dict__["_align_cache"] = [int(col.align) for col in self.columns]
        return cached

    def invalidate_texts(self) -> None:
        """Drop every cached text (after a theme or format change)."""
        self._texts.clear()

    def touch_column(self, column: int) -> None:
        """Every row's ``column`` changed (a lookup behind it learnt something): one signal at the next flush."""
        self._texts.clear()
        dirty = self.store.dirty
        for k in self.store.keys:
            old = dirty.get(k)
            dirty[k] = (column, column) if old is None else (min(old[0], column), max(old[1], column))

    def column_index(self, title: str) -> int:
        """The index of the column titled ``title`` (-1 if there is none)."""
        return next((i for i, c in enumerate(self.columns) if c.title == title), -1)

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
        # called ~10x per visible cell per repaint: unwanted roles leave first, texts are cached per row
        if role not in _ROLES:
            return None
        r, c = index.row(), index.column()
        keys = self.store.keys
        if not (0 <= r < len(keys) and 0 <= c < len(self.columns)):
            return None
        if role == _DISPLAY:
            key = keys[r]
            texts = self._texts.get(key)
            if texts is None:
                row = self.store.rows[key]
                texts = self._texts[key] = [col.text(row) for col in self.columns]
            return texts[c]
        if role == _ALIGN:
            return self._aligns[c]
        col = self.columns[c]
        row = self.store.rows[keys[r]]
        if role == _FG:
            if col.color is None:
                return None
            name = col.color(row)
            return brush(name) if name else None
        if role == _BG:
            return self.background(row)
        return col.raw(row) if col.raw else col.text(row)  # RawRole

    def background(self, row: R) -> Any:
        return None

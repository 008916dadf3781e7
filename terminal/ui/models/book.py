"""The book ladder: ``depth`` asks above ``depth`` bids, a fixed number of rows refreshed once per frame."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ... import model as m
from .. import format as f
from .. import theme
from .table import RIGHT, RawRole

Index = QModelIndex | QPersistentModelIndex
#: Fraction (0..1) of the largest cumulative size in view, for the depth bar.
DepthRole = Qt.ItemDataRole.UserRole + 2
#: +1 for an ask row, -1 for a bid row, 0 for an empty row.
SideRole = Qt.ItemDataRole.UserRole + 3
Level = tuple[Decimal, Decimal]


class Ladder:
    """Plain-Python view of the top of one book: rows, cumulative sizes, depth fractions."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.symbol = ""
        self.instrument: m.Instrument | None = None
        self.asks: list[Level] = []  # best first
        self.bids: list[Level] = []
        self._cum_asks: list[Decimal] = []
        self._cum_bids: list[Decimal] = []
        self._max = Decimal(1)

    def set(self, bids: tuple[Level, ...] | list[Level], asks: tuple[Level, ...] | list[Level]) -> None:
        self.bids, self.asks = list(bids[: self.depth]), list(asks[: self.depth])
        self._cum_bids, self._cum_asks = _cumulative(self.bids), _cumulative(self.asks)
        self._max = max(self._cum_bids[-1:] + self._cum_asks[-1:] + [Decimal(0)]) or Decimal(1)

    def row(self, i: int) -> tuple[int, Level | None, Decimal | None]:
        """(side, level, cumulative) for row ``i``; side +1 ask, -1 bid."""
        if i < self.depth:
            j = self.depth - 1 - i  # far asks on top, best ask just above the spread
            if j < len(self.asks):
                return 1, self.asks[j], self._cum_asks[j]
            return 1, None, None
        j = i - self.depth
        if j < len(self.bids):
            return -1, self.bids[j], self._cum_bids[j]
        return -1, None, None

    def fraction(self, cum: Decimal | None) -> float:
        return float(cum / self._max) if cum is not None else 0.0  # a float only for painting

    def spread(self) -> Decimal | None:
        return (self.asks[0][0] - self.bids[0][0]) if self.asks and self.bids else None

    def mid(self) -> Decimal | None:
        return (self.asks[0][0] + self.bids[0][0]) / 2 if self.asks and self.bids else None


def _cumulative(levels: list[Level]) -> list[Decimal]:
    out, total = [], Decimal(0)
    for _, q in levels:
        total += q
        out.append(total)
    return out


class BookModel(QAbstractTableModel):
    HEADERS = ("Price", "Size", "Total")

    def __init__(self, depth: int = 14, parent: Any = None) -> None:
        super().__init__(parent)
        self.ladder = Ladder(depth)
        self._dirty = False

    def set_symbol(self, symbol: str, instrument: m.Instrument | None) -> None:
        self.ladder.symbol, self.ladder.instrument = symbol, instrument
        self.ladder.set([], [])
        self._dirty = True

    def on_books(self, books: dict[str, m.BookUpdated]) -> None:
        b = books.get(self.ladder.symbol)
        if b is not None:
            self.ladder.set(b.bids, b.asks)
            self._dirty = True

    def flush(self) -> None:
        if self._dirty:
            self._dirty = False
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 2))

    def price_at(self, row: int) -> Decimal | None:
        _, level, _ = self.ladder.row(row)
        return level[0] if level else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 2 * self.ladder.depth

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 3

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < 3:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(RIGHT)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount() or not 0 <= index.column() < 3:
            return None
        side, level, cum = self.ladder.row(index.row())
        col = index.column()
        instr = self.ladder.instrument
        if role == Qt.ItemDataRole.DisplayRole:
            if level is None:
                return ""
            return (f.price(instr, level[0]), f.qty(instr, level[1]), f.qty(instr, cum))[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT)
        if role == Qt.ItemDataRole.ForegroundRole and col == 0 and level is not None:
            c = theme.colors()
            return QBrush(QColor(c.down if side > 0 else c.up))
        if role == DepthRole:
            return self.ladder.fraction(cum)
        if role == SideRole:
            return side if level is not None else 0
        if role == RawRole:
            return None if level is None else (level[0], level[1], cum)[col]
        return None

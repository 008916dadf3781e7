"""The book ladder: ``depth`` asks above ``depth`` bids, a fixed number of rows refreshed once per frame.

Texts are computed once per book update (not per paint): ``data()`` is a list lookup. The depth bars are painted
by the view in one pass per paint (``widgets.book.LadderView``), not per cell.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ... import model as m
from .. import format as f
from .table import RIGHT, RawRole, brush

Index = QModelIndex | QPersistentModelIndex
#: Fraction (0..1) of the largest cumulative size in view, for the depth bar.
DepthRole = Qt.ItemDataRole.UserRole + 2
#: +1 for an ask row, -1 for a bid row, 0 for an empty row.
SideRole = Qt.ItemDataRole.UserRole + 3
Level = tuple[Decimal, Decimal]
COLS = 3
_DISPLAY, _ALIGN, _FG = (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.TextAlignmentRole),
                         int(Qt.ItemDataRole.ForegroundRole))
_DEPTH, _SIDE, _RAW, _RIGHT = int(DepthRole), int(SideRole), int(RawRole), int(RIGHT)


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
        self._cells: list[tuple[int, tuple[str, str, str], float]] = []
        self._rebuild()

    def set_symbol(self, symbol: str, instrument: m.Instrument | None) -> None:
        self.ladder.symbol, self.ladder.instrument = symbol, instrument
        self.ladder.set([], [])
        self._dirty = True

    def on_books(self, books: dict[str, m.BookUpdated]) -> None:
        b = books.get(self.ladder.symbol)
        if b is not None:
            self.ladder.set(b.bids, b.asks)
            self._dirty = True

    def _rebuild(self) -> None:
        lad, instr = self.ladder, self.ladder.instrument
        cells = []
        for i in range(2 * lad.depth):
            side, level, cum = lad.row(i)
            if level is None:
                cells.append((0, ("", "", ""), 0.0))
            else:
                cells.append((side, (f.price(instr, level[0]), f.qty(instr, level[1]), f.qty(instr, cum)),
                              lad.fraction(cum)))
        self._cells = cells

    def flush(self) -> None:
        if self._dirty:
            self._dirty = False
            self._rebuild()
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, COLS - 1))

    def refresh_theme(self) -> None:
        self._dirty = True

    def bars(self) -> list[tuple[int, float]]:
        """(side, fraction) per row, for the view that paints the depth bars."""
        return [(side, frac) for side, _, frac in self._cells]

    def price_at(self, row: int) -> Decimal | None:
        _, level, _ = self.ladder.row(row)
        return level[0] if level else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 2 * self.ladder.depth

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else COLS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < COLS:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(RIGHT)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r, col = index.row(), index.column()
        if not (0 <= r < len(self._cells) and 0 <= col < COLS):
            return None
        if role == _DISPLAY:
            return self._cells[r][1][col]
        if role == _ALIGN:
            return _RIGHT
        if role == _FG:
            side = self._cells[r][0]
            return brush("down" if side > 0 else "up") if col == 0 and side else None
        if role == _DEPTH:
            return self._cells[r][2]
        if role == _SIDE:
            return self._cells[r][0]
        if role == _RAW:
            _, level, cum = self.ladder.row(r)
            return None if level is None else (level[0], level[1], cum)[col]
        return None

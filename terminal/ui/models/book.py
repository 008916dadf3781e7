"""The book ladder: ``depth`` asks, the spread row, ``depth`` bids; refreshed once per frame.

The view sets ``depth`` from its height (more levels in a tall pane) and a price grouping step (levels summed in
Decimal by ``terminal.market.grouping``). Texts are computed once per book update (not per paint): ``data()`` is a
list lookup. The depth bars are painted by the view in one pass per paint (``widgets.book.LadderView``).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from ... import model as m
from ...market.grouping import group_levels
from .. import format as f
from .table import RIGHT, RawRole, brush

Index = QModelIndex | QPersistentModelIndex
#: Fraction (0..1) of the largest cumulative size in view, for the depth bar.
DepthRole = Qt.ItemDataRole.UserRole + 2
#: +1 for an ask row, -1 for a bid row, 0 for an empty row or the spread row.
SideRole = Qt.ItemDataRole.UserRole + 3
Level = tuple[Decimal, Decimal]
COLS = 3
MIN_DEPTH = 3
_DISPLAY, _ALIGN, _FG = (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.TextAlignmentRole),
                         int(Qt.ItemDataRole.ForegroundRole))
_DEPTH, _SIDE, _RAW, _RIGHT = int(DepthRole), int(SideRole), int(RawRole), int(RIGHT)
_FONT = int(Qt.ItemDataRole.FontRole)


_bold_font: list[QFont] = []


def _bold() -> QFont:
    if not _bold_font:
        font = QFont()
        font.setBold(True)
        _bold_font.append(font)
    return _bold_font[0]


class Ladder:
    """Plain-Python view of the top of one book: rows, cumulative sizes, depth fractions.

    Rows: ``depth`` asks (far ones on top), the spread row at index ``depth``, then ``depth`` bids (best first)."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.step: Decimal | None = None  # price grouping; None = the venue's own levels
        self.symbol = ""
        self.instrument: m.Instrument | None = None
        self.raw_bids: list[Level] = []
        self.raw_asks: list[Level] = []
        self.asks: list[Level] = []  # best first, grouped
        self.bids: list[Level] = []
        self._cum_asks: list[Decimal] = []
        self._cum_bids: list[Decimal] = []
        self._max = Decimal(1)

    def set(self, bids: tuple[Level, ...] | list[Level], asks: tuple[Level, ...] | list[Level]) -> None:
        self.raw_bids, self.raw_asks = list(bids), list(asks)
        self._apply()

    def set_depth(self, depth: int) -> None:
        self.depth = max(MIN_DEPTH, depth)
        self._apply()

    def set_step(self, step: Decimal | None) -> None:
        self.step = step
        self._apply()

    def _apply(self) -> None:
        self.bids = group_levels(self.raw_bids, self.step, m.Side.BUY)[: self.depth]
        self.asks = group_levels(self.raw_asks, self.step, m.Side.SELL)[: self.depth]
        self._cum_bids, self._cum_asks = _cumulative(self.bids), _cumulative(self.asks)
        self._max = max(self._cum_bids[-1:] + self._cum_asks[-1:] + [Decimal(0)]) or Decimal(1)

    @property
    def rows(self) -> int:
        return 2 * self.depth + 1

    @property
    def spread_row(self) -> int:
        return self.depth

    @property
    def best_bid_row(self) -> int:
        return self.depth + 1

    def row(self, i: int) -> tuple[int, Level | None, Decimal | None]:
        """(side, level, cumulative) for row ``i``; side +1 ask, -1 bid, 0 the spread row."""
        if i < self.depth:
            j = self.depth - 1 - i  # far asks on top, best ask just above the spread
            if j < len(self.asks):
                return 1, self.asks[j], self._cum_asks[j]
            return 1, None, None
        if i == self.depth:
            return 0, None, None
        j = i - self.depth - 1
        if j < len(self.bids):
            return -1, self.bids[j], self._cum_bids[j]
        return -1, None, None

    def fraction(self, cum: Decimal | None) -> float:
        return float(cum / self._max) if cum is not None else 0.0  # a float only for painting

    def spread(self) -> Decimal | None:
        """Between the venue's best ask and bid (not the grouped ones)."""
        return (self.raw_asks[0][0] - self.raw_bids[0][0]) if self.raw_asks and self.raw_bids else None

    def mid(self) -> Decimal | None:
        return (self.raw_asks[0][0] + self.raw_bids[0][0]) / 2 if self.raw_asks and self.raw_bids else None


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
        self.compact = False  # a narrow view: the spread row shows the spread alone
        self._dirty = False
        self._cells: list[tuple[int, tuple[str, str, str], float]] = []
        self._rebuild()

    def set_symbol(self, symbol: str, instrument: m.Instrument | None) -> None:
        self.ladder.symbol, self.ladder.instrument = symbol, instrument
        self.ladder.step = None  # a grouping step belongs to one instrument's tick
        self.ladder.set([], [])
        self._dirty = True

    def set_depth(self, depth: int) -> None:
        """Show ``depth`` levels a side (the view's height decides); a change resets the model."""
        depth = max(MIN_DEPTH, depth)
        if depth == self.ladder.depth:
            return
        self.beginResetModel()
        self.ladder.set_depth(depth)
        self._rebuild()
        self.endResetModel()

    def set_compact(self, compact: bool) -> None:
        self.compact = compact
        self._dirty = True
        self.flush()

    def set_step(self, step: Decimal | None) -> None:
        """Group prices by ``step`` (None: the venue's own levels)."""
        self.ladder.set_step(step)
        self._dirty = True
        self.flush()

    def on_books(self, books: dict[str, m.BookUpdated]) -> None:
        b = books.get(self.ladder.symbol)
        if b is not None:
            self.ladder.set(b.bids, b.asks)
            self._dirty = True

    def _price_text(self, price: Decimal) -> str:
        step = self.ladder.step
        if step is None:
            return f.price(self.ladder.instrument, price)
        places = max(0, -int(step.as_tuple().exponent))  # a grouped price shows the step's decimals
        return format(price.quantize(Decimal(1).scaleb(-places)), "f")

    def spread_texts(self) -> tuple[str, str]:
        """(mid price, "spread 0.01 · 0.02 bp") for the spread row."""
        lad, instr = self.ladder, self.ladder.instrument
        mid, spread = lad.mid(), lad.spread()
        if mid is None or spread is None:
            return f.DASH, ""
        if self.compact:
            return f.price(instr, mid), f.price(instr, spread)
        bps = spread / mid * 10000 if mid else Decimal(0)
        bps = bps.quantize(Decimal("0.01") if bps >= 1 else Decimal("0.001"))  # a liquid book's spread is < 1 bp
        return f.price(instr, mid), f"spread {f.price(instr, spread)} · {bps} bp"

    def _rebuild(self) -> None:
        lad, instr = self.ladder, self.ladder.instrument
        cells = []
        for i in range(lad.rows):
            side, level, cum = lad.row(i)
            if i == lad.spread_row:
                mid, spread = self.spread_texts()
                cells.append((0, (mid, spread, ""), 0.0))
            elif level is None:
                cells.append((0, ("", "", ""), 0.0))
            else:
                cells.append((side, (self._price_text(level[0]), f.qty(instr, level[1]), f.qty(instr, cum)),
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
        return 0 if parent.isValid() else self.ladder.rows

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
            if r == self.ladder.spread_row:
                return brush("muted") if col else None
            side = self._cells[r][0]
            return brush("down" if side > 0 else "up") if col == 0 and side else None
        if r == self.ladder.spread_row:
            if role == _FONT and col == 0:
                return _bold()
            if role == int(Qt.ItemDataRole.ToolTipRole):
                return "mid price; spread between the best ask and the best bid"
        if role == _DEPTH:
            return self._cells[r][2]
        if role == _SIDE:
            return self._cells[r][0]
        if role == _RAW:
            if r == self.ladder.spread_row:
                return (self.ladder.mid(), self.ladder.spread(), None)[col]
            _, level, cum = self.ladder.row(r)
            return None if level is None else (level[0], level[1], cum)[col]
        return None

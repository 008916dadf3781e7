"""Book ladder with depth bars, the spread row between asks and bids, price grouping, and time and sales.

The ladder shows as many levels as its pane is tall. Clicking a price emits it (for order entry)."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QSizePolicy, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from ... import model as m
from ...market.grouping import grouping_steps, step_label
from .. import theme
from ..models.book import BookModel
from ..models.trades import TradesModel
from .table import make_table

ROW_PX = 19
MIN_ROW_PX = 17
#: Below the width its texts need (at least this) the ladder drops its Total column and takes a smaller font:
#: Price and Size stay whole in a narrow pane.
COMPACT_PX = 190
CELL_PAD_PX = 12


class LadderView(QTableView):
    """The ladder's table view: paints every row's depth bar in one pass, then the cells over them. Its height
    sets the number of levels a side; the spread row spans the size and total columns. A narrow view is compact:
    no Total column, a shorter spread text."""

    compact_changed = Signal(bool)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def updateGeometries(self) -> None:  # the header changed height (a font change): the viewport did too
        super().updateGeometries()
        if not getattr(self, "_fitting", False):
            self._fitting = True
            try:
                self.fit()
            finally:
                self._fitting = False

    def fit(self) -> None:
        model = self.model()
        if not isinstance(model, BookModel):
            return
        height = self.viewport().height()
        depth = (max(1, height // ROW_PX) - 1) // 2
        rows = 2 * max(depth, 1) + 1
        # the rows grow a little (up to ROW_PX + 3) to fill the pane: an odd number of rows leaves no gap
        row_px = min(ROW_PX + 3, max(MIN_ROW_PX, height // rows))
        if self.verticalHeader().defaultSectionSize() != row_px:
            self.verticalHeader().setDefaultSectionSize(row_px)
        model.set_depth(depth)
        compact = self.viewport().width() < self.full_width()
        if compact != self.isColumnHidden(2):
            self.setColumnHidden(2, compact)
            model.set_compact(compact)
            self.compact_changed.emit(compact)
        self.span_spread()

    def full_width(self) -> int:
        """The width the three columns need to show their texts whole (at the full font size)."""
        model = self.model()
        if not isinstance(model, BookModel):
            return COMPACT_PX
        parent = self.parentWidget()  # its font is the full size (the view's own shrinks when compact)
        fm = QFontMetrics(parent.font() if parent is not None else self.font())
        need = 0
        for col in range(3):
            texts = [model.index(r, col).data() or "" for r in range(model.rowCount()) if r != model.ladder.spread_row]
            need += max((fm.horizontalAdvance(t) for t in texts), default=0) + CELL_PAD_PX
        return max(COMPACT_PX, need)

    def span_spread(self) -> None:
        model = self.model()
        if isinstance(model, BookModel):
            row = model.ladder.spread_row
            if self.rowSpan(row, 1) != 1 or self.columnSpan(row, 1) != 2:
                self.clearSpans()
                self.setSpan(row, 1, 1, 2)

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if isinstance(model, BookModel):
            c = theme.colors()
            ask, bid = QColor(c.down_bg), QColor(c.up_bg)
            vp = self.viewport()
            width = vp.width()
            p = QPainter(vp)
            for row, (side, frac) in enumerate(model.bars()):
                if side and frac > 0:
                    y, h = self.rowViewportPosition(row), self.rowHeight(row)
                    bar = int(width * frac)
                    p.fillRect(QRect(width - bar, y, bar, h), ask if side > 0 else bid)
            p.end()
        super().paintEvent(event)


class BookTradesWidget(QWidget):
    price_clicked = Signal(object)  # Decimal

    def __init__(self, instrument_of, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.book_model = BookModel(14, self)
        self.trades_model = TradesModel(instrument_of, self)
        self._instrument_of = instrument_of
        self.title = QLabel("Order book", self)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # elided, never wider
        theme.style(self.title, "muted")
        self.grouping = QComboBox(self)
        self.grouping.setToolTip("Price grouping: levels summed into steps of this size")
        self.grouping.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.grouping.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.grouping.currentIndexChanged.connect(self._on_grouping)
        theme.style(self.grouping)
        self.book = make_table(self, stretch_last=False, view_class=LadderView)
        self.book.setModel(self.book_model)
        self.book.verticalHeader().setMinimumSectionSize(MIN_ROW_PX)  # else the font's height clamps the rows
        self.book.verticalHeader().setDefaultSectionSize(ROW_PX)
        self.book.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.book.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.book.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.book.setMinimumHeight(ROW_PX * 8)
        self.book.clicked.connect(self._on_book_clicked)
        self.book_model.modelReset.connect(self.book.span_spread)
        self.book.compact_changed.connect(self._on_compact)
        self.trades = make_table(self, stretch_last=False)
        self.trades.setModel(self.trades_model)
        self.trades.verticalHeader().setDefaultSectionSize(19)
        self.trades.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.trades.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.trades.clicked.connect(self._on_trade_clicked)
        top = QWidget(self)
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(0)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 4, 0)
        head.addWidget(self.title, 1)
        head.addStretch(0)
        head.addWidget(self.grouping, 0, Qt.AlignmentFlag.AlignRight)
        tl.addLayout(head)
        tl.addWidget(self.book, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(self.trades)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.title.setContentsMargins(8, 4, 8, 4)
        self._fit_pending = True
        self.set_steps(Decimal("0.01"))

    def _on_compact(self, compact: bool) -> None:
        self.title.setVisible(not compact)  # the dock's title names the book; the symbol is on the chart
        self.trades.setColumnHidden(2, compact)  # time and sales keeps price and size
        for view in (self.book, self.trades):  # a point smaller: whole prices in a narrow pane
            font = QFont(self.font())
            if compact:
                font.setPointSizeF(max(6.0, font.pointSizeF() - 1))
            view.setFont(font)

    def set_steps(self, tick: Decimal) -> None:
        """Offer the grouping steps of an instrument's tick (0.01, 0.1, 1, 10 for a 0.01 tick), the tick chosen."""
        self.grouping.blockSignals(True)
        self.grouping.clear()
        for step in grouping_steps(tick):
            self.grouping.addItem(step_label(step), step)
        self.grouping.setCurrentIndex(0)
        self.grouping.blockSignals(False)

    def set_grouping(self, step: Decimal) -> None:
        i = next((i for i in range(self.grouping.count()) if self.grouping.itemData(i) == step), -1)
        if i < 0:
            raise ValueError(f"no grouping step {step} for this instrument")
        self.grouping.setCurrentIndex(i)

    def _on_grouping(self, index: int) -> None:
        step = self.grouping.itemData(index)
        tick = self.grouping.itemData(0)
        self.book_model.set_step(None if step is None or step == tick else step)

    def set_symbol(self, symbol: str, instrument: m.Instrument | None) -> None:
        self.title.setText(symbol)  # the dock's title says "Book & trades"
        self.title.setToolTip(f"Order book of {symbol}")
        self.book_model.set_symbol(symbol, instrument)
        self._fit_pending = True
        self.set_steps(instrument.tick_size if instrument is not None else Decimal("0.01"))
        self.trades_model.set_symbol(symbol)

    def on_books(self, books: dict[str, m.BookUpdated]) -> None:
        self.book_model.on_books(books)

    def flush(self) -> None:
        self.book_model.flush()
        self.trades_model.flush()
        if self._fit_pending and self.book_model.ladder.bids:  # a symbol's first levels: are they too wide?
            self._fit_pending = False
            self.book.fit()

    def _on_book_clicked(self, index: QModelIndex) -> None:
        p = self.book_model.price_at(index.row())
        if p is not None:  # a grouped level's price is a multiple of the step, so of the tick too
            self.price_clicked.emit(p)

    def _on_trade_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.price_clicked.emit(self.trades_model.row_at(index.row()).price)

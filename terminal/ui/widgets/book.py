"""Book ladder with depth bars, the spread, and time and sales. Clicking a price emits it (for order entry)."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QSplitter, QTableView, QVBoxLayout, QWidget

from ... import model as m
from .. import format as f
from .. import theme
from ..models.book import BookModel
from ..models.trades import TradesModel
from .table import make_table


class LadderView(QTableView):
    """The ladder's table view: paints every row's depth bar in one pass, then the cells over them."""

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
        theme.style(self.title, "muted")
        self.book = make_table(self, stretch_last=False, view_class=LadderView)
        self.book.setModel(self.book_model)
        self.book.verticalHeader().setDefaultSectionSize(19)
        self.book.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.book.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.book.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.book.clicked.connect(self._on_book_clicked)
        self.spread = QLabel(f.DASH, self)
        self.spread.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.spread.setObjectName("spread")
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
        tl.addWidget(self.title)
        tl.addWidget(self.book, 1)
        tl.addWidget(self.spread)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(self.trades)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.title.setContentsMargins(8, 4, 8, 4)
        self.spread.setContentsMargins(0, 3, 0, 3)
        self.spread.setTextFormat(Qt.TextFormat.RichText)
        self.spread.setFixedHeight(26)  # a text change must not relayout (and repaint) the ladder

    def set_symbol(self, symbol: str, instrument: m.Instrument | None) -> None:
        self.title.setText(f"Order book · {symbol}")
        self.book_model.set_symbol(symbol, instrument)
        self.trades_model.set_symbol(symbol)
        self.spread.setText(f.DASH)

    def on_books(self, books: dict[str, m.BookUpdated]) -> None:
        self.book_model.on_books(books)
        if self.book_model.ladder.symbol in books:
            lad = self.book_model.ladder
            mid, spread = lad.mid(), lad.spread()
            if mid is not None and spread is not None:
                c = theme.colors()
                bps = (spread / mid * 10000).quantize(Decimal("0.01")) if mid else Decimal(0)
                self.spread.setText(f"<b style='font-size:13px'>{f.price(lad.instrument, lad.asks[0][0] if lad.asks else None)}</b>"
                                    f" <span style='color:{c.muted}'>&nbsp;spread {f.price(lad.instrument, spread)}"
                                    f" ({bps} bp)</span>")

    def flush(self) -> None:
        self.book_model.flush()
        self.trades_model.flush()

    def _on_book_clicked(self, index: QModelIndex) -> None:
        p = self.book_model.price_at(index.row())
        if p is not None:
            self.price_clicked.emit(p)

    def _on_trade_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.price_clicked.emit(self.trades_model.row_at(index.row()).price)

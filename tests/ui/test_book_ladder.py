"""The book ladder: as many levels as its pane is tall, the spread row between asks and bids, price grouping."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt

from terminal import model as m
from terminal.ui.models.book import SideRole
from terminal.ui.widgets.book import BookTradesWidget

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]
BTC = m.Instrument("BTCUSDT", "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"))


def _book(levels: int = 40) -> m.BookUpdated:
    bids = tuple((D("64040.00") - D("0.37") * i, D("0.1") + D("0.01") * i) for i in range(levels))
    asks = tuple((D("64040.03") + D("0.37") * i, D("0.2") + D("0.01") * i) for i in range(levels))
    return m.BookUpdated("BTCUSDT", 1, bids, asks)


@pytest.fixture
def book(qtbot, qapp):
    from terminal.ui import theme
    theme.apply(qapp, "dark")
    w = BookTradesWidget({"BTCUSDT": BTC}.get)
    qtbot.addWidget(w)
    w.set_symbol("BTCUSDT", BTC)
    w.show()
    return w


def _shown(w: BookTradesWidget) -> tuple[int, int]:
    """(ask levels, bid levels) on rows the view shows whole."""
    mdl, view = w.book_model, w.book
    asks = bids = 0
    for r in range(mdl.rowCount()):
        if view.rowViewportPosition(r) + view.rowHeight(r) > view.viewport().height() or mdl.price_at(r) is None:
            continue
        side = mdl.index(r, 0).data(SideRole)
        asks, bids = asks + (side == 1), bids + (side == -1)
    return asks, bids


def test_a_tall_pane_shows_more_levels_and_the_spread_row_sits_between_asks_and_bids(book, qtbot):
    book.resize(320, 520)
    book.on_books({"BTCUSDT": _book()})
    book.flush()
    qtbot.waitUntil(lambda: _shown(book)[0] > 0)
    short = _shown(book)
    book.resize(320, 1300)
    qtbot.waitUntil(lambda: _shown(book)[0] > short[0])
    book.flush()
    tall = _shown(book)
    assert tall[0] >= short[0] + 10 and tall[1] >= short[1] + 10, (short, tall)
    rows = book.book.viewport().height() // book.book.rowHeight(0)
    assert book.book_model.rowCount() >= rows - 2  # the rows fill the pane
    mdl = book.book_model
    sides = [mdl.index(r, 0).data(SideRole) for r in range(mdl.rowCount())]
    spread_rows = [r for r in range(mdl.rowCount()) if "spread" in (mdl.index(r, 1).data() or "")]
    assert len(spread_rows) == 1
    s = spread_rows[0]
    assert set(sides[:s]) == {1} and set(sides[s + 1:]) == {-1}  # asks above, bids below
    assert mdl.price_at(s - 1) == D("64040.03") and mdl.price_at(s + 1) == D("64040.00")
    assert mdl.index(s, 0).data() == "64040.02"  # the mid (64040.015) at the instrument's precision
    assert mdl.index(s, 1).data() == "spread 0.03 · 0.005 bp"  # 0.03 / 64040.015 = 0.0047 bp
    assert book.book.columnSpan(s, 1) == 2


def test_choosing_a_grouping_step_sums_the_levels_of_each_bucket(book, qtbot):
    book.resize(320, 900)
    book.on_books({"BTCUSDT": _book(30)})
    book.flush()
    combo = book.grouping
    assert [combo.itemText(i) for i in range(combo.count())] == ["0.01", "0.1", "1", "10"]
    combo.setCurrentIndex(combo.findText("1"))
    mdl = book.book_model
    s = mdl.ladder.spread_row
    raw = _book(30)
    want_bid = sum(q for p, q in raw.bids if p >= D("64040"))
    want_ask = sum(q for p, q in raw.asks if p <= D("64041"))
    assert mdl.price_at(s + 1) == D("64040") and mdl.index(s + 1, 1).data(Qt.ItemDataRole.UserRole + 1) == want_bid
    assert mdl.price_at(s - 1) == D("64041") and mdl.index(s - 1, 1).data(Qt.ItemDataRole.UserRole + 1) == want_ask
    assert mdl.index(s + 1, 0).data() == "64040" and mdl.index(s + 2, 0).data() == "64039"
    combo.setCurrentIndex(combo.findText("10"))
    assert mdl.price_at(s + 1) == D("64040") and mdl.price_at(s + 2) == D("64030")
    assert mdl.index(s + 2, 1).data(Qt.ItemDataRole.UserRole + 1) == \
        sum(q for p, q in raw.bids if D("64030") <= p < D("64040"))
    combo.setCurrentIndex(0)  # back to the venue's levels
    assert mdl.price_at(s + 1) == D("64040.00") and mdl.price_at(s + 2) == D("64039.63")
    # a new symbol starts ungrouped, with steps from its own tick
    eth = m.Instrument("ETHUSDT", "ETH", "USDT", tick_size=D("0.1"), step_size=D("0.0001"))
    combo.setCurrentIndex(3)
    book.set_symbol("ETHUSDT", eth)
    assert [combo.itemText(i) for i in range(combo.count())] == ["0.1", "1", "10", "100"]
    assert combo.currentIndex() == 0 and mdl.ladder.step is None


def test_a_narrow_pane_keeps_whole_prices(book, qtbot):
    book.resize(140, 600)
    book.on_books({"BTCUSDT": _book()})
    book.flush()
    qtbot.waitUntil(lambda: book.book.isColumnHidden(2))
    view, mdl = book.book, book.book_model
    for r in range(mdl.rowCount()):
        text = mdl.index(r, 0).data()
        if text and r != mdl.ladder.spread_row:
            assert view.fontMetrics().horizontalAdvance(text) + 6 <= view.columnWidth(0), text

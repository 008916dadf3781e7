"""The blotters in the real window on the embedded sandbox: modify and cancel from a row's own buttons (checked at
the exchange), positions that equal the balances after a deposit no fill explains, strategy orders told apart from
manual ones, and the columns a trader reads first visible at the default size."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from terminal import model as m
from terminal.strategy.base import Strategy
from terminal.strategy.runner import StrategyRunner
from terminal.ui.dialogs.modify import ModifyOrderDialog

# the offscreen plugin says these on every show() and popup (no window stacking, no keyboard grab)
pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise",
                                        "does not support grabbing the keyboard")]
D = Decimal
Button = QMessageBox.StandardButton


def _ready(qtbot, w, symbol: str = "BTCUSDT") -> Decimal:
    qtbot.waitUntil(lambda: w.link.last_prices.get(symbol) is not None, timeout=15000)
    return w.link.last_prices[symbol]


def _venue_open_orders(w, symbol: str = "BTCUSDT") -> list:
    """The sandbox exchange's own list (not the terminal's copy)."""
    srv = w.link.session.server
    account = srv.accounts.lookup(srv.default_api_key).account_id
    return srv.call(lambda: srv.engine.open_orders(account, symbol))


def _place_limit_buy(qloop, w, last: Decimal, qty: str = "0.01") -> m.Order:
    ins = w.instruments["BTCUSDT"]
    return qloop.run(w.link.session.place_order(m.OrderRequest(
        "BTCUSDT", m.Side.BUY, m.OrderType.LIMIT, D(qty), ins.snap_price(last * D("0.95")),
        time_in_force=m.TimeInForce.GTC)))


def _shown_row(qtbot, w, cid: str) -> int:
    bl = w.blotters
    bl.setCurrentIndex(0)

    def row() -> int:
        return next((r for r in range(bl.proxies["open"].rowCount()) if bl.order_at(r).client_order_id == cid), -1)
    qtbot.waitUntil(lambda: row() >= 0, timeout=10000)
    return row()


def _click_row_button(qtbot, w, row: int, button: int) -> None:
    """A mouse click on the row's painted button (0: modify, 1: cancel)."""
    view, bl = w.blotters.open_view, w.blotters
    cell = view.visualRect(bl.proxies["open"].index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=bl.actions.rects(cell)[button].center())


def _modify_dialog(qtbot) -> ModifyOrderDialog:
    def shown() -> list:
        return [x for x in QApplication.topLevelWidgets() if isinstance(x, ModifyOrderDialog) and x.isVisible()]
    qtbot.waitUntil(lambda: len(shown()) == 1, timeout=5000)
    return shown()[0]


def _type(qtbot, edit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_modify_from_the_row_button_replaces_the_order_at_the_venue_after_the_confirmation(
        qtbot, qloop, window, answer_box):
    w = window
    w.order_entry.confirm_box.setChecked(True)  # the ticket's rule: the modification is confirmed too
    order = _place_limit_buy(qloop, w, _ready(qtbot, w))
    ins = w.instruments["BTCUSDT"]
    row = _shown_row(qtbot, w, order.client_order_id)
    _click_row_button(qtbot, w, row, 0)
    dialog = _modify_dialog(qtbot)
    assert dialog.windowModality() is Qt.WindowModality.NonModal  # the window stays usable meanwhile
    assert dialog.price_edit.text() == ins.format_price(order.price) and dialog.qty_edit.text() == "0.01000"
    new_price = order.price - D("12.34")
    _type(qtbot, dialog.price_edit, ins.format_price(new_price) + "1")  # off the tick first
    assert not dialog.ok.isEnabled() and "tick size 0.01" in dialog.error.text()
    _type(qtbot, dialog.price_edit, ins.format_price(new_price))
    _type(qtbot, dialog.qty_edit, "0.02")
    assert dialog.ok.isEnabled()
    box = answer_box(Button.Ok)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.clicked, timeout=10000)
    assert box.title == "Confirm order — SANDBOX" and box.text.startswith("SANDBOX: modify BTCUSDT BUY LIMIT")
    qtbot.waitUntil(lambda: [(o.price, o.quantity) for o in _venue_open_orders(w)] == [(new_price, D("0.02"))],
                    timeout=10000)
    bl = w.blotters
    qtbot.waitUntil(lambda: [o.price for o in bl.open_model.orders()] == [new_price], timeout=10000)
    new = bl.open_model.orders()[0]
    assert new.client_order_id != order.client_order_id and new.quantity == D("0.02000")
    assert bl.history_model.lookup(order.client_order_id).status is m.OrderStatus.CANCELED
    qtbot.waitUntil(lambda: bl.message.text().startswith("Modified: BTCUSDT BUY LIMIT 0.02000 BTC @"), timeout=5000)


def test_a_modification_declined_in_the_confirmation_leaves_the_order_alone(qtbot, qloop, window, answer_box):
    w = window
    w.order_entry.confirm_box.setChecked(True)
    order = _place_limit_buy(qloop, w, _ready(qtbot, w))
    row, bl = _shown_row(qtbot, w, order.client_order_id), w.blotters
    price_cell = bl.open_view.visualRect(bl.proxies["open"].index(row, bl.open_model.column_index("Price")))
    # a double click on the order opens it too: the first click, then the double-click event (as the platform sends)
    qtbot.mouseClick(bl.open_view.viewport(), Qt.MouseButton.LeftButton, pos=price_cell.center())
    qtbot.mouseDClick(bl.open_view.viewport(), Qt.MouseButton.LeftButton, pos=price_cell.center())
    dialog = _modify_dialog(qtbot)
    _type(qtbot, dialog.qty_edit, "0.03")
    box = answer_box(Button.Cancel)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.clicked, timeout=10000)
    qtbot.waitUntil(lambda: w.blotters.message.text() == "Not modified.", timeout=5000)
    (venue,) = _venue_open_orders(w)
    assert venue.quantity == D("0.01") and venue.price == order.price
    assert [o.client_order_id for o in w.blotters.open_model.orders()] == [order.client_order_id]


def test_the_row_cancel_button_cancels_that_order_at_the_venue(qtbot, qloop, window):
    w = window
    last = _ready(qtbot, w)
    keep = _place_limit_buy(qloop, w, last)
    gone = _place_limit_buy(qloop, w, last, qty="0.002")
    _click_row_button(qtbot, w, _shown_row(qtbot, w, gone.client_order_id), 1)
    qtbot.waitUntil(lambda: len(_venue_open_orders(w)) == 1, timeout=10000)
    assert _venue_open_orders(w)[0].quantity == D("0.01")
    qtbot.waitUntil(lambda: [o.client_order_id for o in w.blotters.open_model.orders()] == [keep.client_order_id],
                    timeout=10000)
    assert w.blotters.tabText(0) == "Open orders (1)"
    # the other one from the right-click menu
    view = w.blotters.open_view
    pos = view.visualRect(view.model().index(_shown_row(qtbot, w, keep.client_order_id), 2)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.RightButton, pos=pos)
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                              view.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=3000)
    menu = QApplication.activePopupWidget()
    action = next(a for a in menu.actions() if a.text() == "Cancel order")
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: _venue_open_orders(w) == [], timeout=10000)
    qtbot.waitUntil(lambda: w.blotters.tabText(0) == "Open orders (0)", timeout=10000)


def test_positions_equal_the_balances_after_a_deposit_no_fill_explains_and_say_so(qtbot, qloop, window):
    w = window
    _ready(qtbot, w)
    s, bl = w.link.session, w.blotters
    qloop.run(s.place_order(m.OrderRequest("BTCUSDT", m.Side.BUY, m.OrderType.MARKET, D("0.01"))))
    pm = bl.positions_model

    def holding() -> bool:
        p, b = pm.position("BTCUSDT"), bl.balances_model.balance("BTC")
        return p is not None and b is not None and p.qty == b.total and p.fills == 1
    qtbot.waitUntil(holding, timeout=10000)
    before = bl.balances_model.balance("BTC").total
    srv = s.server
    srv.deposit(srv.default_api_key, "BTC", "0.5")  # credited by the venue: no fill behind it
    qtbot.waitUntil(lambda: bl.balances_model.balance("BTC").total == before + D("0.5"), timeout=10000)
    qtbot.waitUntil(holding, timeout=10000)
    bl.flush()
    bl.setCurrentIndex(4)
    proxy, model = bl.proxies["positions"], pm
    rows = {proxy.index(r, 0).data(): r for r in range(proxy.rowCount())}
    first_fill = s.journal.fills("BTCUSDT")[0].ts_event
    day = time.strftime("%Y-%m-%d", time.localtime(first_fill / 1000))
    shown = proxy.index(rows["BTC"], model.column_index("History")).data()
    assert shown == f"from 1 fill since {day}"
    assert proxy.index(rows["BTC"], model.column_index("Qty")).data() == bl.assets.exact(before + D("0.5"), "BTC")
    assert pm.position("BTCUSDT").qty == s.balances()["BTC"].total  # the session and the table agree
    qtbot.waitUntil(lambda: bl.equity_label.text().startswith("≈ ") and bl.equity_label.text().endswith(" USDT"),
                    timeout=5000)


class BuysOnce(Strategy):
    name = "buys_once"

    def on_bar(self, bar) -> None:
        if self.ctx.bar_index == 0:
            self.ctx.buy(D("0.001"))


def test_the_source_column_tells_a_strategys_orders_from_manual_ones_and_filters_them(qtbot, qloop, window):
    w = window
    last = _ready(qtbot, w)
    s, bl = w.link.session, w.blotters
    manual = _place_limit_buy(qloop, w, last)
    runner = StrategyRunner(BuysOnce(), s.bus, s.place_order, symbol="BTCUSDT", cash=D(1000), budget_s=5.0,
                            lot_step=D("0.00001"))
    qloop.run(runner.start())
    s.bus.publish(m.Bar("BTCUSDT", m.Interval.H1, 1_700_000_000_000, last, last, last, last, D(1)))
    qloop.run(runner.drain())
    qloop.run(runner.stop())
    history = bl.history_model
    col = history.column_index("Source")
    qtbot.waitUntil(lambda: history.rowCount() == 2 and bl.fills_model.rowCount() >= 1, timeout=10000)
    by_source = {history.index(r, col).data(): history.row_at(r) for r in range(2)}
    assert by_source["manual"].client_order_id == manual.client_order_id
    assert by_source["buys_once"].type is m.OrderType.MARKET
    qtbot.waitUntil(lambda: bl.source_box.findText("buys_once") >= 0, timeout=5000)
    bl.source_box.setCurrentText("buys_once")
    fills, history_view = bl.proxies["fills"], bl.proxies["history"]
    assert history_view.rowCount() == 1 and history_view.index(0, col).data() == "buys_once"
    fcol = bl.fills_model.column_index("Source")
    qtbot.waitUntil(lambda: fills.rowCount() >= 1 and all(fills.index(r, fcol).data() == "buys_once"
                                                          for r in range(fills.rowCount())), timeout=5000)
    assert bl.proxies["open"].rowCount() == 0  # the manual limit order is filtered out
    bl.source_box.setCurrentText("manual")
    assert bl.proxies["open"].rowCount() == 1


def test_status_filled_and_avg_price_are_visible_at_the_default_window_size(qtbot, qloop, window):
    w = window
    order = _place_limit_buy(qloop, w, _ready(qtbot, w))
    _shown_row(qtbot, w, order.client_order_id)
    view, model = w.blotters.open_view, w.blotters.open_model
    h = view.horizontalHeader()
    for title in ("Symbol", "Side", "Price", "Qty", "Filled", "Avg price", "Status"):
        c = model.column_index(title)
        assert 0 <= h.sectionViewportPosition(c) and h.sectionViewportPosition(c) + h.sectionSize(c) \
            <= view.viewport().width(), f"{title} is cut off at {view.viewport().width()} px"
    shown = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
    assert model.column_index("Client id") == shown[-1]  # the client id comes last (Venue: several venues only)


def test_the_reference_currency_chosen_on_the_positions_tab_is_saved_in_the_settings(qtbot, window, tmp_path):
    from terminal.storage import settings as settings_store

    w = window
    _ready(qtbot, w)
    bl = w.blotters
    assert bl.positions_model.reference == "USDT" and bl.reference_box.currentText() == "USDT"
    bl.setCurrentIndex(4)
    bl.reference_box.setCurrentText("BTC")
    qtbot.waitUntil(lambda: bl.equity_label.text().rstrip("*").endswith(" BTC"), timeout=5000)
    pm = bl.positions_model
    assert pm.headerData(pm.column_index("Value (ref)"), Qt.Orientation.Horizontal) == "Value (BTC)"
    w.save_settings(wait=True)
    assert settings_store.load(tmp_path).reference_currency == "BTC"

"""The blotters' Protection tab and the positions' "Attach stop-loss…", through the main window against the sandbox
exchange: a group's row says its kind, symbol, who holds it, its state and its legs with their prices; a right-click
cancels it; the positions tab opens a small non-modal form that attaches a stop (a refusal said in the form)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QMenu

from terminal import model as m
from terminal.oms.protective_group import GroupState, HeldBy

pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore("propagateSizeHints", "This plugin does not support")]
SYMBOL = "BTCUSDT"


def _ready(qtbot, w) -> Decimal:
    qtbot.waitUntil(lambda: w.link.last_prices.get(SYMBOL) is not None, timeout=15000)
    return w.link.last_prices[SYMBOL]


def _cell(model, row: int, title: str) -> str:
    return model.data(model.index(row, model.column_index(title)))


def _menu_action(qtbot, blotters, name: str, view_row: int, text: str) -> None:
    """Right-click row ``view_row`` of a tab's table and pick ``text`` in the menu that pops up."""
    view = blotters.views[name]
    blotters.setCurrentWidget(view.parentWidget())
    qtbot.waitUntil(lambda: view.isVisible(), timeout=3000)
    rect = view.visualRect(view.model().index(view_row, 1))
    view.customContextMenuRequested.emit(rect.center())
    menu = blotters.menus[name].menu
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    action = next(a for a in menu.actions() if a.text() == text)
    action.trigger()
    menu.close()


def test_the_protection_tab_lists_a_group_with_its_legs_and_a_right_click_cancels_it(qtbot, qloop, window,
                                                                                     qtmodeltester):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    entry = ins.snap_price(last * Decimal("0.99"))
    tp, sl = ins.snap_price(entry * Decimal("1.03")), ins.snap_price(entry * Decimal("0.97"))
    s = w.link.session
    group = qloop.run(s.place_bracket(m.OrderRequest(SYMBOL, m.Side.BUY, m.OrderType.LIMIT, Decimal("0.002"), entry,
                                                     time_in_force=m.TimeInForce.GTC),
                                      take_profit=tp, stop_loss=sl, held_by="app"))
    model = w.blotters.protection_model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10000)
    assert w.blotters.tabText(w.blotters.indexOf(w.blotters.protection_view.parentWidget())) == "Protection"
    assert _cell(model, 0, "Group") == group.group_id
    assert _cell(model, 0, "Kind") == "Bracket" and _cell(model, 0, "Symbol") == SYMBOL
    assert _cell(model, 0, "Held by") == "held by this app (works only while it runs)"
    assert _cell(model, 0, "State") == "Pending"  # the entry has not filled
    fp = ins.format_price
    assert _cell(model, 0, "Legs") == (f"Entry BUY 0.00200 @ {fp(entry)} · TP SELL 0.00200 @ {fp(tp)} · "
                                       f"SL SELL 0.00200 at {fp(sl)} (app)")
    assert _cell(model, 0, "Paused") == "—"
    qtmodeltester.check(model)

    _menu_action(qtbot, w.blotters, "protection", 0, "Cancel protection")
    qtbot.waitUntil(lambda: s.protection.group(group.group_id).state is GroupState.CANCELED, timeout=10000)
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=5000)  # closed groups leave the tab
    qtbot.waitUntil(lambda: w.blotters.protection_message.text() == f"Bracket on {SYMBOL} cancelled", timeout=5000)
    venue = qloop.run(s.venue.rest.query_order(SYMBOL, group.leg("entry").client_order_id))
    assert venue.status is m.OrderStatus.CANCELED


def test_attach_stop_loss_from_the_positions_tab_opens_a_form_that_says_a_refusal_and_attaches(qtbot, qloop, window):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    s = w.link.session
    qloop.run(s.refresh_balances())
    positions = w.blotters.positions_model
    qtbot.waitUntil(lambda: positions.lookup(SYMBOL) is not None, timeout=10000)
    row = positions.store.pos[SYMBOL]
    view_row = w.blotters.proxies["positions"].mapFromSource(positions.index(row, 0)).row()
    _menu_action(qtbot, w.blotters, "positions", view_row, "Attach stop-loss…")
    form = w.blotters.attach_forms[SYMBOL]
    qtbot.waitUntil(form.isVisible, timeout=3000)
    assert not form.isModal() and form.windowTitle() == f"Attach stop-loss — {SYMBOL}"
    assert QApplication.activeModalWidget() is None  # the window stays usable

    above = ins.snap_price(last * Decimal("1.05"))
    form.stop_edit.setText(ins.format_price(above))
    qloop.run(form.attach())
    assert form.isVisible() and "must be below the market price" in form.error.text()  # said in the form
    assert s.protective_orders() == []

    stop = ins.snap_price(last * Decimal("0.9"))
    form.stop_edit.setText(ins.format_price(stop))
    group = qloop.run(form.attach())
    assert group is not None and not form.isVisible()
    assert group.kind.value == "bracket" and group.leg("stop_loss").stop_price == stop
    assert group.held_by is HeldBy.VENUE  # Binance takes a plain STOP_LOSS order: held by the exchange
    qtbot.waitUntil(lambda: w.blotters.protection_model.rowCount() == 1, timeout=10000)
    assert _cell(w.blotters.protection_model, 0, "Held by") == "held by the exchange"
    qloop.run(s.cancel_protection(group.group_id))


def test_right_click_on_an_empty_protection_tab_offers_no_cancel(qtbot, window):
    w = window
    view = w.blotters.views["protection"]
    w.blotters.setCurrentWidget(view.parentWidget())
    view.customContextMenuRequested.emit(QPoint(5, 5))
    menu = w.blotters.menus["protection"].menu
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    assert "Cancel protection" not in [a.text() for a in menu.actions()]
    menu.close()

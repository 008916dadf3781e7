"""Order entry: values as they will be sent (snapped), errors in place, % of balance, confirmation, hotkeys."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from terminal import model as m
from terminal.ui.widgets.order_entry import OrderEntryWidget

D = Decimal
Button = QMessageBox.StandardButton
SHOWS_A_BOX = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()
BTC = m.Instrument("BTCUSDT", "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"), min_qty=D("0.00001"),
                   min_notional=D("5"))
BALANCES = {"USDT": D("1000"), "BTC": D("0.5")}


def _box() -> QMessageBox | None:
    """The visible modal message box, if any."""
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible() and w.isModal()]
    return boxes[-1] if boxes else None


@pytest.fixture
def oe(qtbot):
    w = OrderEntryWidget()
    qtbot.addWidget(w)
    w.balance_of = lambda a: BALANCES.get(a, D(0))
    w.set_instrument(BTC)
    w.set_last_price(D("100.00"))

    async def placer(req):
        placer.sent.append(req)
        return m.Order.from_request(req).with_status(m.OrderStatus.NEW)
    placer.sent = []
    w.placer = placer
    return w


def test_limit_draft_snaps_price_and_quantity_and_shows_notional_and_fee(oe):
    oe.price_edit.setText("100.004")
    oe.qty_edit.setText("1.234567")
    d = oe.draft()
    assert d.errors == {}
    assert d.request.price == D("100.00") and d.request.quantity == D("1.23456")
    assert d.request.time_in_force is m.TimeInForce.GTC
    assert "BUY LIMIT 1.23456 BTC @ 100.00 GTC" in oe.preview.text()
    assert oe.notional_label.text() == "123.46 USDT"
    assert oe.fee_label.text() == "≈ 0.1235 USDT"
    assert oe.submit.isEnabled()


def test_each_invalid_field_is_explained_in_place(oe):
    oe.price_edit.setText("abc")
    oe.qty_edit.setText("0.01")
    assert "not a number" in oe.errors["price"].text() and oe.errors["price"].isVisibleTo(oe)
    assert not oe.submit.isEnabled()
    oe.price_edit.setText("100")
    oe.qty_edit.setText("0.01")  # notional 1 < 5
    assert oe.errors["quantity"].text() and "NOTIONAL" not in oe.errors["quantity"].text().upper()[:0]
    assert not oe.submit.isEnabled()
    oe.qty_edit.setText("20")  # 2000 USDT > 1000 available
    assert "insufficient USDT" in oe.errors["quantity"].text()
    oe.sell_tab.setChecked(True)
    oe.qty_edit.setText("0.6")
    assert "insufficient BTC" in oe.errors["quantity"].text()


def test_market_in_quote_sends_a_quote_quantity(oe):
    oe.type_combo.setCurrentIndex(1)
    oe.unit_combo.setCurrentIndex(1)
    oe.qty_edit.setText("50")
    d = oe.draft()
    assert d.request.type is m.OrderType.MARKET and d.request.quote_quantity == D("50")
    assert d.request.quantity is None and d.request.price is None and d.request.time_in_force is None
    assert not oe.price_edit.isEnabled()


def test_stop_limit_needs_a_stop_price(oe):
    oe.type_combo.setCurrentIndex(2)
    oe.price_edit.setText("99")
    oe.qty_edit.setText("1")
    assert "stop price is required" in oe.errors["stop_price"].text()
    oe.stop_edit.setText("99.5")
    assert oe.draft().request.stop_price == D("99.50")


def test_percent_buttons_use_the_available_balance(oe):
    oe.price_edit.setText("100")
    oe.set_percent(50)  # 500 USDT / 1.001 / 100
    assert oe.qty_edit.text() == "4.99500"
    oe.sell_tab.setChecked(True)
    oe.set_percent(100)
    assert oe.qty_edit.text() == "0.50000"


@SHOWS_A_BOX
def test_place_asks_in_a_real_box_ok_sends_and_cancel_sends_nothing(oe, qloop, answer_box):
    oe.price_edit.setText("100")
    oe.qty_edit.setText("1")
    cancel = answer_box(Button.Cancel, when=lambda: not oe.submit.isEnabled())
    assert qloop.run(oe.place()) is None and oe.placer.sent == []
    assert cancel.condition_held  # no second order can start while the box is open
    assert cancel.title == "Confirm order — SANDBOX" and cancel.text == "SANDBOX: BUY LIMIT 1.00000 BTC @ 100.00 GTC?"
    assert cancel.buttons == Button.Ok | Button.Cancel
    assert oe.status.text() == "Not sent." and oe.submit.isEnabled()
    ok = answer_box(Button.Ok)
    order = qloop.run(oe.place())
    assert ok.clicked and order.status is m.OrderStatus.NEW and oe.placer.sent[0].quantity == D("1.00000")


@SHOWS_A_BOX
def test_while_the_box_is_open_a_second_place_neither_asks_nor_sends(oe, qloop, qtbot):
    oe.price_edit.setText("100")
    oe.qty_edit.setText("1")
    first = qloop.loop.create_task(oe.place())
    qtbot.waitUntil(lambda: _box() is not None, timeout=5000)
    box = _box()
    assert qloop.run(oe.place()) is None  # returns at once: the first order is still being asked about
    assert _box() is box and oe.placer.sent == []
    qtbot.mouseClick(box.button(Button.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(first.done, timeout=5000)
    assert first.result() is not None and len(oe.placer.sent) == 1


@SHOWS_A_BOX
def test_cancelling_the_placing_task_closes_the_box_and_sends_nothing(oe, qloop, qtbot):
    oe.price_edit.setText("100")
    oe.qty_edit.setText("1")
    task = qloop.loop.create_task(oe.place())
    qtbot.waitUntil(lambda: _box() is not None, timeout=5000)
    task.cancel()
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.cancelled() and _box() is None and oe.placer.sent == []
    assert oe.submit.isEnabled()


def test_rejections_show_in_place(oe, qloop):
    from terminal.venues.base import OrderRejected

    async def reject(req):
        raise OrderRejected("Account has insufficient balance for requested action.", code=-2010)
    oe.placer = reject
    oe.confirm_box.setChecked(False)  # straight out
    oe.price_edit.setText("100")
    oe.qty_edit.setText("1")
    assert qloop.run(oe.place()) is None
    assert "insufficient balance" in oe.errors[""].text()


def test_live_always_confirms(oe):
    oe.confirm_box.setChecked(False)
    assert not oe.needs_confirmation()
    oe.set_environment(m.Environment.LIVE)
    assert oe.needs_confirmation() and not oe.confirm_box.isEnabled()


def test_a_clicked_price_is_snapped_into_the_price_field_and_hotkey_focuses_side(oe):
    oe.type_combo.setCurrentIndex(1)
    oe.set_price(D("101.236"))
    assert oe.price_edit.text() == "101.24" and oe.order_type() is m.OrderType.LIMIT
    oe.focus_side(m.Side.SELL)
    assert oe.side() is m.Side.SELL and oe.submit.text() == "Sell BTC"


def test_trading_disabled_without_keys(oe):
    oe.price_edit.setText("100")
    oe.qty_edit.setText("1")
    assert oe.submit.isEnabled()
    oe.set_trading_enabled(False, "no API keys for testnet")
    assert not oe.submit.isEnabled() and "no API keys" in oe.submit.toolTip()

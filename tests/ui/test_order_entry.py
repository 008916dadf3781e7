"""Order entry: values as typed (never rounded behind the user's back), errors in place with one-click fixes,
a form that never moves, % of balance, confirmation with notional/fee/distance, hotkeys."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

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
    w = QApplication.activeModalWidget()  # (the modal stack: no wrapper for every top-level widget Qt made)
    return w if isinstance(w, QMessageBox) and w.isVisible() else None


@pytest.fixture
def oe(qtbot):
    w = OrderEntryWidget()
    qtbot.addWidget(w)
    w.balance_of = lambda a: BALANCES.get(a, D(0))
    w.quote_of = lambda symbol: (D("99.90"), D("100.10")) if symbol == "BTCUSDT" else None
    w.set_instrument(BTC)
    w.set_last_price(D("100.00"))

    async def placer(req):
        placer.sent.append(req)
        return m.Order.from_request(req).with_status(m.OrderStatus.NEW)
    placer.sent = []
    w.placer = placer
    return w


def test_limit_draft_sends_what_was_typed_and_shows_notional_and_fee(oe):
    oe.price_edit.setText("100.01")
    oe.qty_edit.setText("1.23456")
    d = oe.draft()
    assert d.errors == {}
    assert d.request.price == D("100.01") and d.request.quantity == D("1.23456")
    assert d.request.time_in_force is m.TimeInForce.GTC
    assert "BUY LIMIT 1.23456 BTC @ 100.01 GTC" in oe.preview.text()
    assert oe.notional_label.text() == "123.47 USDT"
    assert oe.fee_label.text() == "≈ 0.1235 USDT"
    assert oe.submit.isEnabled()


def test_an_off_tick_price_names_the_tick_and_both_neighbours_and_one_click_takes_either(oe, qtbot):
    oe.price_edit.setText("100.004")
    oe.qty_edit.setText("1")
    assert oe.errors["price"].text() == "off the 0.01 USDT tick: 100.00 or 100.01"
    assert oe.price_edit.text() == "100.004" and not oe.submit.isEnabled()  # nothing rewritten, nothing sendable
    lower, upper = oe.suggestion_buttons["price"]
    assert (lower.text(), upper.text()) == ("100.00", "100.01")
    assert lower.isVisibleTo(oe) and upper.isVisibleTo(oe)
    qtbot.mouseClick(upper, Qt.MouseButton.LeftButton)
    assert oe.price_edit.text() == "100.01"
    assert oe.errors["price"].text() == "" and not upper.isVisibleTo(oe)
    assert oe.submit.isEnabled() and "@ 100.01" in oe.preview.text()


def test_an_amount_off_the_lot_step_offers_the_two_nearest_amounts(oe, qtbot):
    oe.price_edit.setText("100")
    oe.qty_edit.setText("1.234567")
    assert oe.errors["quantity"].text() == "off the 0.00001 BTC step: 1.23456 or 1.23457"
    lower, _ = oe.suggestion_buttons["quantity"]
    qtbot.mouseClick(lower, Qt.MouseButton.LeftButton)
    assert oe.qty_edit.text() == "1.23456" and oe.draft().request.quantity == D("1.23456")


def test_an_amount_below_the_minimum_says_the_minimum_with_its_unit(oe, qtbot):
    oe.price_edit.setText("100")
    oe.qty_edit.setText("0.000001")
    assert oe.errors["quantity"].text() == "too small: minimum is 0.00001 BTC"
    (take,) = [b for b in oe.suggestion_buttons["quantity"] if b.isVisibleTo(oe)]
    qtbot.mouseClick(take, Qt.MouseButton.LeftButton)
    assert oe.qty_edit.text() == "0.00001"
    # now the order value is what is too small: said with units, and the smallest amount that fits is offered
    assert oe.errors["quantity"].text() == "order value 0.001 USDT is below the minimum 5 USDT"
    (fits,) = [b for b in oe.suggestion_buttons["quantity"] if b.isVisibleTo(oe)]
    assert fits.text() == "0.05000"
    oe.qty_edit.setText("0")
    assert oe.errors["quantity"].text() == "must be greater than zero: minimum is 0.00001 BTC"


def test_market_clears_and_disables_price_and_tif_and_limit_gives_them_back(oe):
    oe.price_edit.setText("101.50")
    oe.tif_combo.setCurrentIndex(oe.tif_combo.findData(m.TimeInForce.IOC))
    oe.type_combo.setCurrentIndex(1)  # market
    assert oe.price_edit.text() == "" and not oe.price_edit.isEnabled()
    assert oe.price_edit.placeholderText() == "Market"
    assert oe.tif_combo.currentText() == "" and not oe.tif_combo.isEnabled()
    oe.set_last_price(D("102.00"))  # a new trade does not fill the market order's price back in
    assert oe.price_edit.text() == ""
    oe.type_combo.setCurrentIndex(0)  # limit
    assert oe.price_edit.text() == "101.50" and oe.price_edit.isEnabled()
    assert oe.tif_combo.currentData() is m.TimeInForce.IOC and oe.tif_combo.isEnabled()


def test_market_in_quote_sends_a_quote_quantity(oe):
    oe.type_combo.setCurrentIndex(1)
    oe.unit_combo.setCurrentIndex(1)
    oe.qty_edit.setText("50")
    d = oe.draft()
    assert d.request.type is m.OrderType.MARKET and d.request.quote_quantity == D("50")
    assert d.request.quantity is None and d.request.price is None and d.request.time_in_force is None
    assert not oe.price_edit.isEnabled()


def _geometry(oe: OrderEntryWidget) -> dict[str, QRect]:
    """Where every control of the ticket is, in the ticket's coordinates."""
    controls: dict[str, QWidget] = {
        "type": oe.type_combo, "price": oe.price_edit, "stop": oe.stop_edit, "qty": oe.qty_edit,
        "unit": oe.unit_combo, "tif": oe.tif_combo, "confirm": oe.confirm_box, "submit": oe.submit,
        "buy": oe.buy_tab, "sell": oe.sell_tab, **{f"pct{i}": b for i, b in enumerate(oe.pct_buttons)}}
    return {k: QRect(w.mapTo(oe, QPoint(0, 0)), w.size()) for k, w in controls.items()}


@SHOWS_A_BOX
def test_a_message_appearing_or_going_moves_no_control(oe, qtbot, qloop):
    oe.type_combo.setCurrentIndex(2)  # stop-limit: every field and its message row are on the form
    oe.resize(300, 760)
    oe.show()
    qtbot.waitExposed(oe)
    oe.price_edit.setText("101")
    oe.stop_edit.setText("100.5")
    oe.qty_edit.setText("1")
    assert oe.draft().request is not None
    before = _geometry(oe)
    for price, stop, qty in (("101.005", "100.5", "1"), ("101", "abc", "1"), ("101", "100.5", "0.000001"),
                             ("101.005", "99", "1.234567"), ("101", "100.5", "1")):
        oe.price_edit.setText(price)
        oe.stop_edit.setText(stop)
        oe.qty_edit.setText(qty)
        QApplication.processEvents()  # let the layouts run
        assert _geometry(oe) == before, (price, stop, qty)
    assert oe.errors["price"].text() == "" and oe.preview.text()

    async def reject(req):
        from terminal.venues.ports import OrderRejected
        raise OrderRejected("Account has insufficient balance for requested action.", code=-2010)
    oe.placer = reject
    oe.confirm_box.setChecked(False)
    assert qloop.run(oe.place()) is None
    QApplication.processEvents()
    assert "insufficient balance" in oe.errors[""].text() and _geometry(oe) == before


def test_stop_limit_needs_a_stop_price(oe):
    oe.type_combo.setCurrentIndex(2)
    oe.price_edit.setText("101")
    oe.qty_edit.setText("1")
    assert "stop price is required" in oe.errors["stop_price"].text()
    oe.stop_edit.setText("100.5")
    assert oe.draft().request.stop_price == D("100.5")


def test_a_stop_on_the_wrong_side_of_the_market_names_the_market_price(oe):
    oe.type_combo.setCurrentIndex(2)  # stop-limit BUY: must be above the ask 100.10
    oe.price_edit.setText("101")
    oe.qty_edit.setText("1")
    oe.stop_edit.setText("100.10")
    assert oe.errors["stop_price"].text() == "a BUY stop must be above the market (ask 100.10 USDT)"
    assert not oe.submit.isEnabled()
    oe.sell_tab.setChecked(True)  # a SELL stop must be below the bid 99.90
    oe.qty_edit.setText("0.1")
    oe.stop_edit.setText("99.95")
    assert oe.errors["stop_price"].text() == "a SELL stop must be below the market (bid 99.90 USDT)"
    oe.stop_edit.setText("99.80")
    assert oe.errors["stop_price"].text() == "" and oe.submit.isEnabled()


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
    assert cancel.title == "Confirm order — SANDBOX"
    assert cancel.text.startswith("SANDBOX: BUY LIMIT 1.00000 BTC @ 100.00 GTC?")
    assert cancel.buttons == Button.Ok | Button.Cancel
    assert oe.status.text() == "Not sent." and oe.submit.isEnabled()
    ok = answer_box(Button.Ok)
    order = qloop.run(oe.place())
    assert ok.clicked and order.status is m.OrderStatus.NEW and oe.placer.sent[0].quantity == D("1")


@SHOWS_A_BOX
def test_the_confirmation_shows_notional_fee_and_distance_from_the_market(oe, qloop, qtbot):
    oe.price_edit.setText("99.00")
    oe.qty_edit.setText("2")
    task = qloop.loop.create_task(oe.place())
    qtbot.waitUntil(lambda: _box() is not None, timeout=5000)
    box = _box()
    lines = box.text().splitlines()
    assert lines[0] == "SANDBOX: BUY LIMIT 2.00000 BTC @ 99.00 GTC?"
    assert "Notional 198.00 USDT · est. fee ≈ 0.1980 USDT" in lines
    assert "Price 1.10% below the ask (100.10 USDT)" in lines
    assert oe.placer.sent == []
    qtbot.mouseClick(box.button(Button.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() is not None and oe.placer.sent[0].price == D("99.00")


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
    from terminal.venues.ports import OrderRejected

    async def reject(req):
        raise OrderRejected("Account has insufficient balance for requested action.", code=-2010)
    oe.placer = reject
    oe.confirm_box.setChecked(False)  # straight out
    oe.price_edit.setText("100")
    oe.qty_edit.setText("1")
    assert qloop.run(oe.place()) is None
    assert "insufficient balance" in oe.errors[""].text()


def test_an_unknown_outcome_is_told_by_the_order_never_by_its_client_id(oe, qloop):
    from terminal.venues.ports import TemporaryError

    async def unknown(req):  # the order manager's own words when the venue never answered
        unknown.cid = req.client_order_id
        raise TemporaryError(f"order {req.client_order_id}: outcome still unknown after retries (timeout); "
                             "it will be reconciled when the venue answers")
    oe.placer = unknown
    oe.confirm_box.setChecked(False)
    oe.price_edit.setText("100")
    oe.qty_edit.setText("1")
    assert qloop.run(oe.place()) is None
    shown = oe.errors[""].text() + oe.status.text()
    assert unknown.cid not in shown and "outcome still unknown" in shown
    assert oe.status.text() == "BUY LIMIT 1.00000 BTC @ 100.00 GTC: not confirmed yet"


def test_a_hotkey_sends_while_the_previous_order_is_on_its_way_but_the_button_waits(oe, qloop, qtbot):
    import asyncio
    oe.confirm_box.setChecked(False)
    gate = asyncio.Event()

    async def slow(req):
        slow.sent.append(req)
        await gate.wait()
        return m.Order.from_request(req).with_status(m.OrderStatus.NEW)
    slow.sent = []
    oe.placer = slow
    oe.qty_edit.setText("0.1")
    first = oe.buy_at_bid()
    qtbot.waitUntil(lambda: len(slow.sent) == 1, timeout=5000)
    assert slow.sent[0].price == D("99.90") and not oe.submit.isEnabled()
    second = oe.sell_at_ask()  # the first has no answer yet: a hotkey goes anyway
    qtbot.waitUntil(lambda: len(slow.sent) == 2, timeout=5000)
    assert (slow.sent[1].side, slow.sent[1].price) == (m.Side.SELL, D("100.10"))
    assert qloop.run(oe.place()) is None and len(slow.sent) == 2  # the button (and Enter) wait
    gate.set()
    qtbot.waitUntil(lambda: first.done() and second.done(), timeout=5000)
    assert oe.submit.isEnabled()


def test_flatten_sells_the_free_balance_on_the_lot_step_and_says_when_there_is_none(oe, qloop, qtbot):
    oe.confirm_box.setChecked(False)
    BALANCES["BTC"] = D("0.123456789")
    try:
        task = oe.flatten()
        qtbot.waitUntil(task.done, timeout=5000)
        (sent,) = oe.placer.sent
        assert (sent.side, sent.type, sent.quantity) == (m.Side.SELL, m.OrderType.MARKET, D("0.12345"))
        assert oe.qty_edit.text() == "0.12345" and oe.status.text().startswith("Sent: SELL MARKET 0.12345 BTC")
        BALANCES["BTC"] = D("0.000009")
        assert oe.flatten() is None and oe.status.text() == "Nothing to flatten: 0.000009 BTC free."
    finally:
        BALANCES["BTC"] = D("0.5")


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


# ---- in the window, against the sandbox exchange ---------------------------------------------------------------
def _ready(qtbot, w, symbol="BTCUSDT"):
    """The window's watchlist row of ``symbol`` once it has a bid, an ask and a last price."""
    row = w.watchlist.model.lookup(symbol)
    qtbot.waitUntil(lambda: row.bid is not None and row.ask is not None and row.last is not None, timeout=15000)
    qtbot.waitUntil(lambda: w.link.last_prices.get(symbol) is not None, timeout=15000)
    return row


def _venue_orders(w, symbol="BTCUSDT") -> list:
    """Every order the sandbox exchange has for the account (its own records, not the terminal's)."""
    srv = w.link.session.server
    account = srv.accounts.lookup(srv.default_api_key).account_id
    return srv.call(lambda: srv.engine.all_orders(account, symbol))


def _venue_free(w, asset: str) -> Decimal:
    srv = w.link.session.server
    account = srv.accounts.lookup(srv.default_api_key).account_id
    return srv.call(lambda: srv.engine.balances(account))[asset][0]


@pytest.mark.gui
@pytest.mark.slow
@SHOWS_A_BOX
def test_a_wrong_side_stop_is_refused_in_the_ticket_and_nothing_reaches_the_sandbox(qtbot, qloop, window):
    w = window
    row = _ready(qtbot, w)
    ins, oe = w.instruments["BTCUSDT"], w.order_entry
    oe.type_combo.setCurrentIndex(2)  # stop-limit
    oe.buy_tab.setChecked(True)
    oe.qty_edit.setText("0.01")
    below = ins.snap_price(row.ask * D("0.98"), "down")
    oe.stop_edit.setText(ins.format_price(below))
    oe.price_edit.setText(ins.format_price(below))
    qtbot.waitUntil(lambda: oe.errors["stop_price"].text().startswith("a BUY stop must be above the market ("),
                    timeout=3000)
    assert "USDT)" in oe.errors["stop_price"].text() and not oe.submit.isEnabled()
    qtbot.keyClick(oe.qty_edit, Qt.Key.Key_Return)  # Enter sends from any field: not this one
    assert qloop.run(oe.place()) is None
    assert w.link.session.journal.orders("BTCUSDT") == [] and _venue_orders(w) == []  # never journaled nor sent
    above = ins.snap_price(row.ask * D("1.02"), "up")  # the right side goes out and waits at the venue
    oe.stop_edit.setText(ins.format_price(above))
    oe.price_edit.setText(ins.format_price(above))
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    order = qloop.run(oe.place())
    assert order is not None
    (venue,) = _venue_orders(w)
    assert venue.type is m.OrderType.STOP_LOSS_LIMIT and venue.stop_price == above


@pytest.mark.gui
@pytest.mark.slow
@SHOWS_A_BOX
def test_the_status_line_names_the_order_by_side_qty_price_and_clears_on_another_symbol(qtbot, window):
    w = window
    row = _ready(qtbot, w)
    ins, oe = w.instruments["BTCUSDT"], w.order_entry
    oe.type_combo.setCurrentIndex(0)
    price = ins.snap_price(row.bid * D("0.97"), "down")
    oe.price_edit.setText(ins.format_price(price))
    oe.qty_edit.setText("0.01")
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_venue_orders(w)) == 1, timeout=10000)
    (venue,) = _venue_orders(w)
    qtbot.waitUntil(lambda: oe.status.text().startswith("Sent:"), timeout=5000)
    assert oe.status.text() == f"Sent: BUY LIMIT 0.01000 BTC @ {ins.format_price(price)} GTC — New"
    assert venue.client_order_id not in oe.status.text()
    w.watchlist.select("ETHUSDT")
    qtbot.waitUntil(lambda: w.order_entry.instrument.symbol == "ETHUSDT", timeout=3000)
    assert oe.status.text() == ""


@pytest.mark.gui
@pytest.mark.slow
@SHOWS_A_BOX
def test_hotkeys_buy_at_the_bid_sell_at_the_ask_and_flatten_at_the_sandbox(qtbot, window):
    w = window
    row = _ready(qtbot, w)
    oe = w.order_entry
    actions = {a.text(): a for a in w.trade_menu.actions()}
    keys = {name: actions[name].shortcut().toString() for name in ("Buy at bid", "Sell at ask", "Flatten")}
    assert keys == {"Buy at bid": "Ctrl+Shift+B", "Sell at ask": "Ctrl+Shift+S", "Flatten": "Ctrl+Shift+F"}
    from terminal.ui.mainwindow import SHORTCUTS  # Help > Keyboard shortcuts lists them
    assert {k for k, _ in SHORTCUTS} >= set(keys.values())
    oe.qty_edit.setText("0.01")
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    bid = row.bid  # the key reads the bid at once: what the watchlist shows now is what is sent
    qtbot.keyClick(w, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(_venue_orders(w)) == 1, timeout=10000)
    (buy,) = _venue_orders(w)
    assert (buy.side, buy.type, buy.price, buy.quantity) == (m.Side.BUY, m.OrderType.LIMIT, bid, D("0.01"))
    ask = row.ask
    actions["Sell at ask"].trigger()
    qtbot.waitUntil(lambda: len(_venue_orders(w)) == 2, timeout=10000)
    sell = next(o for o in _venue_orders(w) if o.side is m.Side.SELL)
    assert (sell.type, sell.price, sell.quantity) == (m.OrderType.LIMIT, ask, D("0.01"))
    qtbot.waitUntil(lambda: oe.status.text().startswith("Sent: SELL"), timeout=5000)
    ins = w.instruments["BTCUSDT"]
    qtbot.waitUntil(lambda: oe.balance_of("BTC") == _venue_free(w, "BTC"), timeout=10000)  # the ticket is current
    free = oe.balance_of("BTC")  # read on the GUI thread right before the key: what flatten sees
    actions["Flatten"].trigger()
    qtbot.waitUntil(lambda: len(_venue_orders(w)) == 3, timeout=10000)
    flat = next(o for o in _venue_orders(w) if o.type is m.OrderType.MARKET)
    assert flat.side is m.Side.SELL and flat.quantity == ins.snap_qty(free, market=True) > 0
    qtbot.waitUntil(lambda: next(o for o in _venue_orders(w) if o.type is m.OrderType.MARKET).status
                    is m.OrderStatus.FILLED, timeout=10000)

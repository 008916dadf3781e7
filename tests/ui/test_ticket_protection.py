"""The ticket's protective exits, trailing stop and venue options: what the venue declares is offered, what is
attached is sent as one protective group (held by the app where the venue does not hold it)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal import model as m
from terminal.ui.widgets.ticket_options import HANDOFF_HELD, VENUE_HELD, exit_price

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

D = Decimal
INS = m.Instrument("BTCUSDT", "BTC", "USDT", tick_size=D("0.01"))


def test_exit_prices_by_price_percent_and_ticks_are_snapped_never_tighter() -> None:
    assert exit_price(INS, m.Side.BUY, D("100"), D("2"), "pct", "tp") == D("102.00")
    assert exit_price(INS, m.Side.BUY, D("100"), D("2"), "pct", "sl") == D("98.00")
    assert exit_price(INS, m.Side.SELL, D("100"), D("2"), "pct", "tp") == D("98.00")
    assert exit_price(INS, m.Side.BUY, D("100.005"), D("1"), "ticks", "sl") == D("99.99")  # down: not tighter
    assert exit_price(INS, m.Side.BUY, D("100"), D("105.5"), "price", "tp") == D("105.5")


def _ready(qtbot, w, symbol="BTCUSDT"):
    qtbot.waitUntil(lambda: w.link.last_prices.get(symbol) is not None, timeout=15000)
    w.watchlist.select(symbol)
    qtbot.waitUntil(lambda: w.link.symbol == symbol, timeout=3000)
    return w.order_entry


def test_a_limit_bracket_from_the_ticket_is_one_protective_group_held_by_the_exchange(qtbot, window):
    w = window
    oe = _ready(qtbot, w)
    ins = w.instruments["BTCUSDT"]
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.LIMIT))
    price = ins.snap_price(w.link.last_prices["BTCUSDT"] * D("0.97"))
    oe.price_edit.setText(ins.format_price(price))
    oe.qty_edit.setText("0.01")
    opts = oe.options_panel
    opts.tp_box.setChecked(True)
    opts.tp_edit.setText("2")
    opts.tp_unit.setCurrentIndex(opts.tp_unit.findData("pct"))
    opts.sl_box.setChecked(True)
    opts.sl_edit.setText("100")
    opts.sl_unit.setCurrentIndex(opts.sl_unit.findData("ticks"))
    assert opts.held_label.text() == f"Protection {VENUE_HELD}"  # Binance holds it: an OTOCO order list
    tp = exit_price(ins, m.Side.BUY, price, D("2"), "pct", "tp")
    sl = exit_price(ins, m.Side.BUY, price, D("100"), "ticks", "sl")
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    assert f"take-profit {ins.format_price(tp)}" in oe.preview.text()
    assert f"stop-loss {ins.format_price(sl)}" in oe.preview.text()
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    s = w.link.session
    qtbot.waitUntil(lambda: len(s.protective_orders()) == 1, timeout=10000)
    group = s.protective_orders()[0]
    assert group.held_by.value == "venue" and {leg.role for leg in group.legs} == {"entry", "take_profit", "stop_loss"}
    assert group.leg("take_profit").price == tp and group.leg("stop_loss").stop_price == sl
    qtbot.waitUntil(lambda: oe.status.text().startswith("Sent:"), timeout=5000)
    assert "held by the exchange" in oe.status.text()


def test_the_ticket_says_who_holds_the_exits_for_the_shape_at_hand(qtbot, window):
    """Binance holds a bracket whose entry is a LIMIT (an OTOCO list); a MARKET entry's exits are held by the app
    until it fills, then by the exchange (a stop order, or an OCO list with a take-profit)."""
    w = window
    oe = _ready(qtbot, w)
    opts = oe.options_panel
    oe.qty_edit.setText("0.01")
    opts.sl_box.setChecked(True)
    opts.sl_edit.setText("2")
    opts.sl_unit.setCurrentIndex(opts.sl_unit.findData("pct"))
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.MARKET))
    qtbot.waitUntil(lambda: opts.held_label.text() == f"Protection {HANDOFF_HELD}", timeout=3000)
    opts.tp_box.setChecked(True)
    opts.tp_edit.setText("2")
    opts.tp_unit.setCurrentIndex(opts.tp_unit.findData("pct"))
    assert opts.held_label.text() == f"Protection {HANDOFF_HELD}"
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    s = w.link.session
    qtbot.waitUntil(lambda: len(s.protective_orders()) == 1
                    and s.protective_orders()[0].held_by.label == VENUE_HELD, timeout=10000)
    assert s.protective_orders()[0].handoff == "done"  # the exits rest at the exchange as an OCO list
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.LIMIT))
    qtbot.waitUntil(lambda: opts.held_label.text() == f"Protection {VENUE_HELD}", timeout=3000)


def test_a_bad_exit_is_said_in_place_and_nothing_is_sent(qtbot, window):
    w = window
    oe = _ready(qtbot, w)
    oe.qty_edit.setText("0.01")
    oe.options_panel.sl_box.setChecked(True)
    oe.options_panel.sl_edit.setText("abc")
    assert not oe.submit.isEnabled()
    assert "stop-loss: abc is not a number" in oe.errors[""].text()


def test_a_trailing_stop_from_the_ticket(qtbot, window):
    w = window
    oe = _ready(qtbot, w)
    oe.type_combo.setCurrentIndex(oe.type_combo.findText("Trailing stop"))
    assert not oe.form.isRowVisible(oe.price_edit) and not oe.form.isRowVisible(oe.stop_edit)
    oe.sell_tab.setChecked(True)
    oe.qty_edit.setText("0.01")
    oe.options_panel.trail_edit.setText("1.5")
    oe.options_panel.trail_unit.setCurrentIndex(oe.options_panel.trail_unit.findData("pct"))
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    assert "SELL TRAILING STOP 0.01000 BTC trailing 1.5%" in oe.preview.text()
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    s = w.link.session
    qtbot.waitUntil(lambda: len(s.protective_orders()) == 1, timeout=10000)
    assert s.protective_orders()[0].kind.value == "trailing"
    qtbot.waitUntil(lambda: oe.status.text().startswith("Sent:"), timeout=5000)
    assert "held by the exchange" in oe.status.text()  # Binance trails it: trailingDelta 150 BIPS


def test_the_ticket_offers_what_the_venue_declares(qtbot, window):
    from test_multi_venue import _add_paper_from_the_file_menu

    w = window
    oe = _ready(qtbot, w)
    tifs = [oe.tif_combo.itemText(i) for i in range(oe.tif_combo.count())]
    assert tifs == ["GTC", "IOC", "FOK"] and not oe.options_panel.form.isRowVisible(oe.options_panel.outside_rth)
    _add_paper_from_the_file_menu(qtbot, w)
    w.watchlist.add_symbol("AAPL@paper")
    oe = _ready(qtbot, w, "AAPL@paper")
    assert oe.options_panel.form.isRowVisible(oe.options_panel.outside_rth)  # US hours: pre/after-market exist
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.LIMIT))
    oe.qty_edit.setText("1")
    oe.options_panel.outside_rth.setChecked(True)
    qtbot.waitUntil(lambda: oe.draft().request is not None, timeout=3000)
    assert oe.draft().request.extended_hours and "outside RTH" in oe.preview.text()

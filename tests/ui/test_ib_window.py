"""Interactive Brokers in the window (issue 12, item 3): connected from File > Connect to Interactive Brokers… to
the built-in IB paper server; a future found by the watchlist's search shows its multiplier in the ticket; a native
bracket reaches the blotters held by the exchange; the account summary fills the Account tab; the market notes
("market closed, opens 09:30 ET", "delayed") in the chart header and the ticket."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from terminal import model as m
from terminal.model.hours import us_equity_hours
from terminal.ui.accounts import ACCOUNT_TAB
from terminal.ui.dialogs.venue import AddVenueDialog
from terminal.ui.market_note import market_notes

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise", "grabbing the keyboard")]
D = Decimal


def _ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp() * 1000)


def connect_ib(qtbot, w, always_open: bool = True) -> str:
    """File > Connect to Interactive Brokers…, the built-in paper server, Connect."""
    w.connect_actions["ib"].trigger()
    qtbot.waitUntil(lambda: isinstance(getattr(w, "add_venue_dialog", None), AddVenueDialog)
                    and w.add_venue_dialog.isVisible(), timeout=5000)
    dlg = w.add_venue_dialog
    assert dlg.provider.currentData() == "ib" and dlg.env.currentData() == "sandbox"
    dlg.always_open.setChecked(always_open)
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "ib" in w.link.workspace.sessions, timeout=30000)
    return "ib"


def test_a_future_found_by_search_shows_its_multiplier_and_a_native_bracket_is_held_by_the_exchange(qtbot, window):
    w = window
    connect_ib(qtbot, w)
    # the watchlist's search: "ES" is listed nowhere as such; IB's contract search offers the CME future
    w.watchlist.entry.setText("ES")
    qtbot.keyClick(w.watchlist.entry, Qt.Key.Key_Return)
    menu = w.watchlist.results_menu
    qtbot.waitUntil(lambda: any("ES Dec26 CME future" in a.text() for a in menu.actions()), timeout=15000)
    pick = next(a for a in menu.actions() if "ES Dec26 CME future" in a.text())
    assert pick.data() == "ESZ6@ib"
    pick.trigger()  # the user's click on "ES Dec26 CME future"
    menu.close()
    qtbot.waitUntil(lambda: "ESZ6@ib" in w.watchlist.symbols(), timeout=5000)
    w.watchlist.select("ESZ6@ib")
    qtbot.waitUntil(lambda: w.link.symbol == "ESZ6@ib", timeout=5000)
    oe = w.order_entry
    assert "ES Dec26 CME future" in oe.contract_label.text()
    assert "multiplier 50 (notional = price × qty × 50)" in oe.contract_label.text() and oe.contract_label.isVisible()
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.LIMIT))
    oe.price_edit.setText("5000.00")
    oe.qty_edit.setText("1")
    assert oe.draft().notional == D("250000")  # price x qty x multiplier
    assert oe.draft().fee == D("2.25")  # IB's per-contract commission, not a share of the notional
    assert oe.fee_label.text().startswith("≈ 2.25") and "IBKR Pro fixed" in oe.fee_label.toolTip()
    # IB's own order types only (no take-profit-limit type), the trailing stop, and MOC/LOC as "At the close"
    assert [oe.type_combo.itemText(i) for i in range(oe.type_combo.count())] == [
        "Limit", "Market", "Stop-limit", "Stop-market", "Trailing stop"]
    assert oe.options_panel.form.isRowVisible(oe.options_panel.at_close)
    oe.options_panel.at_close.setChecked(True)
    assert oe.draft().request.options.at_close and "at the close" in oe.preview.text()
    oe.options_panel.at_close.setChecked(False)

    # a native bracket on AAPL@ib: three orders at IB, shown in the blotters, the ticket saying who holds it
    w.watchlist.add_symbol("AAPL@ib")
    w.watchlist.select("AAPL@ib")
    qtbot.waitUntil(lambda: w.link.symbol == "AAPL@ib" and w.link.last_prices.get("AAPL@ib") is not None,
                    timeout=15000)
    ins = w.instruments["AAPL@ib"]
    last = w.link.last_prices["AAPL@ib"]
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.LIMIT))
    entry = ins.snap_price(last * D("0.95"))
    oe.price_edit.setText(ins.format_price(entry))
    oe.qty_edit.setText("10")
    assert oe.draft().fee == D("1")  # 10 shares: IB's minimum of USD 1.00 (0.1 % of the notional it is not)
    opts = oe.options_panel
    opts.tp_box.setChecked(True)
    opts.tp_edit.setText("5")
    opts.tp_unit.setCurrentIndex(opts.tp_unit.findData("pct"))
    opts.sl_box.setChecked(True)
    opts.sl_edit.setText("3")
    opts.sl_unit.setCurrentIndex(opts.sl_unit.findData("pct"))
    assert opts.held_label.text() == "Protection held by the exchange"
    qtbot.waitUntil(oe.submit.isEnabled, timeout=5000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "held by the exchange" in oe.status.text(), timeout=15000)
    rows = lambda: [o for o in w.blotters.open_model.all_rows() if o.symbol == "AAPL@ib"]  # noqa: E731
    qtbot.waitUntil(lambda: len(rows()) == 3, timeout=15000)
    assert {o.type for o in rows()} == {m.OrderType.LIMIT, m.OrderType.STOP_LOSS}
    chart = w.chart  # the bracket on the chart (a protective group's legs are drawn with their group where it can)
    lines = lambda: len(chart.order_lines.lines) + len(getattr(getattr(chart, "protection_lines", None), "lines", ()))  # noqa: E731
    qtbot.waitUntil(lambda: lines() == 3, timeout=5000)


def test_the_account_summary_shows_ib_net_liquidation_in_its_tab(qtbot, window, qtmodeltester):
    w = window
    connect_ib(qtbot, w)
    accounts = w.link.accounts
    qtbot.waitUntil(lambda: accounts.tab_index(ACCOUNT_TAB) >= 0, timeout=15000)
    qtbot.waitUntil(lambda: accounts.account_model.value("ib", "Net liquidation") is not None, timeout=15000)
    net = accounts.account_model.value("ib", "Net liquidation")
    assert net is not None and net > 0
    names = [r.name for r in accounts.account_model.all_rows() if r.venue == "ib"]
    assert names[:6] == ["Net liquidation", "Cash", "Buying power", "Initial margin", "Maintenance margin",
                         "Available funds"]
    w.blotters.setCurrentIndex(accounts.tab_index(ACCOUNT_TAB))
    view = accounts.views[ACCOUNT_TAB]
    texts = [view.model().index(r, 2).data() for r in range(view.model().rowCount())]
    assert "Net liquidation" in texts
    accounts.flush()
    qtmodeltester.check(accounts.account_model)


def test_the_market_closed_note_names_the_next_open_in_the_market_time_zone():
    hours = us_equity_hours()
    aapl = m.Instrument("AAPL", "AAPL", "USD", asset_class=m.AssetClass.EQUITY, hours=hours)
    saturday = _ms(2026, 12, 5, 12, 0)  # Saturday: opens Monday 09:30 New York time
    assert market_notes(aapl, saturday, delayed=False) == ["market closed, opens Mon 09:30 ET"]
    early = _ms(2026, 12, 7, 12, 0)  # Monday 07:00 ET
    assert market_notes(aapl, early, delayed=True) == ["market closed, opens 09:30 ET", "delayed"]
    assert market_notes(aapl, _ms(2026, 12, 7, 15, 0), delayed=False) == []  # Monday 10:00 ET: open
    assert market_notes(m.Instrument("BTCUSDT", "BTC", "USDT"), saturday, delayed=False) == []


def test_a_closed_market_and_delayed_data_are_said_in_the_chart_header_and_the_ticket(qtbot, window):
    w = window
    connect_ib(qtbot, w, always_open=False)
    session = w.link.workspace.session("ib")
    venue, server = session.venue, session.server
    server.call(lambda: setattr(server.faults, "live_data", False))  # no live subscription: 354, delayed data
    w.watchlist.add_symbol("AAPL@ib")
    w.watchlist.select("AAPL@ib")
    qtbot.waitUntil(lambda: w.link.symbol == "AAPL@ib", timeout=5000)
    ins = w.instruments["AAPL@ib"]
    assert ins.hours is not None  # from IB's contract details (liquidHours, US/Eastern)
    from terminal.clock import SimClock
    venue.clock = SimClock(_ms(2026, 12, 5, 12, 0))  # the venue's time: a Saturday
    text = "market closed, opens Mon 09:30 ET · delayed"
    qtbot.waitUntil(lambda: w.chart.notice_label.text() == text, timeout=5000)
    assert w.chart.notice_label.isVisible() and w.order_entry.notice_label.isVisible()
    assert w.order_entry.notice_label.text() == text
    w.watchlist.select("BTCUSDT")  # crypto: always open, live data
    qtbot.waitUntil(lambda: not w.chart.notice_label.isVisible(), timeout=5000)
    assert w.order_entry.notice_label.text() == ""


def test_account_figures_are_read_from_ib_s_summary_and_kite_s_margins_in_order_and_as_decimals():
    from terminal.ui.models.account import ib_rows, kite_rows
    summary = {"currency": "USD", "NetLiquidation": D("1000500.25"), "BuyingPower": D("4000000"),
               "TotalCashValue": D("998000"), "MaintMarginReq": D("1200"), "DailyPnL": D("-35.5"), "Junk": D("1")}
    rows = ib_rows("ib", summary)
    assert [(r.name, r.value, r.currency) for r in rows] == [
        ("Net liquidation", D("1000500.25"), "USD"), ("Cash", D("998000"), "USD"),
        ("Buying power", D("4000000"), "USD"), ("Maintenance margin", D("1200"), "USD"),
        ("P&L today", D("-35.5"), "USD")]
    margins = {"equity": {"enabled": True, "net": 990000, "available": {"cash": 1000000},
                          "utilised": {"debits": D("10000.5"), "span": 8000, "exposure": "2000.5"}},
               "commodity": {"enabled": False, "net": 5}}
    k = kite_rows("kite", margins)
    assert [(r.group, r.name, r.value) for r in k] == [
        ("equity", "Net (available)", D("990000")), ("equity", "Cash", D("1000000")),
        ("equity", "Margin used", D("10000.5")), ("equity", "SPAN margin", D("8000")),
        ("equity", "Exposure margin", D("2000.5"))]

"""Several venues in one window: the sandbox (Binance) and the paper equity venue side by side; an order reaches the
blotters and the log once."""
from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal import model as m

pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore("propagateSizeHints")]  # the offscreen plugin says this on every show()

D = Decimal


def _inserted(model) -> list[int]:
    counts = [0]
    model.rowsInserted.connect(lambda _parent, first, last: counts.__setitem__(0, counts[0] + last - first + 1))
    return counts


def _order_lines(caplog, cid: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "terminal.ui.link" and cid in r.getMessage()
            and not r.getMessage().startswith("fill ")]


def _buy_limit(qtbot, w, symbol: str, qty: str, below: str = "0.97") -> None:
    qtbot.waitUntil(lambda: w.link.last_prices.get(symbol) is not None, timeout=15000)
    w.watchlist.select(symbol)
    qtbot.waitUntil(lambda: w.link.symbol == symbol, timeout=3000)
    ins = w.instruments[symbol]
    oe = w.order_entry
    oe.type_combo.setCurrentIndex(0)
    oe.buy_tab.setChecked(True)
    oe.price_edit.setText(ins.format_price(ins.snap_price(w.link.last_prices[symbol] * D(below))))
    oe.qty_edit.setText(qty)
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)


def test_an_order_from_the_ticket_reaches_the_blotters_and_the_log_once(qtbot, window, caplog):
    caplog.set_level(logging.INFO, logger="terminal.ui.link")
    w = window
    bl = w.blotters
    open_inserts, history_inserts = _inserted(bl.open_model), _inserted(bl.history_model)
    _buy_limit(qtbot, w, "BTCUSDT", "0.01")
    qtbot.waitUntil(lambda: bl.open_model.rowCount() == 1, timeout=10000)
    order = bl.open_model.row_at(0)
    qtbot.waitUntil(lambda: w.order_entry.status.text().startswith("Sent:"), timeout=5000)
    frames = w.bridge.frames
    qtbot.waitUntil(lambda: w.bridge.frames >= frames + 4, timeout=3000)  # whatever was on its way has arrived
    lines = _order_lines(caplog, order.client_order_id)
    assert len(lines) == len(set(lines)) and any(": NEW " in x for x in lines), lines  # each state logged once
    assert (open_inserts[0], history_inserts[0]) == (1, 1)
    assert bl.open_model.rowCount() == 1 and bl.history_model.lookup(order.client_order_id).status is m.OrderStatus.NEW


def _add_paper_from_the_file_menu(qtbot, w) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from terminal.ui.dialogs.venue import AddVenueDialog

    w.add_venue_action.trigger()
    qtbot.waitUntil(lambda: isinstance(getattr(w, "add_venue_dialog", None), AddVenueDialog)
                    and w.add_venue_dialog.isVisible(), timeout=5000)
    dlg = w.add_venue_dialog
    assert not dlg.isModal()  # the window keeps working meanwhile
    assert dlg.provider.currentData() not in (None, "binance")  # binance is connected already: another is offered
    dlg.provider.setCurrentIndex(dlg.provider.findData("paper"))
    assert dlg.env.currentData() == "paper" and dlg.always_open.isChecked()
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "paper" in w.link.workspace.sessions, timeout=15000)


def test_one_window_trades_the_sandbox_and_the_paper_venue_side_by_side(qtbot, window):
    w = window
    bl = w.blotters
    assert not bl.multi_venue and w.status.conn_label.isVisible()
    _add_paper_from_the_file_menu(qtbot, w)
    assert "AAPL@paper" in w.instruments and w.instruments["AAPL@paper"].currency == "USD"
    # the watchlist takes the paper venue's symbols by bare symbol (one venue lists it) or qualified id
    w.watchlist.entry.setText("aapl")
    qtbot.keyClick(w.watchlist.entry, Qt.Key.Key_Return)
    assert "AAPL@paper" in w.watchlist.symbols() and "BTCUSDT" in w.watchlist.symbols()
    assert w.watchlist.add_symbol("MSFT@PAPER") and "MSFT@paper" in w.watchlist.symbols()
    qtbot.waitUntil(lambda: w.watchlist.model.lookup("AAPL@paper").bid is not None, timeout=10000)
    # an order on each venue, from the ticket
    _buy_limit(qtbot, w, "BTCUSDT", "0.01")
    qtbot.waitUntil(lambda: bl.open_model.rowCount() == 1, timeout=10000)
    assert w.docks["chart"].windowTitle() == "Chart · BTCUSDT · 1m · data: binance"
    _buy_limit(qtbot, w, "AAPL@paper", "5", below="0.99")
    qtbot.waitUntil(lambda: bl.open_model.rowCount() == 2, timeout=10000)
    assert w.docks["chart"].windowTitle() == "Chart · AAPL@paper · 1m · data: paper"
    venue_col = bl.open_model.column_index("Venue")
    assert not bl.open_view.isColumnHidden(venue_col)
    shown = {bl.open_model.index(r, 1).data(): bl.open_model.index(r, venue_col).data()
             for r in range(bl.open_model.rowCount())}
    assert shown == {"BTCUSDT": "binance", "AAPL@paper": "paper"}
    aapl = next(o for o in bl.open_model.all_rows() if o.symbol == "AAPL@paper")
    assert w.link.workspace.session("paper").open_orders()[0].client_order_id == aapl.client_order_id
    # a market buy on the paper venue fills: a fill and a USD balance with the paper venue
    oe = w.order_entry
    oe.type_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: oe.type_combo.currentText().lower().startswith("market"), timeout=2000)
    oe.qty_edit.setText("2")
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    fm = bl.fills_model
    qtbot.waitUntil(lambda: any(fm.row_at(r).symbol == "AAPL@paper" for r in range(fm.rowCount())), timeout=10000)
    row = next(r for r in range(fm.rowCount()) if fm.row_at(r).symbol == "AAPL@paper")
    assert fm.index(row, fm.column_index("Venue")).data() == "paper"
    bm = bl.balances_model
    qtbot.waitUntil(lambda: bm.balance("USD", "paper") is not None and bm.balance("USDT") is not None,
                    timeout=10000)
    venues = {bm.index(r, bm.column_index("Asset")).data(): bm.index(r, bm.column_index("Venue")).data()
              for r in range(bm.rowCount())}
    assert venues["USD"] == "paper" and venues["USDT"] == "binance" and venues["AAPL"] == "paper"
    # equity per venue and in total (USD at the FX table's 1 USDT), and one connection per venue in the status bar
    vm = bl.venues_model
    w.link.refresh_health()
    qtbot.waitUntil(lambda: vm.row_of("paper") is not None and vm.row_of("paper").value is not None, timeout=5000)
    eq = w.link.workspace.equity()
    paper, total = vm.row_of("paper"), vm.row_of("Total")
    assert paper.currency == "USD" and paper.value == eq.venues["paper"].value and total.value == eq.total
    assert total.value == sum(v.value for v in eq.venues.values() if v.value is not None)
    assert bl.tabText(bl.count() - 1) == "Venues" and "2 venues" in bl.equity_label.text()
    assert "1 USD = 1 USDT" in total.note or total.note.startswith("*")
    labels = w.status.venue_labels
    assert set(labels) == {"binance", "paper"} and not w.status.conn_label.isVisible()
    assert labels["binance"].text() == "● binance: connected" and labels["paper"].text() == "● paper: connected"
    assert all(lb.isVisible() for lb in labels.values())
    # the paper venue's connection drops: only its label says so
    w.link.workspace.session("paper").bus.publish(m.ConnectionChanged("market", False, "dropped"))
    w.link.refresh_health()
    assert labels["paper"].text() == "● paper: reconnecting market" and labels["binance"].text().endswith("connected")


def test_market_data_for_an_instrument_from_another_session_chosen_in_the_watchlist(qtbot, qloop, window):
    from terminal.session.workspace import VenueEvent

    w = window
    qtbot.waitUntil(lambda: w.link.symbol == "BTCUSDT", timeout=10000)
    assert qloop.run(w.add_venue("sandbox", name="feed"), 30) == "feed"  # a second sandbox as a data provider
    ws = w.link.workspace
    routed: list[VenueEvent] = []
    ws.bus.subscribe(VenueEvent, lambda e: routed.append(e) if e.source == "feed" and e.venue == "binance" else None)
    w.watchlist.select("BTCUSDT")
    menu = w.watchlist.source_menu
    menu.aboutToShow.emit()  # what the right-click shows: the venues listing BTCUSDT, its own checked
    entries = {a.text(): a for a in menu.actions()}
    assert list(entries) == ["binance", "feed"] and entries["binance"].isChecked()
    entries["feed"].trigger()
    qtbot.waitUntil(lambda: w.docks["chart"].windowTitle() == "Chart · BTCUSDT · 1m · data: feed", timeout=10000)
    assert ws.data_source("BTCUSDT@binance") == ("feed", "BTCUSDT")
    qtbot.waitUntil(lambda: any(e.event.__class__.__name__ == "QuoteTick" for e in routed), timeout=10000)
    menu.aboutToShow.emit()
    assert {a.text(): a.isChecked() for a in menu.actions()} == {"binance": False, "feed": True}
    # orders still go to the instrument's own venue
    _buy_limit(qtbot, w, "BTCUSDT", "0.01")
    qtbot.waitUntil(lambda: w.blotters.open_model.rowCount() == 1, timeout=10000)
    assert len(ws.session("binance").open_orders()) == 1 and ws.session("feed").open_orders() == []


def test_file_reconnect_adds_again_the_venues_added_with_add_venue(qtbot, window):
    from PySide6.QtGui import QAction

    w = window
    _add_paper_from_the_file_menu(qtbot, w)
    assert w.watchlist.add_symbol("AAPL@paper")
    old_link, old_paper = w.link, w.link.workspace.session("paper")
    reconnect = next(a for a in w.findChildren(QAction) if a.text() == "&Reconnect")
    reconnect.trigger()
    qtbot.waitUntil(lambda: w.link is not None and w.link is not old_link
                    and "paper" in w.link.workspace.sessions, timeout=20000)
    assert list(w.link.workspace.sessions) == ["binance", "paper"]
    assert w.link.workspace.session("paper") is not old_paper and "AAPL@paper" in w.instruments
    assert w.blotters.multi_venue
    # the watchlist's paper symbol is watched on the new paper session: its quotes come again
    w.watchlist.model.lookup("AAPL@paper").bid = None
    qtbot.waitUntil(lambda: w.watchlist.model.lookup("AAPL@paper").bid is not None, timeout=10000)
    w.link.refresh_health()
    assert set(w.status.venue_labels) == {"binance", "paper"}


@pytest.fixture
def expiring(monkeypatch):
    """A provider "expiring": the paper venue whose daily login runs out where ``state["on"]`` says."""
    from terminal.venues import paper, registry
    from test_session_expired import ExpiringVenue

    state = {"on": "submit"}

    def create(environment: str = "paper", *, bus=None, **options):
        return ExpiringVenue(environment, bus=bus, always_open=True, expire_on=state["on"], **options)

    monkeypatch.setitem(registry.ADAPTERS, "expiring", lambda: (paper.INFO, create))
    return state


def test_a_session_that_expired_says_log_in_again_in_amber_and_the_button_reconnects(qtbot, qloop, window, expiring):
    w = window
    assert qloop.run(w.add_venue("expiring")) == "expiring"
    assert w.watchlist.add_symbol("AAPL@expiring")
    assert w.status.expired_label.isHidden() and w.status.login_button.isHidden()
    _buy_limit(qtbot, w, "AAPL@expiring", "1", below="0.99")  # the venue says the login expired
    text = "expiring: session expired — log in again"
    qtbot.waitUntil(lambda: w.status.expired_label.isVisible(), timeout=10000)
    assert w.status.expired_label.text() == text and w.status.expired_label.objectName() == "connWait"  # amber
    assert w.status.login_button.isVisible()
    w.link.refresh_health()
    assert w.status.venue_labels["expiring"].text() == f"● {text}"
    assert w.status.venue_labels["binance"].text() == "● binance: connected"
    old_link = w.link
    expiring["on"] = ""  # logged in again: the next session works
    qtbot.mouseClick(w.status.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.link is not None and w.link is not old_link
                    and "expiring" in w.link.workspace.sessions, timeout=20000)
    assert w.link.workspace.session("expiring").expired == ""
    assert w.status.expired_label.isHidden() and w.status.login_button.isHidden()
    w.link.refresh_health()
    assert w.status.venue_labels["expiring"].text() == "● expiring: connected"


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise", "does not support grabbing")  # offscreen popup
def test_the_watchlist_searches_the_venues_for_what_it_does_not_list_and_offers_the_answers(qtbot, window):
    """Typing a part of a name searches every venue (IB contracts, Kite's dump: their own search; the others: their
    lists); one answer is added at once, several open a menu under the entry whose choice is added."""
    w = window
    _add_paper_from_the_file_menu(qtbot, w)
    wl = w.watchlist
    wl.entry.setText("nvd")  # no venue lists "NVD": searched, one answer
    qtbot.keyClick(wl.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "NVDA@paper" in wl.symbols(), timeout=10000)
    assert wl.entry.text() == ""
    wl.entry.setText("a")  # AAPL@paper, NVDA@paper and the sandbox's pairs with an A: a menu
    qtbot.keyClick(wl.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wl.results_menu.isVisible(), timeout=10000)
    keys = [a.data() for a in wl.results_menu.actions()]
    assert "AAPL@paper" in keys and len(keys) > 1, keys
    chosen = next(a for a in wl.results_menu.actions() if a.data() == "AAPL@paper")
    assert "AAPL" in chosen.text()
    chosen.trigger()
    assert "AAPL@paper" in wl.symbols() and wl.current_symbol() == "AAPL@paper"
    wl.results_menu.hide()
    wl.entry.setText("qqqzzz")  # nothing anywhere: said, nothing added
    before = wl.symbols()
    qtbot.keyClick(wl.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "No instrument matches" in wl.entry.toolTip(), timeout=10000)
    assert wl.symbols() == before

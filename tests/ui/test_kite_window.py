"""Zerodha Kite in the window (issue 13, item 3): connected from File > Connect to Zerodha Kite… to the built-in
paper server (its test app logged in, no browser); the NIFTY future found by the watchlist's search is traded in
lots ("2 lots = 130 units"), priced in INR on its tick; the venue's holdings, its positions (net / day) and its
margins fill their tabs after a buy."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from terminal import model as m
from terminal.ui.accounts import ACCOUNT_TAB, DAY, HOLDINGS_TAB, POSITIONS_TAB
from terminal.ui.dialogs.venue import AddVenueDialog

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise",
                                                          "grabbing the keyboard")]
D = Decimal
FUT = "NIFTY26DECFUT@kite"


def connect_kite(qtbot, w) -> None:
    w.connect_actions["kite"].trigger()
    qtbot.waitUntil(lambda: isinstance(getattr(w, "add_venue_dialog", None), AddVenueDialog)
                    and w.add_venue_dialog.isVisible(), timeout=5000)
    dlg = w.add_venue_dialog
    assert dlg.provider.currentData() == "kite" and dlg.env.currentData() == "sandbox"
    dlg.always_open.setChecked(True)
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "kite" in w.link.workspace.sessions, timeout=30000)


def search(qtbot, w, text: str, title: str, key: str) -> None:
    """Type ``text`` in the watchlist's entry; pick ``title`` when the venues offer several answers."""
    menu = w.watchlist.results_menu
    menu.clear()
    w.watchlist.entry.setText(text)
    qtbot.keyClick(w.watchlist.entry, Qt.Key.Key_Return)
    found = lambda: [a for a in menu.actions() if title in a.text()]  # noqa: E731
    qtbot.waitUntil(lambda: bool(found()) or key in w.watchlist.symbols(), timeout=15000)
    if found():
        assert found()[0].data() == key
        found()[0].trigger()
        menu.close()
    qtbot.waitUntil(lambda: key in w.watchlist.symbols(), timeout=5000)


def test_the_nifty_future_is_traded_in_lots_and_the_holdings_and_positions_tabs_fill(qtbot, window, qtmodeltester):
    w = window
    connect_kite(qtbot, w)
    accounts = w.link.accounts
    search(qtbot, w, "NIFTY FUT", "NIFTY Dec26 NFO future", FUT)
    w.watchlist.select(FUT)
    qtbot.waitUntil(lambda: w.link.symbol == FUT and w.link.last_prices.get(FUT) is not None, timeout=15000)
    ins = w.instruments[FUT]
    assert ins.lot_size == D("65") and ins.quote_asset == "INR"
    oe = w.order_entry
    assert "lot 65 units" in oe.contract_label.text()
    assert oe.unit_combo.currentData() == "lots"  # a lot-traded contract starts in lots
    # Kite's own order parameters and types; no "at the close" (Kite declares none)
    assert set(oe.options_panel.param_combos) >= {"product", "variety"}
    assert not oe.options_panel.form.isRowVisible(oe.options_panel.at_close)
    assert "Take-profit limit" not in [oe.type_combo.itemText(i) for i in range(oe.type_combo.count())]
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.MARKET))
    oe.options_panel.param_combos["product"].setCurrentIndex(
        oe.options_panel.param_combos["product"].findData("NRML"))
    oe.qty_edit.setText("2")
    assert oe.lots_label.text() == "2 lots = 130 units" and oe.lots_label.isVisible()
    d = oe.draft()  # 2 lots are 130 units: the notional is 130 x the price
    assert d.market_price is not None and d.notional == ins.notional(d.market_price, D("130"))
    # only what is set is sent: product and variety; the optional parameters ("not sent") stay out
    assert dict(d.request.options.params) == {"product": "NRML", "variety": "regular"}
    assert "None" not in oe.preview.text() and "market_protection" not in oe.preview.text()
    oe.qty_edit.setText("1.5")  # not a whole lot: refused in place, in lots
    assert oe.errors["quantity"].text() == "not a whole number of lots (1 lot = 65 units)"
    assert [b.text() for b in oe.suggestion_buttons["quantity"] if b.isVisible()] == ["1", "2"]
    oe.qty_edit.clear()

    # a buy the paper account can pay: SBIN (NSE equity, tick 0.05, INR) from the watchlist's search, MIS
    sbin = "SBIN@kite"
    search(qtbot, w, "SBIN", "SBIN", sbin)
    w.watchlist.select(sbin)
    qtbot.waitUntil(lambda: w.link.symbol == sbin and w.link.last_prices.get(sbin) is not None, timeout=15000)
    eq = w.instruments[sbin]
    assert eq.tick_size == D("0.05") and eq.quote_asset == "INR"
    assert w.link.last_prices[sbin] % eq.tick_size == 0
    assert oe.unit_combo.findData("lots") < 0 and not oe.lots_label.isVisible()  # not lot-traded
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.MARKET))
    oe.options_panel.param_combos["product"].setCurrentIndex(oe.options_panel.param_combos["product"].findData("MIS"))
    oe.qty_edit.setText("10")
    qtbot.waitUntil(oe.submit.isEnabled, timeout=5000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(f.symbol == sbin for f in w.blotters.fills_model.all_rows()), timeout=15000)

    # the venue's tabs: holdings (the paper account's), positions net and day with the future, margins used
    qtbot.waitUntil(lambda: min(accounts.tab_index(t) for t in (ACCOUNT_TAB, HOLDINGS_TAB, POSITIONS_TAB)) >= 0,
                    timeout=15000)
    qtbot.waitUntil(lambda: any(r.key == sbin and r.holding.qty == D("10")
                                for r in accounts.positions_model.all_rows()), timeout=15000)
    accounts.book_box.setCurrentText(DAY)
    qtbot.waitUntil(lambda: any(r.key == sbin and r.holding.qty == D("10") and r.last is not None
                                for r in accounts.positions_model.all_rows()), timeout=15000)
    qtbot.waitUntil(lambda: any(r.key == sbin for r in accounts.holdings_model.all_rows()), timeout=15000)
    assert all(r.venue == "kite" for r in accounts.holdings_model.all_rows())
    qtbot.waitUntil(lambda: (accounts.account_model.value("kite", "Margin used", "equity") or 0) > 0, timeout=15000)
    accounts.flush()
    for model in (accounts.holdings_model, accounts.positions_model, accounts.account_model):
        qtmodeltester.check(model)
    w.blotters.setCurrentIndex(accounts.tab_index(POSITIONS_TAB))
    view = accounts.views[POSITIONS_TAB]
    texts = [view.model().index(r, 1).data() for r in range(view.model().rowCount())]
    assert sbin in texts


# ---- the daily login in the browser -------------------------------------------------------------------------------
def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _refused(port: int) -> bool:
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


async def _in_thread(fn, *args):
    import asyncio
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


@pytest.fixture
def kite_server(qloop):
    from terminal.servers.kite import PaperServer
    server = PaperServer(always_open=True)
    qloop.run(_in_thread(server.start), 30)
    yield server
    qloop.run(_in_thread(server.stop), 30)


def _start_login(qloop, parent, server, port, urls):
    from terminal.ui.dialogs.browser_login import browser_login
    from terminal.venues.kite.login import login
    redirect = f"http://127.0.0.1:{port}/"
    server.register_app("myapp", "mysecret", redirect)
    return qloop.loop.create_task(browser_login(parent, "Zerodha Kite", lambda opener: login(
        "myapp", "mysecret", root=server.url, login_base=f"{server.url}/connect/login", redirect_url=redirect,
        open_browser=opener, timeout_s=60), open_browser=urls.append))


def test_the_browser_login_waits_in_a_non_modal_dialog_and_gives_a_working_access_token(qtbot, qloop, kite_server):
    import requests
    from PySide6.QtWidgets import QWidget

    from terminal.venues.kite.login import follow_redirects
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    urls: list[str] = []
    task = _start_login(qloop, parent, kite_server, _free_port(), urls)
    qtbot.waitUntil(lambda: getattr(parent, "login_dialog", None) is not None and parent.login_dialog.isVisible()
                    and bool(urls), timeout=10000)
    dlg = parent.login_dialog
    assert not dlg.isModal() and dlg.text.text() == "Waiting for the login in your browser…"
    qtbot.waitUntil(lambda: "/connect/login" in dlg.address.text(), timeout=5000)  # to open by hand
    assert not task.done()  # it waits for the browser, the window's loop runs on
    browser = qloop.loop.create_task(_in_thread(follow_redirects, urls[0]))  # the user logs in in the browser
    qtbot.waitUntil(task.done, timeout=30000)
    qtbot.waitUntil(browser.done, timeout=10000)
    result = task.result()
    from shiboken6 import isValid
    assert result is not None and result.access_token
    assert not (isValid(dlg) and dlg.isVisible())  # the waiting dialog went with the login
    profile = requests.get(f"{kite_server.url}/user/profile", timeout=10, headers={
        "X-Kite-Version": "3", "Authorization": f"token myapp:{result.access_token}"})
    assert profile.status_code == 200 and profile.json()["status"] == "success"


def test_cancelling_the_browser_login_closes_its_redirect_listener_and_returns_nothing(qtbot, qloop, kite_server):
    from PySide6.QtWidgets import QWidget
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    port = _free_port()
    task = _start_login(qloop, parent, kite_server, port, [])
    qtbot.waitUntil(lambda: getattr(parent, "login_dialog", None) is not None and parent.login_dialog.isVisible()
                    and not _refused(port), timeout=10000)  # the one-shot listener waits for the redirect
    qtbot.mouseClick(parent.login_dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=10000)
    assert task.result() is None and _refused(port)


def test_connecting_kite_live_without_todays_token_opens_the_browser_login(qtbot, window, answer_box, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setenv("KITE_API_KEY", "livekey")
    monkeypatch.setenv("KITE_API_SECRET", "livesecret")
    monkeypatch.delenv("KITE_ACCESS_TOKEN", raising=False)
    w = window
    urls: list[str] = []
    w.open_browser = urls.append  # the test's "browser": it records the address, opens nothing
    w.connect_actions["kite"].trigger()
    qtbot.waitUntil(lambda: isinstance(getattr(w, "add_venue_dialog", None), AddVenueDialog)
                    and w.add_venue_dialog.isVisible(), timeout=5000)
    dlg = w.add_venue_dialog
    dlg.env.setCurrentIndex(dlg.env.findData("live"))
    answer = answer_box(QMessageBox.StandardButton.Yes)  # "Connect to kite LIVE (real money)?"
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: answer.clicked, timeout=5000)
    qtbot.waitUntil(lambda: getattr(w, "login_dialog", None) is not None and w.login_dialog.isVisible()
                    and bool(urls), timeout=15000)
    assert urls[0].startswith("https://kite.zerodha.com/connect/login?api_key=livekey&v=3")
    qtbot.mouseClick(w.login_dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "login cancelled, not connected" in w.status.currentMessage(), timeout=10000)
    assert "kite" not in w.link.workspace.sessions


def test_the_percent_buttons_fill_whole_lots_when_the_amount_is_in_lots(qtbot):
    from datetime import date

    from terminal.ui.widgets.order_entry import OrderEntryWidget
    nifty = m.Instrument("NIFTY26DECFUT", "NIFTY", "INR", tick_size=D("0.1"), step_size=D("65"), min_qty=D("65"),
                         asset_class=m.AssetClass.FUTURE, expiry=date(2026, 12, 29), exchange="NFO")
    w = OrderEntryWidget()
    qtbot.addWidget(w)
    w.balance_of = lambda asset: {"INR": D("10000000"), "NIFTY": D("260")}.get(asset, D(0))
    w.set_instrument(nifty)
    assert w.unit_combo.currentData() == "lots"
    w.price_edit.setText("25000.0")
    w.pct_buttons[3].click()  # 100%: 10M INR / (1 + fee) / 25,000 = 399.6 units = 6 whole lots
    assert w.qty_edit.text() == "6" and w.lots_label.text() == "6 lots = 390 units"
    w.sell_tab.setChecked(True)
    w.pct_buttons[1].click()  # 50% of 260 held = 130 units = 2 lots
    assert w.qty_edit.text() == "2"

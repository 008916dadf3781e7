"""News and Fundamentals in the window (issue 14, item 5) against the real Finnhub paper server, added with File >
Connect to Finnhub (market data)…; the data routing shown in the chart header and the request budget in the status
bar. The window is the sandbox (Binance) with the paper equity venue added: AAPL@paper asks finnhub for AAPL."""
from __future__ import annotations

import dataclasses
import re

import pytest
from PySide6.QtCore import QPoint, Qt

from terminal.ui.widgets.fundamentals import DASH
from terminal.ui.widgets.news import NO_PROVIDER

pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore("propagateSizeHints")]  # the offscreen plugin says this on every show()


def _connect_finnhub_from_the_file_menu(qtbot, w) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from terminal.ui.dialogs.venue import AddVenueDialog

    w.connect_actions["finnhub"].trigger()
    qtbot.waitUntil(lambda: isinstance(getattr(w, "add_venue_dialog", None), AddVenueDialog)
                    and w.add_venue_dialog.isVisible(), timeout=5000)
    dlg = w.add_venue_dialog
    assert dlg.provider.currentData() == "finnhub" and dlg.env.currentData() == "sandbox"
    assert dlg.always_open.isChecked()  # US stocks have market hours: the demo server ignores them
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "finnhub" in w.link.workspace.sessions, timeout=30000)


@pytest.fixture
def aapl(window, qloop, qtbot):
    """The window with the paper venue added, AAPL@paper watched and selected (no news provider yet)."""
    w = window
    assert qloop.run(w.add_venue("paper", always_open=True), 30) == "paper"
    w.watchlist.add_symbol("AAPL@paper")
    w.watchlist.select("AAPL@paper")
    qtbot.waitUntil(lambda: w.link.symbol == "AAPL@paper", timeout=5000)
    return w


def _row_of(view, model, row: int) -> QPoint:
    return view.visualRect(model.index(row, 2)).center()


def test_news_dock_lists_aapl_headlines_and_the_market_a_click_opens_the_article_and_a_new_one_flashes(
        qtbot, qloop, aapl, qtmodeltester):
    w = aapl
    news = w.news
    qtbot.waitUntil(lambda: news.note.text() == NO_PROVIDER, timeout=5000)  # said why, before a provider exists
    assert news.models[news.SYMBOL].rowCount() == 0
    _connect_finnhub_from_the_file_menu(qtbot, w)
    fh = w.link.workspace.session("finnhub")
    symbol_model, market_model = news.models[news.SYMBOL], news.models[news.MARKET]
    qtbot.waitUntil(lambda: symbol_model.rowCount() > 0 and market_model.rowCount() > 0, timeout=20000)
    expected = qloop.run(fh.news("AAPL"))
    assert [n.id for n in symbol_model.rows] == [n.id for n in expected]  # AAPL@paper -> AAPL on finnhub
    assert all(n.related == "AAPL" for n in symbol_model.rows)
    assert news.tabs.tabText(news.SYMBOL) == "AAPL" and "AAPL: " in news.note.text()
    market = qloop.run(fh.news())
    assert [n.id for n in market_model.rows][:10] == [n.id for n in market][:10]
    assert all(n.related == "" for n in market_model.rows)
    assert symbol_model.data(symbol_model.index(0, 2)) == expected[0].headline
    assert symbol_model.data(symbol_model.index(0, 1)) == expected[0].source
    for model in news.models:
        qtmodeltester.check(model)

    # a click on a headline opens its article (the paper server's page), through open_url
    opened = []
    news.open_url = opened.append
    w.docks["news"].show()
    w.docks["news"].raise_()
    news.tabs.setCurrentIndex(news.SYMBOL)
    view = news.views[news.SYMBOL]
    qtbot.waitUntil(view.isVisible, timeout=3000)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_row_of(view, symbol_model, 1))
    assert [u.toString() for u in opened] == [expected[1].url]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/article/\d+", expected[1].url)
    view.setCurrentIndex(symbol_model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)  # Enter opens the current one
    assert [u.toString() for u in opened] == [expected[1].url, expected[0].url]

    # a new headline for a watched symbol arrives over the WebSocket: it flashes, and is counted while hidden
    server = fh.server
    qtbot.waitUntil(lambda: any("AAPL" in c.news for c in server.streams.clients), timeout=10000)
    w.docks["blotters"].raise_()  # the News dock behind its tab: the count says what the user did not see
    qtbot.waitUntil(lambda: not news.seen(), timeout=3000)
    watched = news.models[news.WATCHED]
    before = {n.id for n in symbol_model.rows}
    server._loop.call_soon_threadsafe(setattr, server.news, "_next_at", 0)  # the generator's next headline: now
    qtbot.waitUntil(lambda: watched.rowCount() > 0, timeout=10000)
    fresh = watched.rows[0]
    assert fresh.related == "AAPL" and fresh.id not in before
    assert watched.flashing(0)
    assert symbol_model.rows[0].id == fresh.id and symbol_model.flashing(0)  # the selected symbol's list too
    assert re.fullmatch(r"News \(\d+ new\)", w.docks["news"].windowTitle())
    assert news.tabs.tabText(news.WATCHED).startswith("Watchlist (")
    qtbot.waitUntil(lambda: not watched.flashing(0), timeout=10000)  # the highlight is brief
    w.docks["news"].raise_()
    news.tabs.setCurrentIndex(news.WATCHED)
    qtbot.waitUntil(lambda: news.tabs.tabText(news.WATCHED) == "Watchlist", timeout=3000)


def test_fundamentals_panel_shows_aapl_from_finnhub_and_a_dash_for_what_is_missing(qtbot, qloop, aapl):
    w = aapl
    panel = w.fundamentals
    qtbot.waitUntil(lambda: "No fundamentals provider" in panel.note.text(), timeout=5000)
    assert panel.text("pe") == DASH
    assert qloop.run(w.add_venue("finnhub", always_open=True), 30) == "finnhub"
    fh = w.link.workspace.session("finnhub")
    qtbot.waitUntil(lambda: panel.record is not None and panel.record.symbol == "AAPL", timeout=20000)
    f, asked = panel.record, qloop.run(fh.fundamentals("AAPL"))  # the server prices them at the last trade:
    assert (f.name, f.exchange, f.industry, f.next_earnings) == (asked.name, asked.exchange, asked.industry,
                                                                 asked.next_earnings)
    for value, now in ((f.market_cap, asked.market_cap), (f.pe_ttm, asked.pe_ttm), (f.high_52w, asked.high_52w)):
        assert abs(value - now) < now / 20  # a moment apart: the same answer but for the price's moves
    assert panel.text("name") == f.name == "Apple Inc"
    assert panel.text("exchange") == f.exchange and panel.text("industry") == f.industry
    cap = f.market_cap / 10 ** 12
    assert panel.text("market_cap") == f"{cap:.2f} T USD"
    assert panel.text("pe") == f"{f.pe_ttm:.2f}"
    assert panel.text("dividend") == f"{f.dividend_yield_pct:.2f} %"
    assert panel.text("earnings").startswith(f.next_earnings.date)
    assert panel.text("range").startswith(f"{f.low_52w:.2f} – {f.high_52w:.2f}")
    qtbot.waitUntil(lambda: "of the range" in panel.text("range"), timeout=10000)  # where the last price sits
    requests = len(fh.server.request_log)
    w.watchlist.select("BTCUSDT")
    qtbot.waitUntil(lambda: "lists no BTCUSDT" in panel.note.text(), timeout=5000)
    assert panel.text("pe") == DASH
    w.watchlist.select("AAPL@paper")
    qtbot.waitUntil(lambda: panel.record is not None and panel.text("pe") == f"{f.pe_ttm:.2f}", timeout=5000)
    assert not [r for r in fh.server.request_log[requests:] if "metric" in r.path]  # cached: not asked again
    panel.display(dataclasses.replace(f, dividend_yield_pct=None, next_earnings=None, pe_ttm=None))
    assert (panel.text("dividend"), panel.text("earnings"), panel.text("pe")) == (DASH, DASH, DASH)


def test_aapl_paper_routed_to_finnhub_shows_finnhub_quotes_orders_still_go_to_paper_and_the_budget_shows(
        qtbot, qloop, aapl):
    from terminal.session.workspace import VenueEvent

    w = aapl
    _connect_finnhub_from_the_file_menu(qtbot, w)
    ws = w.link.workspace
    fh = ws.session("finnhub")
    routed: list[VenueEvent] = []
    ws.bus.subscribe(VenueEvent, lambda e: routed.append(e) if e.source == "finnhub" and e.venue == "paper" else None)
    assert w.docks["chart"].windowTitle() == "Chart · AAPL@paper · 1m · data: paper"
    menu = w.watchlist.source_menu
    menu.aboutToShow.emit()  # the right-click's "Market data from": paper (its own, checked) and finnhub
    entries = {a.text(): a for a in menu.actions()}
    assert list(entries) == ["paper", "finnhub"] and entries["paper"].isChecked()
    entries["finnhub"].trigger()
    qtbot.waitUntil(lambda: w.docks["chart"].windowTitle() == "Chart · AAPL@paper · 1m · data: finnhub",
                    timeout=10000)
    assert ws.data_source("AAPL@paper") == ("finnhub", "AAPL")
    qtbot.waitUntil(lambda: any(type(e.event).__name__ == "QuoteTick" for e in routed), timeout=15000)

    def finnhub_quote_shown() -> bool:  # Finnhub's L1 is its last trade: bid = ask = finnhub's last price
        row = w.watchlist.model.lookup("AAPL@paper")
        last = fh.last_prices.get("AAPL")
        return row is not None and last is not None and row.bid == row.ask == last
    qtbot.waitUntil(finnhub_quote_shown, timeout=15000)
    qtbot.waitUntil(lambda: len(w.chart.series) > 0, timeout=15000)
    # orders still go to paper
    paper = ws.session("paper")
    ins = w.instruments["AAPL@paper"]
    oe = w.order_entry
    oe.type_combo.setCurrentIndex(0)
    oe.buy_tab.setChecked(True)
    oe.price_edit.setText(ins.format_price(ins.snap_price(w.link.last_prices["AAPL@paper"] * 9 / 10)))
    oe.qty_edit.setText("1")
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(paper.open_orders()) == 1, timeout=10000)
    assert fh.open_orders() == []

    # the status bar says finnhub's budget in requests a minute (not "weight"), amber past 80%
    label = w.status.budget_label
    qtbot.waitUntil(lambda: re.fullmatch(r"finnhub: \d+/60 req/min", label.text()) is not None
                    and label.isVisible(), timeout=5000)
    assert "weight" not in label.text() and label.objectName() != "connWait"
    w.status.set_budgets([("finnhub", 49, 60, 60.0)])
    assert label.text() == "finnhub: 49/60 req/min" and label.objectName() == "connWait"


def test_market_news_the_websocket_does_not_carry_arrives_by_polling_and_flashes(qtbot, qloop, aapl):
    w = aapl
    news = w.news
    assert qloop.run(w.add_venue("finnhub", always_open=True), 30) == "finnhub"
    server = w.link.workspace.session("finnhub").server
    market = news.models[news.MARKET]
    qtbot.waitUntil(lambda: market.rowCount() > 0, timeout=20000)
    newest = market.rows[0].id
    asked = len([r for r in server.request_log if r.path.endswith("/news")])
    news.set_poll_s(0.5)
    server._loop.call_soon_threadsafe(setattr, server.news, "_next_at", 0)  # a market headline: now
    qtbot.waitUntil(lambda: market.rowCount() > 0 and market.rows[0].id > newest, timeout=15000)
    assert market.flashing(0) and market.rows[0].related == ""
    assert len([r for r in server.request_log if r.path.endswith("/news")]) > asked  # asked again, not pushed

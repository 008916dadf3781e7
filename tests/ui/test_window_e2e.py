"""End to end against the real sandbox: order entry -> open orders + chart line -> cancel -> history;
market order -> fill, marker, balances and position; a WebSocket drop shows in the status bar and recovers."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal import model as m

pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore("propagateSizeHints")]  # the offscreen plugin says this on every show()


def _ready(qtbot, w, symbol="BTCUSDT") -> Decimal:
    qtbot.waitUntil(lambda: w.link.last_prices.get(symbol) is not None, timeout=15000)
    assert w.link.symbol == symbol
    return w.link.last_prices[symbol]


def test_window_shows_market_data_from_the_sandbox(qtbot, window):
    w = window
    _ready(qtbot, w)
    qtbot.waitUntil(lambda: w.watchlist.model.rowCount() >= 8, timeout=5000)
    qtbot.waitUntil(lambda: bool(w.book_trades.book_model.ladder.bids and w.book_trades.book_model.ladder.asks),
                    timeout=10000)
    qtbot.waitUntil(lambda: w.book_trades.trades_model.rowCount() > 0, timeout=10000)
    qtbot.waitUntil(lambda: w.health.model.rowCount() > 2, timeout=5000)
    assert w.status.env_label.text() == "SANDBOX"
    assert "connected" in w.status.conn_label.text()
    assert w.blotters.balances_model.balance("USDT") is not None
    row = w.watchlist.model.lookup("BTCUSDT")
    qtbot.waitUntil(lambda: row.last is not None, timeout=5000)
    qtbot.waitUntil(lambda: w.blotters.balances_model.rowCount() > 0, timeout=5000)


def test_limit_order_from_order_entry_shows_in_open_orders_and_chart_then_cancel_moves_it_to_history(qtbot, window):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments["BTCUSDT"]
    oe = w.order_entry
    oe.type_combo.setCurrentIndex(0)
    oe.buy_tab.setChecked(True)
    price = ins.snap_price(last * Decimal("0.97"))
    oe.price_edit.setText(ins.format_price(price))
    oe.qty_edit.setText("0.01")
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    assert "BUY LIMIT 0.01000 BTC @" in oe.preview.text()
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    bl = w.blotters
    qtbot.waitUntil(lambda: bl.open_model.rowCount() == 1, timeout=10000)
    order = bl.open_model.row_at(0)
    assert order.price == price and order.quantity == Decimal("0.01000")
    # a line on the chart, keyed by the client order id, at the order's price
    qtbot.waitUntil(lambda: any(k == order.client_order_id for k, *_ in w.link.chart_lines), timeout=3000)
    line = next(x for x in w.link.chart_lines if x[0] == order.client_order_id)
    assert line[1] == float(price) and line[2] == "buy"
    assert order.client_order_id in w.chart.order_lines.lines  # the ChartWidget draws it
    # cancel it from the blotter
    bl.open_view.selectRow(0)
    qtbot.mouseClick(bl.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bl.open_model.rowCount() == 0, timeout=10000)
    qtbot.waitUntil(lambda: (bl.history_model.lookup(order.client_order_id) or order).status
                    is m.OrderStatus.CANCELED, timeout=5000)
    qtbot.waitUntil(lambda: not w.link.chart_lines, timeout=3000)
    assert order.client_order_id not in w.chart.order_lines.lines
    assert bl.tabText(0) == "Open orders (0)"


def test_market_order_fills_and_updates_fills_marker_balances_and_position(qtbot, window):
    w = window
    _ready(qtbot, w)
    bl = w.blotters
    btc_before = bl.balances_model.balance("BTC").total
    oe = w.order_entry
    oe.type_combo.setCurrentIndex(1)  # market
    oe.buy_tab.setChecked(True)
    oe.qty_edit.setText("0.02")
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bl.fills_model.rowCount() >= 1, timeout=10000)
    fill = bl.fills_model.row_at(0)
    assert fill.symbol == "BTCUSDT" and fill.side is m.Side.BUY
    qtbot.waitUntil(lambda: bl.balances_model.balance("BTC").total > btc_before, timeout=10000)
    qtbot.waitUntil(lambda: bl.positions_model.position("BTCUSDT") is not None
                    and bl.positions_model.position("BTCUSDT").qty == bl.balances_model.balance("BTC").total,
                    timeout=5000)  # the position is the holding
    pos = bl.positions_model.position("BTCUSDT")
    fee_btc = sum((x.commission for x in bl.fills_model.store.rows.values()
                   if x.client_order_id == fill.client_order_id and x.commission_asset == "BTC"), Decimal(0))
    assert pos.basis_qty == Decimal("0.02") - fee_btc and pos.avg_price > 0  # bought: net of the fee taken in BTC
    assert any(abs(p - float(fill.price)) < 1e-6 and side == "buy" for _, p, side in w.link.chart_markers)
    qtbot.waitUntil(lambda: any(abs(p - float(fill.price)) < 1e-6 and side == "buy"
                                for _, p, side in w.chart.fills.fills), timeout=3000)  # the marker on the chart
    qtbot.waitUntil(lambda: bl.history_model.lookup(fill.client_order_id) is not None
                    and bl.history_model.lookup(fill.client_order_id).status is m.OrderStatus.FILLED, timeout=5000)


def test_websocket_drop_shows_in_status_bar_and_recovers_by_itself(qtbot, window):
    w = window
    _ready(qtbot, w)
    seen: list[str] = []
    orig = w.status.set_connection

    def spy(state: str, text: str) -> None:
        seen.append(text)
        orig(state, text)
    w.status.set_connection = spy  # type: ignore[method-assign]
    w.link.session.server.faults.drop_websockets()
    qtbot.waitUntil(lambda: any("reconnecting" in s for s in seen), timeout=10000)
    qtbot.waitUntil(lambda: w.status.conn_label.text().startswith("● connected"), timeout=20000)
    assert w.status.drops >= 1
    # data flows again
    n = w.bridge.events
    qtbot.waitUntil(lambda: w.bridge.events > n + 5, timeout=10000)


def test_selecting_a_symbol_links_order_entry_book_and_chart(qtbot, window):
    w = window
    _ready(qtbot, w)
    w.watchlist.select("ETHUSDT")
    qtbot.waitUntil(lambda: w.link.symbol == "ETHUSDT", timeout=3000)
    assert w.order_entry.instrument.symbol == "ETHUSDT"
    assert w.book_trades.book_model.ladder.symbol == "ETHUSDT"
    qtbot.waitUntil(lambda: bool(w.book_trades.book_model.ladder.bids), timeout=10000)
    # a click on a book price fills the order-entry price
    row = w.book_trades.book_model.ladder.best_bid_row
    idx = w.book_trades.book_model.index(row, 0)
    price = w.book_trades.book_model.price_at(row)
    w.book_trades.book.clicked.emit(idx)
    assert w.order_entry.price_edit.text() == w.instruments["ETHUSDT"].format_price(price)
    w.chart.price_clicked.emit(3123.456)
    assert w.order_entry.price_edit.text() == "3123.46"


def test_positions_tab_agrees_with_the_session(qtbot, qloop, window):
    w = window
    _ready(qtbot, w)
    s = w.link.session
    qloop.run(s.place_order(m.OrderRequest("BTCUSDT", m.Side.BUY, m.OrderType.MARKET, Decimal("0.03"))))
    qloop.run(s.place_order(m.OrderRequest("BTCUSDT", m.Side.SELL, m.OrderType.MARKET, Decimal("0.01"))))
    pm = w.blotters.positions_model
    qtbot.waitUntil(lambda: w.blotters.fills_model.rowCount() >= 2, timeout=10000)
    qtbot.waitUntil(lambda: pm.position("BTCUSDT") is not None
                    and pm.position("BTCUSDT").qty == s.positions()["BTCUSDT"].qty, timeout=10000)
    mine, theirs = pm.position("BTCUSDT"), s.positions()["BTCUSDT"]
    assert mine.qty == s.balances()["BTC"].total  # the holding, not only what this terminal traded
    assert Decimal("0.019") < mine.basis_qty <= Decimal("0.02")
    assert mine.qty == theirs.qty and mine.avg_price == theirs.avg_price
    assert mine.realised_pnl == theirs.realised_pnl


def test_reconnect_replaces_the_session_and_the_window_keeps_working(qtbot, qloop, window):
    w = window
    _ready(qtbot, w)
    old = w.link.session
    assert qloop.run(w.reconnect(), 30)
    assert w.link.session is not old
    w.link.last_prices.clear()
    last = _ready(qtbot, w)
    qtbot.waitUntil(lambda: bool(w.book_trades.book_model.ladder.bids), timeout=10000)
    ins = w.instruments["BTCUSDT"]
    order = qloop.run(w.link.session.place_order(m.OrderRequest(
        "BTCUSDT", m.Side.BUY, m.OrderType.LIMIT, Decimal("0.001"), ins.snap_price(last * Decimal("0.95")),
        time_in_force=m.TimeInForce.GTC)))
    model = w.blotters.open_model
    # shown, not merely waiting for the next flush (lookup() also finds pending rows, which rowCount() does not count)
    qtbot.waitUntil(lambda: model.store.get(order.client_order_id) is not None and not model.pending(), timeout=10000)
    assert model.rowCount() == 1  # one bridge connection, no duplicate from the old link


def test_panning_the_chart_past_its_history_loads_older_bars_from_the_venue(qtbot, window):
    w = window
    _ready(qtbot, w)
    series = w.chart.series
    qtbot.waitUntil(lambda: len(series) >= 600, timeout=15000)  # the first page of 1m history
    n0, first = len(series), float(series.t[0])
    w.chart.price_plot.vb.setXRange(first - 3600, first + 3600, padding=0)  # the user pans left past the start
    qtbot.waitUntil(lambda: float(series.t[0]) < first, timeout=15000)
    assert len(series) >= n0 + 500  # a page of older 1m bars from the sandbox's history
    t = series.t
    assert all(b > a for a, b in zip(t[:-1], t[1:]))
    assert float(t[1] - t[0]) == 60.0  # contiguous minutes, no gap at the join
    assert (t[len(series) - n0] - t[len(series) - n0 - 1]) == 60.0

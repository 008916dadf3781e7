"""The Alerts dock: set from the form, the watchlist's right-click and the chart's; one fires on the living sandbox
market and is notified (status bar, list of fired alerts); alerts survive a restart of the window."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal.market.alerts import AlertKind

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]

D = Decimal


def test_an_alert_set_from_the_watchlist_fires_on_the_market_and_is_notified(qtbot, window):
    w = window
    dock = w.alerts
    assert w.docks["alerts"].windowTitle() == "Alerts"
    qtbot.waitUntil(lambda: w.link.last_prices.get("BTCUSDT") is not None, timeout=15000)
    w.watchlist.select("BTCUSDT")
    qtbot.waitUntil(lambda: w.watchlist.current_symbol() == "BTCUSDT", timeout=3000)
    action = next(a for a in w.watchlist.view.actions() if a.text().startswith("Alert on this symbol"))
    action.trigger()
    assert dock.form.isVisible() and not dock.new_button.isEnabled()
    assert dock.symbol.text() == "BTCUSDT" and dock.kind.currentData() is AlertKind.CROSSES_ABOVE
    last = w.link.last_prices["BTCUSDT"]
    ins = w.instruments["BTCUSDT"]
    # a "move" alert of a tiny percentage: the living market fires it within seconds
    dock.kind.setCurrentIndex(dock.kind.findData(AlertKind.MOVE_PCT))
    dock.value.setText("0.001")
    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
    assert dock.error.text() == "" and dock.model.rowCount() == 1 and not dock.form.isVisible()
    qtbot.waitUntil(lambda: dock.recent.count() >= 1, timeout=30000)
    assert "BTCUSDT" in dock.recent.item(0).text() and ("rose" in dock.recent.item(0).text()
                                                        or "fell" in dock.recent.item(0).text())
    assert w.status.currentMessage().startswith("Alert: BTCUSDT")
    assert dock.model.index(0, 1).data() == "done" and dock.model.index(0, 2).data() == "1"
    # a bad value is said in place, nothing added
    qtbot.mouseClick(dock.new_button, Qt.MouseButton.LeftButton)
    assert dock.form.isVisible()
    dock.kind.setCurrentIndex(dock.kind.findData(AlertKind.CROSSES_BELOW))
    dock.value.setText("abc")
    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
    assert "not a number" in dock.error.text() and dock.model.rowCount() == 1
    # the chart's right-click: above the last price -> crosses above
    price = ins.snap_price(last * D("1.5"))
    w.chart.alert_requested.emit(price)
    assert dock.model.rowCount() == 2
    assert dock.model.rows[1].kind is AlertKind.CROSSES_ABOVE and dock.model.rows[1].value == price
    saved = w.settings_dir / "alerts-binance-sandbox.json"  # written off the loop by the storage writer
    qtbot.waitUntil(lambda: saved.exists() and format(price, "f") in saved.read_text(), timeout=5000)


def test_the_chart_menu_offers_an_alert_at_the_clicked_price(qtbot, window):
    w = window
    chart = w.chart
    qtbot.waitUntil(lambda: len(chart.series) > 10, timeout=15000)
    vb = chart.price_plot.vb
    rect = vb.sceneBoundingRect()
    menu = chart.order_menu_at(rect.center())
    assert menu is not None
    alert = next(a for a in menu.actions() if a.data() == "alert")
    assert alert.text().startswith("Alert when the price crosses") and alert.isEnabled()
    alert.trigger()
    assert w.alerts.model.rowCount() == 1

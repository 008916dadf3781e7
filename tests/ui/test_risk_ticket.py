"""From the GUI: the order ticket sends through the session, whose risk engine refuses a price outside the band; the
refusal is shown in the ticket in place, naming the limit and the value, and nothing reaches the sandbox exchange.
(The exact one-step boundaries are tested through the library and strategies in tests/risk.)"""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal.risk.limits import PriceBand, RiskLimits

D = Decimal
SHOWS_A_BOX = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()


def _ready(qtbot, w, symbol="BTCUSDT"):
    """The window's watchlist row of ``symbol`` once it has a bid, an ask and a last price."""
    row = w.watchlist.model.lookup(symbol)
    qtbot.waitUntil(lambda: row.bid is not None and row.ask is not None and row.last is not None, timeout=15000)
    return row


def _venue_orders(w, symbol="BTCUSDT") -> list:
    """Every order the sandbox exchange has for the account (its own records, not the terminal's)."""
    srv = w.link.session.server
    account = srv.accounts.lookup(srv.default_api_key).account_id
    return srv.call(lambda: srv.engine.all_orders(account, symbol))


@pytest.mark.gui
@pytest.mark.slow
@SHOWS_A_BOX
def test_a_price_outside_the_band_is_refused_in_the_ticket_and_nothing_reaches_the_sandbox(qtbot, qloop, window):
    w = window
    row = _ready(qtbot, w)
    ins, oe = w.instruments["BTCUSDT"], w.order_entry
    w.link.session.risk.engine.set_limits(RiskLimits(band=PriceBand(max_pct=D("5"))), actor="test")
    oe.type_combo.setCurrentIndex(0)  # limit
    oe.buy_tab.setChecked(True)
    oe.qty_edit.setText("0.001")
    oe.price_edit.setText(ins.format_price(ins.snap_price(row.ask * D("1.2"), "up")))  # a fat finger: 20% above
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)  # the ticket's own checks pass: the band is the engine's
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: oe.status.text().endswith("not sent"), timeout=10000)
    shown = oe.errors[""].text()  # the order's own line, in place
    assert oe.errors[""].isVisible() and "PriceBandExceeded: price " in shown and "above the ask" in shown and "the band is 5%" in shown
    assert _venue_orders(w) == [] and w.link.session.journal.orders("BTCUSDT") == []
    oe.price_edit.setText(ins.format_price(ins.snap_price(row.bid * D("0.99"), "down")))  # inside: sent
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_venue_orders(w)) == 1, timeout=10000)

"""The order ticket's draft values a contract at price x quantity x multiplier (notional, fee, balance check)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from terminal import model as m
from terminal.ui.widgets.order_entry import OrderEntryWidget

D = Decimal
ES = m.Instrument("ESZ6", "ES", "USD", tick_size=D("0.25"), step_size=D("1"), min_qty=D("1"),
                  asset_class=m.AssetClass.FUTURE, multiplier=D("50"), expiry=date(2026, 12, 18))


def test_ticket_notional_and_balance_check_include_the_multiplier(qtbot):
    w = OrderEntryWidget()
    qtbot.addWidget(w)
    w.balance_of = lambda asset: {"USD": D("300000")}.get(asset, D(0))
    w.set_instrument(ES)
    w.set_last_price(D("5000"))
    w.price_edit.setText("5000")
    w.qty_edit.setText("1")
    d = w.draft()
    assert d.errors == {} and d.notional == D("250000")
    assert w.notional_label.text().startswith("250,000")
    w.qty_edit.setText("2")  # 500,000 USD > 300,000 available
    assert "insufficient USD" in w.errors["quantity"].text()
    w.qty_edit.setText("1")
    w.unit_combo.setCurrentIndex(1)  # amount in USD: 250,000 buys one contract, not 50
    w.qty_edit.setText("250000")
    assert w.draft().request.quantity == D("1")

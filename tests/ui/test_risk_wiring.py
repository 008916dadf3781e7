"""The risk engine and the audit trail in the window: Trade > Risk… edits the session's limits in the real dialog
(the ticket's next order one lot step outside is refused in place), Trade > Audit trail… shows the session's
records, the status bar carries the engine's summary, and the app connects with the limits saved in the settings."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.risk.limits import LossLimits, RiskLimits
from terminal.storage.writer import shared
from terminal.ui.dialogs.audit import AuditDialog
from terminal.ui.dialogs.risk import RiskDialog

D = Decimal
SHOWS_A_BOX = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()


def _ready(qtbot, w, symbol="BTCUSDT"):
    row = w.watchlist.model.lookup(symbol)
    qtbot.waitUntil(lambda: row.bid is not None and row.ask is not None and row.last is not None, timeout=15000)
    return row


def _shown(kind):
    return next((x for x in QApplication.topLevelWidgets() if isinstance(x, kind) and x.isVisible()), None)


def _venue_orders(w, symbol="BTCUSDT") -> list:
    srv = w.link.session.server
    account = srv.accounts.lookup(srv.default_api_key).account_id
    return srv.call(lambda: srv.engine.all_orders(account, symbol))


@pytest.mark.gui
@pytest.mark.slow
@SHOWS_A_BOX
def test_risk_menu_opens_the_dialog_and_its_notional_limit_refuses_the_ticket_order_one_step_outside(qtbot, qloop,
                                                                                                     window):
    w = window
    row = _ready(qtbot, w)
    ins, oe = w.instruments["BTCUSDT"], w.order_entry
    price = ins.snap_price(row.bid * D("0.9"), "down")  # rests: nothing fills
    qty = D("0.001")
    w.protection.risk_action.trigger()
    qtbot.waitUntil(lambda: _shown(RiskDialog) is not None, timeout=5000)
    dialog = _shown(RiskDialog)
    assert not dialog.isModal()
    dialog.edits["max_order_notional"].setText(format(price * qty, "f"))  # an order of `qty` is exactly at it
    qtbot.waitUntil(dialog.save.isEnabled, timeout=3000)
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.link.session.risk.engine.limits.max_order_notional == price * qty, timeout=5000)
    oe.type_combo.setCurrentIndex(0)  # limit
    oe.buy_tab.setChecked(True)
    oe.price_edit.setText(ins.format_price(price))
    oe.qty_edit.setText(ins.format_qty(qty + ins.step_size))  # one lot step outside
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: oe.status.text().endswith("not sent"), timeout=10000)
    assert "NotionalLimitExceeded" in oe.errors[""].text()
    assert _venue_orders(w) == []
    oe.qty_edit.setText(ins.format_qty(qty))  # at the limit: sent
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_venue_orders(w)) == 1, timeout=10000)
    assert shared().flush(timeout=10)  # the limits were saved by the background writer
    saved = json.loads((w.settings_dir / "settings.json").read_text())["risk_limits"]["binance/sandbox"]
    assert D(saved["max_order_notional"]) == price * qty  # kept for the next start


@pytest.mark.gui
@pytest.mark.slow
@SHOWS_A_BOX
def test_audit_trail_menu_shows_the_sessions_records_without_blocking(qtbot, qloop, window):
    w = window
    row = _ready(qtbot, w)
    ins = w.instruments["BTCUSDT"]
    qloop.run(w.link.session.buy("BTCUSDT", "0.001", price=ins.snap_price(row.bid * D("0.9"), "down")))
    w.protection.audit_action.trigger()
    qtbot.waitUntil(lambda: _shown(AuditDialog) is not None, timeout=5000)
    dialog = _shown(AuditDialog)
    assert not dialog.isModal()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=5000)
    actions = [dialog.model.row_at(i).action for i in range(dialog.model.rowCount())]
    assert "order.sent" in actions
    dialog.close()


@pytest.mark.gui
@pytest.mark.slow
@SHOWS_A_BOX
def test_status_bar_shows_the_engines_summary_and_follows_a_limit_change(qtbot, qloop, window):
    w = window
    _ready(qtbot, w)
    label = w.status.risk_label
    qtbot.waitUntil(lambda: label.text() == "risk: no loss limit", timeout=5000)
    assert label.isVisible() and label.objectName() != "connBad"
    w.link.session.risk.engine.set_limits(RiskLimits(loss=LossLimits(max_daily_loss=D("800"))), actor="test")
    qtbot.waitUntil(lambda: re.fullmatch(r"risk: \d+% of daily loss used", label.text()) is not None, timeout=5000)


@pytest.mark.slow
def test_the_app_connects_with_the_limits_saved_for_its_venue_and_environment(tmp_path):
    """The self-test's 0.001 BTC buy is refused by the saved max order value: the limits reached the session."""
    import os
    import subprocess
    from pathlib import Path

    from children import python_module

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "settings.json").write_text(json.dumps(
        {"risk_limits": {"binance/sandbox": {"max_order_notional": "1"}}}))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(root), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.run(python_module("terminal", "--settings-dir", str(tmp_path), "--self-test"), cwd=root,
                          env=env, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 1
    assert "NotionalLimitExceeded" in proc.stderr, proc.stderr[-3000:]

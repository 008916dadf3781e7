"""The kill switch (issue 15 item 5) in the real window on the embedded sandbox: the red KILL button cancels every
order, stops the strategies, asks whether to close the positions (answered in the real box), and locks trading;
the ticket's orders are then refused with the lock's message, the lock is shown in red in the status bar, survives
a new window on the same settings, and Trade > Unlock trading… (asked) lets orders through again."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

D = Decimal
YES = QMessageBox.StandardButton.Yes
SHOWS_A_BOX = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()


IDLE_STRATEGY = """
from terminal.strategy.base import Strategy

class Idle(Strategy):
    name = "idle"
    parameters = {}

    def on_bar(self, bar):
        pass
"""


def _ready(qtbot, w, symbol="BTCUSDT"):
    row = w.watchlist.model.lookup(symbol)
    qtbot.waitUntil(lambda: row.bid is not None and row.ask is not None and row.last is not None, timeout=15000)
    return row


def _sandbox(w):
    srv = w.link.session.server
    return srv, srv.accounts.lookup(srv.default_api_key).account_id


def _open_on_sandbox(w) -> list:
    srv, account = _sandbox(w)
    return srv.call(lambda: srv.engine.open_orders(account))


def _held_on_sandbox(w, asset: str) -> Decimal:
    srv, account = _sandbox(w)
    free, locked = srv.call(lambda: srv.engine.balances(account)).get(asset, (D(0), D(0)))
    return free + locked


@pytest.mark.gui
@pytest.mark.slow
@SHOWS_A_BOX
def test_kill_button_cancels_flattens_and_locks_until_unlocked_even_across_a_new_window(qtbot, qloop, window,
                                                                                       answer_box, tmp_path):
    from terminal import session as session_mod
    from terminal.ui.mainwindow import MainWindow

    w = window
    row = _ready(qtbot, w)
    ins, oe, session = w.instruments["BTCUSDT"], w.order_entry, w.link.session
    below = ins.snap_price(row.bid * D("0.9"), "down")
    for _ in range(2):  # resting orders: the kill switch must cancel them
        qloop.run(session.buy("BTCUSDT", "0.001", price=below))
    qloop.run(session.sell("ETHUSDT", "1", price="900000"))  # far above the market
    assert len(_open_on_sandbox(w)) == 3 and _held_on_sandbox(w, "BTC") >= D("1")
    button = w.protection.kill_button
    assert button.text() == "KILL" and button.isVisible() and "#c62828" in button.styleSheet()

    box = answer_box(YES)  # "Also close all positions?" -> Yes
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.clicked, timeout=15000)
    assert box.title == "Kill switch" and "Also close all positions?" in box.text
    qtbot.waitUntil(lambda: "position(s) closed" in w.status.currentMessage(), timeout=20000)
    assert _open_on_sandbox(w) == []
    assert _held_on_sandbox(w, "BTC") < ins.step_size  # flat: what is left is under one lot step
    assert session.trading_locked
    lock = w.status.lock_label
    assert lock.isVisible() and lock.text() == "TRADING LOCKED (kill switch)" and lock.objectName() == "connBad"
    assert "not closed" not in w.status.currentMessage(), w.status.currentMessage()

    oe.type_combo.setCurrentIndex(0)  # limit
    oe.buy_tab.setChecked(True)
    oe.price_edit.setText(ins.format_price(below))
    oe.qty_edit.setText("0.001")
    assert oe.describe(oe.draft().request) and not oe.submit.isEnabled()  # a valid order, and the ticket is off
    assert "locked by the kill switch" in oe.submit.toolTip()
    hotkey = oe.buy_at_bid()  # Ctrl+Shift+B: the hotkeys go through the same gate
    if hotkey is not None:
        qtbot.waitUntil(hotkey.done, timeout=5000)
    with pytest.raises(Exception, match="kill switch is on"):  # the session itself refuses (library, strategies)
        qloop.run(session.buy("BTCUSDT", "0.001", price=below))
    if hasattr(w.chart, "trading_enabled"):
        assert not w.chart.trading_enabled
    assert _open_on_sandbox(w) == []
    assert session.audit.flush()
    actions = [(r.action, r.details.get("on")) for r in session.audit.records()]
    assert ("kill_switch", True) in actions and ("flatten", None) in actions

    # a new window on the same settings (a restart): its session starts locked
    w2 = MainWindow(tmp_path)
    w2.show()
    try:
        assert qloop.run(w2.start_session(lambda: session_mod.connect("sandbox")), 30)
        s2 = w2.link.session
        assert s2.trading_locked and w2.status.lock_label.isVisible()
        _ready(qtbot, w2)
        with pytest.raises(Exception, match="kill switch is on"):
            qloop.run(s2.buy("BTCUSDT", "0.001", price=below))
        unlock = answer_box(YES)
        assert qloop.run(w2.protection.unlock(), 15)
        assert unlock.title == "Unlock trading"
        assert not s2.trading_locked and not w2.status.lock_label.isVisible()
        assert w2.order_entry.trading_enabled
        order = qloop.run(s2.buy("BTCUSDT", "0.001", price=below))
        assert order.status.name == "NEW"
        assert ("kill_switch", False) in [(r.action, r.details.get("on")) for r in s2.audit.records()]
    finally:
        qloop.run(w2.shutdown(), 20)
        w2.close()
        w2.deleteLater()
    assert w2.settings.trading_locked is False


@pytest.mark.gui
@pytest.mark.slow
@SHOWS_A_BOX
def test_hotkey_engages_the_kill_switch_stops_the_strategies_and_answering_no_keeps_the_positions(
        qtbot, qloop, window, answer_box, tmp_path):
    from terminal.ui.automation.host import InstanceState

    w = window
    _ready(qtbot, w)
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "idle.py").write_text(IDLE_STRATEGY)
    dock = w.automation.strategies
    w.automation.backtest.setup.load_folder(folder)
    dock.refresh_strategies()
    dock.select_strategy("idle")
    dock.symbol_combo.setCurrentText("BTCUSDT")
    dock.interval_combo.setCurrentText("1s")
    inst = qloop.run(dock.add_and_start(), 20)
    assert inst.state is InstanceState.RUNNING, inst.error
    held = _held_on_sandbox(w, "BTC")
    box = answer_box(QMessageBox.StandardButton.No)
    w.activateWindow()
    w.protection.kill_action.trigger()  # the Ctrl+Shift+K action
    assert w.protection.kill_action.shortcut().toString() == "Ctrl+Shift+K"
    qtbot.waitUntil(lambda: box.clicked, timeout=15000)
    qtbot.waitUntil(lambda: "trading locked" in w.status.currentMessage(), timeout=10000)
    assert w.link.session.trading_locked and _held_on_sandbox(w, "BTC") == held
    assert inst.state is InstanceState.STOPPED

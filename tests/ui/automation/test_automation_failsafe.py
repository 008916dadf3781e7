"""A running strategy in the window whose market data stops: its row says "paused: ...", the button says Resume, and
(auto-resume off) it resumes only when the user clicks it once the data is back."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from terminal.risk.failsafe import FailSafeConfig
from terminal.ui.automation import install_automation_docks
from terminal.ui.automation.host import InstanceState

from test_automation_strategies import USER_STRATEGIES  # noqa: E402 - same folder

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_a_strategy_on_silent_market_data_is_paused_shown_and_resumed_by_the_user(window, qloop, qtbot, tmp_path,
                                                                                  answer_box):
    automation = install_automation_docks(window, lambda: window.link.session if window.link else None)
    session = window.link.session
    server = session.server  # the embedded sandbox exchange
    session.failsafe.config = FailSafeConfig(stale_after_s=1.5, down_after_s=5, auto_resume=False, check_every_s=0.1)
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "mine.py").write_text(USER_STRATEGIES)
    dock = automation.strategies
    automation.backtest.setup.load_folder(folder)
    dock.refresh_strategies()
    dock.select_strategy("buy_once")
    dock.params.set_values({"qty": "0.001"})
    dock.symbol_combo.setCurrentText("BTCUSDT")
    dock.interval_combo.setCurrentText("1m")
    inst = qloop.run(dock.add_and_start(), 20)
    try:
        assert inst.state is InstanceState.RUNNING, inst.error
        server.silence_market_data(True)
        qtbot.waitUntil(lambda: inst.error.startswith("paused: no market data for BTCUSDT"), timeout=15000)
        dock.refresh()
        assert dock.start_button.text() == "Resume" and dock.start_button.isEnabled()
        qtbot.mouseClick(dock.start_button, Qt.MouseButton.LeftButton)  # the cause lasts: refused
        qtbot.waitUntil(lambda: "cannot resume yet" in inst.lines[-1], timeout=5000)
        assert inst.runner.paused is not None
        server.silence_market_data(False)
        qtbot.waitUntil(lambda: session.failsafe.problem("BTCUSDT") is None, timeout=15000)
        assert inst.runner.paused is not None  # auto-resume is off: it waits for the user
        qtbot.mouseClick(dock.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: inst.runner.paused is None and inst.error == "", timeout=5000)
        dock.refresh()
        assert dock.start_button.text() == "Start"
    finally:
        server.silence_market_data(False)
        from PySide6.QtWidgets import QMessageBox
        answer_box(QMessageBox.StandardButton.No)  # keep whatever position it has
        qloop.run(automation.shutdown())

"""Strategy instances survive a restart of the window (issue 17 item 6): the dock's instances are saved when the
window closes and added back when it opens; the one that was running runs again (on a paper environment at once);
one whose parameters no longer validate is left out with a message."""
from __future__ import annotations

import pytest

from terminal.storage import settings as settings_store
from terminal.ui.automation.host import InstanceState

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def _window(qtbot, qloop, folder):
    from terminal import session as session_mod
    from terminal.ui.mainwindow import MainWindow

    w = MainWindow(folder)
    w.resize(1280, 720)
    w.show()
    assert qloop.run(w.start_session(lambda: session_mod.connect("sandbox")), 30)
    return w


def _close(qloop, w) -> None:
    w.close()  # saves the settings (the strategies with them)
    qloop.run(w.shutdown(), 20)
    w.deleteLater()


def test_the_strategies_dock_comes_back_after_a_restart_with_the_running_one_running(qtbot, qloop, tmp_path):
    folder = tmp_path / "settings"
    w = _window(qtbot, qloop, folder)
    try:
        dock = w.automation.strategies
        dock.refresh_strategies()
        dock.select_strategy("sma_cross")
        dock.params.set_values({"fast": 5, "slow": 20})
        dock.symbol_combo.setCurrentText("BTCUSDT")
        dock.interval_combo.setCurrentText("1m")
        running = qloop.run(dock.add_and_start(), 20)
        assert running.state is InstanceState.RUNNING, running.error
        dock.select_strategy("sma_cross")
        dock.params.set_values({"fast": 3, "slow": 8})
        dock.interval_combo.setCurrentText("5m")
        stopped = dock.add_instance()
        assert stopped is not None and stopped.state is InstanceState.STOPPED
    finally:
        _close(qloop, w)
    saved = settings_store.load(folder).strategies
    assert [(r["interval"], r["running"], r["params"]["fast"]) for r in saved] == [("1m", True, 5),
                                                                                  ("5m", False, 3)]
    saved.append({"name": "sma_cross", "path": "", "params": {"fast": 50, "slow": 2}, "symbol": "BTCUSDT",
                  "interval": "1m", "cash": "1000", "running": False})  # fast > slow: no longer valid
    s = settings_store.load(folder)
    s.strategies = saved
    settings_store.save(s, folder)
    w2 = _window(qtbot, qloop, folder)
    try:
        host = w2.automation.strategies.host
        qtbot.waitUntil(lambda: len(host.instances) == 2, timeout=10000)
        first, second = host.instances
        assert (first.interval, first.params["fast"], first.state) == ("1m", 5, InstanceState.RUNNING)
        assert (second.interval, second.params["slow"], second.state) == ("5m", 8, InstanceState.STOPPED)
        assert "restored after a restart (it was running)" in first.lines[0]
        message = w2.automation.strategies.message.text()
        assert "restored 2 strategies after the restart (1 running again)" in message
        assert "sma_cross: not restored:" in message
    finally:
        _close(qloop, w2)

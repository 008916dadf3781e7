"""The automation docks in the main window, against the real embedded sandbox session."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.ui.automation import install_automation_docks
from terminal.ui.automation.host import InstanceState

from test_automation_strategies import USER_STRATEGIES  # noqa: E402 - same folder

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_docks_mount_and_a_strategy_trades_on_the_sandbox_then_stops(window, qloop, qtbot, tmp_path, answer_box):
    automation = install_automation_docks(window, lambda: window.link.session if window.link else None)
    assert {"backtest", "strategies"} <= set(window.docks)
    blotters = window.docks["blotters"]
    qtbot.waitUntil(lambda: {window.docks["backtest"], window.docks["strategies"]}
                    <= set(window.tabifiedDockWidgets(blotters)))  # applied once the shown window lays out
    session = window.link.session
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "mine.py").write_text(USER_STRATEGIES)
    dock = automation.strategies
    automation.backtest.setup.load_folder(folder)
    dock.refresh_strategies()
    dock.select_strategy("buy_once")
    dock.params.set_values({"qty": "0.001"})
    dock.symbol_combo.setCurrentText("BTCUSDT")
    dock.interval_combo.setCurrentText("1s")
    inst = qloop.run(dock.add_and_start(), 20)
    assert inst.state is InstanceState.RUNNING, inst.error
    # a 1s bar closed, the order filled; the sandbox takes the commission in BTC
    qtbot.waitUntil(lambda: inst.position is not None and inst.position > 0, timeout=25000)
    assert Decimal("0.00099") <= inst.position <= Decimal("0.001")
    assert inst.orders == 1 and inst.runner.ctx.cash < inst.cash
    assert any(o.symbol == "BTCUSDT" for o in qloop.run(session.order_history()))
    from PySide6.QtWidgets import QMessageBox
    keep = answer_box(QMessageBox.StandardButton.No)  # keep the position
    qloop.run(dock.stop(inst))
    assert keep.clicked and inst.state is InstanceState.STOPPED
    qloop.run(automation.shutdown())
    # the backtest dock uses the session's history as a data source
    setup = automation.backtest.setup
    import pandas as pd
    end = pd.Timestamp.now(tz="UTC").floor("min").tz_localize(None)
    setup.set_session_source("BTCUSDT", "1m", end - pd.Timedelta(hours=6), end)
    setup.select_strategy("sma_cross")
    setup.params.set_values({"fast": 5, "slow": 20})
    outcome = qloop.run(automation.backtest.run(), 40)
    assert outcome.ok, outcome.value
    assert automation.backtest.plots.equity_points() > 100
    window.docks["backtest"].raise_()
    window.grab().save("/tmp/window_automation.png")

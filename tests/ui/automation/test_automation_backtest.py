"""The backtest dock: runs in a worker process, shows the core's statistics, trades, curves; bad input is a message."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from terminal.backtest.engine import run_backtest
from terminal.strategy.builtin import SmaCross
from terminal.ui.automation.backtest_dock import BacktestDock
from terminal.ui.models.table import RawRole

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()


@pytest.fixture
def dock(qtbot, themed):
    d = BacktestDock()
    qtbot.addWidget(d)
    d.resize(1400, 820)
    d.show()
    return d


def set_params(dock, **values):
    dock.setup.params.set_values(values)


def test_backtest_from_csv_shows_the_cores_statistics_trades_and_curves(dock, qloop, bars, bars_csv, qtmodeltester):
    dock.setup.select_strategy("sma_cross")
    dock.setup.set_csv(bars_csv)
    set_params(dock, fast=8, slow=21)
    dock.setup.commission_edit.setText("0.002")
    outcome = qloop.run(dock.run(), 30)
    assert outcome.ok, outcome.value
    expected = run_backtest(bars, SmaCross(fast=8, slow=21), cash=10_000, commission=0.002)
    assert dock.stats_model.stat("# Trades") == expected.stats["# Trades"] > 0
    assert dock.stats_model.stat("Return [%]") == pytest.approx(expected.stats["Return [%]"])
    assert dock.trades_model.rowCount() == len(expected.trades)
    assert dock.plots.equity_points() == len(bars)
    assert dock.plots.marker_count() == 2 * len(expected.trades)
    assert dock.summary.values["# Trades"].text() == str(expected.stats["# Trades"])
    assert dock.runbar.progress.value() == dock.runbar.progress.maximum()
    assert not dock.runbar.is_error()
    qtmodeltester.check(dock.stats_model, force_py=True)
    qtmodeltester.check(dock.trades_model, force_py=True)
    pnl_col = [dock.trades_model.headerData(c, Qt.Orientation.Horizontal) for c in range(dock.trades_model.columnCount())].index("P&L")
    assert dock.trades_model.data(dock.trades_model.index(0, pnl_col), RawRole) == pytest.approx(
        expected.trades["PnL"].iloc[0])
    dock.grab().save("/tmp/backtest.png")
    dock.tabs.setCurrentIndex(2)
    dock.trades_view.doubleClicked.emit(dock.trades_model.index(3, 0))
    assert dock.tabs.currentIndex() == 0
    lo, hi = dock.plots.price_plot.getViewBox().viewRange()[0]
    entry = bars.index[expected.trades["EntryBar"].iloc[3]].value / 1e9
    assert lo <= entry <= hi and hi - lo < (bars.index[-1] - bars.index[0]).total_seconds() / 4


def test_slow_not_above_fast_is_a_message_in_the_dock(dock, qloop, bars_csv):
    dock.setup.select_strategy("sma_cross")
    dock.setup.set_csv(bars_csv)
    set_params(dock, fast=30, slow=10)
    assert qloop.run(dock.run()) is None
    assert dock.runbar.is_error()
    assert "'slow' (10) must be greater than 'fast' (30)" in dock.runbar.message.text()
    assert dock.runbar.run_button.isEnabled()


def test_a_parameter_of_the_wrong_type_is_a_message(dock, qloop, bars_csv):
    dock.setup.select_strategy("sma_cross")
    dock.setup.set_csv(bars_csv)
    set_params(dock, fast="ten")
    assert qloop.run(dock.run()) is None
    assert "parameter 'fast' expects an integer, got 'ten'" in dock.runbar.message.text()


def test_bad_cash_is_a_message(dock, qloop, bars_csv):
    dock.setup.set_csv(bars_csv)
    dock.setup.cash_edit.setText("-5")
    assert qloop.run(dock.run()) is None
    assert "cash must be a positive number" in dock.runbar.message.text()


def test_a_broken_csv_is_a_message_from_the_worker(dock, qloop, tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("time,open,high,low,close\n2024-01-01,1,2,0.5,1.5\n2024-01-01,1,2,0.5,abc\n")
    dock.setup.set_csv(bad)
    outcome = qloop.run(dock.run(), 30)
    assert outcome.status == "error"
    assert dock.runbar.is_error()
    assert "broken.csv" in dock.runbar.message.text() and "duplicate timestamp" in dock.runbar.message.text()


def test_session_history_without_a_session_is_a_message(dock, qloop):
    dock.setup.source_combo.setCurrentIndex(1)
    assert qloop.run(dock.run()) is None
    assert "not connected" in dock.runbar.message.text()


SLOW_STRATEGY = '''
import time
from terminal.strategy.base import Strategy

class Slow(Strategy):
    name = "slow"

    def on_bar(self, bar):
        time.sleep(0.05)  # 1500 bars take 75 s: the run cannot end before the test cancels it (checked every 15 bars)
'''


def test_cancel_stops_a_running_backtest(dock, qtbot, qloop, bars_csv, tmp_path):
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "slow.py").write_text(SLOW_STRATEGY)
    assert "loaded 1 strategy" in dock.setup.load_folder(folder)
    assert dock.setup.strategy_combo.currentData() == "slow"
    dock.setup.set_csv(bars_csv)
    qtbot.mouseClick(dock.runbar.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dock.runbar.progress.value() > 0, timeout=20000)
    assert not dock.runbar.run_button.isEnabled()
    qtbot.mouseClick(dock.runbar.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dock.running, timeout=10000)
    assert dock.task.result().status == "cancelled"
    assert dock.runbar.message.text() == "cancelled"
    assert dock.runbar.run_button.isEnabled()


def test_the_plots_and_summary_follow_a_theme_switch(dock, qapp, qtbot):
    from terminal.ui import theme
    from terminal.ui.chart.theme import LIGHT
    try:
        theme.apply(qapp, "light")
        qtbot.waitUntil(lambda: dock.plots.theme_name == "light")
        assert dock.plots.view.backgroundBrush().color().name() == LIGHT.background
        assert theme.LIGHT.panel in dock.summary.styleSheet()
    finally:
        theme.apply(qapp, "dark")
    qtbot.waitUntil(lambda: dock.plots.theme_name == "dark")

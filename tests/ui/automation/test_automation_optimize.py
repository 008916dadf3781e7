"""The Optimize tab: a grid run across processes fills the results and a heatmap; cancel stops it early."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from terminal.backtest.optimize import optimize
from terminal.strategy.builtin import SmaCross
from terminal.ui.automation.backtest_dock import BacktestDock

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()


@pytest.fixture
def dock(qtbot, themed, bars_csv):
    d = BacktestDock()
    qtbot.addWidget(d)
    d.resize(1400, 820)
    d.show()
    d.setup.set_csv(bars_csv)
    d.tabs.setCurrentWidget(d.optimize)
    return d


def test_grid_fills_the_results_the_heatmap_and_the_walk_forward(dock, qloop, qtbot, bars, qtmodeltester):
    view = dock.optimize
    dock.setup.select_strategy("sma_cross")
    view.grid_form.set_specs({"fast": "5:15:5", "slow": "20:50:10"})
    view.metric_combo.setCurrentText("Return [%]")
    view.folds_spin.setValue(2)
    view.jobs_spin.setValue(2)
    outcome = qloop.run(view.run(), 60)
    assert outcome.ok, outcome.value
    assert view.results_model.rowCount() == 12
    assert view.heat_model.shape == (4, 3)  # rows: slow (4 values), columns: fast (3 values)
    assert [view.heat_model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == ["5", "10", "15"]
    expected = optimize(bars, SmaCross, {"fast": [5, 10, 15], "slow": [20, 30, 40, 50]}, maximize="Return [%]",
                        commission=0.001)
    assert {k: view.result.best[k] for k in ("fast", "slow")} == expected.best
    assert view.result.best_value == pytest.approx(expected.best_value)
    assert float(view.heat_model.table.max().max()) == pytest.approx(expected.best_value)
    assert view.wf_model.rowCount() == 2
    assert "best fast=" in view.runbar.message.text()
    qtmodeltester.check(view.results_model, force_py=True)
    qtmodeltester.check(view.heat_model, force_py=True)
    qtmodeltester.check(view.wf_model, force_py=True)
    view.x_combo.setCurrentText("slow")
    view.y_combo.setCurrentText("fast")
    assert view.heat_model.shape == (3, 4)
    view.tabs.setCurrentIndex(1)
    dock.grab().save("/tmp/optimize.png")
    view.results_view.doubleClicked.emit(view.results_model.index(0, 0))  # backtest the best row
    qtbot.waitUntil(lambda: dock.task is not None and dock.task.done(), timeout=30000)
    assert dock.tabs.currentIndex() == 0
    assert dock.stats_model.stat("Return [%]") == pytest.approx(expected.best_value)


def test_cancel_stops_an_optimisation_and_keeps_the_finished_runs(dock, qloop, qtbot):
    view = dock.optimize
    dock.setup.select_strategy("rsi_reversion")
    view.grid_form.set_specs({"window": "2:60:1", "lower": "10:40:5"})
    view.jobs_spin.setValue(2)
    total = 59 * 7
    task = qloop.loop.create_task(view.run())
    qtbot.waitUntil(lambda: view.runbar.progress.value() > 0, timeout=30000)
    assert view.runbar.cancel_button.isEnabled()
    qtbot.mouseClick(view.runbar.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=30000)
    outcome = task.result()
    assert outcome.ok
    assert view.result.cancelled
    assert 0 < view.results_model.rowCount() < total
    assert view.runbar.message.text().startswith("cancelled")
    assert view.runbar.run_button.isEnabled() and not view.runbar.cancel_button.isEnabled()


def test_a_grid_without_a_range_is_a_message(dock, qloop):
    view = dock.optimize
    dock.setup.select_strategy("sma_cross")
    view.grid_form.set_specs({"fast": "", "slow": ""})
    assert qloop.run(view.run()) is None
    assert "give at least one parameter a range" in view.runbar.message.text()
    view.grid_form.set_specs({"fast": "5:x:1"})
    assert qloop.run(view.run()) is None
    assert "range bounds must be numbers" in view.runbar.message.text()

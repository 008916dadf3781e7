"""The Optimize tab's "Scheduler" field: a search on a Dask cluster (a scheduler and two workers started here on
127.0.0.1) fills the same results as an in-process run, its progress comes from the cluster up to 100%, and Cancel
leaves no task on the cluster."""
from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtCore import Qt

from terminal.backtest.optimize import optimize
from terminal.backtest.synthetic import random_walk
from terminal.strategy.builtin import SmaCross
from terminal.ui.automation.backtest_dock import BacktestDock
from tests.backtest.test_dask_cluster import DaskProcesses, _idle

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    from distributed import Client

    procs = DaskProcesses(tmp_path_factory.mktemp("dask"))
    procs.start(workers=2)
    client = None
    try:
        client = Client(scheduler_file=str(procs.scheduler_file), timeout=60, set_as_default=False)
        client.wait_for_workers(2, timeout=60)
        yield client.scheduler.address, client
    finally:
        if client is not None:
            client.close()
        procs.stop()


@pytest.fixture
def dock(qtbot, themed):
    d = BacktestDock()
    qtbot.addWidget(d)
    d.resize(1400, 820)
    d.show()
    d.tabs.setCurrentWidget(d.optimize)
    return d


def _chunks_run(watch) -> int:
    return sum(watch.run(lambda dask_worker: len({str(e[0]) for e in dask_worker.state.log
                                                  if "_eval_chunk" in str(e[0])})).values())


def test_the_scheduler_field_runs_the_search_there_with_the_same_results_and_progress(dock, qloop, bars, bars_csv,
                                                                                      dask_cluster):
    address, watch = dask_cluster
    view = dock.optimize
    dock.setup.set_csv(bars_csv)
    dock.setup.select_strategy("sma_cross")
    view.grid_form.set_specs({"fast": "5:15:5", "slow": "20:50:10"})
    view.metric_combo.setCurrentText("Return [%]")
    view.scheduler_edit.setText(address)
    assert not view.jobs_spin.isEnabled()  # the cluster's workers, not local processes
    reports: list[tuple] = []
    shown = view.runbar.report
    view.runbar.report = lambda *a: (reports.append(a), shown(*a))  # type: ignore[method-assign]
    before = _chunks_run(watch)
    outcome = qloop.run(view.run(), 60)
    assert outcome.ok, outcome.value
    assert _chunks_run(watch) > before  # the workers ran it
    grid = view.grid_form.grid(dock.setup.params.raw())  # the varied parameters and the fixed ones
    expected = optimize(bars, SmaCross, grid, maximize="Return [%]", commission=0.001)
    pd.testing.assert_frame_equal(view.result.results, expected.results, check_exact=True)
    runs = [r for r in reports if r[2] == "optimize"]
    assert runs[-1][:2] == (12, 12) and [d for d, *_ in runs] == sorted(d for d, *_ in runs)
    assert "best fast=" in view.runbar.message.text()


def test_cancel_stops_the_search_on_the_cluster(dock, qloop, qtbot, tmp_path, dask_cluster):
    address, watch = dask_cluster
    path = tmp_path / "long.csv"
    random_walk(20_000, seed=6).to_csv(path, index_label="time")
    view = dock.optimize
    dock.setup.set_csv(path)
    dock.setup.select_strategy("rsi_reversion")
    view.grid_form.set_specs({"window": "2:60:1", "lower": "10:40:5"})
    view.scheduler_edit.setText(address)
    total = 59 * 7
    task = qloop.loop.create_task(view.run())
    qtbot.waitUntil(lambda: view.runbar.progress.value() > 0, timeout=60000)
    qtbot.mouseClick(view.runbar.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=60000)
    assert task.result().ok
    assert view.result.cancelled and 0 < view.results_model.rowCount() < total
    assert view.runbar.message.text().startswith("cancelled")
    assert _idle(watch)

"""The backtest dock sizes "all in" orders on the instrument's lot step when the bars come from the session, and
says why a run made no trades; the optimiser's table and heatmap show statistics that are not results as n/a."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

import terminal
from terminal.backtest.engine import run_backtest
from terminal.strategy.builtin import SmaCross
from terminal.ui.automation.backtest_dock import BacktestDock
from terminal.ui.automation.models import HeatmapModel
from terminal.ui.models.table import RawRole

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()


@pytest.fixture
def dock(qtbot, themed):
    d = BacktestDock()
    qtbot.addWidget(d)
    d.resize(1400, 820)
    d.show()
    return d


def test_session_bars_of_bitcoin_trade_fractional_lots_and_the_same_bars_from_csv_say_why_not(
        qtbot, qloop, sandbox, themed, tmp_path):
    session = qloop.run(terminal.connect("sandbox", sandbox_url=sandbox.url), 30)
    try:
        d = BacktestDock(session_provider=lambda: session)
        qtbot.addWidget(d)
        d.setup.select_strategy("sma_cross")
        d.setup.params.set_values({"fast": 5, "slow": 20})
        end = pd.Timestamp.now(tz="UTC").floor("min").tz_localize(None)
        d.setup.set_session_source("BTCUSDT", "1m", end - pd.Timedelta(hours=24), end)
        outcome = qloop.run(d.run(), 60)
        assert outcome.ok, outcome.value
        out = outcome.value
        assert out.stats["# Trades"] > 0 and out.note == ""
        sizes = out.trades["Size"].abs()
        assert ((sizes > 0) & (sizes < 1)).all()  # 10,000 of cash buys a fraction of a bitcoin
        steps = sizes / 0.00001
        assert np.allclose(steps, steps.round())  # on BTCUSDT's LOT_SIZE step
        assert "trades, return" in d.runbar.message.text() and "No trades" not in d.runbar.message.text()

        csv = tmp_path / "btc.csv"
        bars = out.bars.assign(Volume=1.0)
        bars.to_csv(csv, index_label="time")
        d.setup.set_csv(csv)
        outcome = qloop.run(d.run(), 60)
        assert outcome.ok and outcome.value.stats["# Trades"] == 0
        message = d.runbar.message.text()
        assert "0 trades" in message and "No trades: cash 10,000 buys 0 whole units at " in message
        assert not d.runbar.is_error()
        expected = run_backtest(bars, SmaCross(fast=5, slow=20), cash=10_000, commission=0.001)
        assert expected.note in message
    finally:
        qloop.run(session.close(), 20)


HOLD_EVERY = """
from terminal.strategy.base import Param, Strategy


class HoldEvery(Strategy):
    name = "hold_every"
    parameters = {"every": Param(int, 0, minimum=0), "start": Param(int, 0, minimum=0)}

    def on_bar(self, bar):
        e, i = self.p.every, self.ctx.bar_index
        if e and i % e == 0 and self.ctx.position > 0:
            self.ctx.close_position()
        elif self.ctx.position == 0 and not self.ctx.open_orders and i >= self.p.start:
            self.ctx.buy()
"""


def test_optimiser_table_and_heatmap_show_a_sharpe_over_zero_volatility_as_na_ranked_last(
        dock, qloop, tmp_path, qtmodeltester):
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "hold_every.py").write_text(HOLD_EVERY)
    assert "loaded 1 strategy" in dock.setup.load_folder(folder)
    n = 24 * 120
    close = 100 * 1.0001 ** np.arange(n)  # held all in, the equity grows without any variance
    df = pd.DataFrame({"Open": close, "High": close, "Low": close, "Close": close, "Volume": 1.0},
                      index=pd.date_range("2024-01-01", periods=n, freq="h"))
    df.to_csv(tmp_path / "geo.csv", index_label="time")
    dock.setup.set_csv(tmp_path / "geo.csv")
    dock.setup.cash_edit.setText(repr(float(100 * close[1])))
    dock.setup.commission_edit.setText("0")
    view = dock.optimize
    view.grid_form.set_specs({"every": "0,168,240,360", "start": "0,1"})
    view.metric_combo.setCurrentText("Sharpe Ratio")
    view.jobs_spin.setValue(1)
    outcome = qloop.run(view.run(), 60)
    assert outcome.ok, outcome.value
    model = view.results_model
    cols = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    every, sharpe = cols.index("every"), cols.index("Sharpe Ratio")
    shown = [(model.data(model.index(r, every)), model.data(model.index(r, sharpe))) for r in range(model.rowCount())]
    assert [s for _, s in shown[-2:]] == ["n/a", "n/a"] and [e for e, _ in shown[-2:]] == ["0", "0"]
    assert all(s != "n/a" for _, s in shown[:-2])
    assert "best every=" in view.runbar.message.text() and "every=0," not in view.runbar.message.text()
    heat = view.heat_model
    view.x_combo.setCurrentText("every")
    view.y_combo.setCurrentText("start")
    col0 = [heat.headerData(c, Qt.Orientation.Horizontal) for c in range(heat.columnCount())].index("0")
    assert [heat.data(heat.index(r, col0)) for r in range(heat.rowCount())] == ["n/a", "n/a"]
    assert np.isnan(heat.data(heat.index(0, col0), RawRole))
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(heat, force_py=True)


def test_an_empty_heatmap_cell_is_na_only_where_runs_were_made(qtmodeltester):
    table = pd.DataFrame({5: [np.nan, 1.5], 10: [np.nan, np.nan]}, index=pd.Index([10, 20], name="slow"))
    table.columns.name = "fast"
    runs = pd.DataFrame({5: [2, 1], 10: [0, 3]}, index=table.index, columns=table.columns)
    model = HeatmapModel()
    model.set_table(table, runs)
    shown = [[model.data(model.index(r, c)) for c in range(2)] for r in range(2)]
    assert shown == [["n/a", "—"], ["1.50", "n/a"]]
    assert "fast = 10: n/a" in model.data(model.index(1, 1), Qt.ItemDataRole.ToolTipRole)
    qtmodeltester.check(model, force_py=True)


def test_a_grid_too_large_to_search_is_a_message_before_the_data_is_loaded(dock, qloop):
    view = dock.optimize
    dock.setup.select_strategy("sma_cross")
    dock.setup.set_csv("/nonexistent/bars.csv")  # never read: the grid is refused first
    view.grid_form.set_specs({"fast": "1:1000", "slow": "2:1001"})
    assert qloop.run(view.run()) is None
    assert view.runbar.is_error() and view.job is None
    assert view.runbar.message.text() == ("the grid has 1,000,000 combinations; an exhaustive search is limited to "
                                          "100,000: narrow the ranges")
    assert view.runbar.run_button.isEnabled()

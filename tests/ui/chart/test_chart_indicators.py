"""Indicators with editable parameters through the non-modal Indicators popup, RSI and MACD panes, and each
symbol's choice kept (in memory, and in the window's settings across restarts)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor

from chartdata import random_walk
from mouse import count_color, pixels, send_mouse, view_point
from terminal.strategy import indicators
from terminal.ui.chart.indicator import IndicatorSpec
from terminal.ui.chart.theme import DARK

POPUP = pytest.mark.qt_log_ignore("This plugin does not support")  # offscreen: popups cannot raise or grab


@POPUP
def test_the_indicators_popup_adds_an_rsi_pane_and_edits_its_period(chart, qtbot):
    chart.toolbar.indicators_button.click()
    panel = chart.indicator_panel
    qtbot.waitUntil(panel.isVisible, timeout=2000)
    assert panel.isWindow() and not panel.isModal()
    rows = panel.rows
    assert rows["sma"].check.isChecked() and rows["ema"].check.isChecked() and not rows["rsi"].check.isChecked()
    assert rows["sma"].spins["period"].value() == 20 and rows["ema"].spins["period"].value() == 50
    rows["rsi"].check.click()
    assert "rsi" in chart.studies.panes
    pane = chart.studies.panes["rsi"]
    assert pane.plot in chart.view.ci.items
    chart.grab()
    assert pane.line.drawn_points > 50
    np.testing.assert_allclose(chart.studies.cache.get("rsi", "value"), indicators.rsi(chart.series.c, 14),
                               equal_nan=True)
    assert pane.title.toPlainText().startswith("RSI 14  ")
    assert pane.plot.vb.viewRange()[1][0] <= 0 and pane.plot.vb.viewRange()[1][1] >= 100
    rows["rsi"].spins["period"].setValue(21)  # the user types another period: applied at once
    assert chart.indicator_specs()[-1] == IndicatorSpec("rsi", 21)
    np.testing.assert_allclose(chart.studies.cache.get("rsi", "value"), indicators.rsi(chart.series.c, 21),
                               equal_nan=True)
    assert pane.title.toPlainText().startswith("RSI 21  ")
    last = indicators.rsi(chart.series.c, 21)[-1]
    assert f"{last:,.2f}" in pane.title.toPlainText()
    rows["rsi"].check.click()
    assert "rsi" not in chart.studies.panes and pane.plot not in chart.view.ci.items
    panel.close()


@POPUP
def test_macd_pane_with_its_three_parameters_and_a_histogram(chart, qtbot):
    panel = chart.open_indicator_panel()
    row = panel.rows["macd"]
    row.spins["fast"].setValue(8)  # editing an indicator that is off switches it on
    row.spins["slow"].setValue(21)
    row.spins["signal"].setValue(5)
    assert row.check.isChecked()
    spec = next(s for s in chart.indicator_specs() if s.kind == "macd")
    assert (spec.fast, spec.slow, spec.signal) == (8, 21, 5) and spec.title() == "MACD 8,21,5"
    pane = chart.studies.panes["macd"]
    chart.grab()
    assert pane.hist.drawn_bars > 50 and pane.line.drawn_points > 50 and pane.signal.drawn_points > 50
    c = chart.series.c
    line = indicators.ema(c, 8) - indicators.ema(c, 21)
    np.testing.assert_allclose(chart.studies.cache.get("macd", "macd"), line, equal_nan=True)
    # the pane fits the visible values
    (x0, x1), (lo, hi) = pane.plot.vb.viewRange()
    i0, i1 = chart.series.visible_slice(x0, x1)
    visible = line[i0:i1][np.isfinite(line[i0:i1])]
    assert lo <= visible.min() and hi >= visible.max() and hi - lo < (visible.max() - visible.min()) * 2
    # the time axis moved under the lowest pane
    assert pane.plot.getAxis("bottom").isVisible() and not chart.volume_plot.getAxis("bottom").isVisible()
    panel.close()


@POPUP
def test_source_and_colour_of_an_overlay_are_edited_from_the_popup(chart, qtbot):
    panel = chart.open_indicator_panel()
    row = panel.rows["sma"]
    row.source.setCurrentIndex(row.source.findData("hl2"))
    assert chart.indicator_specs()[0] == IndicatorSpec("sma", 20, "hl2")
    s = chart.series
    np.testing.assert_allclose(chart.studies.cache.get("sma", "value"), indicators.sma((s.h + s.l) / 2, 20),
                               equal_nan=True)
    row.color_button.click()
    menu = panel.color_menu
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    pink = next(a for a in menu.actions() if a.text() == "#e91e63")
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(pink).center())
    assert chart.indicator_specs()[0].color == "#e91e63"
    assert chart.studies.curves["sma"][0]._pen.color() == QColor("#e91e63")
    chart.set_overlay_visible("ema", False)
    assert count_color(pixels(chart), "#e91e63", tol=10) > 100  # drawn in the chosen colour
    assert "SMA 20 hl2" in chart.legend_text()
    panel.close()


def test_the_crosshair_runs_through_the_indicator_panes(chart, qtbot):
    chart.set_overlay_visible("rsi", True)
    chart.set_overlay_visible("macd", True)
    chart.grab()
    s = chart.series
    i = len(s) - 25
    send_mouse(chart.view.viewport(), QEvent.Type.MouseMove, view_point(chart, float(s.t[i]), float(s.c[i])))
    qtbot.waitUntil(lambda: chart.crosshair.index == i, timeout=2000)
    for plot in chart.studies.pane_plots():
        line = next(ln for p, ln in chart.crosshair._lower if p is plot)
        assert line.isVisible() and line.value() == pytest.approx(float(s.t[i]))
    rsi = indicators.rsi(s.c, 14)[i]
    assert f"{rsi:,.2f}" in chart.studies.panes["rsi"].title.toPlainText()  # the pane's value at the candle


def test_each_symbol_keeps_its_own_indicators_across_a_new_chart(qtbot, chart):
    from terminal.ui.chart.widget import ChartWidget

    store = chart.store
    chart.set_overlay_visible("rsi", True)
    chart.set_indicators(chart.studies.with_spec(IndicatorSpec("ema", 34, "hlc3", "#00bcd4")))
    btc = chart.indicator_specs()
    assert [s.kind for s in btc] == ["sma", "ema", "rsi"]
    chart.set_symbol("ETHUSDT", 2)  # another symbol: its own choice (none saved yet: the defaults)
    assert [s.kind for s in chart.indicator_specs()] == ["sma", "ema"] and "rsi" not in chart.studies.panes
    chart.set_overlay_visible("bb", True)
    chart.set_symbol("BTCUSDT", 2)
    assert chart.indicator_specs() == btc and "rsi" in chart.studies.panes
    again = ChartWidget(store=store)  # the chart made again (the window restarted) with the same store
    qtbot.addWidget(again)
    again.set_symbol("BTCUSDT", 2)
    assert again.indicator_specs() == btc
    again.set_symbol("ETHUSDT", 2)
    assert [s.kind for s in again.indicator_specs()] == ["sma", "ema", "bb"]


@pytest.mark.gui
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_window_saves_each_symbols_indicators_in_its_settings(qtbot, tmp_path):
    from terminal.storage import settings as settings_store
    from terminal.ui.mainwindow import MainWindow

    w = MainWindow(tmp_path)
    qtbot.addWidget(w)
    w.chart.set_symbol("TOKENUSDT", 4)  # a symbol that looks like a secret to the settings scrubber
    w.chart.set_overlay_visible("macd", True)
    w.chart.set_overlay_visible("sma", False)
    w.save_settings(wait=True)
    saved = settings_store.load(tmp_path).ui["chart_indicators"]
    assert saved == [{"symbol": "TOKENUSDT", "indicators": [{"kind": "ema", "source": "close", "period": 50},
                                                            {"kind": "macd", "source": "close", "fast": 12,
                                                             "slow": 26, "signal": 9}]}]
    w2 = MainWindow(tmp_path)
    qtbot.addWidget(w2)
    w2.chart.set_symbol("TOKENUSDT", 4)
    assert [s.kind for s in w2.chart.indicator_specs()] == ["ema", "macd"]
    assert "macd" in w2.chart.studies.panes
    w2.chart.set_bars(*random_walk(200))
    assert not w2.chart.loading


def test_live_updates_keep_pane_values_exact(chart):
    chart.set_overlay_visible("rsi", True)
    chart.set_overlay_visible("macd", True)
    chart.grab()
    rng = np.random.default_rng(3)
    for k in range(40):
        t = int(chart.series.t[-1] * 1000) + (60_000 if k % 5 == 0 else 0)
        c = float(chart.series.c[-1]) + rng.normal(0, 10)
        chart.update_bar(t, c, c + 3, c - 3, c, 2.0)
        if k % 3 == 0:
            chart.grab()
    c = chart.series.c
    np.testing.assert_allclose(chart.studies.cache.get("rsi", "value"), indicators.rsi(c, 14), equal_nan=True,
                               rtol=1e-9)
    assert DARK.rsi and chart.studies.panes["rsi"].color() == DARK.rsi

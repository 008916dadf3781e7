"""A chart that never lies: the legend and the data are the shown symbol's at every moment, the crosshair goes when
the pointer does, and the price scale is the user's to drag and to reset."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtWidgets import QApplication

from chartdata import T0_MS, random_walk
from mouse import double_click, move, press, release, send_mouse, view_point


def _legend(chart) -> str:
    return chart.legend_text()


@pytest.mark.gui
@pytest.mark.slow
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_switching_symbol_never_shows_the_old_candles_under_the_new_title(qtbot, qloop, window):
    w = window
    chart, s = w.chart, w.link.session
    qtbot.waitUntil(lambda: w.link.symbol == "BTCUSDT" and len(chart.series) > 100, timeout=15000)
    btc_close = float(chart.series.c[-1])
    w.watchlist.select("ETHUSDT")
    # at once: the new title, no candles, "loading…", no OHLC of the previous symbol
    assert w.link.symbol == "ETHUSDT"
    assert w.docks["chart"].windowTitle() == "Chart · ETHUSDT · 1m"
    assert len(chart.series) == 0
    legend = chart.readout.text()
    assert "ETHUSDT" in legend and "BTCUSDT" not in legend and "loading" in legend
    assert f"{btc_close:,.2f}" not in legend
    assert not chart.last_price_line.isVisible()
    # then the new symbol's own history, under its own name
    qtbot.waitUntil(lambda: len(chart.series) > 100, timeout=15000)
    async def eth_bars():
        return await s.bars("ETHUSDT", "1m", limit=5)

    eth = qloop.run(eth_bars())
    got = {int(t * 1000): c for t, c in zip(chart.series.t, chart.series.c)}
    matched = [b for b in eth if b.open_time in got]
    assert matched and all(got[b.open_time] == pytest.approx(float(b.close)) for b in matched[:-1])
    legend = _legend(chart)
    assert legend.startswith("ETHUSDT · 1m") and "loading" not in legend
    assert f"C {chart.series.c[-1]:,.2f}" in legend
    assert abs(float(chart.series.c[-1]) - btc_close) > 0.2 * btc_close  # not BTC's price level


def test_history_of_the_previous_symbol_arriving_late_is_dropped(chart):
    btc = random_walk(300, seed=1, start=43_000)
    eth = random_walk(300, seed=2, start=3_000)
    chart.set_symbol("ETHUSDT", 2)
    assert chart.loading and len(chart.series) == 0
    assert chart.set_bars(*btc, symbol="BTCUSDT", timeframe="1m") is False  # the answer for BTC came late
    assert len(chart.series) == 0 and chart.loading
    assert chart.update_bar(int(btc[0][-1]), 1, 2, 0.5, 1.5, 1, symbol="BTCUSDT", timeframe="1m") is False
    assert chart.set_bars(*eth, symbol="ETHUSDT", timeframe="5m") is False  # another timeframe's
    assert chart.set_bars(*eth, symbol="ETHUSDT", timeframe="1m") is True
    assert not chart.loading and not chart.loading_label.isVisible()
    np.testing.assert_array_equal(chart.series.c, eth[4])
    assert _legend(chart).startswith("ETHUSDT · 1m")


def test_live_candles_before_the_history_are_kept_for_it(chart):
    eth = random_walk(300, seed=2, start=3_000)
    chart.set_symbol("ETHUSDT", 2)
    last_ms = int(eth[0][-1])
    assert chart.update_bar(last_ms + 60_000, 3001, 3003, 3000, 3002.5, 7, symbol="ETHUSDT", timeframe="1m")
    assert len(chart.series) == 0  # nothing drawn before the history
    chart.set_bars(*eth, symbol="ETHUSDT", timeframe="1m")
    assert len(chart.series) == 301 and chart.series.c[-1] == 3002.5


def test_a_new_timeframe_clears_the_chart_until_its_history_and_keeps_the_orders(chart, qtbot):
    c = float(chart.series.c[-1])
    chart.set_order_lines([("o1", c - 10, "buy", "BUY 1")])
    with qtbot.waitSignal(chart.timeframe_changed) as changed:
        chart.toolbar.timeframe_buttons["15m"].click()
    assert changed.args == ["15m"]
    assert chart.timeframe == "15m" and chart.loading and len(chart.series) == 0
    assert "loading" in _legend(chart) and "15m" in _legend(chart)
    assert "o1" in chart.order_lines.lines  # the symbol's orders stay
    assert chart.set_bars(*random_walk(100), symbol="BTCUSDT", timeframe="1m") is False  # the old timeframe's
    assert chart.set_bars(*random_walk(100), symbol="BTCUSDT", timeframe="15m") is True


def test_the_crosshair_hides_when_the_pointer_leaves_the_chart(chart, qtbot):
    chart.grab()
    s = chart.series
    i = len(s) - 30
    send_mouse(chart.view.viewport(), QEvent.Type.MouseMove, view_point(chart, float(s.t[i]), float(s.c[i])))
    qtbot.waitUntil(lambda: chart.crosshair.index == i, timeout=2000)
    assert chart.crosshair.vline.isVisible() and chart.crosshair.hline.isVisible()
    # the pointer leaves the window fast: no move is ever seen outside the plot, only the leave
    QApplication.sendEvent(chart.view.viewport(), QEvent(QEvent.Type.Leave))
    assert not chart.crosshair.vline.isVisible() and not chart.crosshair.hline.isVisible()
    assert not chart.crosshair.vline_volume.isVisible()
    assert chart.crosshair.index == -1 and f"C {s.c[-1]:,.2f}" in chart.readout_text()  # back to the last candle


def _axis_point(chart, frac: float) -> QPointF:
    """A point on the price axis, ``frac`` of the way down the price plot."""
    rect = chart.price_axis.sceneBoundingRect()
    scene = QPointF(rect.center().x(), rect.top() + rect.height() * frac)
    return QPointF(chart.view.mapFromScene(scene))


def test_dragging_the_price_axis_rescales_and_a_double_click_fits_again(chart, qtbot):
    import pyqtgraph as pg

    pg.setConfigOptions(mouseRateLimit=-1)
    try:
        chart.grab()
        vb, vp = chart.price_plot.vb, chart.view.viewport()
        (_, _), (y0, y1) = vb.viewRange()
        assert chart.price_autoscale
        start, end = _axis_point(chart, 0.3), _axis_point(chart, 0.6)  # drag down: more prices, shorter candles
        press(vp, start)
        move(vp, QPointF(start.x(), start.y() + 20))
        move(vp, end)
        release(vp, end)
        (_, _), (z0, z1) = vb.viewRange()
        assert (z1 - z0) > (y1 - y0) * 1.3
        assert (z0 + z1) / 2 == pytest.approx((y0 + y1) / 2, rel=1e-6)  # around the middle
        assert not chart.price_autoscale
        chart.update_bar(int(chart.series.t[-1] * 1000), 1, 1e6, 1, 1, 1)  # a spike no longer rescales
        assert vb.viewRange()[1] == [z0, z1]
        press(vp, end)  # and up: fewer prices
        move(vp, QPointF(end.x(), end.y() - 20))
        move(vp, start)
        release(vp, start)
        assert vb.viewRange()[1][1] - vb.viewRange()[1][0] < (z1 - z0) * 0.8
        double_click(vp, end)
        assert chart.price_autoscale
        chart.grab()
        (_, _), (f0, f1) = vb.viewRange()
        assert f1 >= 1e6  # fits the visible candles, spike included
    finally:
        pg.setConfigOptions(mouseRateLimit=100)


def test_an_empty_chart_with_a_symbol_says_loading(qtbot):
    from terminal.ui.chart.widget import ChartWidget

    w = ChartWidget()
    qtbot.addWidget(w)
    w.resize(500, 300)
    w.set_symbol("SOLUSDT", 3)
    w.set_timeframe("1h")
    w.grab()
    assert w.loading and w.loading_label.text() == "Loading SOLUSDT · 1h…"
    assert _legend(w) == "SOLUSDT · 1h  loading…"
    w.update_bar(T0_MS, 10, 11, 9, 10.5, 1, symbol="SOLUSDT", timeframe="1h")
    w.set_bars(*random_walk(50), symbol="SOLUSDT", timeframe="1h")
    assert not w.loading and len(w.series) == 50

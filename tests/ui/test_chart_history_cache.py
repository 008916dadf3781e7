"""The chart reads its history through the session's kline cache: opening a symbol a second time asks the sandbox
for no klines (asserted on the embedded sandbox's request log)."""
from __future__ import annotations

import pytest


def _btc_klines(server) -> list[str]:
    """The chart's kline requests for BTCUSDT (its timeframe, 1d; other docks ask for 1m)."""
    return [q for q in server.rest.requests("GET", "/api/v3/klines") if "symbol=BTCUSDT&interval=1d&" in q]


@pytest.mark.gui
@pytest.mark.slow
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_chart_opening_a_symbol_the_second_time_reads_the_cache(qtbot, window):
    w = window
    chart, server = w.chart, w.link.session.server
    # daily bars: the newest closed one changes only at midnight UTC, so nothing new can close during the test
    chart.toolbar.timeframe_buttons["1d"].click()
    qtbot.waitUntil(lambda: w.link.interval == "1d" and w.link.symbol == "BTCUSDT" and not chart.loading
                    and len(chart.series) > 20, timeout=15000)
    asked = len(_btc_klines(server))
    assert asked >= 1
    w.watchlist.select("ETHUSDT")
    qtbot.waitUntil(lambda: w.link.symbol == "ETHUSDT" and not chart.loading and len(chart.series) > 20,
                    timeout=15000)
    w.watchlist.select("BTCUSDT")
    qtbot.waitUntil(lambda: w.link.symbol == "BTCUSDT" and not chart.loading and len(chart.series) > 20,
                    timeout=15000)
    btc_closes = chart.series.c
    assert len(_btc_klines(server)) == asked
    assert btc_closes[-2] > 1000  # BTC's own history again, not ETH's

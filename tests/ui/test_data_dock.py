"""The Data dock on the window's embedded sandbox: a download through its form fills the history cache with a
progress bar to 100%, the table shows the series as the cache holds it, the same range again asks the sandbox for
no klines (its request log), an imported CSV becomes a series, and Delete forgets a series once the real question
box is answered Yes."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QMessageBox

from terminal.model import Interval
from terminal.ui.widgets.data import UTC

MIN = 60_000


def _btc_1m(server) -> list[str]:
    return [q for q in server.rest.requests("GET", "/api/v3/klines") if "symbol=BTCUSDT&interval=1m&" in q]


def _row(dock, symbol: str, interval: str):
    return next((r for r in dock.model.rows if r.series.symbol == symbol and r.series.interval.value == interval),
                None)


def _click(qtbot, button) -> None:
    assert button.isEnabled() and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.mark.gui
@pytest.mark.slow
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_data_dock_downloads_lists_skips_what_is_cached_and_deletes(qtbot, qtmodeltester, window, answer_box):
    w = window
    dock, session = w.data, w.link.session
    server, cache = session.server, session.history_cache
    w.docks["data"].show()
    w.docks["data"].raise_()
    qtbot.waitUntil(lambda: dock.isVisible() and dock.venue.count() == 1 and not w.chart.loading, timeout=15000)
    assert dock.venue.currentText() == session.provider

    now = session.venue.now_ms()
    end = now - now % MIN - 2 * MIN  # a minute that has closed: the range is fixed whenever the test runs
    start = end - 30 * 60 * MIN  # 30 hours: more than the chart's 600 bars, two pages of the venue's 1000
    dock.symbol.setText("BTCUSDT")
    dock.interval.setCurrentText("1m")
    dock.start.setDateTime(QDateTime.fromMSecsSinceEpoch(start, UTC))
    dock.end.setDateTime(QDateTime.fromMSecsSinceEpoch(end, UTC))
    values: list[int] = []
    dock.progress.valueChanged.connect(values.append)
    before = len(_btc_1m(server))

    _click(qtbot, dock.download_button)
    qtbot.waitUntil(lambda: dock.task is not None and dock.task.done() and dock.download_button.isEnabled(),
                    timeout=30000)
    assert dock.progress.value() == 100 and any(0 < v < 100 for v in values)  # a page at a time
    asked = len(_btc_1m(server))
    assert asked > before
    assert len(cache.bars("BTCUSDT", Interval.M1, start, end)) == 30 * 60 + 1  # every minute of the range
    qtbot.waitUntil(lambda: _row(dock, "BTCUSDT", "1m") is not None)
    row = _row(dock, "BTCUSDT", "1m")
    first, last, count = cache.span("BTCUSDT", Interval.M1)
    assert (row.series.count, row.series.first_ms, row.series.last_ms) == (count, first, last)
    assert first <= start and row.series.covered_from_ms <= start and row.series.covered_to_ms >= end
    i = dock.model.rows.index(row)
    assert dock.model.index(i, 3).data() == f"{count:,}"
    assert dock.model.index(i, 7).data() == "in memory"  # the embedded sandbox's cache lives for this run
    qtmodeltester.check(dock.model)

    values.clear()
    dock.say("")
    _click(qtbot, dock.download_button)  # the same range again: all of it is cached
    qtbot.waitUntil(lambda: dock.message.text().startswith("BTCUSDT 1m:") and dock.download_button.isEnabled(),
                    timeout=15000)
    assert len(_btc_1m(server)) == asked
    assert dock.progress.value() == 100 and "already cached" in dock.message.text()

    dock.table.selectRow(dock.model.rows.index(_row(dock, "BTCUSDT", "1m")))
    answer = answer_box(QMessageBox.StandardButton.Yes)
    _click(qtbot, dock.delete_button)
    qtbot.waitUntil(lambda: _row(dock, "BTCUSDT", "1m") is None, timeout=15000)
    assert answer.clicked and answer.title == "Delete cached history" and "BTCUSDT" in answer.text
    assert cache.span("BTCUSDT", Interval.M1) is None


@pytest.mark.gui
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_data_dock_delete_answered_no_keeps_the_series(qtbot, qloop, window, answer_box, tmp_path):
    w = window
    dock, cache = w.data, w.link.session.history_cache
    path = tmp_path / "bars.csv"
    path.write_text("time,open,high,low,close,volume\n2024-01-01 00:00,1,2,0.5,1.5,10\n"
                    "2024-01-01 01:00,1.5,2,1,1.25,11\n", encoding="utf-8")
    dock.symbol.setText("XYZUSDT")
    dock.interval.setCurrentText("1h")
    qtbot.waitUntil(lambda: dock.venue.count() == 1)
    assert qloop.run(dock.import_csv(str(path))) == 2
    assert _row(dock, "XYZUSDT", "1h").series.count == 2
    dock.table.selectRow(dock.model.rows.index(_row(dock, "XYZUSDT", "1h")))
    answer = answer_box(QMessageBox.StandardButton.No)
    assert qloop.run(dock.delete_selected()) is None
    assert answer.clicked and cache.span("XYZUSDT", Interval("1h"))[2] == 2
    assert _row(dock, "XYZUSDT", "1h") is not None

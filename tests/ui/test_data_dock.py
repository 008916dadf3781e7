"""The Data dock on the window's embedded sandbox: a download through its form fills the history cache with a
progress bar to 100%, the table shows the series as the cache holds it, the same range again asks the sandbox for
no klines (its request log), an imported CSV becomes a series, and Delete forgets a series once the real question
box is answered Yes."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLineEdit, QMessageBox

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
@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise", "does not support grabbing the keyboard")
def test_data_dock_imports_a_csv_and_delete_answered_no_keeps_it(qtbot, qloop, window, answer_box, tmp_path):
    w = window
    dock, cache = w.data, w.link.session.history_cache
    path = tmp_path / "bars.csv"
    path.write_text("time,open,high,low,close,volume\n2024-01-01 00:00,1,2,0.5,1.5,10\n"
                    "2024-01-01 01:00,1.5,2,1,1.25,11\n", encoding="utf-8")
    dock.symbol.setText("XYZUSDT")
    dock.interval.setCurrentText("1h")
    qtbot.waitUntil(lambda: dock.venue.count() == 1)
    w.docks["data"].show()
    w.docks["data"].raise_()
    _click(qtbot, dock.import_button)  # the awaited file picker, answered as a user would
    qtbot.waitUntil(lambda: any(isinstance(d, QFileDialog) and d.isVisible() for d in QApplication.topLevelWidgets()))
    picker = next(d for d in QApplication.topLevelWidgets() if isinstance(d, QFileDialog) and d.isVisible())
    edit = picker.findChild(QLineEdit, "fileNameEdit")
    edit.clear()
    qtbot.keyClicks(edit, str(path))
    buttons = picker.findChild(QDialogButtonBox)
    qtbot.mouseClick(next(b for b in buttons.buttons() if buttons.buttonRole(b) is
                          QDialogButtonBox.ButtonRole.AcceptRole), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "XYZUSDT" in dock.message.text(), timeout=10000)
    qtbot.waitUntil(lambda: _row(dock, "XYZUSDT", "1h") is not None, timeout=10000)
    assert _row(dock, "XYZUSDT", "1h").series.count == 2 and "2 1h bars of XYZUSDT imported" in dock.message.text()
    dock.table.selectRow(dock.model.rows.index(_row(dock, "XYZUSDT", "1h")))
    answer = answer_box(QMessageBox.StandardButton.No)
    assert qloop.run(dock.delete_selected()) is None
    assert answer.clicked and cache.span("XYZUSDT", Interval("1h"))[2] == 2
    assert _row(dock, "XYZUSDT", "1h") is not None


def _starts(queries: list[str]) -> list[int]:
    from urllib.parse import parse_qs
    return [int(parse_qs(q)["startTime"][0]) for q in queries]


@pytest.mark.gui
@pytest.mark.slow
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_data_dock_cancel_keeps_the_pages_and_download_resumes_after_them(qtbot, window):
    """Cancel while the second page is held at the sandbox: the first page stays cached, the window kept drawing
    frames meanwhile, and Download again asks from the first bar not cached (not from the start)."""
    w = window
    dock, session = w.data, w.link.session
    server, cache = session.server, session.history_cache
    w.docks["data"].show()
    w.docks["data"].raise_()
    qtbot.waitUntil(lambda: dock.isVisible() and dock.venue.count() == 1, timeout=15000)
    now = session.venue.now_ms()
    end = now - now % MIN - 2 * MIN
    start = end - 2499 * MIN  # 2500 bars: pages of 1000, 1000, 500
    dock.symbol.setText("ETHUSDT")
    dock.interval.setCurrentText("1m")
    dock.start.setDateTime(QDateTime.fromMSecsSinceEpoch(start, UTC))
    dock.end.setDateTime(QDateTime.fromMSecsSinceEpoch(end, UTC))

    def eth() -> list[str]:
        return [q for q in server.rest.requests("GET", "/api/v3/klines") if "symbol=ETHUSDT&interval=1m&" in q]
    holds: list = []

    def hold_the_next_page(value: int) -> None:  # after the first page is written, before the next is asked
        if 0 < value < 100 and not holds:
            holds.append(server.faults.hold_next_request(1, method="GET", path="/api/v3/klines"))
    dock.progress.valueChanged.connect(hold_the_next_page)
    frames = [0]
    w.bridge.frame.connect(lambda: frames.__setitem__(0, frames[0] + 1))

    _click(qtbot, dock.download_button)
    qtbot.waitUntil(lambda: len(eth()) == 2, timeout=15000)  # the second page is at the sandbox, held
    drawn = frames[0]
    qtbot.waitUntil(lambda: frames[0] >= drawn + 5, timeout=5000)  # the window keeps drawing meanwhile
    assert not dock.task.done() and dock.cancel_button.isEnabled()
    _click(qtbot, dock.cancel_button)
    qtbot.waitUntil(lambda: "cancelled" in dock.message.text() and dock.download_button.isEnabled(), timeout=5000)
    holds[0].release()
    assert cache.coverage("ETHUSDT", Interval.M1) == (start, start + 999 * MIN)  # the first page, committed
    assert cache.span("ETHUSDT", Interval.M1)[2] == 1000 and dock.progress.value() < 100

    asked = len(eth())
    dock.say("")
    _click(qtbot, dock.download_button)
    qtbot.waitUntil(lambda: dock.message.text().startswith("ETHUSDT 1m:") and dock.download_button.isEnabled(),
                    timeout=15000)
    assert dock.progress.value() == 100 and "1,500 bars downloaded" in dock.message.text()
    assert _starts(eth()[asked:]) == [start + 1000 * MIN, start + 2000 * MIN]  # resumed after the first page
    assert len(cache.bars("ETHUSDT", Interval.M1, start, end)) == 2500
    qtbot.waitUntil(lambda: getattr(_row(dock, "ETHUSDT", "1m"), "series", None) is not None
                    and _row(dock, "ETHUSDT", "1m").series.count == 2500)

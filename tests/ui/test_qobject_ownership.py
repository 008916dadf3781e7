"""Every QObject of the window belongs to Qt: deleted with its parent, on the GUI thread, never by the collector.

A QObject that only Python owns (no Qt parent, not an item of a scene, not a window the app deletes itself) is
deleted when its wrapper is collected. Wrappers in reference cycles go with the cyclic garbage collector, which runs
on whichever thread happens to allocate (the sandbox's server thread, an executor's, a dask worker's): Qt cannot
stop a timer or a socket notifier from another thread, and a widget's destructor touches the application's global
widget lists unsynchronised. A timer left registered then fires at the freed object (the chart's segfault in
``QTimerInfoList::activateTimers``, tests/ui/chart/test_chart_ownership.py).

pyqtgraph makes each ``PlotItem``'s options menu (a ``QMenu``) and its state group (a ``QObject``) without a
parent; ``terminal.ui.plotmenu.own_menus`` gives them the plot's owner and the plot.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt
from shiboken6 import isValid, ownedByPython

pytestmark = [pytest.mark.gui]
ROOT = Path(__file__).resolve().parents[2]

# The whole window on the embedded sandbox, driven as the `window` fixture drives it (a qasync loop that shares
# Qt's event loop, an executor of its own), with its docks, dialogs, chart panes, automation layout, a second venue,
# a reconnect and the kill switch exercised;
# then shut down, closed and deleted on the GUI thread as the fixture does, and the garbage collector run on
# another thread. It prints (1) the QObjects only Python owned while the window was open, (2) those still alive
# after the window was deleted, (3) those the collector thread deleted, (4) Qt's warnings about threads.
SCRIPT = r"""
import asyncio, concurrent.futures, gc, os, sys, tempfile, threading, time
from decimal import Decimal
from pathlib import Path
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, qInstallMessageHandler
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QGraphicsItem, QMessageBox

messages = []
qInstallMessageHandler(lambda mode, context, text: messages.append(text))
app = QApplication([])
import qasync
from terminal import model as m
from terminal import session as session_mod
from terminal.ui.mainwindow import MainWindow
gc.disable()  # the collector runs where this script says, not wherever an allocation triggers it

loop = qasync.QEventLoop(app, already_running=True)
executor = concurrent.futures.ThreadPoolExecutor(4)
loop.set_default_executor(executor)
asyncio.set_event_loop(loop)
asyncio.events._set_running_loop(loop)

def until(condition, what, timeout_s=30.0):  # qtbot.waitUntil
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        QTest.qWait(10)

def run(coro, timeout_s=30.0):
    task = loop.create_task(coro)
    until(task.done, coro, timeout_s)
    return task.result()

def modal(kind):
    w = QApplication.activeModalWidget()
    return w if isinstance(w, kind) and w.isVisible() else None

def loop_objects():  # the loop's own (it outlives the window: the fixture's loop is not the window's)
    return {id(o) for o in (loop._timer, *loop._read_notifiers.values(), *loop._write_notifiers.values())}

def python_only():
    mine = loop_objects()
    out = []
    for o in gc.get_objects():
        try:
            if not isinstance(o, QObject) or not shiboken6.isValid(o) or id(o) in mine or o is app:
                continue
            if type(o).__module__.startswith("qasync"):
                continue
            if not shiboken6.ownedByPython(o) or o.parent() is not None:
                continue
            if isinstance(o, QGraphicsItem) and o.scene() is not None:  # the scene deletes its items
                continue
        except (RuntimeError, ReferenceError):  # a deleted object's wrapper, a dead weak proxy
            continue
        out.append(o)
    return out

def name(o):
    return f"{type(o).__module__}.{type(o).__qualname__}"

tmp = tempfile.mkdtemp()
w = MainWindow(Path(tmp))
w.resize(1400, 900)
w.show()
w.order_entry.confirm_box.setChecked(False)
assert run(w.start_session(lambda: session_mod.connect("sandbox")), 60)
until(lambda: w.link.last_prices.get("BTCUSDT") is not None, "a price")
# the chart with an overlay and a pane
w.chart.set_indicators(w.chart.studies.with_kind("rsi", True))
w.chart.set_indicators(w.chart.studies.with_kind("sma", True))
# the deferred docks, built when read
w.news, w.fundamentals, w.health
# the non-modal dialogs of the menus
w.show_help(); w.show_about(); w.show_keys()
# an order confirmation, answered Cancel with the mouse
oe = w.order_entry
oe.confirm_box.setChecked(True)
oe.type_combo.setCurrentIndex(0)
oe.buy_tab.setChecked(True)
ins = w.instruments["BTCUSDT"]
oe.price_edit.setText(ins.format_price(ins.snap_price(w.link.last_prices["BTCUSDT"] * Decimal("0.97"))))
oe.qty_edit.setText("0.01")
until(oe.submit.isEnabled, "the ticket")
QTest.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
until(lambda: modal(QMessageBox) is not None, "the order confirmation")
QTest.mouseClick(modal(QMessageBox).button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
until(lambda: oe.status.text() == "Not sent.", "Not sent.")
# Risk…, Audit trail…, Add venue…: opened and closed
risk = loop.create_task(w.protection.edit_risk())
from terminal.ui.dialogs.risk import RiskDialog
shown = lambda: [d for d in w.findChildren(RiskDialog) if d.isVisible()]
until(shown, "the risk dialog")
shown()[0].reject()
until(risk.done, "the risk dialog's end")
audit = w.protection.show_audit()
until(audit.isVisible, "the audit trail")
audit.reject()
venue = loop.create_task(w.ask_add_venue())
until(lambda: getattr(w, "add_venue_dialog", None) is not None and w.add_venue_dialog.isVisible(), "Add venue")
w.add_venue_dialog.reject()
until(venue.done, "Add venue's end")
# the automation layout and back, both themes
w.set_preset("Automation"); QTest.qWait(50); w.set_preset("Trading")
w.set_theme("light"); w.set_theme("dark")
# a second venue (the accounts' views), a reconnect (a new link), the kill switch and its unlock (answered boxes)
assert run(w.add_venue("sandbox", name="feed"), 60) == "feed"
assert run(w.reconnect(), 60)
until(lambda: w.link.last_prices.get("BTCUSDT") is not None, "a price after the reconnect")
kill = loop.create_task(w.protection.engage())
until(lambda: modal(QMessageBox) is not None, "the kill switch's question")
QTest.mouseClick(modal(QMessageBox).button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
until(kill.done, "the kill switch's end")
unlock = loop.create_task(w.protection.unlock())
until(lambda: modal(QMessageBox) is not None, "Unlock trading's question")
QTest.mouseClick(modal(QMessageBox).button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
until(unlock.done, "the unlock")
w.grab()

print("PYTHON-OWNED WHILE OPEN:", sorted(name(o) for o in python_only() if o is not w), flush=True)

run(w.shutdown(), 30)
w.close()
w.deleteLater()
tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
for t in tasks:
    t.cancel()
until(lambda: all(t.done() for t in tasks), "the tasks' end")
executor.shutdown(wait=True)
del w, oe, ins, audit, risk, venue, kill, unlock, tasks
QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

left = python_only()
print("ALIVE AFTER DELETE:", sorted(name(o) for o in left), flush=True)
collector_deleted = []
for o in left:  # (none when the window owned everything)
    o.destroyed.connect(lambda *_, n=name(o): collector_deleted.append((n, threading.get_ident())),
                        Qt.ConnectionType.DirectConnection)
    del o
del left
collector = threading.Thread(target=gc.collect)
collector.start()
collector.join()
print("ALIVE AFTER GC:", sorted(name(o) for o in python_only()), flush=True)
print("DELETED BY THE COLLECTOR THREAD:", sorted(n for n, ident in collector_deleted if ident == collector.ident))
print("THREAD WARNINGS:", [text for text in messages if "thread" in text.lower()], flush=True)
os._exit(0)  # (before a timer left behind would fire)
"""


def _lines(out: str) -> dict[str, str]:
    return {k: v.strip() for k, _, v in (line.partition(":") for line in out.splitlines()) if v}


@pytest.mark.slow
def test_the_window_leaves_no_qobject_for_a_garbage_collector_thread_to_delete():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=240,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    got = _lines(out.stdout)
    assert got["PYTHON-OWNED WHILE OPEN"] == "[]", out.stdout
    assert got["ALIVE AFTER DELETE"] == "[]", out.stdout
    assert got["DELETED BY THE COLLECTOR THREAD"] == "[]", out.stdout
    assert got["THREAD WARNINGS"] == "[]", out.stdout


def _qt_owned(obj: QObject) -> bool:
    return isValid(obj) and not ownedByPython(obj) and obj.parent() is not None


def test_the_charts_plot_menus_are_its_children_and_a_removed_panes_menu_goes_with_its_pane(qtbot):
    from PySide6.QtCore import QCoreApplication, QEvent

    from terminal.ui.chart.widget import ChartWidget

    chart = ChartWidget()
    qtbot.addWidget(chart)
    n = 300
    t = 1_764_000_000_000 + np.arange(n, dtype=np.int64) * 60_000
    c = 43_000 + np.cumsum(np.random.default_rng(1).normal(0, 20, n))
    chart.set_symbol("BTCUSDT", 2)
    chart.set_bars(t, c, c + 5, c - 5, c, np.ones(n))
    chart.set_indicators(chart.studies.with_kind("rsi", True))
    plots = [chart.price_plot, chart.volume_plot, *chart.studies.pane_plots()]
    assert len(plots) == 3
    for plot in plots:
        assert _qt_owned(plot.ctrlMenu) and _qt_owned(plot.stateGroup)
        assert plot.ctrlMenu.windowType() == Qt.WindowType.Popup  # still a popup menu, not a child widget
    pane_menu = chart.studies.pane_plots()[0].ctrlMenu
    del plots, plot  # (the removed pane's plot is freed with the pane, when nothing else holds it)
    chart.set_indicators(chart.studies.with_kind("rsi", False))
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not isValid(pane_menu)  # not kept by the chart for as long as it lives


def test_the_backtest_plots_menus_belong_to_qt(qtbot):
    from terminal.ui.automation.plots import ResultPlots

    plots = ResultPlots()
    qtbot.addWidget(plots)
    for plot in (plots.price_plot, plots.equity_plot, plots.dd_plot):
        assert _qt_owned(plot.ctrlMenu) and _qt_owned(plot.stateGroup)
        assert plot.ctrlMenu.windowType() == Qt.WindowType.Popup


def test_a_box_answers_timer_is_deleted_on_the_gui_thread_when_the_test_ends(request, qtbot):
    """``answer_box``'s timer has no parent: it is deleted by the fixture's teardown, not by the collector later."""
    from PySide6.QtWidgets import QMessageBox

    timers: list[QObject] = []

    def check() -> None:  # added before the fixture is set up: runs after its teardown
        assert timers and not isValid(timers[0]), "the answer's timer outlived the test"
    request.addfinalizer(check)
    answer = request.getfixturevalue("answer_box")(QMessageBox.StandardButton.Ok)
    timers.append(answer.timer)
    assert answer.timer.isActive()


# the real app's main() (embedded sandbox in a child process, a self-test order, the window closed), then a census
APP = r"""
import gc, sys, tempfile
import shiboken6
from terminal.ui import app
from terminal.ui.mainwindow import MainWindow
rc = app.main(["--settings-dir", tempfile.mkdtemp(), "--data-dir", tempfile.mkdtemp(), "--self-test"])
gc.disable()
print("RC:", rc)
print("WINDOWS ALIVE AFTER MAIN:", sum(1 for o in gc.get_objects() if type(o) is MainWindow and shiboken6.isValid(o)))
"""


@pytest.mark.slow
def test_the_app_deletes_its_window_on_the_gui_thread_before_main_returns(tmp_path):
    """Left to Python, the closed window outlived ``main()`` (with every timer, model and widget in it) until its
    wrapper was freed: by the garbage collector, on whichever thread ran it."""
    out = subprocess.run([sys.executable, "-c", APP], cwd=ROOT, capture_output=True, text=True, timeout=240,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-3000:]
    got = _lines(out.stdout)
    assert got["RC"] == "0", out.stdout + out.stderr[-2000:]
    assert got["WINDOWS ALIVE AFTER MAIN"] == "0", out.stdout

"""The chart's QObjects belong to the chart: deleted with it, on the GUI thread, never by the garbage collector.

A QObject that Python owns is deleted when its wrapper is collected, on whichever thread the cyclic garbage collector
happens to run (the sandbox's server thread, an executor's). Qt cannot stop a timer from another thread, so a timer
running then stays registered with the GUI thread's dispatcher and later fires at the freed object: a segfault in
``QTimerInfoList::activateTimers`` (seen in CI: the core's timer was the indicators' 100 ms one, ``Studies``).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QGraphicsItem

from chartdata import random_walk

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[3]

# a chart whose indicators' timer is running (set_bars starts it), deleted as the app and pytest-qt delete widgets,
# then the garbage collector run on another thread; Qt's warnings printed
SCRIPT = r"""
import gc, os, sys, threading
from PySide6.QtCore import QCoreApplication, QEvent, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

messages = []
qInstallMessageHandler(lambda mode, context, text: messages.append(text))
app = QApplication([])
import numpy as np
from terminal.ui.chart.widget import ChartWidget
gc.disable()

def chart():
    n = 300
    t = 1_764_000_000_000 + np.arange(n, dtype=np.int64) * 60_000
    c = 43_000 + np.cumsum(np.random.default_rng(1).normal(0, 20, n))
    w = ChartWidget()
    w.resize(600, 400)
    w.set_symbol("BTCUSDT", 2)
    w.set_bars(t, c, c + 5, c - 5, c, np.ones(n))
    w.grab()
    assert w.studies._complete.isActive()
    w.close()
    w.deleteLater()

chart()
QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
collector = threading.Thread(target=gc.collect)
collector.start()
collector.join()
print("\n".join(messages) or "no messages", flush=True)
os._exit(0)  # (before a timer left behind would fire)
"""


def test_a_deleted_chart_leaves_no_timer_for_a_garbage_collector_thread_to_break():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "another thread" not in out.stdout, out.stdout
    assert out.stdout.strip() == "no messages", out.stdout


def test_every_qobject_of_the_chart_is_the_charts_child(qtbot):
    from terminal.ui.chart.widget import ChartWidget

    chart = ChartWidget()
    qtbot.addWidget(chart)
    chart.set_symbol("BTCUSDT", 2)
    chart.set_bars(*random_walk(300))
    owned = {name: value for name, value in vars(chart).items() if isinstance(value, QObject)}
    assert {"studies", "navigator", "crosshair", "toolbar", "view"} <= set(owned)

    def under_chart(obj: QObject) -> bool:  # a child, or an item of a scene that is (the scene deletes its items)
        if isinstance(obj, QGraphicsItem):
            obj = obj.scene()
        while obj is not None:
            if obj is chart:
                return True
            obj = obj.parent()
        return False
    assert [name for name, obj in owned.items() if not under_chart(obj)] == []

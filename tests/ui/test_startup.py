"""Start-up (issue 16 items 3 and 4): the app as a user starts it connects to its embedded sandbox running in a
child process, which ends with the app (closed, or SIGKILLed: PR_SET_PDEATHSIG) and leaves its log in the data
dir; the window's start path imports neither pandas nor the session; the automation docks are built when first
shown, and work then."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import psutil
import pytest

from tests.children import python_code, python_module

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def gone(pid: int, timeout_s: float = 20.0) -> bool:
    try:
        proc = psutil.Process(pid)
        proc.wait(timeout_s)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return proc.status() == psutil.STATUS_ZOMBIE
    return True


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """trading-terminal on the embedded sandbox (its default), offscreen, with fresh settings and data dirs."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    data = tmp_path / "data"
    proc = subprocess.Popen(python_module("terminal", "--settings-dir", str(tmp_path / "settings"), "--data-dir",
                                          str(data), "--startup-report"),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env)
    try:
        yield proc, data
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)


def wait_for_connected(proc: subprocess.Popen[str]) -> list[str]:
    """The 'startup: ...' lines up to 'startup: connected' (pytest-timeout ends a hang)."""
    assert proc.stdout is not None
    seen: list[str] = []
    for line in proc.stdout:
        if line.startswith("startup: "):
            seen.append(line.split()[1])
            if seen[-1] == "connected":
                return seen
    raise AssertionError(f"the app exited ({proc.wait()}) after {seen} without connecting")


def sandbox_children(pid: int) -> list[psutil.Process]:
    return [c for c in psutil.Process(pid).children() if "terminal.venues.sandbox" in " ".join(c.cmdline())]


@linux_only
def test_app_connects_to_its_sandbox_in_a_child_process_which_ends_with_the_app_and_keeps_its_log(app) -> None:
    proc, data = app
    assert wait_for_connected(proc) == ["first-paint", "connected"]  # painted before connecting
    children = sandbox_children(proc.pid)
    assert len(children) == 1, "the sandbox runs in its own process"
    child = children[0].pid
    proc.send_signal(signal.SIGTERM)  # closes the window as the user would
    assert proc.wait(60) == 0
    assert gone(child)
    log = (data / "sandbox.log").read_text()
    assert "sandbox listening on" in log and "sandbox stopped" in log


@linux_only
def test_sandbox_child_dies_when_the_app_is_killed(app) -> None:
    proc, data = app
    wait_for_connected(proc)
    child = sandbox_children(proc.pid)[0].pid
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert gone(child)
    assert (data / "sandbox.log").exists()


def test_window_start_path_imports_neither_pandas_nor_the_session(tmp_path: Path) -> None:
    code = ("import json, sys\nfrom PySide6.QtWidgets import QApplication\napp = QApplication(sys.argv[:1])\n"
            "from terminal.ui.app import main\nfrom terminal.ui.mainwindow import MainWindow\n"
            "w = MainWindow(__import__('pathlib').Path(sys.argv[1]))\nw.show()\napp.processEvents()\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'terminal'))))\n")
    out = subprocess.run(python_code(code, str(tmp_path)), capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    modules = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "terminal.ui.chart.widget" in modules  # the window was built, with its chart
    assert "pandas" not in modules
    assert not {"terminal.session", "terminal.oms.manager", "terminal.backtest", "terminal.ui.automation.backtest_dock"
                } & modules


def test_automation_docks_are_built_when_first_shown_and_then_work(qtbot, tmp_path: Path) -> None:
    from terminal.ui.mainwindow import MainWindow

    w = MainWindow(tmp_path)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    area = w.docks["backtest"].widget()
    assert not w.automation.built and area.widget() is None  # tabbed behind the blotters: not built
    w.docks["backtest"].raise_()  # the user clicks its tab
    qtbot.waitUntil(lambda: w.automation.built)
    dock = w.automation.backtest
    assert area.widget() is dock and w.docks["strategies"].widget().widget() is w.automation.strategies
    setup = dock.setup
    setup.select_strategy("sma_cross")
    assert setup.strategy_combo.currentData() == "sma_cross"
    setup.params.set_values({"fast": 5, "slow": 20})
    assert setup.params.values()["fast"] == 5
    assert w.automation.snapshot() == []

"""Help > About: a non-modal dialog (no nested event loop) with the app's version, the stack's versions and the
data directory; its text copies to the clipboard."""
from __future__ import annotations

import platform
from importlib.metadata import version

import PySide6
import pyqtgraph
import pytest
from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtWidgets import QApplication

from terminal.ui.mainwindow import MainWindow

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()


@pytest.fixture
def win(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    w = MainWindow(tmp_path / "settings")
    qtbot.addWidget(w)
    w.show()
    return w


def help_action(win, text):
    help_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Help")
    return next(a for a in help_menu.actions() if a.text() == text)


def test_help_about_shows_the_versions_and_the_data_directory(qtbot, win, tmp_path):
    help_action(win, "&About Trading Terminal…").trigger()
    dlg = win._about
    qtbot.waitUntil(dlg.isVisible)
    assert not dlg.isModal() and QApplication.activeModalWidget() is None
    shown = {name: label.text() for name, label in dlg.values.items()}
    assert shown["Trading Terminal"] == version("trading-terminal") == "0.1.0"
    assert shown["Python"].startswith(platform.python_version() + " ")
    assert shown["Qt"] == qVersion() and shown["PySide6"] == PySide6.__version__
    assert shown["pyqtgraph"] == pyqtgraph.__version__ and shown["qasync"] == version("qasync")
    assert shown["Data directory"] == str(tmp_path / "data" / "trading-terminal")
    assert shown["Settings file"] == str(tmp_path / "settings" / "settings.json")


def test_about_opens_without_a_nested_event_loop(qtbot, win):
    returned: list[bool] = []
    inside_trigger: list[bool] = []

    def probe() -> None:  # runs on the next event-loop turn: inside trigger() only if it started a nested loop
        inside_trigger.append(not returned)
        modal = QApplication.activeModalWidget()
        if modal is not None:
            modal.reject()

    QTimer.singleShot(0, probe)
    help_action(win, "&About Trading Terminal…").trigger()
    returned.append(True)
    qtbot.waitUntil(lambda: bool(inside_trigger))
    assert inside_trigger == [False]
    assert win._about.isVisible()


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen: no stacking
def test_about_twice_raises_the_same_dialog_and_close_hides_it(qtbot, win):
    win.show_about()
    first = win._about
    win.show_about()
    assert win._about is first and first.isVisible()
    close = next(b for b in first.findChildren(PySide6.QtWidgets.QPushButton) if b.text() == "Close")
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not first.isVisible())


def test_about_copy_puts_every_row_on_the_clipboard(qtbot, win):
    win.show_about()
    dlg = win._about
    qtbot.mouseClick(dlg.copy_button, Qt.MouseButton.LeftButton)
    text = QApplication.clipboard().text()
    assert text.splitlines()[0] == f"Trading Terminal: {version('trading-terminal')}"
    for name, label in dlg.values.items():
        assert f"{name}: {label.text()}" in text.splitlines()

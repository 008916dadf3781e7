"""Start-up (issue 16 item 3): arranging the docks (at construction, Reset layout, a preset) docks again only the
floating ones: ``setFloating(False)`` on a docked dock is no no-op in Qt (it re-lays the dock out, ~2 M
instructions each, 13 docks at every start)."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDockWidget

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


def test_arranging_the_docks_refloats_nothing_but_docks_the_floating_ones(qtbot, tmp_path) -> None:
    from terminal.ui.mainwindow import MainWindow

    w = MainWindow(tmp_path)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    qtbot.waitExposed(w)
    w.docks["log"].setFloating(True)
    calls: list[str] = []
    for name, dock in w.docks.items():
        def recorded(floating: bool, name: str = name, dock: QDockWidget = dock) -> None:
            calls.append(name)
            QDockWidget.setFloating(dock, floating)
        dock.setFloating = recorded  # type: ignore[method-assign]
    w.reset_layout()
    assert calls == ["log"]
    assert not any(dock.isFloating() for dock in w.docks.values())
    assert w.docks["log"].isVisible() and w.docks["chart"].isVisible()

"""The theme's font (9.5 pt) in the first window of a process: the theme is applied before the window exists, so its
widgets polished with a style sheet (menu bar, table headers, labels) do not keep the application's previous font."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QMenuBar, QWidget

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def fresh_font(qapp):
    """The application's font as a new process has it (Qt's 9 pt), before any window applied the theme."""
    before = QFont(qapp.font())
    font = QFont(before)
    font.setPointSizeF(9.0)
    qapp.setFont(font)
    try:
        yield
    finally:
        qapp.setFont(before)


def test_first_window_style_sheeted_widgets_have_the_theme_font(qtbot, tmp_path, fresh_font) -> None:
    from terminal.ui.mainwindow import MainWindow

    w = MainWindow(tmp_path)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    qtbot.waitExposed(w)
    for dock in ("news", "log", "blotters"):  # (docks behind tabs are polished when shown)
        w.docks[dock].raise_()
    qtbot.waitUntil(lambda: w.docks["blotters"].isVisible() and w.docks["news"].isVisible())

    def off_size(kind: type[QWidget]) -> list[str]:
        widgets = [c for c in w.findChildren(kind) if c.isVisible() and c.font().pointSizeF() > 0]
        assert widgets, kind.__name__
        return [f"{type(c).__name__} {c.objectName()!r} {c.font().pointSizeF()}" for c in widgets
                if c.font().pointSizeF() != 9.5]

    assert w.menuBar().styleSheet() and w.menuBar().font().pointSizeF() == 9.5  # a style-sheeted widget
    assert not off_size(QMenuBar) and not off_size(QHeaderView)
    labels = [c for c in w.findChildren(QLabel) if c.isVisible() and c.font().pointSizeF() > 0]
    assert any(c.styleSheet() for c in labels) or any(c.parentWidget().styleSheet() for c in labels)
    # (the fundamentals' small print is its own font, 0.9 of the theme's)
    assert not [c.text() for c in labels if c.font().pointSizeF() not in (9.5, 9.5 * 0.9)]

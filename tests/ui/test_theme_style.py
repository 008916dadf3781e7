"""The application style: Qt's Fusion, with the docks' title-bar icons made once (Fusion reads six PNG files for
each at every call, and every dock layout pass asks for both)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QStyle, QStyleFactory

from terminal.ui import theme

pytestmark = pytest.mark.gui

SP = QStyle.StandardPixmap


def test_dock_title_icons_are_made_once_and_are_fusions(qapp) -> None:
    theme.apply(qapp, theme.colors().name)
    style = qapp.style()
    fusion = QStyleFactory.create("fusion")
    for icon in (SP.SP_TitleBarCloseButton, SP.SP_TitleBarNormalButton):
        first, again = style.standardIcon(icon), style.standardIcon(icon)
        assert first.cacheKey() == again.cacheKey()  # the same icon, not made again
        sizes = fusion.standardIcon(icon).availableSizes()
        assert sizes and first.availableSizes() == sizes
        for size in sizes:
            assert first.pixmap(size).toImage() == fusion.standardIcon(icon).pixmap(size).toImage()
    # every other icon and metric is Fusion's
    assert style.standardIcon(SP.SP_DialogOkButton).pixmap(QSize(16, 16)).toImage() == \
        fusion.standardIcon(SP.SP_DialogOkButton).pixmap(QSize(16, 16)).toImage()
    assert style.baseStyle().name() == "fusion"
    assert style.pixelMetric(QStyle.PixelMetric.PM_DockWidgetTitleMargin) == \
        fusion.pixelMetric(QStyle.PixelMetric.PM_DockWidgetTitleMargin)


def test_theme_switch_keeps_the_application_style(qapp) -> None:
    theme.apply(qapp, "dark")
    style = qapp.style()
    theme.apply(qapp, "light")
    theme.apply(qapp, "dark")
    assert qapp.style() is style  # (setStyle deletes the style and re-polishes every widget: never again)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_theme_switch_reaches_every_widget_of_the_window(qtbot, qapp, tmp_path) -> None:
    """Qt passes a new application palette on to children except those using a style sheet; told before their
    parent, such widgets (the blotters, with everything in them) kept the old theme's colours."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QWidget

    from terminal.ui.mainwindow import MainWindow

    w = MainWindow(tmp_path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    role = QPalette.ColorRole
    for name, other in (("light", theme.DARK), ("dark", theme.LIGHT), ("light", theme.DARK)):
        w.set_theme(name)
        old = {other.window, other.panel}
        stale = [f"{type(c).__name__} in {type(c.parentWidget()).__name__}" for c in w.findChildren(QWidget)
                 if {c.palette().color(role.Window).name(), c.palette().color(role.Button).name()} & old]
        assert not stale, f"{name}: {len(stale)} widgets in the old colours: {stale[:5]}"

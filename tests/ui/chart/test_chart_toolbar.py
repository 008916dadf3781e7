"""The chart toolbar draws its buttons' faces itself, from a kept picture (issue 16, item 2: a style sheet sent
every repaint of the chart through Qt's style-sheet style for the bar and its eight buttons)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

OLD_SHEET = ("QToolButton { color: #787b86; background: transparent; border: none; padding: 3px 7px;"
             " border-radius: 3px; font-weight: 600; }")


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(
        image.height(), image.bytesPerLine())[:, : image.width() * 4].copy()


@pytest.fixture
def toolbar(qtbot):  # type: ignore[no-untyped-def]
    from terminal.ui.chart.theme import palette
    from terminal.ui.chart.toolbar import ChartToolbar

    bar = ChartToolbar()
    qtbot.addWidget(bar)
    bar.apply_palette(palette("dark"))
    bar.resize(1000, bar.sizeHint().height())
    bar.show()
    qtbot.waitExposed(bar)
    return bar


@pytest.mark.parametrize("point_size", [9.0, 9.5, 11.0])  # Qt's default, the app theme's, a larger one
def test_each_button_has_the_size_the_old_style_sheet_gave_it(qtbot, point_size):
    from terminal.ui.chart.toolbar import ChartToolbar

    holder = QWidget()
    qtbot.addWidget(holder)
    font = QFont(holder.font())
    font.setPointSizeF(point_size)
    holder.setFont(font)
    layout = QHBoxLayout(holder)
    bar = ChartToolbar(holder)
    layout.addWidget(bar)
    styled = QWidget(holder)
    styled.setStyleSheet(OLD_SHEET)
    for b in bar.buttons:
        old = QToolButton(styled)
        old.setText(b.text())
        old.setAutoRaise(True)
        old.ensurePolished()
        assert (b.sizeHint().width(), b.sizeHint().height()) == (old.sizeHint().width(), old.sizeHint().height())


def test_the_bar_and_its_buttons_have_no_style_sheet(toolbar):
    assert toolbar.styleSheet() == ""
    assert all(b.styleSheet() == "" for b in toolbar.buttons)


def test_repaints_reuse_the_picture_until_a_button_changes(toolbar, qtbot):
    toolbar.grab()
    pictures = toolbar.pictures
    before = _pixels(toolbar.grab().toImage())
    toolbar.grab()
    assert toolbar.pictures == pictures  # nothing changed: the kept picture
    button = toolbar.timeframe_buttons["4h"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert toolbar.timeframe() == "4h"
    after = _pixels(toolbar.grab().toImage())
    assert toolbar.pictures > pictures
    g = button.geometry()
    changed = np.argwhere((before != after).reshape(after.shape[0], -1, 4).any(axis=2))
    assert len(changed)
    one_m = toolbar.timeframe_buttons["1m"].geometry()
    for row, col in changed:  # only the newly checked button and the one it unchecked look different
        assert g.contains(QPoint(int(col), int(row))) or one_m.contains(QPoint(int(col), int(row)))


def test_a_hovered_button_shows_its_hover_face(toolbar, qtbot):
    button = toolbar.indicators_button
    before = _pixels(toolbar.grab().toImage())
    qtbot.mouseMove(button, button.rect().center())
    qtbot.waitUntil(button.underMouse)
    after = _pixels(toolbar.grab().toImage())
    g = button.geometry()
    rows, cols = slice(g.top(), g.bottom()), slice(g.left() * 4, g.right() * 4)
    assert (before[rows, cols] != after[rows, cols]).any()


def test_a_chart_never_shown_grabs_its_buttons(qtbot):
    """A grab of a chart that was never shown (an export, a screenshot script): its buttons are not visible, only
    visible to the bar; their faces are drawn all the same."""
    from terminal.ui.chart.widget import ChartWidget

    chart = ChartWidget()
    qtbot.addWidget(chart)
    chart.resize(900, 500)
    image = chart.grab().toImage()
    checked = chart.toolbar.timeframe_buttons["1m"].geometry()
    assert image.pixelColor(checked.left() + 2, checked.center().y()).name() == chart._palette.axis

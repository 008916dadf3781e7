"""Start-up (issue 16 item 3): the window's docks are built where they stay. A widget with a style sheet of its own
(the ticket, the alerts) moved into its dock after it was built is polished again with everything in it (Qt
re-polishes a style-sheeted widget's whole tree when it changes parent): made inside its dock, it is polished once,
as when it is built on its own."""
from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget
from shiboken6 import getCppPointer

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


class StyleChanges(QObject):
    """Counts the style changes each widget receives while installed on the application."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: Counter[int] = Counter()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.StyleChange:
            self.seen[getCppPointer(watched)[0]] += 1
        return False

    def of(self, widget: QWidget) -> int:
        """The style changes ``widget`` and everything in it received."""
        return sum(self.seen[getCppPointer(w)[0]] for w in [widget, *widget.findChildren(QWidget)])


def counted(qapp, make):
    changes = StyleChanges()
    qapp.installEventFilter(changes)
    try:
        made = make()
    finally:
        qapp.removeEventFilter(changes)
    return made, changes


@pytest.mark.parametrize("name", ["order_entry", "alerts"])
def test_style_sheeted_dock_widget_is_polished_as_often_as_when_built_alone(qtbot, qapp, tmp_path, name) -> None:
    from terminal.ui.mainwindow import MainWindow
    from terminal.ui.widgets.alerts import AlertsWidget
    from terminal.ui.widgets.order_entry import OrderEntryWidget

    window, in_window = counted(qapp, lambda: MainWindow(tmp_path))
    qtbot.addWidget(window)
    holder = QWidget()
    qtbot.addWidget(holder)
    alone, by_itself = counted(qapp, lambda: (OrderEntryWidget if name == "order_entry" else AlertsWidget)(holder))
    widget = getattr(window, name)
    assert widget.styleSheet() and type(widget) is type(alone)
    assert in_window.of(widget) == by_itself.of(alone) > 0

"""The window on a laptop screen: every control of the order ticket on screen, visible, under no dock's title bar;
layout presets that switch the docks and keep the user's arrangement; Reset layout."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QDockWidget, QLabel, QLineEdit,
                               QWidget)

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]  # offscreen plugin
CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QLabel)


@pytest.fixture
def sized_window(qtbot, qloop, tmp_path, request):
    """The main window shown at ``request.param`` (width, height) on a session to the embedded sandbox."""
    from terminal import session as session_mod
    from terminal.ui.mainwindow import MainWindow

    width, height = request.param
    w = MainWindow(tmp_path)
    w.resize(width, height)
    w.show()
    w.order_entry.confirm_box.setChecked(False)
    assert qloop.run(w.start_session(lambda: session_mod.connect("sandbox")), 30)
    try:
        yield w
    finally:
        qloop.run(w.shutdown(), 20)
        w.close()
        w.deleteLater()


def _global(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def _title_bar(dock: QDockWidget) -> QRect:
    """The dock's own title bar (the strip above its content), in global coordinates."""
    top = dock.widget().geometry().top() if dock.widget() is not None else 0
    return QRect(dock.mapToGlobal(QPoint(0, 0)), QRect(0, 0, dock.width(), top).size())


def _controls(root: QWidget) -> list[QWidget]:
    return [c for c in root.findChildren(QWidget) if isinstance(c, CONTROLS) and c.isVisible()
            and not isinstance(c.parent(), (QLineEdit, QComboBox, QAbstractSpinBox))]  # not a line edit's own button


def _laid_out(w) -> bool:
    return w.isVisible() and w.order_entry.isVisible() and w.order_entry.width() > 0 and \
        w.book_trades.book.viewport().height() > 0


@pytest.mark.parametrize("sized_window", [(1280, 720), (1366, 768)], indirect=True,
                         ids=["1280x720", "1366x768"])
def test_every_ticket_control_is_on_screen_whole_and_under_no_other_dock_title(sized_window, qtbot):
    w = sized_window
    width, height = w.width(), w.height()
    qtbot.waitUntil(lambda: _laid_out(w))
    qtbot.waitUntil(lambda: w.order_entry.instrument is not None, timeout=10000)
    screen = QRect(w.mapToGlobal(QPoint(0, 0)), w.size())
    # the window really is the size asked for: a minimum size above it would push controls off a laptop screen
    assert (w.width(), w.height()) == (width, height) == tuple(map(int, w.windowHandle().size().toTuple()))
    assert w.minimumSizeHint().width() <= width and w.minimumSizeHint().height() <= height
    titles = [(name, _title_bar(d)) for name, d in w.docks.items()
              if d.isVisible() and name != "order_entry" and not d.visibleRegion().isEmpty()]
    controls = _controls(w.order_entry)
    assert len(controls) >= 10, [type(c).__name__ for c in controls]
    for c in controls:
        r = _global(c)
        what = f"{type(c).__name__} {c.objectName() or getattr(c, 'text', lambda: '')()!r} at {r}"
        assert r.width() > 0 and r.height() > 0, what
        assert screen.contains(r), f"{what} is not inside the {width}x{height} window {screen}"
        seen = c.visibleRegion().boundingRect()
        assert seen.size() == c.size(), f"{what} is clipped: only {seen} of it shows"
        for name, bar in titles:
            assert not bar.intersects(r), f"{what} is under the title bar of the {name} dock"
    # the book is readable in its narrow pane: whole prices (Price and Size columns, no ellipsis)
    book = w.book_trades.book
    from terminal.ui.models.book import SideRole
    mdl = w.book_trades.book_model

    def bid_rows() -> list[int]:
        return [r for r in range(mdl.rowCount()) if mdl.index(r, 0).data(SideRole) == -1]
    qtbot.waitUntil(lambda: bool(bid_rows()), timeout=10000)  # shown, not only received
    row = bid_rows()[0]  # the best bid
    text = mdl.index(row, 0).data()
    assert book.fontMetrics().horizontalAdvance(text) + 6 <= book.columnWidth(0), (text, book.columnWidth(0))


def test_presets_switch_the_docks_and_keep_each_arrangement_and_reset_restores_the_default(window, qtbot):
    w = window
    d = w.docks
    size = w.size()
    assert w.preset == "Trading" and w.preset_actions["Trading"].isChecked()
    assert all(d[n].isVisible() for n in ("watchlist", "chart", "book", "order_entry", "blotters", "log"))
    assert d["health"] in w.tabifiedDockWidgets(d["log"])  # feed health starts small: a tab behind the log
    assert d["log"].height() < d["order_entry"].height()
    # the user hides the log in the Trading layout
    d["log"].close()
    qtbot.waitUntil(lambda: not d["log"].isVisible())
    w.preset_actions["Automation"].trigger()
    assert w.preset == "Automation" and w.preset_actions["Automation"].isChecked()
    qtbot.waitUntil(lambda: d["strategies"].isVisible() and not d["strategies"].visibleRegion().isEmpty())
    assert not d["book"].isVisible() and not d["order_entry"].isVisible()
    assert d["log"].isVisible()
    assert {d["backtest"], d["blotters"]} <= set(w.tabifiedDockWidgets(d["strategies"]))
    assert w.size() == size  # re-arranging never grows the window (docks stacked for a moment)
    assert d["strategies"].width() > d["chart"].width() // 2  # the automation docks are wide...
    assert d["strategies"].height() > d["chart"].height() * 0.9  # ...and tall
    # back to Trading: the user's own Trading arrangement (log hidden), not the default
    w.preset_actions["Trading"].trigger()
    qtbot.waitUntil(lambda: d["book"].isVisible() and d["order_entry"].isVisible())
    assert not d["log"].isVisible()
    # Reset layout: the Trading default again, a floating dock docked
    d["book"].setFloating(True)
    w.reset_layout()
    qtbot.waitUntil(lambda: d["log"].isVisible())
    assert not d["book"].isFloating() and d["book"].isVisible()
    assert w.preset == "Trading" and w.size() == size
    # the preset and its arrangement survive a restart
    w.preset_actions["Automation"].trigger()
    w.save_settings(wait=True)
    from terminal.ui.mainwindow import MainWindow
    again = MainWindow(w.settings_dir)
    qtbot.addWidget(again)
    assert again.preset == "Automation" and again.preset_actions["Automation"].isChecked()
    again.show()
    qtbot.waitUntil(lambda: again.docks["strategies"].isVisible())
    assert not again.docks["book"].isVisible()
    again.close()


def test_allocate_keeps_minimums_and_stays_within_the_total():
    from terminal.ui.layout import allocate
    assert allocate(1000, [100, 100], [0.5, 0.5]) == [500, 500]
    sizes = allocate(1274, [104, 575, 92, 317], [0.05, 0.55, 0.20, 0.20])  # a 1280 px laptop window
    assert sum(sizes) <= 1274 and all(s >= lo for s, lo in zip(sizes, [104, 575, 92, 317]))
    assert sizes[2] > 92  # the book still gets more than its minimum
    assert allocate(700, [512, 115], [0.68, 0.32]) == [512, 188]  # the ticket's minimum first, the log the rest
    assert allocate(500, [512, 115], [0.68, 0.32]) == [512, 115]  # too small: minimums (Qt's window minimum)

"""The window without a session: docks, View menu, layout save/restore/reset, theme, shortcuts, status bar."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from terminal import model as m
from terminal.ui import theme
from terminal.ui.mainwindow import MainWindow

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()


@pytest.fixture
def win(qtbot, tmp_path):
    w = MainWindow(tmp_path)
    qtbot.addWidget(w)
    w.show()
    return w


def _press_escape(qtbot, w) -> None:
    """Esc in the window. The offscreen platform does not give the window focus back when a box closes (a window
    manager does), and a window shortcut needs its window active."""
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    qtbot.keyClick(w, Qt.Key.Key_Escape)


def test_window_starts_in_a_connecting_state_with_every_dock(win):
    assert "connecting" in win.status.conn_label.text()
    assert win.status.env_label.text() == "SANDBOX"
    assert set(win.docks) == {"watchlist", "chart", "order_entry", "book", "blotters", "log", "health",
                              "strategies", "backtest", "alerts", "news", "fundamentals", "data"}
    assert "Backtest" in [a.text() for a in win.view_menu.actions()]
    titles = [a.text() for a in win.view_menu.actions()]
    assert "Watchlist" in titles and "Order entry" in titles


def test_live_is_shown_in_red(qtbot, tmp_path):
    w = MainWindow(tmp_path, m.Environment.LIVE)
    qtbot.addWidget(w)
    assert w.status.env_label.text() == "LIVE" and w.status.env_label.objectName() == "envLIVE"
    assert "#e02424" in theme.stylesheet(theme.colors()).split("QLabel#envLIVE")[1].split("}")[0]
    assert w.order_entry.needs_confirmation()


def test_layout_is_saved_restored_and_reset(qtbot, win, tmp_path):
    win.docks["log"].hide()
    win.save_settings(wait=True)
    data = json.loads((tmp_path / "settings.json").read_text())
    assert data["ui"]["window_state"]
    again = MainWindow(tmp_path)
    qtbot.addWidget(again)
    again.show()
    assert not again.docks["log"].isVisible() and again.docks["watchlist"].isVisible()
    again.reset_layout()
    assert again.docks["log"].isVisibleTo(again) or again.docks["log"].toggleViewAction().isChecked()


def test_view_menu_toggles_a_dock(win):
    action = win.docks["health"].toggleViewAction()
    was = action.isChecked()
    action.trigger()
    assert action.isChecked() is not was


def test_add_dock_hook_for_other_packages(win):
    dock = win.add_dock("strategies", QLabel("strategies"), Qt.DockWidgetArea.BottomDockWidgetArea, "Strategies")
    assert win.docks["strategies"] is dock and dock.objectName() == "dock-strategies"
    assert dock.toggleViewAction() in win.view_menu.actions()


def test_theme_switch_applies_and_persists(win, tmp_path):
    win.set_theme("light")
    assert theme.colors().name == "light"
    win.save_settings(wait=True)
    assert json.loads((tmp_path / "settings.json").read_text())["theme"] == "light"
    win.set_theme("dark")
    assert theme.colors().name == "dark"


def test_shortcuts_focus_sides_and_escape_asks_before_cancelling(qtbot, qloop, win, answer_box):
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert win.order_entry.side() is m.Side.SELL
    qtbot.keyClick(win, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert win.order_entry.side() is m.Side.BUY
    cancelled: list[str | None] = []

    async def cancel_all(symbol):
        cancelled.append(symbol)
    win.blotters.cancel_all_fn = cancel_all
    win.blotters.open_model.on_orders([m.Order("BTCUSDT", m.Side.BUY, m.OrderType.LIMIT, "c1", m.to_decimal("1"),
                                               price=m.to_decimal("10"), status=m.OrderStatus.NEW)])
    win.blotters.flush()
    no = answer_box(QMessageBox.StandardButton.No)
    _press_escape(qtbot, win)
    qtbot.waitUntil(lambda: no.clicked, timeout=5000)
    assert no.title == "Cancel all orders" and no.text == "SANDBOX: cancel all 1 open orders?"
    assert cancelled == []
    yes = answer_box(QMessageBox.StandardButton.Yes)
    _press_escape(qtbot, win)
    qtbot.waitUntil(lambda: cancelled == ["BTCUSDT"], timeout=5000)
    assert yes.clicked


def test_status_bar_shows_a_drop_and_the_recovery(win):
    sb = win.status
    sb.on_connections([m.ConnectionChanged("market", True), m.ConnectionChanged("user", True)])
    assert sb.conn_label.text() == "● connected"
    sb.on_connections([m.ConnectionChanged("market", False, "socket closed")])
    assert "reconnecting market (socket closed)" in sb.conn_label.text()
    assert sb.conn_label.objectName() == "connWait"
    sb.on_connections([m.ConnectionChanged("market", True, "reconnected", 1)])
    assert sb.conn_label.text() == "● connected · 1 drop recovered"
    sb.set_health(4.2, -13, 120, 6000)
    assert sb.latency_label.text() == "latency 4 ms" and sb.offset_label.text() == "clock -13 ms"
    assert sb.rate_label.text() == "weight 120/6000 (2%)"


def test_status_bar_says_when_trading_is_disabled(win):
    win.status.set_trading(False, "no API keys for testnet: No secure keyring is available")
    assert win.status.trading_label.isVisibleTo(win) and win.status.trading_label.text() == "TRADING DISABLED"
    assert "keyring" in win.status.trading_label.toolTip()
    win.status.set_trading(True)
    assert not win.status.trading_label.isVisibleTo(win)


def test_help_lists_the_shortcuts(win):
    win.show_help()
    assert "Ctrl+B" in win._help.text() and "Esc" in win._help.text()
    win._help.close()


def test_environment_choice_is_saved_for_the_next_start_and_live_asks_first(qtbot, qloop, win, tmp_path, answer_box):
    no = answer_box(QMessageBox.StandardButton.No)
    win.env_actions[m.Environment.LIVE].trigger()  # File > Environment > LIVE
    qtbot.waitUntil(lambda: no.clicked, timeout=5000)
    assert no.title == "LIVE trading" and "real money" in no.text
    qtbot.waitUntil(lambda: win.env_actions[m.Environment.SANDBOX].isChecked(), timeout=5000)
    assert not (tmp_path / "settings.json").exists() or \
        json.loads((tmp_path / "settings.json").read_text()).get("environment") != "live"
    assert qloop.run(win.choose_environment(m.Environment.TESTNET))
    assert json.loads((tmp_path / "settings.json").read_text())["environment"] == "testnet"
    assert "restarts" in win.status.currentMessage()


def test_applying_the_same_theme_again_keeps_the_application_style(qapp):
    """A new window re-applies the theme: the application's style object is kept (replacing it re-polishes every
    widget, including ones being torn down), and switching still changes the palette."""
    from terminal.ui import theme
    theme.apply(qapp, "dark")
    style = qapp.style()
    dark = qapp.palette().window().color().name()
    theme.apply(qapp, "dark")
    assert qapp.style() is style
    theme.apply(qapp, "light")
    assert qapp.style() is style and qapp.palette().window().color().name() != dark
    theme.apply(qapp, "dark")
    assert qapp.palette().window().color().name() == dark


def test_saving_the_window_settings_queues_them_for_the_writer_instead_of_waiting_for_the_disk(win, tmp_path):
    """Choosing an environment or a layout saves the settings from the GUI thread: queued behind a slow disk write,
    the call returns at once (it waited for the disk before) and the file has the new state once the writer ran."""
    import threading

    from terminal.storage.writer import shared

    slow_disk = threading.Event()
    shared().submit(None, lambda: slow_disk.wait(20), label="a slow disk")
    try:
        win.docks["log"].hide()
        win.save_settings()
        path = tmp_path / "settings.json"
        assert not path.exists() or "window_state" not in json.loads(path.read_text()).get("ui", {})
    finally:
        slow_disk.set()
    shared().flush()
    assert json.loads((tmp_path / "settings.json").read_text())["ui"]["window_state"]

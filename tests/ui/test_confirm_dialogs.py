"""Confirmations in the real window on the embedded sandbox: the real QMessageBox is clicked with the mouse, and
the market keeps moving while it is open and after it closes (a dialog run with exec() from a coroutine stalled
every stream for good: issue 9)."""
from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from terminal import model as m

pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore("propagateSizeHints")]  # the offscreen plugin says this on every show()
Button = QMessageBox.StandardButton


class Flow:
    """Counts the market updates the window's models receive: book redraws, new trades, watchlist changes."""

    def __init__(self, w) -> None:
        self.book = self.trades = self.watchlist = 0
        w.book_trades.book_model.dataChanged.connect(lambda *_: self._add("book"))
        w.book_trades.trades_model.rowsInserted.connect(lambda *_: self._add("trades"))
        w.watchlist.model.dataChanged.connect(lambda *_: self._add("watchlist"))

    def _add(self, name: str) -> None:
        setattr(self, name, getattr(self, name) + 1)

    def snapshot(self) -> tuple[int, int, int]:
        return self.book, self.trades, self.watchlist

    def moved_since(self, then: tuple[int, int, int], n: int = 5) -> bool:
        """Each of book, trades and watchlist got at least ``n`` more updates."""
        return all(now >= before + n for now, before in zip(self.snapshot(), then))


@pytest.fixture
def errors(caplog):
    """ERROR records (asyncio logs "Cannot enter into task ..." there when a nested loop runs a task's step)."""
    caplog.set_level(logging.ERROR)
    return lambda: [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _ready(qtbot, w, symbol="BTCUSDT") -> Decimal:
    qtbot.waitUntil(lambda: w.link.last_prices.get(symbol) is not None, timeout=15000)
    qtbot.waitUntil(lambda: bool(w.book_trades.book_model.ladder.bids), timeout=10000)
    return w.link.last_prices[symbol]


def _venue_open_orders(w, symbol="BTCUSDT") -> list:
    """The sandbox exchange's own list (not the terminal's copy)."""
    srv = w.link.session.server
    account = srv.accounts.lookup(srv.default_api_key).account_id
    return srv.call(lambda: srv.engine.open_orders(account, symbol))


def _limit_buy(w, last: Decimal) -> Decimal:
    ins = w.instruments["BTCUSDT"]
    oe = w.order_entry
    oe.confirm_box.setChecked(True)  # the default (the window fixture turns it off for the other tests)
    oe.type_combo.setCurrentIndex(0)
    oe.buy_tab.setChecked(True)
    price = ins.snap_price(last * Decimal("0.97"))
    oe.price_edit.setText(ins.format_price(price))
    oe.qty_edit.setText("0.01")
    return price


def _press_escape(qtbot, w) -> None:
    """Esc in the window. The offscreen platform does not give the window focus back when a box closes (a window
    manager does), and a window shortcut needs its window active."""
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    qtbot.keyClick(w, Qt.Key.Key_Escape)


def test_buy_confirmed_with_ok_reaches_the_venue_and_the_market_keeps_moving(qtbot, window, answer_box, errors):
    w = window
    price = _limit_buy(w, _ready(qtbot, w))
    oe = w.order_entry
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    flow = Flow(w)
    before_click = flow.snapshot()
    box = answer_box(Button.Ok, when=lambda: flow.moved_since(before_click), timeout_ms=15000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.clicked, timeout=20000)
    assert box.condition_held, f"the market stood still while the box was open: {flow.snapshot()}"
    assert box.title == "Confirm order — SANDBOX" and box.text.startswith("SANDBOX: BUY LIMIT 0.01000 BTC @")
    assert box.modality is Qt.WindowModality.WindowModal
    qtbot.waitUntil(lambda: len(_venue_open_orders(w)) == 1, timeout=10000)
    (order,) = _venue_open_orders(w)
    assert order.price == price and order.quantity == Decimal("0.01000")
    qtbot.waitUntil(lambda: w.blotters.open_model.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(lambda: oe.status.text().startswith("Sent: BUY LIMIT"), timeout=5000)  # after the row
    after_click = flow.snapshot()
    qtbot.waitUntil(lambda: flow.moved_since(after_click, 10), timeout=15000)
    assert errors() == []


def test_cancel_in_the_order_dialog_sends_nothing_and_the_market_keeps_moving(qtbot, window, answer_box, errors):
    w = window
    _limit_buy(w, _ready(qtbot, w))
    oe = w.order_entry
    qtbot.waitUntil(oe.submit.isEnabled, timeout=3000)
    flow = Flow(w)
    before_click = flow.snapshot()
    box = answer_box(Button.Cancel, when=lambda: flow.moved_since(before_click), timeout_ms=15000)
    qtbot.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.clicked, timeout=20000)
    assert box.condition_held, f"the market stood still while the box was open: {flow.snapshot()}"
    qtbot.waitUntil(lambda: oe.status.text() == "Not sent.", timeout=5000)
    after_click = flow.snapshot()
    qtbot.waitUntil(lambda: flow.moved_since(after_click, 10), timeout=15000)
    assert _venue_open_orders(w) == [] and w.blotters.open_model.rowCount() == 0
    assert oe.submit.isEnabled()  # ready for the next order
    assert errors() == []


def test_escape_asks_first_no_keeps_the_orders_and_yes_cancels_them_all(qtbot, qloop, window, answer_box, errors):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments["BTCUSDT"]
    s = w.link.session
    for k in (1, 2):
        qloop.run(s.place_order(m.OrderRequest("BTCUSDT", m.Side.BUY, m.OrderType.LIMIT, Decimal("0.001"),
                                               ins.snap_price(last * (1 - Decimal("0.01") * k)),
                                               time_in_force=m.TimeInForce.GTC)))
    qtbot.waitUntil(lambda: w.blotters.open_model.rowCount() == 2, timeout=10000)
    flow = Flow(w)
    no = answer_box(Button.No)
    _press_escape(qtbot, w)
    qtbot.waitUntil(lambda: no.clicked, timeout=10000)
    assert no.title == "Cancel all orders" and no.text == "SANDBOX: cancel all 2 open orders?"
    assert no.buttons == Button.Yes | Button.No
    after_no = flow.snapshot()
    qtbot.waitUntil(lambda: flow.moved_since(after_no), timeout=15000)
    assert len(_venue_open_orders(w)) == 2 and w.blotters.open_model.rowCount() == 2  # declined: nothing sent
    yes = answer_box(Button.Yes)
    _press_escape(qtbot, w)
    qtbot.waitUntil(lambda: yes.clicked, timeout=10000)
    qtbot.waitUntil(lambda: w.blotters.open_model.rowCount() == 0, timeout=10000)
    assert _venue_open_orders(w) == [] and not s.open_orders("BTCUSDT")
    after_yes = flow.snapshot()
    qtbot.waitUntil(lambda: flow.moved_since(after_yes), timeout=15000)
    assert errors() == []


def test_a_strategy_on_live_asks_first_no_leaves_it_stopped_yes_starts_it(qtbot, window, answer_box, errors):
    from terminal.ui.automation.host import InstanceState

    w = window
    _ready(qtbot, w)
    w.link.session.environment = m.Environment.LIVE  # the dock asks about the session it trades on
    dock = w.automation.strategies
    dock.select_strategy("sma_cross")
    qtbot.waitUntil(dock.add_button.isEnabled, timeout=5000)
    flow = Flow(w)
    before_click = flow.snapshot()
    no = answer_box(Button.No, when=lambda: flow.moved_since(before_click), timeout_ms=15000)
    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: no.clicked, timeout=20000)
    assert no.condition_held, f"the market stood still while the box was open: {flow.snapshot()}"
    assert no.title == "LIVE trading" and "with REAL money" in no.text
    qtbot.waitUntil(lambda: dock.message.text() == "not started", timeout=5000)
    (inst,) = dock.host.instances
    assert inst.state is InstanceState.STOPPED
    dock.table.selectRow(0)
    dock.refresh()
    assert dock.start_button.isEnabled()
    yes = answer_box(Button.Yes)
    qtbot.mouseClick(dock.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: yes.clicked, timeout=10000)
    qtbot.waitUntil(lambda: inst.state is InstanceState.RUNNING, timeout=15000)
    after_yes = flow.snapshot()
    qtbot.waitUntil(lambda: flow.moved_since(after_yes, 10), timeout=15000)
    assert errors() == []


def test_live_start_asks_first_and_a_window_closed_unanswered_quits_without_connecting(tmp_path):
    """The LIVE prompt is awaited inside the app's loop: the --exit-after timer still runs, closing the window
    answers the open box "no", and the app exits without connecting (it used to wait in exec() for ever)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(root), XDG_DATA_HOME=str(tmp_path / "data"))
    from children import python_module
    proc = subprocess.run(python_module("terminal", "--env", "live", "--settings-dir", str(tmp_path),
                                        "--exit-after", "3"), cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "connect" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-2000:]

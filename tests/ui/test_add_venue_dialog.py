"""File > Add venue… / Connect to <provider>…: the options a provider declares (the paper venue's starting cash, IB's
host/port/client id), refused in place when invalid; a LIVE environment asked again before connecting."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from terminal.ui.dialogs.venue import AddVenueDialog

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


def _open(qtbot, w) -> AddVenueDialog:
    w.add_venue_action.trigger()
    qtbot.waitUntil(lambda: isinstance(getattr(w, "add_venue_dialog", None), AddVenueDialog)
                    and w.add_venue_dialog.isVisible(), timeout=5000)
    return w.add_venue_dialog


def _ok(qtbot, dlg: AddVenueDialog) -> None:
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_a_declared_option_is_asked_refused_in_place_when_bad_and_passed_to_the_venue(qtbot, window):
    w = window
    dlg = _open(qtbot, w)
    dlg.provider.setCurrentIndex(dlg.provider.findData("paper"))
    assert set(dlg.fields) == {"cash"} and dlg.always_open.isVisible()
    cash = dlg.fields["cash"][1]
    assert cash.text() == "100000"
    cash.setText("-5")
    _ok(qtbot, dlg)
    assert dlg.isVisible() and "Starting cash (USD): expected a positive amount" in dlg.error.text()
    cash.setText("2500")
    _ok(qtbot, dlg)
    qtbot.waitUntil(lambda: "paper" in w.link.workspace.sessions, timeout=15000)
    usd = w.link.workspace.session("paper").balances()["USD"]
    assert usd.free + usd.locked == Decimal("2500")
    assert w.link.added[-1] == ("paper", {"env": "paper", "always_open": True, "cash": Decimal("2500")})


def test_a_live_environment_is_said_in_red_and_asked_again_and_no_means_not_connected(qtbot, window, answer_box):
    w = window
    dlg = _open(qtbot, w)
    dlg.provider.setCurrentIndex(dlg.provider.findData("binance"))
    dlg.env.setCurrentIndex(dlg.env.findData("live"))
    assert dlg.live_note.isVisible() and "LIVE" in dlg.env.currentText()
    assert not dlg.always_open.isVisible()
    answer = answer_box(QMessageBox.StandardButton.No)
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)  # binance is this window's own venue
    _ok(qtbot, dlg)
    qtbot.waitUntil(lambda: answer.clicked, timeout=5000)
    assert answer.title == "LIVE trading" and "real money" in answer.text
    qtbot.waitUntil(lambda: "LIVE: not connected" in w.status.currentMessage(), timeout=5000)
    assert list(w.link.workspace.sessions) == ["binance"]

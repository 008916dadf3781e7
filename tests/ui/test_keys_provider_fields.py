"""A provider's generated tab in the keys dialog saves its CredentialSpec fields to the keyring (per environment) and
deletes them; ``connect`` then uses what was saved."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

import terminal
from terminal.model import Environment
from terminal.storage import secrets
from terminal.ui.dialogs.keys import KeysDialog

from storage.test_secrets_providers import TOKEN, memory_keyring, twofield  # noqa: F401 (fixtures)

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
SERVICE = ("trading-terminal/twofield/paper", "credentials")


def test_a_provider_tab_saves_its_fields_to_the_keyring_and_connect_uses_them(qtbot, qloop, memory_keyring,
                                                                               twofield):
    dlg = KeysDialog(None, Environment.TESTNET)
    qtbot.addWidget(dlg)
    dlg.show()
    qloop.run(dlg.load())
    page = dlg.provider_pages["twofield"]
    dlg.tabs.setCurrentWidget(page)
    assert page.stored.text() == "nothing stored" and page.env_name() == "paper"
    assert page.edits["token"].echoMode() is QLineEdit.EchoMode.Password and not page.edits["token"].isReadOnly()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)  # nothing typed: refused in words
    qtbot.waitUntil(lambda: page.message.text() == "User id is required")
    qtbot.keyClicks(page.edits["user_id"], "AB1234")
    qtbot.keyClicks(page.edits["token"], TOKEN)
    with qtbot.waitSignal(dlg.keys_changed) as changed:
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert changed.args == ["twofield"]
    assert secrets.load_fields("twofield", "paper") == {"user_id": "AB1234", "token": TOKEN}
    assert page.edits["token"].text() == "" and TOKEN not in page.stored.text()
    assert page.stored.text() == "**** — secrets stored, not shown"
    session = qloop.run(terminal.connect("twofield"))
    try:
        assert session.has_keys and session.credentials_source == "keyring"
        assert twofield == [{"user_id": "AB1234", "token": TOKEN}]
    finally:
        qloop.run(session.close())
    with qtbot.waitSignal(dlg.keys_changed):
        qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert SERVICE not in memory_keyring.store and page.message.text() == "Deleted."
    qtbot.waitUntil(lambda: page.stored.text() == "nothing stored")

"""API keys: entered masked, stored only in the keyring, never in settings files, logs or screenshots."""
from __future__ import annotations

import logging

import keyring
import keyring.backend
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QLabel, QLineEdit

from terminal.model import Environment
from terminal.ui.dialogs.keys import KeysDialog

API_KEY = "TESTKEYvmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwC"
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
SECRET = "SECRETNhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClV"


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("none")


@pytest.fixture
def memory_keyring():
    old = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(old)


def _texts(widget) -> list[str]:
    out = [w.text() for w in widget.findChildren(QLabel)]
    out += [w.displayText() for w in widget.findChildren(QLineEdit)]
    return out


def test_keys_are_masked_stored_only_in_the_keyring_and_never_in_settings_logs_or_screenshots(
        qtbot, qloop, memory_keyring, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    from terminal.ui.mainwindow import MainWindow
    win = MainWindow(tmp_path)
    qtbot.addWidget(win)
    dlg = KeysDialog(win, Environment.TESTNET)
    qtbot.addWidget(dlg)
    dlg.show()
    qloop.run(dlg.load())
    page = dlg.pages[Environment.TESTNET]
    page.api_key.setText(API_KEY)
    page.secret.setText(SECRET)
    # masked on screen: the grab is pixel-identical to one with a different secret of the same length
    shot = dlg.grab().toImage()
    page.secret.setText("X" * len(SECRET))
    page.api_key.setText("Y" * len(API_KEY))
    assert dlg.grab().toImage() == shot
    page.api_key.setText(API_KEY)
    page.secret.setText(SECRET)
    assert all(SECRET not in t and API_KEY not in t for t in _texts(dlg))
    page.tester = None
    assert qloop.run(page.save())
    stored = memory_keyring.store[("trading-terminal", "testnet")]
    assert SECRET in stored and API_KEY in stored
    assert page.api_key.text() == "" and page.secret.text() == ""
    assert "TEST…wC" in page.stored.text()
    shot_after = dlg.grab()
    assert all(SECRET not in t and API_KEY not in t for t in _texts(dlg))
    assert not shot_after.isNull()
    # settings files
    win.save_settings()
    for f in tmp_path.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert SECRET.encode() not in data and API_KEY.encode() not in data, f
    # logs
    assert SECRET not in caplog.text and API_KEY not in caplog.text
    rows = [r for r in win.bridge.log_buffer.records]
    assert all(SECRET not in str(r) for r in rows)


def test_test_connection_reports_the_result_without_the_key(qtbot, qloop, memory_keyring):
    dlg = KeysDialog(None, Environment.TESTNET)
    qtbot.addWidget(dlg)
    page = dlg.pages[Environment.TESTNET]
    page.api_key.setText(API_KEY)
    page.secret.setText(SECRET)
    seen = []

    async def tester(env, creds):
        seen.append((env, creds.api_key == API_KEY, creds.secret == SECRET))
        return "keys accepted, 5 assets"
    page.tester = tester
    assert qloop.run(page.test())
    assert seen == [(Environment.TESTNET, True, True)] and page.message.text() == "OK: keys accepted, 5 assets"

    async def refusing(env, creds):
        from terminal.venues.base import AuthError
        raise AuthError("API-key format invalid.", code=-2014)
    page.tester = refusing
    assert not qloop.run(page.test())
    assert "AuthError" in page.message.text() and SECRET not in page.message.text()


def test_without_a_keyring_backend_the_dialog_explains_and_disables_saving(qtbot, qloop):
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dlg = KeysDialog(None, Environment.LIVE)
        qtbot.addWidget(dlg)
        dlg.show()
        qloop.run(dlg.load())
        page = dlg.pages[Environment.LIVE]
        assert not dlg.available
        assert "No secure keyring" in dlg.banner.text()
        assert "Trading is disabled on LIVE" in page.message.text()
        assert not page.save_button.isEnabled() and not page.api_key.isEnabled()
        page.api_key.setText(API_KEY)
        page.secret.setText(SECRET)
        assert not qloop.run(page.save())  # refused by the storage layer too, without a crash
    finally:
        keyring.set_keyring(old)

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
    #: never found by keyring's own discovery (a ChainerBackend would ask it too): set explicitly only
    viable = False  # type: ignore[assignment]

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
    stored = memory_keyring.store[("trading-terminal/binance/testnet", "credentials")]
    assert SECRET in stored and API_KEY in stored
    assert page.api_key.text() == "" and page.secret.text() == ""
    assert "TEST…wC" in page.stored.text()
    shot_after = dlg.grab()
    assert all(SECRET not in t and API_KEY not in t for t in _texts(dlg))
    assert not shot_after.isNull()
    # settings files
    win.save_settings(wait=True)
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
        from terminal.venues.ports import AuthError
        raise AuthError("API-key format invalid.", code=-2014)
    page.tester = refusing
    assert not qloop.run(page.test())
    assert page.message.text() == "Failed: testnet.binance.vision refused the keys: API-key format invalid."
    assert SECRET not in page.message.text() and not page.retry_button.isHidden()


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
        # one message, saying what to install; the pages do not repeat it
        shown = [lb.text() for lb in dlg.findChildren(QLabel) if lb.isVisible() and "keyring" in lb.text().lower()]
        assert shown == [dlg.banner.text()], shown
        assert "install gnome-keyring and run a Secret Service" in dlg.banner.text()
        assert "KWallet" in dlg.banner.text() and "trading is disabled on TESTNET and LIVE" in dlg.banner.text()
        assert not page.save_button.isEnabled() and not page.api_key.isEnabled()
        page.api_key.setText(API_KEY)
        page.secret.setText(SECRET)
        assert not qloop.run(page.save())  # refused by the storage layer too, without a crash
    finally:
        keyring.set_keyring(old)


def test_the_dialog_opens_on_the_current_environment_tab(qtbot, memory_keyring):
    for env in Environment:
        if env.name not in ("SANDBOX", "TESTNET", "LIVE"):
            continue
        dlg = KeysDialog(None, env)
        qtbot.addWidget(dlg)
        assert dlg.tabs.tabText(dlg.tabs.currentIndex()) == env.name
        assert dlg.tabs.currentWidget() is dlg.tab_of[env]


def _pixel(widget, qtbot):
    """The colour of a widget's background (right of its text), as rendered."""
    img = widget.grab().toImage()
    return img.pixelColor(img.width() - 8, img.height() // 2).name()


def test_disabled_fields_look_disabled(qtbot, qapp):
    from terminal.ui import theme
    from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget
    for name in ("dark", "light"):
        theme.apply(qapp, name)
        box = QWidget()
        qtbot.addWidget(box)
        lay = QVBoxLayout(box)
        on, off = QLineEdit("abc"), QLineEdit("abc")
        bon, boff = QPushButton("Save"), QPushButton("Save")
        for w in (on, off, bon, boff):
            lay.addWidget(w)
        off.setEnabled(False)
        boff.setEnabled(False)
        theme.style(box)  # the sheet the keys dialog has
        box.show()
        qtbot.waitExposed(box)
        assert _pixel(on, qtbot) != _pixel(off, qtbot), name  # a disabled field has another background
        assert _pixel(bon, qtbot) != _pixel(boff, qtbot), name
    theme.apply(qapp, "dark")


def test_a_failed_connection_says_why_in_words_and_offers_a_retry(qtbot, qloop, memory_keyring):
    import socket
    from PySide6.QtCore import Qt
    from terminal.ui.dialogs.keys import test_credentials

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    dlg = KeysDialog(None, Environment.TESTNET)
    qtbot.addWidget(dlg)
    dlg.show()
    page = dlg.pages[Environment.TESTNET]
    assert page.retry_button.isHidden()
    page.url = url
    calls = []

    async def tester(env, creds):
        calls.append(env)
        return await test_credentials(env, creds, url=url)
    page.tester = tester
    page.api_key.setText(API_KEY)
    page.secret.setText(SECRET)
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text().startswith("Failed"), timeout=40000)
    assert page.message.text() == f"Failed: cannot reach 127.0.0.1:{port}: no network, or 127.0.0.1:{port} is down"
    assert "TemporaryError" not in page.message.text()
    assert page.retry_button.isVisible() and page.retry_button.isEnabled()
    # Retry tests again, with the same outcome while the server stays away
    qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(calls) == 2 and page.message.text().startswith("Failed")
                    and page.retry_button.isEnabled(), timeout=40000)
    assert calls == [Environment.TESTNET, Environment.TESTNET]

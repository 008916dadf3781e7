"""The keys dialog is generated from each adapter's CredentialSpec: labels from the spec, "from environment" when the
spec's variables supply the keys (never stored, never shown in full), a tab per other provider of the registry."""
from __future__ import annotations

import keyring
import keyring.backend
import pytest
from PySide6.QtWidgets import QLabel, QLineEdit

from terminal.model import Environment
from terminal.ui.dialogs.keys import KeysDialog, ProviderCredentials
from terminal.venues.ports import (AdapterInfo, Capabilities, CredentialField, CredentialSpec, EnvironmentSpec)

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
ENV_KEY = "ENVKEYvmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwC"
ENV_SECRET = "ENVSECRETNhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZj"


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
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    old = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(old)


def _texts(widget) -> list[str]:
    return [w.text() for w in widget.findChildren(QLabel)] + [w.displayText() for w in widget.findChildren(QLineEdit)]


def test_binance_pages_take_their_labels_from_the_spec_and_say_from_environment_when_the_variables_are_set(
        qtbot, qloop, memory_keyring, monkeypatch):
    monkeypatch.delenv("BINANCE_API_KEY", raising=False)
    monkeypatch.delenv("BINANCE_SECRET_KEY", raising=False)
    dlg = KeysDialog(None, Environment.TESTNET)
    qtbot.addWidget(dlg)
    qloop.run(dlg.load())
    page = dlg.pages[Environment.TESTNET]
    assert page.api_key.placeholderText() == "API key" and "BINANCE_SECRET_KEY" in page.secret.toolTip()
    assert page.from_env.isHidden() and page.stored.text() == "no keys stored"
    monkeypatch.setenv("BINANCE_API_KEY", ENV_KEY)
    monkeypatch.setenv("BINANCE_SECRET_KEY", ENV_SECRET)
    qloop.run(dlg.load())
    assert not page.from_env.isHidden()
    assert page.from_env.text() == ("from environment (BINANCE_API_KEY, BINANCE_SECRET_KEY): used for this run only, "
                                    "never stored")
    assert memory_keyring.store == {}  # shown, not stored
    assert all(ENV_KEY not in t and ENV_SECRET not in t for t in _texts(dlg))


def test_every_other_provider_gets_a_tab_from_its_spec(qtbot, memory_keyring):
    dlg = KeysDialog(None, Environment.TESTNET)
    qtbot.addWidget(dlg)
    titles = [dlg.tabs.tabText(i) for i in range(dlg.tabs.count())]
    assert titles == ["SANDBOX", "TESTNET", "LIVE", "FINNHUB", "IB", "KITE", "PAPER", "TRUEDATA"]  # registry order
    kite = dlg.provider_pages["kite"]
    assert {"api_key", "api_secret", "access_token"} <= set(kite.edits)  # from Kite's CredentialSpec
    paper = dlg.provider_pages["paper"]
    assert paper.summary.text().endswith("(paper) needs no credentials.") and not paper.edits


def test_a_provider_page_lists_its_fields_masks_secrets_and_says_where_values_come_from(qtbot, monkeypatch):
    spec = CredentialSpec(fields=(CredentialField("api_key", "API key", env_var="KITE_API_KEY"),
                                  CredentialField("access_token", "Access token", secret=True,
                                                  env_var="KITE_ACCESS_TOKEN")), daily_login=True)
    info = AdapterInfo("kite", "Kite Connect", (EnvironmentSpec("live", "Zerodha", live=True),), spec,
                       Capabilities(frozenset(), frozenset(), frozenset()))
    monkeypatch.delenv("KITE_API_KEY", raising=False)
    monkeypatch.delenv("KITE_ACCESS_TOKEN", raising=False)
    page = ProviderCredentials(info)
    qtbot.addWidget(page)
    assert set(page.edits) == {"api_key", "access_token"}
    assert page.edits["access_token"].echoMode() is QLineEdit.EchoMode.Password
    assert page.edits["api_key"].placeholderText() == "from KITE_API_KEY"
    assert "set KITE_API_KEY and KITE_ACCESS_TOKEN for one run" in page.summary.text()
    assert page.from_env.text() == "not set in the environment"
    monkeypatch.setenv("KITE_API_KEY", "kiteapikey123456")
    monkeypatch.setenv("KITE_ACCESS_TOKEN", "tokentokentoken987")
    page.load()
    assert page.from_env.text().startswith("from environment (KITE_API_KEY, KITE_ACCESS_TOKEN)")
    assert page.edits["api_key"].text() == "kite…56" and page.edits["access_token"].text() == "•" * 8

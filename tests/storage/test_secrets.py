"""storage.secrets with an in-memory keyring backend, and with keyring's fail backend (no plaintext fallback)."""
from __future__ import annotations

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from terminal.model import Environment
from terminal.storage import secrets
from terminal.storage.secrets import Credentials, KeyType, SecretsUnavailable


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]
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
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.store[(service, username)]


class LockedKeyring(MemoryKeyring):
    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("collection is locked")

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("collection is locked")


@pytest.fixture
def use_backend():
    previous = keyring.get_keyring()

    def install(backend):
        keyring.set_keyring(backend)
        return backend
    yield install
    keyring.set_keyring(previous)


def test_save_load_delete_round_trip_per_environment(use_backend):
    kr = use_backend(MemoryKeyring())
    creds = Credentials("key-abcdefghijkl", "s3cret-value-xyz")
    secrets.save_credentials(Environment.TESTNET, creds)
    secrets.save_credentials("live", Credentials("live-key-123456", "-----BEGIN PRIVATE KEY-----\nMC4C\n", KeyType.ED25519))
    assert secrets.load_credentials(Environment.TESTNET) == creds
    assert secrets.load_credentials(Environment.LIVE).key_type is KeyType.ED25519
    assert secrets.load_credentials(Environment.SANDBOX) is None
    assert list(kr.store) == [("trading-terminal/binance/testnet", "credentials"),
                              ("trading-terminal/binance/live", "credentials")]
    assert secrets.delete_credentials(Environment.TESTNET) is True
    assert secrets.delete_credentials(Environment.TESTNET) is False
    assert secrets.load_credentials(Environment.TESTNET) is None
    assert secrets.available()[0] is True


def test_credentials_repr_and_str_are_masked():
    creds = Credentials("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", "NhqPtmdSJYdKjVHjA7PZj4Mge3R5")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "NhqPtmdS" not in text and "vmPUZE6mv9SD5VNHk4Hl" not in text


def test_fail_backend_raises_clear_secrets_unavailable_and_writes_nothing(use_backend, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    use_backend(keyring.backends.fail.Keyring())
    with pytest.raises(SecretsUnavailable, match="No secure keyring is available") as info:
        secrets.save_credentials(Environment.TESTNET, Credentials("key-abcdefghijkl", "plain-secret-value"))
    assert "never written to a plain file" in str(info.value)
    with pytest.raises(SecretsUnavailable):
        secrets.load_credentials(Environment.TESTNET)
    with pytest.raises(SecretsUnavailable):
        secrets.delete_credentials(Environment.TESTNET)
    ok, message = secrets.available()
    assert ok is False and "Secret Service" in message
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all("plain-secret-value" not in p.read_text(errors="ignore") for p in written)


def test_locked_keyring_says_unlock_it(use_backend):
    use_backend(LockedKeyring())
    with pytest.raises(SecretsUnavailable, match="locked: unlock it"):
        secrets.save_credentials(Environment.TESTNET, Credentials("key-abcdefghijkl", "s3cret"))

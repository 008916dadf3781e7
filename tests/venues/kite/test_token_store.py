"""The daily access token kept in the keyring with its expiry, and found again by the live factory until 06:00 IST."""
from __future__ import annotations

import keyring
import pytest

from terminal.storage import secrets
from terminal.venues.kite import RedirectListener, create, follow_redirects, login
from terminal.venues.kite.login import stored_token

from storage.test_secrets import MemoryKeyring


@pytest.fixture
def memory_keyring():
    old = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(old)


async def test_login_stores_the_token_until_its_expiry_and_the_live_factory_uses_it(kite_server, memory_keyring):
    creds = kite_server.builtin_credentials()
    listener = await RedirectListener.open("http://127.0.0.1:0/")
    kite_server.register_app(creds["api_key"], creds["api_secret"], listener.url)
    options = kite_server.adapter_options()
    result = await login(creds["api_key"], creds["api_secret"], root=options["root"], login_base=options["login_url"],
                         listener=listener, open_browser=follow_redirects, timeout_s=30, store="live")
    assert stored_token("live") == result.access_token
    assert secrets.load_session_token("kite", "live", result.expires_ms - 1) == result.access_token
    venue = create("live", credentials={"api_key": creds["api_key"], "api_secret": creds["api_secret"]})
    try:
        assert venue.rest.access_token == result.access_token and venue.rest.root == "https://api.kite.trade"
    finally:
        await venue.close()
    assert secrets.load_session_token("kite", "live", result.expires_ms) is None  # lapsed at 06:00 IST: removed
    assert stored_token("live") is None


def test_no_keyring_means_no_stored_token_and_no_crash(monkeypatch):
    def unavailable(*_a, **_k):
        raise secrets.SecretsUnavailable("no keyring")

    monkeypatch.setattr(secrets, "load_session_token", unavailable)
    assert stored_token("live") is None

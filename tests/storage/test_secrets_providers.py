"""Credentials per provider and environment in the keyring (each adapter's CredentialSpec fields), Binance's entries
of the old layout still read, and ``connect`` taking any provider's stored fields (arguments > environment > keyring)."""
from __future__ import annotations

import json

import keyring
import pytest

import terminal
from terminal.model import Environment
from terminal.session.connecting import KEYRING, credentials_for
from terminal.storage import secrets
from terminal.storage.secrets import Credentials, KeyType, SecretsUnavailable
from terminal.venues import paper, registry
from terminal.venues.ports import (AdapterInfo, Capabilities, CredentialField, CredentialSpec, EnvironmentSpec)

from storage.test_secrets import MemoryKeyring

TOKEN = "tok-9f8e7d6c5b4a39281706"
SPEC = CredentialSpec(fields=(CredentialField("user_id", "User id", env_var="TWOFIELD_USER"),
                              CredentialField("token", "Access token", secret=True, env_var="TWOFIELD_TOKEN")))
INFO = AdapterInfo("twofield", "Two-field paper", (EnvironmentSpec("paper", "Paper", default=True, in_process=True),),
                   SPEC, paper.INFO.capabilities)


@pytest.fixture
def memory_keyring():
    old = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(old)


@pytest.fixture
def twofield(monkeypatch):
    """A provider with two credential fields (one secret): the paper venue, recording the credentials it was built
    with."""
    built: list[dict[str, str] | None] = []

    def create(environment: str = "paper", *, bus=None, credentials=None, **options):
        built.append(dict(credentials) if credentials else None)
        return paper.create("paper", bus=bus, always_open=True, **options)

    monkeypatch.setitem(registry.ADAPTERS, "twofield", lambda: (INFO, create))
    monkeypatch.delenv("TWOFIELD_USER", raising=False)
    monkeypatch.delenv("TWOFIELD_TOKEN", raising=False)
    return built


def test_fields_are_stored_under_a_service_per_provider_and_environment(memory_keyring):
    secrets.save_fields("kite", "live", {"api_key": "kiteapikey123", "access_token": TOKEN})
    secrets.save_fields("kite", "paper", {"api_key": "other-key-456", "access_token": "tok-paper-000000"})
    assert secrets.load_fields("kite", "live") == {"api_key": "kiteapikey123", "access_token": TOKEN}
    assert secrets.load_fields("kite", "paper")["api_key"] == "other-key-456"
    assert secrets.load_fields("finnhub", "live") is None
    assert set(memory_keyring.store) == {("trading-terminal/kite/live", "credentials"),
                                         ("trading-terminal/kite/paper", "credentials")}
    assert secrets.delete_fields("kite", "live") is True and secrets.delete_fields("kite", "live") is False
    assert secrets.load_fields("kite", "live") is None and secrets.load_fields("kite", "paper") is not None
    with pytest.raises(ValueError, match="every field needs a value"):
        secrets.save_fields("kite", "live", {"api_key": "x", "access_token": ""})


def test_an_unreadable_entry_says_enter_them_again(memory_keyring):
    memory_keyring.store[("trading-terminal/kite/live", "credentials")] = "{not json"
    with pytest.raises(SecretsUnavailable, match="kite live credentials are unreadable"):
        secrets.load_fields("kite", "live")


def _legacy(kr: MemoryKeyring, env: str, key: str, secret: str, key_type: str = "hmac") -> None:
    """An entry as the terminal wrote it before providers: service trading-terminal, user = environment."""
    kr.store[("trading-terminal", env)] = json.dumps({"api_key": key, "secret": secret, "key_type": key_type})


def test_binance_entries_of_the_old_layout_still_load_and_are_replaced_on_save(memory_keyring):
    _legacy(memory_keyring, "testnet", "old-testnet-key-1234", "old-testnet-secret-5678")
    _legacy(memory_keyring, "live", "old-live-key-1234", "-----BEGIN PRIVATE KEY-----\nMC4C\n", "ed25519")
    assert secrets.load_credentials(Environment.TESTNET) == Credentials("old-testnet-key-1234",
                                                                        "old-testnet-secret-5678")
    assert secrets.load_credentials("live").key_type is KeyType.ED25519
    assert secrets.load_fields("binance", "testnet") == {"api_key": "old-testnet-key-1234",
                                                         "api_secret": "old-testnet-secret-5678", "key_type": "hmac"}
    binance = registry.info("binance")
    values, source, problem = credentials_for(binance, binance.environment("testnet"), environ={})
    assert (values, source, problem) == ({"api_key": "old-testnet-key-1234", "api_secret": "old-testnet-secret-5678",
                                          "key_type": "hmac"}, KEYRING, "")
    secrets.save_credentials("testnet", Credentials("new-testnet-key-0000", "new-testnet-secret-0000"))
    assert ("trading-terminal", "testnet") not in memory_keyring.store  # one entry per environment, the new one
    assert secrets.load_credentials("testnet").api_key == "new-testnet-key-0000"
    assert secrets.delete_credentials("live") is True  # the old entry alone
    assert secrets.load_credentials("live") is None and ("trading-terminal", "live") not in memory_keyring.store


async def test_connect_takes_any_providers_fields_from_the_keyring(memory_keyring, twofield, monkeypatch):
    secrets.save_fields("twofield", "paper", {"user_id": "AB1234", "token": TOKEN})
    session = await terminal.connect("twofield")
    try:
        assert session.has_keys and session.credentials_source == KEYRING
        assert twofield == [{"user_id": "AB1234", "token": TOKEN}]
    finally:
        await session.close()
    monkeypatch.setenv("TWOFIELD_USER", "ENV999")
    monkeypatch.setenv("TWOFIELD_TOKEN", "tok-from-environment-1")
    session = await terminal.connect("twofield")  # environment variables before the keyring
    try:
        assert session.credentials_source == "environment" and twofield[-1]["user_id"] == "ENV999"
    finally:
        await session.close()
    session = await terminal.connect("twofield", credentials={"user_id": "ARG1", "token": "tok-argument-0001"})
    try:  # arguments before both
        assert session.credentials_source == "arguments" and twofield[-1]["user_id"] == "ARG1"
    finally:
        await session.close()


async def test_connect_without_stored_fields_says_add_them(memory_keyring, twofield):
    session = await terminal.connect("twofield")
    try:
        assert not session.has_keys and session.keys_problem == "no API keys for twofield paper: add them in Accounts"
        assert twofield == [None]
    finally:
        await session.close()

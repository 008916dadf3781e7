"""``terminal.connect`` finds providers in the registry: Binance (sandbox = the adapter against an embedded sandbox
exchange, testnet, live always confirmed), the paper venue; credentials per the adapter's CredentialSpec, from
environment variables for one run (never stored); the session reaches every venue through the ports only."""
from __future__ import annotations

import dataclasses
import secrets as pysecrets
import socket
from decimal import Decimal

import keyring
import pytest

import terminal
from terminal.model import Environment, OrderStatus
from terminal.venues import registry
from terminal.venues.ports import EnvironmentSpec

from storage.test_secrets import MemoryKeyring

D = Decimal


def _port_is_closed(url: str) -> bool:
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) != 0


async def test_connect_sandbox_is_the_binance_adapter_on_an_embedded_sandbox_with_its_test_keys():
    session = await terminal.connect("sandbox")
    server = session.server
    try:
        assert (session.provider, session.env, session.environment) == ("binance", "sandbox", Environment.SANDBOX)
        assert session.venue.info is registry.info("binance") and server is not None
        assert session.has_keys and session.credentials_source == "built-in"
        order = await session.buy("BTCUSDT", "0.001")
        assert order.status is OrderStatus.FILLED
        rate = session.health()["market"].extra
        assert 0 < rate["rate_use"] == rate["rate_used"] / rate["rate_limit"] < 1  # a neutral fraction
    finally:
        await session.close()
    assert _port_is_closed(server.url)  # the embedded exchange stopped with the session


async def test_connect_by_provider_name_takes_its_default_environment_and_never_live_unconfirmed():
    session = await terminal.connect("binance")
    try:
        assert (session.provider, session.env) == ("binance", "sandbox") and repr(session).startswith(
            "Session(binance sandbox")
    finally:
        await session.close()
    with pytest.raises(terminal.InvalidArgument, match="confirm_live=True") as err:
        await terminal.connect("binance", env="live")
    assert err.value.argument == "confirm_live"
    with pytest.raises(terminal.InvalidArgument, match="has no environment 'demo'") as err:
        await terminal.connect("binance", env="demo")
    assert err.value.argument == "env"
    with pytest.raises(terminal.InvalidArgument, match="cannot be combined") as err:
        await terminal.connect("testnet", env="live")


def test_registry_resolves_providers_and_the_default_providers_environment_names():
    assert registry.resolve("sandbox") == ("binance", "sandbox")
    assert registry.resolve(" Binance ") == ("binance", "sandbox")
    assert registry.resolve("binance", "Testnet") == ("binance", "testnet")
    assert registry.resolve("live") == ("binance", "live")
    assert registry.resolve("paper") == ("paper", "paper")
    assert {"binance", "paper"} <= set(registry.names())
    with pytest.raises(ValueError, match="unknown provider or environment 'nasdaq'"):
        registry.resolve("nasdaq")
    assert all(not e.default for e in registry.info("binance").environments if e.live)


async def test_registry_open_refuses_a_live_environment_without_confirmation():
    with pytest.raises(ValueError, match="confirm_live=True"):
        await registry.open("binance", "live")


@pytest.fixture
def keyed_provider(sandbox, monkeypatch):
    """A provider that needs keys in its only environment (Binance's CredentialSpec), served by the sandbox: the
    place to show where credentials come from without reaching the internet."""
    binance = registry.info("binance")
    info = dataclasses.replace(binance, name="keyed", environments=(
        EnvironmentSpec("testnet", "a test exchange that wants keys", default=True),))

    def create(environment, *, bus=None, credentials=None, **options):
        return registry.create("binance", "sandbox", bus=bus, credentials=credentials, sandbox_url=sandbox.url,
                               **options)
    monkeypatch.setitem(registry.ADAPTERS, "keyed", lambda: (info, create))
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


async def test_credentials_from_environment_variables_are_used_for_the_run_and_never_stored(
        sandbox, keyed_provider, monkeypatch, tmp_path):
    key, secret = "k" + pysecrets.token_hex(31), pysecrets.token_hex(32)
    sandbox.create_account(key, secret, {"USDT": "1000", "BTC": "0"})
    monkeypatch.setenv("BINANCE_API_KEY", key)
    monkeypatch.setenv("BINANCE_SECRET_KEY", secret)
    session = await terminal.connect("keyed", data_dir=tmp_path)
    try:
        assert session.has_keys and session.credentials_source == "environment"
        assert (await session.refresh_balances())["USDT"].free == D("1000")  # the environment's account
        order = await session.buy("BTCUSDT", "0.001")
        assert order.status is OrderStatus.FILLED
    finally:
        await session.close()
    assert keyed_provider.store == {}  # nothing written to the keyring
    assert not any(secret in p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file())


async def test_without_environment_variables_or_stored_keys_only_market_data_works(keyed_provider, monkeypatch):
    monkeypatch.delenv("BINANCE_API_KEY", raising=False)
    monkeypatch.delenv("BINANCE_SECRET_KEY", raising=False)
    monkeypatch.setenv("BINANCE_API_KEY", "only-half")  # one of two variables is not credentials
    session = await terminal.connect("keyed")
    try:
        assert not session.has_keys and session.credentials_source is None
        assert session.keys_problem == "no API keys for keyed testnet: add them in Accounts"
        assert (await session.quote("BTCUSDT")).bid > 0
        with pytest.raises(terminal.AuthError, match="no API keys for keyed testnet"):
            await session.buy("BTCUSDT", "0.001")
    finally:
        await session.close()


async def test_paper_session_reaches_its_venue_through_the_ports_only():
    session = await terminal.connect("paper", always_open=True)
    try:
        assert (session.provider, session.env, session.credentials_source) == ("paper", "paper", None)
        assert not hasattr(session.venue, "rest")  # no Binance-shaped side door
        book = await session.book("AAPL", 7)
        assert 0 < len(book.bids()) <= 7 and book.bids()[0][0] < book.asks()[0][0]
        assert (await session.ticker("MSFT")).last > 0
        order = await session.buy("AAPL", "2")
        assert [o.client_order_id for o in await session.order_history("AAPL")] == [order.client_order_id]
        assert (await session.refresh_balances())["AAPL"].free == 2
        health = session.health()
        assert {"market", "oms"} <= set(health) and health["oms"].extra["reconciles"] == 1
    finally:
        await session.close()

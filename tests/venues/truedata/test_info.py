"""The TrueData adapter's declarations and how it is built for each environment (nothing is dialled here)."""
from __future__ import annotations

import pytest

from terminal.venues import registry
from terminal.venues.ports import AuthError


def test_truedata_is_registered_data_only_with_sandbox_default_and_env_credentials() -> None:
    info = registry.info("truedata")
    assert info.capabilities.trading is False and info.capabilities.depth_levels == (5,)
    assert registry.resolve("truedata") == ("truedata", "sandbox")
    assert info.environment("live").live and not info.environment("sandbox").live
    assert info.credentials.from_environment({"TRUEDATA_USER": "u1", "TRUEDATA_PASSWORD": "pw"}) == {
        "username": "u1", "password": "pw"}
    assert [f.name for f in info.credentials.fields if f.secret] == ["password"]


def test_live_reaches_truedatas_hosts_with_the_login_url_encoded() -> None:
    venue = registry.create("truedata", "live", credentials={"username": "u1", "password": "p&w d"})
    assert venue.stream.url == "wss://push.truedata.in:8084/?user=u1&password=p%26w%20d"
    assert (venue.rest.auth_url, venue.rest.history_url, venue.rest.api_url) == (
        "https://auth.truedata.in/token", "https://history.truedata.in", "https://api.truedata.in")
    other_port = registry.create("truedata", "live", credentials={"username": "u1", "password": "x"},
                                 ws_url="wss://push.truedata.in:8082")
    assert other_port.stream.url.startswith("wss://push.truedata.in:8082/?user=u1")
    venue.rest.close()
    other_port.rest.close()


async def test_live_needs_confirmation_and_every_environment_needs_a_login() -> None:
    with pytest.raises(ValueError, match="confirm_live"):
        await registry.open("truedata", "live", credentials={"username": "u1", "password": "x"})
    with pytest.raises(AuthError, match="TRUEDATA_USER"):
        registry.create("truedata", "live", credentials={})
    with pytest.raises(ValueError, match="ws_url and history_url"):
        registry.create("truedata", "sandbox", credentials={"username": "u1", "password": "x"})


def test_add_venue_asks_for_the_live_real_time_address_only() -> None:
    (option,) = registry.info("truedata").options
    assert option.name == "ws_url" and option.applies_to("live") and not option.applies_to("sandbox")
    assert option.parse("") == "wss://push.truedata.in:8084"

"""The provider registry: names, declarations before connecting, default environments, factories."""
from __future__ import annotations

import pytest

from terminal.bus import Bus
from terminal.model import AssetClass
from terminal.venues import registry
from terminal.venues.ports import Venue


def test_paper_is_registered_with_one_credential_free_environment() -> None:
    assert "paper" in registry.names()
    info = registry.info("paper")
    assert [e.name for e in info.environments] == ["paper"]
    env = info.environment("paper")
    assert env.default and not env.live and not env.needs_credentials and info.credentials.fields == ()
    assert info.capabilities.asset_classes == frozenset({AssetClass.EQUITY}) and info.capabilities.market_hours


def test_create_builds_an_unstarted_venue_in_the_default_environment_and_refuses_unknown_names() -> None:
    bus = Bus()
    venue = registry.create("Paper", bus=bus, always_open=True)
    assert isinstance(venue, Venue) and venue.environment == "paper" and venue.bus is bus
    assert venue.always_open  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="has no environment 'live'"):
        registry.create("paper", "live")
    with pytest.raises(ValueError, match="unknown provider 'nasdaq'; registered: .*paper"):
        registry.info("nasdaq")

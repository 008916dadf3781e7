"""A BinanceVenue wired to a private sandbox, with every bus event recorded."""
from __future__ import annotations

from typing import AsyncIterator

import pytest

from terminal.bus import Bus
from terminal.model import Environment
from terminal.venues.binance.signing import HmacSigner
from terminal.venues.binance.urls import endpoints
from terminal.venues.binance.venue import BinanceVenue

from .recorder import Recorder


def make_venue(server: object, bus: Bus, **kw: object) -> BinanceVenue:
    ep = endpoints(Environment.SANDBOX, server.url)  # type: ignore[attr-defined]
    return BinanceVenue(Environment.SANDBOX, ep.rest, ep.ws, ep.ws_api, server.default_api_key,  # type: ignore
                        HmacSigner(server.default_api_secret), bus, **kw)  # type: ignore[attr-defined]


@pytest.fixture
async def venue(fresh_sandbox: object) -> AsyncIterator[tuple[BinanceVenue, Recorder]]:
    bus, rec = Bus(), Recorder()
    bus.subscribe(None, rec)
    v = make_venue(fresh_sandbox, bus)
    await v.start()
    try:
        yield v, rec
    finally:
        await v.close()

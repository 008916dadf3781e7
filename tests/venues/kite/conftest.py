"""The Kite paper server (terminal/servers/kite) on 127.0.0.1, and the adapter logged in to it."""
from __future__ import annotations

import pytest

from terminal.bus import Bus
from terminal.venues.kite import create

from ..binance.recorder import Recorder


@pytest.fixture
def kite_server():
    from terminal.servers.kite import PaperServer

    server = PaperServer(host="127.0.0.1", port=0, always_open=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def kite(kite_server):
    """A started KiteVenue on the paper server with its built-in (logged-in) credentials; ``kite.rec`` records the
    bus."""
    bus = Bus()
    rec = Recorder()
    bus.subscribe(None, rec)
    venue = create("sandbox", bus=bus, credentials=kite_server.builtin_credentials(), settle_ms=0,
                   **kite_server.adapter_options())
    venue.rec = rec  # type: ignore[attr-defined]
    await venue.start()
    try:
        yield venue
    finally:
        await venue.close()

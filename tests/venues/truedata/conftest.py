"""A TrueData paper server per test (always open, quick heartbeats) and the adapter built by the registry on it."""
from __future__ import annotations

from typing import Any, AsyncIterator, Iterator

import pytest

from terminal.servers.truedata import PaperServer
from terminal.venues import registry

from ..binance.recorder import Recorder


@pytest.fixture
def server() -> Iterator[PaperServer]:
    srv = PaperServer("127.0.0.1", 0, always_open=True, heartbeat_s=0.2)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def make(server: PaperServer, **options: Any) -> Any:
    creds = options.pop("credentials", server.builtin_credentials())
    return registry.create("truedata", "sandbox", credentials=creds, **{**server.adapter_options(), **options})


@pytest.fixture
async def venue(server: PaperServer) -> AsyncIterator[Any]:
    v = make(server, heartbeat_timeout_s=2.0)
    v.rec = Recorder()
    v.bus.subscribe(None, v.rec)
    await v.start()
    try:
        yield v
    finally:
        await v.close()

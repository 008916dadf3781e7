"""Fixtures: the built-in IB paper server (terminal/servers/ib) on 127.0.0.1 and the IB adapter connected to it."""
from __future__ import annotations

import asyncio
import itertools
from typing import Any, AsyncIterator

import pytest

from terminal.servers.ib import PaperServer
from terminal.venues.ib import IbVenue, create

from ..binance.recorder import Recorder

_client_ids = itertools.count(11)


@pytest.fixture
async def ib_server() -> AsyncIterator[Any]:
    server = PaperServer(host="127.0.0.1", port=0, always_open=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, server.start)
    try:
        yield server
    finally:
        await loop.run_in_executor(None, server.stop)


@pytest.fixture
async def ib(ib_server: Any) -> AsyncIterator[tuple[IbVenue, Recorder]]:
    """The adapter connected to the paper server, its user stream started, every bus event recorded."""
    venue = create("sandbox", **ib_server.adapter_options(), client_id=next(_client_ids))
    rec = Recorder()
    venue.bus.subscribe(None, rec)
    await venue.start()
    await venue.start_user_stream()
    try:
        yield venue, rec
    finally:
        await venue.close()

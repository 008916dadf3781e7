"""The IB paper server on 127.0.0.1 (a free port, always open) per test, and ib_async clients connected to it."""
from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Callable, Iterator

import pytest
from ib_async import IB

from terminal.servers.ib import PaperServer


@pytest.fixture
def server() -> Iterator[PaperServer]:
    srv = PaperServer("127.0.0.1", 0, always_open=True)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


class Errors(list[tuple[int, int, str]]):
    def codes(self) -> list[int]:
        return [code for _req, code, _msg in self]


@pytest.fixture
async def connect(server: PaperServer) -> AsyncIterator[Callable[..., Any]]:
    """``await connect(client_id=1)`` -> (IB, Errors): an ib_async client connected to the server; all
    disconnected in teardown."""
    clients: list[IB] = []

    async def _connect(client_id: int = 1) -> tuple[IB, Errors]:
        ib = IB()
        errors = Errors()
        ib.errorEvent += lambda req_id, code, msg, *rest: errors.append((req_id, code, msg))
        clients.append(ib)
        await ib.connectAsync("127.0.0.1", server.port, clientId=client_id, timeout=10)
        return ib, errors

    yield _connect
    for ib in clients:
        ib.disconnect()


@pytest.fixture
async def ib(connect: Callable[..., Any]) -> IB:
    client, _errors = await connect(1)
    return client

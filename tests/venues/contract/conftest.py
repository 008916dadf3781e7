"""Fixtures of the port-contract suite: ``venue_case`` runs each test once per adapter in the registry, ``conn`` is
a started Session on it against its loopback exchange (closed after the test)."""
from __future__ import annotations

from typing import AsyncIterator, Iterator

import pytest

from terminal.venues import registry

from .cases import CASES, Connection, VenueCase


@pytest.fixture(scope="package")
def contract_sandbox() -> Iterator[object]:
    """The suite's own sandbox exchange (its fault switches and dropped sockets touch no other test's server)."""
    from terminal.venues.sandbox import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, seed=5)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=registry.names())
def venue_case(request: pytest.FixtureRequest) -> VenueCase:
    """Every adapter the registry knows; one without a case in ``cases.CASES`` fails here."""
    case = CASES.get(request.param)
    if case is None:
        pytest.fail(f"the registry lists {request.param!r} but tests/venues/contract/cases.py has no case for it")
    return case


@pytest.fixture
async def conn(venue_case: VenueCase, request: pytest.FixtureRequest) -> AsyncIterator[Connection]:
    if getattr(request.module, "NEEDS_TRADING", False):  # a module of trading tests: skipped for a data-only case
        venue_case.skip_unless_trading()
    c = await venue_case.connect(request)
    try:
        yield c
    finally:
        if c.server is not None:
            c.server.faults.clear()
        await c.close()

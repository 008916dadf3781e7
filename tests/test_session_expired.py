"""A venue whose login expired (``SessionExpired``): the session marks itself expired once, says so on the bus
(ConnectionChanged "session", "<venue>: session expired — log in again"), refuses orders in those words and retries
nothing."""
from __future__ import annotations

import pytest

import terminal
from terminal.bus import Bus
from terminal.model import ConnectionChanged
from terminal.session.facade import SESSION_STREAM
from terminal.venues import paper, registry
from terminal.venues.paper.venue import PaperVenue
from terminal.venues.ports import SessionExpired

EXPIRED = "expiring: session expired — log in again"


class ExpiringVenue(PaperVenue):
    """The paper venue with a daily login that has run out, where ``expire_on`` says."""

    def __init__(self, *args, expire_on: str = "submit", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expire_on = expire_on
        self.calls = {"start_user_stream": 0, "submit": 0}

    async def start_user_stream(self, on_connect=None):
        self.calls["start_user_stream"] += 1
        if self.expire_on == "start_user_stream":
            raise SessionExpired("access token expired")
        await super().start_user_stream(on_connect)

    async def submit(self, request):
        self.calls["submit"] += 1
        if self.expire_on == "submit":
            raise SessionExpired("access token expired")
        return await super().submit(request)


@pytest.fixture
def expiring(monkeypatch):
    venues: list[ExpiringVenue] = []

    def create(environment: str = "paper", *, bus=None, **options):
        venues.append(ExpiringVenue(environment, bus=bus, always_open=True, **options))
        return venues[-1]

    monkeypatch.setitem(registry.ADAPTERS, "expiring", lambda: (paper.INFO, create))
    return venues


def _expired_events(bus: Bus) -> list[ConnectionChanged]:
    seen: list[ConnectionChanged] = []
    bus.subscribe(ConnectionChanged, lambda e: seen.append(e) if e.stream == SESSION_STREAM else None)
    return seen


async def test_session_expired_from_the_user_stream_marks_the_session_and_refuses_orders(expiring):
    bus = Bus()
    seen = _expired_events(bus)
    session = await terminal.connect("expiring", expire_on="start_user_stream", bus=bus)
    try:
        venue = expiring[0]
        assert session.expired == EXPIRED
        assert [(e.connected, e.reason) for e in seen] == [(False, EXPIRED)]
        with pytest.raises(SessionExpired, match="session expired — log in again: File > Reconnect"):
            await session.buy("AAPL", "1")
        assert venue.calls == {"start_user_stream": 1, "submit": 0}  # no retry, nothing sent
    finally:
        await session.close()


async def test_session_expired_on_submit_refuses_the_next_orders_without_asking_the_venue(expiring):
    bus = Bus()
    seen = _expired_events(bus)
    session = await terminal.connect("expiring", expire_on="submit", bus=bus)
    try:
        venue = expiring[0]
        assert session.expired == "" and seen == []
        with pytest.raises(SessionExpired, match="access token expired"):
            await session.buy("AAPL", "1")
        assert session.expired == EXPIRED and len(seen) == 1
        with pytest.raises(SessionExpired, match="log in again"):
            await session.sell("AAPL", "1")
        assert venue.calls["submit"] == 1 and len(seen) == 1  # said once, the venue not asked again
    finally:
        await session.close()

"""A PaperVenue on a simulated clock: the test steps the market itself, so every run sees the same market."""
from __future__ import annotations

from datetime import datetime
from typing import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from terminal.bus import Bus
from terminal.clock import SimClock
from terminal.venues.paper import PaperVenue

from ..binance.recorder import Recorder

NY = ZoneInfo("America/New_York")
NEVER_MS = 10**9  # the venue's own stepping task waits this long: the tests step the market


def ny_ms(year: int, month: int, day: int, hour: int, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=NY).timestamp() * 1000)


TUESDAY_11_00 = ny_ms(2026, 4, 7, 11, 0)  # regular session
SATURDAY_NOON = ny_ms(2026, 4, 4, 12, 0)  # after the Good Friday holiday (3 April): next open Monday 09:30


class Paper:
    def __init__(self, venue: PaperVenue, rec: Recorder, clock: SimClock) -> None:
        self.venue, self.rec, self.clock = venue, rec, clock

    def step(self, n: int = 1, ms: int = 100) -> None:
        for _ in range(n):
            self.clock.advance(ms)
            self.venue.exchange.step()


async def make_paper(start_ms: int, **options: object) -> Paper:
    clock, bus, rec = SimClock(start_ms), Bus(), Recorder()
    bus.subscribe(None, rec)
    venue = PaperVenue(bus=bus, clock=clock, step_ms=NEVER_MS, **options)  # type: ignore[arg-type]
    await venue.start()
    return Paper(venue, rec, clock)


@pytest.fixture
async def paper() -> AsyncIterator[Paper]:
    p = await make_paper(TUESDAY_11_00)
    try:
        yield p
    finally:
        await p.venue.close()


@pytest.fixture
async def closed_paper() -> AsyncIterator[Paper]:
    p = await make_paper(SATURDAY_NOON)
    try:
        yield p
    finally:
        await p.venue.close()

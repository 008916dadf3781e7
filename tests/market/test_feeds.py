"""Watches and Feed without a venue: a feed closed from sync code releases its watch in a task the Watches own."""
from __future__ import annotations

import asyncio

from terminal.bus import Bus
from terminal.market.feeds import Feed, Key, Watches
from terminal.model import QuoteTick


class FakeVenue:
    """start/stop callbacks that record the 0<->1 transitions; ``stop`` can be made to hang like a slow unsubscribe."""

    def __init__(self, hang: bool = False) -> None:
        self.started: list[Key] = []
        self.stopped: list[Key] = []
        self.hang = hang
        self.stopping = asyncio.Event()
        self.stop_cancelled = asyncio.Event()

    async def start(self, key: Key) -> None:
        self.started.append(key)

    async def stop(self, key: Key) -> None:
        self.stopping.set()
        if self.hang:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.stop_cancelled.set()
                raise
        self.stopped.append(key)


async def test_a_feed_closed_from_sync_code_releases_its_watch_in_a_task_the_watches_own() -> None:
    venue = FakeVenue()
    watches = Watches(venue.start, venue.stop)
    feed: Feed[QuoteTick] = Feed(Bus(), QuoteTick, lambda q: True, watches, [("quotes", "BTCUSDT")])
    await feed.start()
    assert venue.started == [("quotes", "BTCUSDT")]
    feed.close()  # sync: the release runs in the background...
    [release] = watches.tasks.tasks  # ...in a task that is held and can be ended
    await release
    assert venue.stopped == [("quotes", "BTCUSDT")] and watches.count(("quotes", "BTCUSDT")) == 0
    assert len(watches.tasks) == 0
    await watches.close()


async def test_closing_the_watches_ends_a_release_still_waiting_on_the_venue_and_later_closes_start_nothing() -> None:
    venue = FakeVenue(hang=True)
    watches = Watches(venue.start, venue.stop)
    bus = Bus()
    first: Feed[QuoteTick] = Feed(bus, QuoteTick, lambda q: True, watches, [("quotes", "BTCUSDT")])
    second: Feed[QuoteTick] = Feed(bus, QuoteTick, lambda q: True, watches, [("quotes", "ETHUSDT")])
    await first.start()
    await second.start()
    first.close()
    await asyncio.wait_for(venue.stopping.wait(), 5)
    await watches.close()  # the session closes: the hanging unsubscribe must not outlive it
    assert venue.stop_cancelled.is_set() and len(watches.tasks) == 0
    second.close()  # after the session closed: no error, no task
    assert len(watches.tasks) == 0 and venue.stopped == []

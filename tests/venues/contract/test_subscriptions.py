"""Contract: after ``watch_*`` the venue publishes the symbol's events on its bus; after ``unwatch_*`` they stop.

"Stopped" is shown without waiting for a time: once the symbol is unwatched, a second symbol is watched and the test
waits for several of its events. The venue handles the unwatch before that watch (one connection, in order), so
from the second symbol's first event on, any event of the first is a leftover subscription; and by the time several
of the second's have come, an active subscription of the first would have shown too (both kinds tick alike).
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

import pytest

from terminal.model import Bar, BookUpdated, OrderBook, QuoteTick, Ticker24h, TradeTick

from .cases import Connection

Watch = Callable[[Connection, str], Awaitable[Any]]


def _quotes(conn: Connection) -> tuple[Watch, Watch, Callable[[Any, str], bool]]:
    kinds = (QuoteTick, TradeTick, Ticker24h)
    return (lambda c, s: c.venue.watch_quotes(s), lambda c, s: c.venue.unwatch_quotes(s),
            lambda e, s: isinstance(e, kinds) and e.symbol == s)


def _book(conn: Connection) -> tuple[Watch, Watch, Callable[[Any, str], bool]]:
    return (lambda c, s: c.venue.watch_book(s), lambda c, s: c.venue.unwatch_book(s),
            lambda e, s: isinstance(e, BookUpdated) and e.symbol == s)


def _bars(conn: Connection) -> tuple[Watch, Watch, Callable[[Any, str], bool]]:
    iv = conn.case.bar_interval
    return (lambda c, s: c.venue.watch_bars(s, iv), lambda c, s: c.venue.unwatch_bars(s, iv),
            lambda e, s: isinstance(e, Bar) and e.symbol == s and e.interval is iv)


KINDS = {"quotes": _quotes, "book": _book, "bars": _bars}
#: events of the first symbol awaited before unwatching it, events of the second awaited after its first one (bars
#: tick once a second: fewer)
COUNTS = {"quotes": (2, 3), "book": (2, 3), "bars": (1, 2)}


async def _events(conn: Connection, is_event: Callable[[Any], bool], n: int, after: int) -> int:
    """Wait until ``n`` matching events were recorded after index ``after``; the index of the first of them."""
    seen = 0

    def counted(e: Any) -> bool:
        nonlocal seen
        if is_event(e):
            seen += 1
        return seen >= n
    for e in conn.rec.events[after:]:
        if counted(e):
            break
    else:
        await conn.rec.wait_for(counted, past=False)
    return next(i for i, e in enumerate(conn.rec.events) if i >= after and is_event(e))


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_events_arrive_after_watch_and_stop_after_unwatch(conn: Connection, kind: str) -> None:
    if kind == "book" and not conn.venue.info.capabilities.streaming_depth:
        pytest.skip(f"{conn.case.name} streams no order book (Capabilities.streaming_depth=False)")
    watch, unwatch, is_of = KINDS[kind](conn)
    before, after = COUNTS[kind]
    a, b = conn.case.symbol, conn.case.other_symbol
    start = len(conn.rec.events)
    result = await watch(conn, a)
    if kind == "book":
        assert isinstance(result, OrderBook) and result.symbol == a
    await _events(conn, lambda e: is_of(e, a), before, start)
    await unwatch(conn, a)
    mark = len(conn.rec.events)
    await watch(conn, b)
    first_b = await _events(conn, lambda e: is_of(e, b), 1, mark)
    await _events(conn, lambda e: is_of(e, b), 1 + after, first_b)
    late = [e for e in conn.rec.events[first_b:] if is_of(e, a)]
    assert late == [], f"{len(late)} {kind} event(s) of {a} after unwatching it"
    await unwatch(conn, b)

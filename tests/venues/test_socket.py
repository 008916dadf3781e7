"""The shared reconnecting connection (venues/socket.py) driven against a loopback websockets server: backoff with
jitter that starts again after a healthy connection, the watchdog, resubscription, connect listeners, fatal errors,
and a close() that ends everything, also in the middle of a backoff wait."""
from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from typing import Any

import pytest

from terminal.model import ConnectionChanged
from terminal.venues.socket import Backoff, LinkState, WebSocketConnection, WebSocketTransport

from .binance.wsserver import TinyStreamServer


class Feed(WebSocketConnection):
    """The smallest protocol on the base: SUBSCRIBE control messages, every text frame handed on as it is."""

    def __init__(self, url: str, on_event: Any, **kw: Any) -> None:
        kw.setdefault("name", "feed")
        super().__init__(url, on_event, **kw)
        self.wanted: list[str] = []

    async def subscribe(self, names: list[str]) -> None:
        self.wanted += names
        if self._transport is not None:
            await self._transport.send(json.dumps({"method": "SUBSCRIBE", "params": names, "id": 1}))

    async def _resubscribe(self, transport: WebSocketTransport, is_reconnect: bool) -> None:
        if self.wanted:
            await transport.send(json.dumps({"method": "SUBSCRIBE", "params": self.wanted, "id": 1}))

    async def _serve(self, transport: WebSocketTransport) -> str:
        async for frame in transport.frames():
            self.health.messages += 1
            self.health.last_message_mono = time.monotonic()
            self.on_event(frame)
        return "closed by server"


class Refused(Exception):
    pass


class RefusingFeed(Feed):
    async def _handshake(self, transport: WebSocketTransport) -> None:
        raise Refused("bad keys")

    def _is_fatal(self, exc: BaseException) -> bool:
        return isinstance(exc, Refused)


class RecordingBackoff(Backoff):
    """Records every wait the loop chose and wakes whoever waits for the next one."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.delays: list[float] = []
        self.ceilings: list[float] = []
        self._changed = asyncio.Event()

    def next_delay(self) -> float:
        self.ceilings.append(min(self.max_s, self.initial_s * 2 ** self.attempt))
        delay = super().next_delay()
        self.delays.append(delay)
        self._changed.set()
        return delay

    async def wait_for_delays(self, n: int, timeout: float = 5.0) -> None:
        async def until() -> None:
            while len(self.delays) < n:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(until(), timeout)


class Events:
    """on_event sink: awaits the n-th event that matches a predicate."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._changed = asyncio.Event()

    def __call__(self, event: Any) -> None:
        self.events.append(event)
        self._changed.set()

    def ups(self) -> list[ConnectionChanged]:
        return [e for e in self.events if isinstance(e, ConnectionChanged) and e.connected]

    def downs(self) -> list[ConnectionChanged]:
        return [e for e in self.events if isinstance(e, ConnectionChanged) and not e.connected]

    async def until(self, predicate: Any, timeout: float = 5.0) -> None:
        async def wait() -> None:
            while not predicate():
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(wait(), timeout)


def feed_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("feed")]


async def test_backoff_grows_with_jitter_and_starts_again_after_a_healthy_connection() -> None:
    now = [1000.0]  # the backoff's own clock: "stayed up long enough" without waiting for it
    backoff = RecordingBackoff(0.01, 0.04, healthy_after_s=5.0, rng=random.Random(3).random, clock=lambda: now[0])
    got = Events()
    async with TinyStreamServer() as srv:
        feed = Feed(srv.url, got, backoff=backoff)
        await feed.start()
        for n in range(1, 5):  # the server hangs up at once, four times
            await got.until(lambda: len(got.ups()) == n)
            srv.drop_all()
            await backoff.wait_for_delays(n)
        await got.until(lambda: len(got.ups()) == 5)
        now[0] += 5.0  # this connection stays up for the healthy period...
        srv.drop_all()  # ...before it drops
        await backoff.wait_for_delays(5)
        await feed.close()
    assert backoff.ceilings == [0.01, 0.02, 0.04, 0.04, 0.01]  # doubled up to max_s, then back to the start
    factors = [d / c for d, c in zip(backoff.delays, backoff.ceilings)]
    assert all(0.5 <= f < 1.0 for f in factors)  # jitter: a random part of each ceiling...
    assert len({round(f, 6) for f in factors}) == len(factors)  # ...different every time
    assert [e.reconnects for e in got.ups()] == [0, 1, 2, 3, 4]


def test_backoff_counts_only_a_connection_that_stayed_up_as_healthy() -> None:
    now = [0.0]
    backoff = Backoff(1.0, 60.0, healthy_after_s=2.0, rng=lambda: 0.0, clock=lambda: now[0])
    assert [backoff.next_delay() for _ in range(3)] == [0.5, 1.0, 2.0]
    backoff.connected()
    now[0] += 1.9  # up, but not for long
    backoff.disconnected()
    assert backoff.next_delay() == 4.0
    backoff.connected()
    now[0] += 2.0
    backoff.disconnected()
    assert backoff.next_delay() == 0.5


async def test_the_watchdog_drops_a_socket_that_stops_answering_and_reconnects() -> None:
    got = Events()
    async with TinyStreamServer() as srv:
        # an orderly close would wait close_timeout_s for a peer that answers nothing: the watchdog must not
        feed = Feed(srv.url, got, silence_timeout_s=0.4, backoff=Backoff(0.01, 0.01), close_timeout_s=60)
        await feed.start()
        await got.until(lambda: len(got.ups()) == 1)
        stuck = srv.connections[-1]
        stuck.transport.pause_reading()  # the peer is still there but answers nothing, not even a ping
        await got.until(lambda: len(got.downs()) == 1 and len(got.ups()) == 2)
        stuck.transport.abort()
        assert got.downs()[0].reason == "silent"
        assert got.ups()[1].reason == "reconnected" and feed.reconnects == 1 and feed.connected
        await srv.push_raw("hello")  # the new connection is the live one
        await got.until(lambda: "hello" in got.events)
        await feed.close()


async def test_subscriptions_are_replayed_after_a_reconnect() -> None:
    got = Events()
    async with TinyStreamServer() as srv:
        feed = Feed(srv.url, got, backoff=Backoff(0.01, 0.01))
        await feed.start()
        await feed.wait_connected(5)
        await feed.subscribe(["btcusdt@trade", "ethusdt@trade"])
        await asyncio.wait_for(srv.subscribed.wait(), 5)
        first = srv.connections[-1]
        srv.drop_all()
        await asyncio.wait_for(srv.subscribed.wait(), 5)
        assert srv.connections[-1] is not first
        assert srv.subs[srv.connections[-1]] == {"btcusdt@trade", "ethusdt@trade"}
        assert await srv.push("ethusdt@trade", {"p": "1"}) == 1
        await got.until(lambda: any(isinstance(e, str) and "ethusdt@trade" in e for e in got.events))
        await feed.close()


async def test_connect_listeners_hear_is_reconnect_and_one_failing_listener_stops_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    got = Events()
    heard: list[tuple[str, bool]] = []

    async def reconcile(is_reconnect: bool) -> None:
        heard.append(("async", is_reconnect))
        got("reconciled")

    def broken(is_reconnect: bool) -> None:
        raise RuntimeError("listener bug")

    async with TinyStreamServer() as srv:
        feed = Feed(srv.url, got, backoff=Backoff(0.01, 0.01))
        feed.add_connect_listener(lambda again: heard.append(("sync", again)))
        feed.add_connect_listener(broken)
        feed.add_connect_listener(reconcile)
        await feed.start()
        await got.until(lambda: len(got.ups()) == 1)
        srv.drop_all()
        await got.until(lambda: len(got.ups()) == 2)
        await got.until(lambda: got.events.count("reconciled") == 2)
        await feed.close()
    assert sorted(heard) == [("async", False), ("async", True), ("sync", False), ("sync", True)]
    assert caplog.text.count("feed: connect listener failed") == 2 and feed.connects == 2


async def test_close_during_a_reconnect_wait_ends_at_once_and_leaves_no_task() -> None:
    got = Events()
    backoff = RecordingBackoff(3600.0, 3600.0)  # a wait no test could sit out
    cancelled = asyncio.Event()

    async def slow_reconcile(is_reconnect: bool) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with TinyStreamServer() as srv:
        feed = Feed(srv.url, got, backoff=backoff)
        feed.add_connect_listener(slow_reconcile)
        await feed.start()
        await got.until(lambda: len(got.ups()) == 1)
        srv.drop_all()
        await backoff.wait_for_delays(1)
        assert feed.state is LinkState.WAITING and backoff.delays[0] >= 1800
        await asyncio.wait_for(feed.close(), 5)  # would time out if close() waited for the backoff
        assert feed.state is LinkState.CLOSED and not feed.connected
        assert cancelled.is_set()  # the listener's work ended with the connection
        assert len(feed.tasks) == 0 and feed_tasks() == []
        assert len(srv.connections) == 1  # and it never dialled again
        with pytest.raises(ConnectionError):
            await feed.wait_connected(1)


async def test_close_while_connected_ends_the_loop_its_helpers_and_reports_the_connection_down() -> None:
    got = Events()
    async with TinyStreamServer() as srv:
        feed = Feed(srv.url, got)
        await feed.start()
        await feed.wait_connected(5)
        await feed.close()
        assert feed_tasks() == [] and feed.state is LinkState.CLOSED
        assert [e.reason for e in got.downs()] == ["closed"]


async def test_a_fatal_handshake_error_stops_the_loop_and_wait_connected_raises_it(
        caplog: pytest.LogCaptureFixture) -> None:
    got = Events()
    async with TinyStreamServer() as srv:
        feed = RefusingFeed(srv.url, got, backoff=Backoff(0.01, 0.01))
        await feed.start()
        with pytest.raises(Refused, match="bad keys"):
            await feed.wait_connected(5)
        await got.until(lambda: len(got.downs()) == 1)
        assert feed.state is LinkState.FAILED and not got.ups()
        assert got.downs()[0].reason == "Refused: bad keys"
        assert len(feed.tasks) == 0  # the loop has ended: nothing left to retry
        assert any(r.levelno == logging.ERROR and "not reconnecting" in r.getMessage() for r in caplog.records)
        await feed.close()

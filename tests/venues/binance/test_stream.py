"""MarketStream against a tiny local websockets server: dispatch, bad frames, reconnect, watchdog, throttling."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from terminal.model import ConnectionChanged, QuoteTick, TradeTick
from terminal.venues.binance.stream import MarketStream

from .wsserver import TinyStreamServer

TRADE = {"e": "trade", "E": 1, "s": "BTCUSDT", "t": 1, "p": "100.5", "q": "0.1", "T": 1, "m": False, "M": True}
QUOTE = {"u": 1, "s": "BTCUSDT", "b": "100", "B": "1", "a": "101", "A": "2"}


class Collector:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self._waiters: list[tuple[Any, asyncio.Future[Any]]] = []

    def __call__(self, event: Any) -> None:
        self.events.append(event)
        for pred, fut in list(self._waiters):
            if not fut.done() and pred(event):
                fut.set_result(event)

    async def wait_for(self, pred: Any, timeout: float = 5.0) -> Any:
        for e in self.events:
            if pred(e):
                return e
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append((pred, fut))
        return await asyncio.wait_for(fut, timeout)

    def clear(self) -> None:
        self.events.clear()


async def test_stream_delivers_parsed_events_and_survives_bad_messages() -> None:
    got = Collector()
    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, got, control_interval_s=0.01)
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade", "btcusdt@bookTicker"])
        await srv.push_raw("{not json")
        await srv.push("btcusdt@trade", {"e": "trade", "s": "BTCUSDT"})  # missing fields
        await srv.push("btcusdt@trade", {**TRADE, "p": "-5"})  # negative price
        await srv.push("btcusdt@trade", TRADE)
        await srv.push("btcusdt@bookTicker", QUOTE)
        q = await got.wait_for(lambda e: isinstance(e, QuoteTick))
        t = await got.wait_for(lambda e: isinstance(e, TradeTick))
        assert t.price == Decimal("100.5") and q.ask_qty == Decimal(2)
        assert stream.health.errors == 3
        assert stream.streams["btcusdt@trade"].messages == 3 and stream.streams["btcusdt@trade"].age_s is not None
        await stream.close()


async def test_stream_reconnects_resubscribes_and_reports_connection_changes() -> None:
    got = Collector()
    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, got, control_interval_s=0.01, backoff_initial_s=0.05)
        reconnected = asyncio.Event()
        stream.add_connect_listener(lambda again: reconnected.set() if again else None)
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade", "ethusdt@trade"])
        srv.drop_all()
        down = await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected)
        assert down.stream == "market"
        up = await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and e.reconnects == 1)
        assert up.reason == "reconnected"
        await asyncio.wait_for(reconnected.wait(), 5)
        await asyncio.wait_for(srv.subscribed.wait(), 5)
        assert srv.subs[srv.connections[-1]] == {"btcusdt@trade", "ethusdt@trade"}
        await srv.push("ethusdt@trade", {**TRADE, "s": "ETHUSDT"})
        await got.wait_for(lambda e: isinstance(e, TradeTick) and e.symbol == "ETHUSDT")
        assert stream.reconnects == 1 and stream.streams["ethusdt@trade"].reconnects == 1
        await stream.close()


async def test_watchdog_treats_streams_without_data_as_dead() -> None:
    got = Collector()
    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, got, data_timeout_s=0.4, control_interval_s=0.01, backoff_initial_s=0.05)
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade"])  # ...and the server never sends data
        down = await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected)
        assert down.reason == "silent"
        await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and e.reconnects >= 1)
        await stream.close()


async def test_control_messages_are_merged_and_throttled_below_five_per_second() -> None:
    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, lambda e: None, control_interval_s=0.25)
        await stream.start()
        await stream.wait_connected(5)
        names = [f"s{i}usdt@trade" for i in range(12)]
        await asyncio.gather(*(stream.subscribe([n]) for n in names))
        await stream.unsubscribe(names[:3])
        times = [t for t, _ in srv.controls]
        assert all(b - a >= 0.2 for a, b in zip(times, times[1:]))
        subscribed = [p for _, m in srv.controls if m["method"] == "SUBSCRIBE" for p in m["params"]]
        assert sorted(subscribed) == sorted(names) and len(srv.controls) < 12
        assert stream.subscriptions == frozenset(names[3:])
        await stream.close()


async def test_connection_is_rotated_before_its_lifetime_ends_without_backoff() -> None:
    got = Collector()
    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, got, max_lifetime_s=0.3, silence_timeout_s=0.4, control_interval_s=0.01,
                              backoff_initial_s=30)  # a backoff this long would time the test out
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade"])
        down = await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected)
        assert down.reason == "rotation"
        await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and e.reconnects == 1)
        await asyncio.wait_for(srv.subscribed.wait(), 5)
        await stream.close()


async def test_server_shutdown_notice_triggers_a_reconnect() -> None:
    got = Collector()
    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, got, control_interval_s=0.01, backoff_initial_s=0.05)
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade"])
        await srv.push_raw('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}')
        down = await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected)
        assert down.reason == "server shutdown"
        await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and e.reconnects == 1)
        await stream.close()

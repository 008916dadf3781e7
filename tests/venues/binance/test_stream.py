"""MarketStream against a tiny local websockets server: dispatch, bad frames, reconnect, watchdog, throttling."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal.model import ConnectionChanged, QuoteTick, TradeTick
from terminal.venues.binance.health import DropLog
from terminal.venues.binance.parse import WireError, checked_book_ticker, checked_trade
from terminal.venues.binance.stream import MarketStream, parser_for

from .wireframes import ISSUE_FRAMES, QUOTE_FIELDS, TRADE_FIELDS, frames
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


async def test_a_server_that_hangs_up_at_once_gets_ever_longer_waits(caplog: pytest.LogCaptureFixture) -> None:
    """A server that accepts and drops every connection must not be redialled at the initial rate forever: only a
    connection that stayed up for a while starts the backoff again."""
    caplog.set_level(logging.INFO, logger="terminal.venues.binance.stream")
    got = Collector()
    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, got, control_interval_s=0.01, backoff_initial_s=0.1, backoff_max_s=10)
        await stream.start()
        for n in range(4):
            await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and e.reconnects == n)
            srv.drop_all()
        await got.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and e.reconnects == 4)
        await stream.close()
    waits = [float(m.group(1)) for m in (re.search(r"reconnecting in ([0-9.]+)s", r.getMessage())
                                         for r in caplog.records) if m]
    assert len(waits) == 4
    for wait, ceiling in zip(waits, [0.1, 0.2, 0.4, 0.8]):  # doubled each time, with jitter in [ceiling/2, ceiling)
        assert ceiling / 2 - 0.005 <= wait <= ceiling + 0.005, waits


async def test_close_ends_the_work_a_connect_listener_started() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def reconcile(is_reconnect: bool) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, lambda e: None, control_interval_s=0.01)
        stream.add_connect_listener(reconcile)
        await stream.start()
        await asyncio.wait_for(started.wait(), 5)
        await stream.close()
        assert cancelled.is_set()  # not left running after its stream was closed


# ---------------------------------------------------------------- malformed frames (issue 9, item 4)

PARSERS = pytest.mark.parametrize("parsers", [parser_for, partial(parser_for, checked=True)], ids=["fast", "checked"])


@PARSERS
async def test_malformed_frames_are_dropped_counted_per_stream_and_logged_by_type_only(
        parsers: Any, caplog: pytest.LogCaptureFixture) -> None:
    got = Collector()
    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, got, control_interval_s=0.01, parsers=parsers, drop_log_interval_s=3600)
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade", "btcusdt@bookTicker"])
        for name, data in ISSUE_FRAMES:
            await srv.push(name, data)
        for _ in range(20):  # a flood of one kind: one log line
            await srv.push("btcusdt@trade", {**TRADE, "p": "1E+999999"})
        await srv.push("btcusdt@trade", {**TRADE, "t": 2})
        await srv.push("btcusdt@bookTicker", QUOTE)  # frames arrive in order: once this is in, all were read
        await got.wait_for(lambda e: isinstance(e, QuoteTick))
        events = [e for e in got.events if not isinstance(e, ConnectionChanged)]
        assert [type(e) for e in events] == [TradeTick, QuoteTick] and events[0].trade_id == 2
        trades, quotes = stream.streams["btcusdt@trade"], stream.streams["btcusdt@bookTicker"]
        assert (trades.dropped, quotes.dropped, trades.messages, quotes.messages) == (25, 3, 26, 4)
        assert stream.connection_health().dropped == 28 and stream.health.errors == 28
        lines = [r.getMessage() for r in caplog.records if r.name == "terminal.venues.binance.stream"]
        assert sorted(lines) == sorted([
            "market: dropped 1 message(s) on btcusdt@trade (WireError: price)",
            "market: dropped 1 message(s) on btcusdt@trade (WireError: symbol)",
            "market: dropped 1 message(s) on btcusdt@trade (WireError: trade_id)",
            "market: dropped 1 message(s) on btcusdt@trade (WireError: ts_event)",
            "market: dropped 1 message(s) on btcusdt@bookTicker (WireError: bid)",
            "market: dropped 1 message(s) on btcusdt@bookTicker (WireError: symbol)",
            "market: dropped 1 message(s) on btcusdt@bookTicker (WireError: ts_event)"])
        assert "yesterday" not in caplog.text and "999999" not in caplog.text
        await stream.close()


def _expected(name: str, data: Any, reference: Any) -> tuple[str, Any]:
    """What the stream must do with ``data`` on ``name``: drop it undecoded, drop it as refused, or deliver a record."""
    try:
        decoded = orjson.loads(json.dumps({"stream": name, "data": data}))["data"]
    except (orjson.JSONDecodeError, ValueError):
        return "undecodable", None
    try:
        return "record", repr(reference(decoded, 0, name.split("@")[0].upper()))
    except WireError:
        return "refused", None


@PARSERS
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(st.one_of(st.tuples(st.just("btcusdt@trade"), frames(TRADE_FIELDS)),
                                st.tuples(st.just("btcusdt@bookTicker"), frames(QUOTE_FIELDS))), max_size=12))
async def test_the_stream_drops_exactly_the_frames_the_checked_parser_refuses(parsers: Any,
                                                                              batch: list[tuple[str, Any]]) -> None:
    reference = {"btcusdt@trade": checked_trade, "btcusdt@bookTicker": checked_book_ticker}
    expected = [_expected(name, data, reference[name]) for name, data in batch]
    got = Collector()
    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, got, control_interval_s=0.01, parsers=parsers)
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade", "btcusdt@bookTicker", "ethusdt@trade"])
        for name, data in batch:
            await srv.push_raw(json.dumps({"stream": name, "data": data}))
        await srv.push("ethusdt@trade", {**TRADE, "s": "ETHUSDT", "t": 0})  # the end marker
        await got.wait_for(lambda e: isinstance(e, TradeTick) and e.symbol == "ETHUSDT")
        records = [repr(replace(e, ts_recv=0)) for e in got.events if isinstance(e, (TradeTick, QuoteTick))]
        assert records[:-1] == [r for kind, r in expected if kind == "record"]
        refused = [name for (name, _), (kind, _) in zip(batch, expected) if kind == "refused"]
        assert stream.streams["btcusdt@trade"].dropped == refused.count("btcusdt@trade")
        assert stream.streams["btcusdt@bookTicker"].dropped == refused.count("btcusdt@bookTicker")
        assert stream.connection_health().dropped == sum(kind != "record" for kind, _ in expected)
        await stream.close()


async def test_a_failing_consumer_is_counted_and_the_stream_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    got = Collector()

    def consumer(event: Any) -> None:
        if isinstance(event, TradeTick) and event.trade_id == 1:
            raise RuntimeError("consumer bug")
        got(event)

    async with TinyStreamServer() as srv:
        stream = MarketStream(srv.url, consumer, control_interval_s=0.01)
        await stream.start()
        await stream.wait_connected(5)
        await stream.subscribe(["btcusdt@trade"])
        await srv.push("btcusdt@trade", TRADE)
        await srv.push("btcusdt@trade", {**TRADE, "t": 2})
        await got.wait_for(lambda e: isinstance(e, TradeTick) and e.trade_id == 2)
        h = stream.streams["btcusdt@trade"]
        assert (h.errors, h.dropped, stream.health.errors) == (1, 0, 1)
        assert "on_event failed for 1 message(s) on btcusdt@trade (RuntimeError)" in caplog.text
        await stream.close()


def test_the_drop_log_writes_one_line_per_stream_and_reason_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    drops = DropLog(logging.getLogger("test.drops"), "market", 10.0, clock=lambda: now[0])
    for _ in range(5):
        drops.note("btcusdt@trade", WireError("price", "not a wire number"))
    drops.note("btcusdt@trade", KeyError("secret-looking payload"))
    now[0] += 10.0
    drops.note("btcusdt@trade", WireError("price", "not a wire number"))
    assert [r.getMessage() for r in caplog.records] == [
        "market: dropped 1 message(s) on btcusdt@trade (WireError: price)",
        "market: dropped 1 message(s) on btcusdt@trade (KeyError)",
        "market: dropped 5 message(s) on btcusdt@trade (WireError: price)"]
    assert "secret" not in caplog.text

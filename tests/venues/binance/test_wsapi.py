"""Orders over Binance's WebSocket API (real sandbox on 127.0.0.1, its /ws-api/v3): placed, cancelled and looked up
over one connection, the same outcomes as REST for the same answers, an unanswered request left to the order
manager's look-up, and REST whenever the connection is down."""
from __future__ import annotations

import asyncio
import socket
from decimal import Decimal
from typing import AsyncIterator

import pytest

from terminal.bus import Bus
from terminal.model import ConnectionChanged, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.oms.manager import OrderManager
from terminal.storage.journal import Journal
from terminal.venues.binance.rest import BinanceRest
from terminal.venues.binance.signing import HmacSigner
from terminal.venues.binance.venue import BinanceVenue
from terminal.venues.binance.wsapi import NotSent, WsApiTrading
from terminal.venues.ports import (AuthError, DuplicateOrder, MayHaveLanded, RateLimited, Rejected, TemporaryError,
                                   UnknownOrder)

from .conftest import make_venue
from .recorder import Recorder

D = Decimal
ORDER = ("POST", "/api/v3/order")


@pytest.fixture
async def ws_venue(fresh_sandbox: object) -> AsyncIterator[BinanceVenue]:
    v = make_venue(fresh_sandbox, Bus(), recv_window_ms=1500)
    await v.start()
    assert v.trading is not None and v.trading.connected
    try:
        yield v
    finally:
        await v.close()


async def _limit(venue: BinanceVenue) -> OrderRequest:
    """A BUY LIMIT 10% under the bid: it rests."""
    price = ((await venue.quote("BTCUSDT")).bid * D("0.9")).quantize(D("0.01"))
    return OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.001"), price, time_in_force=TimeInForce.GTC)


def _rest_order_calls(server: object) -> list[str]:
    """The query strings of every REST request to /api/v3/order (any method) the sandbox has seen."""
    log = server.rest.request_log  # type: ignore[attr-defined]
    return [f"{m} {q}" for m, p, q in list(log) if p == "/api/v3/order"]


async def test_place_status_cancel_go_over_the_ws_api_and_never_touch_rest(ws_venue: BinanceVenue,
                                                                           fresh_sandbox: object) -> None:
    trading = ws_venue.trading
    assert trading is not None
    req = await _limit(ws_venue)
    sent = trading.requests_sent
    placed, fills = await ws_venue.submit(req)
    assert (placed.client_order_id, placed.status, fills) == (req.client_order_id, OrderStatus.NEW, [])
    assert placed.price == req.price and placed.venue_order_id is not None
    looked_up = await ws_venue.query_order("BTCUSDT", req.client_order_id)
    assert (looked_up.status, looked_up.venue_order_id) == (OrderStatus.NEW, placed.venue_order_id)
    canceled = await ws_venue.cancel_order("BTCUSDT", req.client_order_id)
    assert canceled.status is OrderStatus.CANCELED
    assert trading.requests_sent == sent + 3
    assert _rest_order_calls(fresh_sandbox) == []
    # a MARKET order's immediate fills come back in the answer, parsed as REST's are
    market = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.001"))
    filled, fills = await ws_venue.submit(market)
    assert filled.status is OrderStatus.FILLED and fills and sum(f.qty for f in fills) == D("0.001")
    assert ws_venue.health()["market"].extra["ws_api_connected"] is True


async def test_ws_api_errors_map_to_the_same_outcomes_as_rest(ws_venue: BinanceVenue, fresh_sandbox: object) -> None:
    req = await _limit(ws_venue)
    await ws_venue.submit(req)
    with pytest.raises(DuplicateOrder):  # -2010 "Duplicate order sent."
        await ws_venue.submit(req)
    with pytest.raises(UnknownOrder):  # -2013 on order.status
        await ws_venue.query_order("BTCUSDT", "nope-never-placed")
    with pytest.raises(UnknownOrder):  # -2011 "Unknown order sent." on order.cancel
        await ws_venue.cancel_order("BTCUSDT", "nope-never-placed")
    with pytest.raises(Rejected) as filt:  # -1013 filter failure
        await ws_venue.submit(OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.001"), req.price + D("0.001"),
                                           time_in_force=TimeInForce.GTC))
    assert filt.value.code == -1013 and "PRICE_FILTER" in filt.value.message
    ask = (await ws_venue.quote("BTCUSDT")).ask
    with pytest.raises(Rejected) as funds:  # -2010 insufficient balance (the account holds 1 BTC)
        await ws_venue.submit(OrderRequest("BTCUSDT", Side.SELL, OrderType.LIMIT, D("5"),
                                           (ask * D("1.1")).quantize(D("0.01")), time_in_force=TimeInForce.GTC))
    assert funds.value.code == -2010
    assert _rest_order_calls(fresh_sandbox) == []


async def test_identical_requests_in_one_millisecond_are_not_refused_as_replays(ws_venue: BinanceVenue) -> None:
    """The same signed cancel twice at once: without strictly increasing timestamps both carry one signature and the
    second is refused as a replay (-1022, an AuthError) instead of answered."""
    assert ws_venue.trading is not None
    results = await asyncio.gather(*(ws_venue.trading.cancel_order("BTCUSDT", "never-placed") for _ in range(3)),
                                   return_exceptions=True)
    assert [type(r) for r in results] == [UnknownOrder] * 3


async def test_ws_api_429_is_rate_limited_for_the_seconds_its_retry_after_timestamp_says(
        ws_venue: BinanceVenue, fresh_sandbox: object) -> None:
    fresh_sandbox.faults.rate_limit_next(1, retry_after=7)  # type: ignore[attr-defined]
    assert ws_venue.trading is not None
    with pytest.raises(RateLimited) as exc:
        await ws_venue.trading.query_order("BTCUSDT", "whatever")
    assert exc.value.http_status == 429 and exc.value.code == -1003
    assert 6.0 <= exc.value.retry_after_s <= 7.0
    assert ws_venue.rest.backoff_remaining_s > 5.0  # the REST client's gate holds for both paths


async def test_ws_api_refused_key_is_an_auth_error(fresh_sandbox: object) -> None:
    rest = BinanceRest(fresh_sandbox.url)  # type: ignore[attr-defined]
    trading = WsApiTrading(fresh_sandbox.ws_url + "/ws-api/v3", "not-a-key", HmacSigner("x" * 64), rest)  # type: ignore
    await trading.start()
    try:
        await trading.wait_connected(10)
        with pytest.raises(AuthError) as exc:
            await trading.query_order("BTCUSDT", "whatever")
        assert exc.value.code == -2015
    finally:
        await trading.close()
        await rest.close()
    with pytest.raises(NotSent):  # closed: nothing leaves
        await trading.query_order("BTCUSDT", "whatever")


async def test_ws_api_clock_off_resyncs_and_sends_once_more(ws_venue: BinanceVenue) -> None:
    ws_venue.rest.time_offset_ms = -60_000  # our stamps are a minute late: -1021 first
    req = await _limit(ws_venue)
    placed, _ = await ws_venue.submit(req)
    assert placed.status is OrderStatus.NEW and abs(ws_venue.rest.time_offset_ms) < 5_000


async def test_ws_api_rate_limits_feed_the_weight_the_health_reports(ws_venue: BinanceVenue,
                                                                    fresh_sandbox: object) -> None:
    assert ws_venue.trading is not None
    ws_venue.rest.used_weight = 0
    with pytest.raises(UnknownOrder):
        await ws_venue.trading.query_order("BTCUSDT", "nope")  # order.status: weight 4
    assert ws_venue.rest.used_weight >= 4
    assert ws_venue.rest.weight_limit_1m == fresh_sandbox.venue.limiter.limits.weight_per_minute  # type: ignore
    assert ws_venue.health()["market"].extra["rate_used"] == ws_venue.rest.used_weight


async def test_order_whose_ws_answer_never_comes_may_have_landed_and_the_oms_ends_with_exactly_one(
        ws_venue: BinanceVenue, fresh_sandbox: object) -> None:
    server = fresh_sandbox
    journal, bus = Journal(), Bus()
    oms = OrderManager(ws_venue, journal, bus)
    req = await _limit(ws_venue)
    hold = server.faults.hold_next_response(1, method="POST", path="/api/v3/order")  # type: ignore[attr-defined]
    landed: list[MayHaveLanded] = []
    submit = ws_venue.submit

    async def watched(request: OrderRequest):  # type: ignore[no-untyped-def]
        try:
            return await submit(request)
        except MayHaveLanded as exc:
            landed.append(exc)
            raise
    ws_venue.submit = watched  # type: ignore[method-assign]
    task = asyncio.ensure_future(oms.place(req))
    try:
        assert await asyncio.to_thread(hold.wait_arrived, 1, 10)  # processed: the order IS placed
        await asyncio.to_thread(server.faults.drop_websockets)  # type: ignore[attr-defined]
        order = await asyncio.wait_for(task, 30)
    finally:
        hold.release()
        await oms.close()
    assert len(landed) == 1 and 0 < landed[0].settle_ms <= ws_venue.settle_ms()
    assert (order.client_order_id, order.status) == (req.client_order_id, OrderStatus.NEW)
    venue_orders = await ws_venue.rest.all_orders("BTCUSDT")
    assert [o.client_order_id for o in venue_orders].count(req.client_order_id) == 1
    assert len(venue_orders) == 1


async def test_order_unanswered_within_the_timeout_may_have_landed_and_a_read_is_a_temporary_error(
        ws_venue: BinanceVenue, fresh_sandbox: object) -> None:
    trading = ws_venue.trading
    assert trading is not None
    trading.timeout_s = 0.5
    req = await _limit(ws_venue)
    holds = [fresh_sandbox.faults.hold_next_response(1, method="POST", path="/api/v3/order"),  # type: ignore
             fresh_sandbox.faults.hold_next_response(1, method="GET", path="/api/v3/order")]  # type: ignore
    try:
        with pytest.raises(MayHaveLanded) as exc:
            await trading.submit(req)
        assert 0 < exc.value.settle_ms <= ws_venue.settle_ms()
        with pytest.raises(TemporaryError) as read:
            await trading.query_order("BTCUSDT", req.client_order_id)
        assert not isinstance(read.value, MayHaveLanded)
    finally:
        for hold in holds:
            hold.release()
    trading.timeout_s = 10
    assert (await trading.query_order("BTCUSDT", req.client_order_id)).status is OrderStatus.NEW  # it did land
    assert trading.connected  # a late answer is dropped; the connection serves on


async def test_orders_go_over_rest_while_the_ws_api_is_down_and_nothing_is_duplicated(
        ws_venue: BinanceVenue, fresh_sandbox: object) -> None:
    server = fresh_sandbox
    trading = ws_venue.trading
    assert trading is not None
    trading.backoff.initial_s = trading.backoff.max_s = 60.0  # stays down once dropped
    rec = Recorder()
    trading.on_event = rec
    await asyncio.to_thread(server.faults.drop_websockets)  # type: ignore[attr-defined]
    await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected)
    assert not trading.connected
    oms = OrderManager(ws_venue, Journal(), Bus())
    sent = trading.requests_sent
    req = await _limit(ws_venue)
    try:
        order = await oms.place(req)
        canceled = await oms.cancel("BTCUSDT", req.client_order_id)
    finally:
        await oms.close()
    assert (order.status, canceled.status) == (OrderStatus.NEW, OrderStatus.CANCELED)
    assert trading.requests_sent == sent
    calls = _rest_order_calls(server)
    assert [c.split()[0] for c in calls] == ["POST", "DELETE"]
    venue_orders = await ws_venue.rest.all_orders("BTCUSDT")
    assert [o.client_order_id for o in venue_orders] == [req.client_order_id]


async def test_ws_api_trading_can_be_turned_off(fresh_sandbox: object) -> None:
    v = make_venue(fresh_sandbox, Bus(), ws_api_trading=False)
    await v.start()
    try:
        assert v.trading is None
        placed, _ = await v.submit(await _limit(v))
        assert placed.status is OrderStatus.NEW
        assert [c.split()[0] for c in _rest_order_calls(fresh_sandbox)] == ["POST"]
    finally:
        await v.close()


async def test_rest_client_reads_proxy_settings_once_at_construction_and_uses_them(
        sandbox: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The REST client no longer lets requests read the environment on every call; a proxy configured in the
    environment still applies (read when the client is made), and NO_PROXY still exempts a host."""
    with socket.socket() as s:  # a port nobody listens on: the "proxy" refuses
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{dead}")
    proxied = BinanceRest(sandbox.url, timeout=5)  # type: ignore[attr-defined]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    exempt = BinanceRest(sandbox.url, timeout=5)  # type: ignore[attr-defined]
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.delenv("http_proxy")
    try:
        with pytest.raises(TemporaryError):
            await proxied.server_time()  # through the refusing proxy, although the variable has gone since
        assert await exempt.server_time() > 0
    finally:
        await proxied.close()
        await exempt.close()

"""The Binance adapter translates the venue's answers into the ports' outcomes (real sandbox on 127.0.0.1): nothing
outside ``venues/binance`` ever sees a Binance code."""
from __future__ import annotations

import asyncio
import socket
from decimal import Decimal
from typing import AsyncIterator

import pytest

from terminal.bus import Bus
from terminal.model import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.venues.binance.info import INFO
from terminal.venues.binance.rest import BinanceRest
from terminal.venues.binance.signing import HmacSigner
from terminal.venues.binance.venue import BinanceVenue
from terminal.venues.ports import (DuplicateOrder, Execution, MarketData, MayHaveLanded, Rejected, TemporaryError,
                                   UnknownOrder, Venue)

from .conftest import make_venue

D = Decimal


@pytest.fixture
async def rest(sandbox: object) -> AsyncIterator[BinanceRest]:
    client = BinanceRest(sandbox.url, sandbox.default_api_key,  # type: ignore[attr-defined]
                         HmacSigner(sandbox.default_api_secret), timeout=5)  # type: ignore[attr-defined]
    await client.sync_time()
    yield client
    await client.close()


async def _limit(rest: BinanceRest, extra_digit: bool = False) -> OrderRequest:
    """A BUY LIMIT 10% under the bid (it rests); ``extra_digit``: a price finer than the tick size."""
    price = ((await rest.book_ticker("BTCUSDT")).bid * D("0.9")).quantize(D("0.01"))
    return OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.001"), price + (D("0.001") if extra_digit else 0),
                        time_in_force=TimeInForce.GTC)


async def test_5xx_answer_to_an_order_may_have_landed_and_is_settled_at_once(rest: BinanceRest, sandbox: object):
    request = await _limit(rest)
    sandbox.faults.fail_next(1, status=500)  # type: ignore[attr-defined]
    with pytest.raises(MayHaveLanded) as err:
        await rest.submit(request)
    assert err.value.settle_ms == 0 and err.value.http_status == 500


async def test_504_answer_to_an_order_may_still_land_within_the_recv_window(rest: BinanceRest, sandbox: object):
    request = await _limit(rest)
    sandbox.faults.fail_next(1, status=504)  # type: ignore[attr-defined]
    with pytest.raises(MayHaveLanded) as err:
        await rest.submit(request)
    assert 0 < err.value.settle_ms <= rest.settle_ms()  # what is left of it once the answer came


async def test_5xx_answer_to_a_read_is_a_plain_temporary_error(rest: BinanceRest, sandbox: object):
    sandbox.faults.fail_next(1, status=504)  # type: ignore[attr-defined]
    with pytest.raises(TemporaryError) as err:
        await rest.open_orders("BTCUSDT")
    assert not isinstance(err.value, MayHaveLanded)


async def test_unanswered_order_request_may_land_after_the_timeout_within_settle_ms(sandbox: object):
    client = BinanceRest(sandbox.url, sandbox.default_api_key,  # type: ignore[attr-defined]
                         HmacSigner(sandbox.default_api_secret), timeout=0.3)  # type: ignore[attr-defined]
    hold = sandbox.faults.hold_next_request(1, method="POST", path="/api/v3/order")  # type: ignore[attr-defined]
    request = await _limit(client)
    try:
        with pytest.raises(MayHaveLanded) as err:
            await client.submit(request)
        # it may land until its recvWindow, counted from its own timestamp, has passed: the 0.3 s spent waiting for
        # an answer are gone from that
        assert 0 < err.value.settle_ms <= client.settle_ms() - 300 and err.value.http_status is None
        hold.release()  # the request that timed out at the client is processed now
        assert await asyncio.to_thread(hold.wait_answered)
        landed = await client.query_order("BTCUSDT", request.client_order_id)
        assert landed.status is OrderStatus.NEW
        await client.cancel_order("BTCUSDT", request.client_order_id)
    finally:
        hold.release()
        await client.close()


async def test_order_request_to_a_closed_port_never_left_so_nothing_may_land():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    client = BinanceRest(f"http://127.0.0.1:{port}", "key", HmacSigner("secret"), timeout=2)
    try:
        with pytest.raises(TemporaryError) as err:
            await client.submit(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.001")))
        assert not isinstance(err.value, MayHaveLanded)
    finally:
        await client.close()


async def test_same_client_id_twice_is_a_duplicate_order_and_unknown_ids_are_unknown_orders(rest: BinanceRest):
    request = await _limit(rest)
    await rest.submit(request)
    try:
        with pytest.raises(DuplicateOrder):
            await rest.submit(request)
    finally:
        await rest.cancel_order("BTCUSDT", request.client_order_id)
    with pytest.raises(UnknownOrder):
        await rest.cancel_order("BTCUSDT", request.client_order_id)  # already canceled: -2011 Unknown order sent.
    with pytest.raises(UnknownOrder):
        await rest.query_order("BTCUSDT", "never-sent-id")


async def test_test_order_validates_at_the_venue_and_places_nothing(rest: BinanceRest):
    before = len(await rest.all_orders("BTCUSDT"))
    await rest.test_order(await _limit(rest))
    with pytest.raises(Rejected, match="Filter failure: PRICE_FILTER"):
        await rest.test_order(await _limit(rest, extra_digit=True))
    assert len(await rest.all_orders("BTCUSDT")) == before


async def test_settle_ms_is_the_recv_window_plus_the_clock_offset_and_its_uncertainty(rest: BinanceRest):
    rest.recv_window = 7000
    rest.time_offset_ms, rest.offset_uncertainty_ms = -250, 3
    assert rest.settle_ms() == 7000 + 250 + 3


async def test_binance_venue_implements_both_ports_and_declares_itself(fresh_sandbox: object):
    venue = make_venue(fresh_sandbox, Bus())
    try:
        assert isinstance(venue, Venue) and isinstance(venue, MarketData) and isinstance(venue, Execution)
        assert venue.info is INFO and venue.environment == "sandbox"
        assert [(e.name, e.live) for e in INFO.environments] == [("sandbox", False), ("testnet", False),
                                                                  ("live", True)]
        assert {f.env_var for f in INFO.credentials.fields} == {"BINANCE_API_KEY", "BINANCE_SECRET_KEY"}
        assert INFO.credentials.from_environment({"BINANCE_API_KEY": "k", "BINANCE_SECRET_KEY": "s"}) == {
            "api_key": "k", "api_secret": "s"}
    finally:
        await venue.close()


async def test_binance_venue_ports_trade_and_report_the_account(fresh_sandbox: object):
    venue = make_venue(fresh_sandbox, Bus())
    await venue.start()
    try:
        connects: list[bool] = []
        await venue.start_user_stream(connects.append)
        assert connects == [False]
        quote = await venue.quote("BTCUSDT")
        buy = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.01"))
        order, fills = await venue.submit(buy)
        assert order.status is OrderStatus.FILLED and sum(f.qty for f in fills) == D("0.01")
        assert {f.trade_id for f in await venue.fills("BTCUSDT")} >= {f.trade_id for f in fills}
        assert buy.client_order_id in {o.client_order_id for o in await venue.order_history("BTCUSDT")}
        holdings = {h.symbol: h for h in await venue.positions()}
        btc = {b.asset: b for b in await venue.balances()}["BTC"]
        assert holdings["BTCUSDT"].qty == btc.free + btc.locked and holdings["BTCUSDT"].currency == "USDT"
        assert holdings["BTCUSDT"].venue == "binance"
        with pytest.raises(Rejected):
            await venue.replace_order("BTCUSDT", buy.client_order_id, price=quote.bid)
        assert venue.now_ms() > 0 and venue.settle_ms() >= 5000
    finally:
        await venue.close()

"""BinanceRest against the real sandbox over 127.0.0.1: data, orders, and error mapping under injected faults."""
from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import AsyncIterator

import pytest

from terminal.model import Interval, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.venues.ports import (AuthError, MayHaveLanded, OrderRejected, RateLimited, TemporaryError,
                                   UnknownOrder)
from terminal.venues.binance.rest import BinanceRest
from terminal.venues.binance.signing import HmacSigner


@pytest.fixture
async def rest(sandbox: object) -> AsyncIterator[BinanceRest]:
    client = BinanceRest(sandbox.url, sandbox.default_api_key,  # type: ignore[attr-defined]
                         HmacSigner(sandbox.default_api_secret), timeout=5)  # type: ignore[attr-defined]
    yield client
    await client.close()


async def test_public_data_clock_weight_and_latency(rest: BinanceRest) -> None:
    inst = await rest.exchange_info()
    assert rest.weight_limit_1m and rest.weight_limit_1m >= 1000
    assert inst["BTCUSDT"].tick_size == Decimal("0.01") and inst["BTCUSDT"].min_notional == Decimal(5)
    started = time.monotonic()
    offset = await rest.sync_time()
    round_trip_ms = (time.monotonic() - started) * 1000
    assert abs(offset) <= round_trip_ms / 2 + 2  # one clock on both sides: only the round trip's asymmetry remains
    last_id, bids, asks = await rest.depth("BTCUSDT", 100)
    assert last_id > 0 and bids and asks and bids[0][0] < asks[0][0]
    quote = await rest.book_ticker("BTCUSDT")
    assert quote.bid == bids[0][0] or quote.bid > 0
    assert rest.used_weight > 0 and rest.latency_ms(50) is not None and rest.requests_sent >= 4


async def test_limit_order_lifecycle_and_account(rest: BinanceRest) -> None:
    best_bid = (await rest.book_ticker("BTCUSDT")).bid
    price = (best_bid * Decimal("0.9")).quantize(Decimal("0.01"))
    req = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.001"), price, time_in_force=TimeInForce.GTC)
    placed = await rest.place_order(req)
    assert placed.status is OrderStatus.NEW and placed.client_order_id == req.client_order_id
    assert placed.price == price and placed.venue_order_id is not None
    assert req.client_order_id in {o.client_order_id for o in await rest.open_orders("BTCUSDT")}
    queried = await rest.query_order("BTCUSDT", req.client_order_id)
    assert queried.venue_order_id == placed.venue_order_id
    canceled = await rest.cancel_order("BTCUSDT", req.client_order_id)
    assert canceled.status is OrderStatus.CANCELED and canceled.client_order_id == req.client_order_id
    with pytest.raises(UnknownOrder):
        await rest.cancel_order("BTCUSDT", req.client_order_id)
    with pytest.raises(UnknownOrder):
        await rest.query_order("BTCUSDT", "no-such-order")
    market, fills = await rest.submit(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001")))
    assert market.status is OrderStatus.FILLED and sum(f.qty for f in fills) == Decimal("0.001")
    trades = await rest.my_trades("BTCUSDT")
    assert {f.trade_id for f in fills} <= {t.trade_id for t in trades}
    assert any(b.asset == "USDT" and b.free > 0 for b in await rest.account())
    assert req.client_order_id in {o.client_order_id for o in await rest.all_orders("BTCUSDT")}


async def test_filter_failure_is_rejected_with_the_venue_message(rest: BinanceRest) -> None:
    req = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.00001"), Decimal("100"),
                       time_in_force=TimeInForce.GTC)  # notional 0.001 < 5
    with pytest.raises(OrderRejected) as err:
        await rest.place_order(req)
    assert err.value.code == -1013 and "NOTIONAL" in err.value.message
    assert not isinstance(err.value, UnknownOrder)


async def test_429_raises_rate_limited_and_gates_the_next_call(rest: BinanceRest, sandbox: object,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="terminal.venues.binance.rest")
    sandbox.faults.rate_limit_next(1, retry_after=1)  # type: ignore[attr-defined]
    with pytest.raises(RateLimited) as err:
        await rest.server_time()
    assert err.value.retry_after_s == 1 and err.value.http_status == 429
    remaining = rest.backoff_remaining_s
    assert 0 < remaining <= 1
    gate_ends = time.monotonic() + remaining
    await rest.server_time()  # waits for the Retry-After gate, then succeeds
    assert time.monotonic() >= gate_ends and rest.backoff_remaining_s == 0
    assert "rate-limit gate: waiting" in caplog.text


async def test_500_is_a_temporary_error(rest: BinanceRest, sandbox: object) -> None:
    sandbox.faults.fail_next(1, status=500)  # type: ignore[attr-defined]
    with pytest.raises(TemporaryError) as err:
        await rest.exchange_info()
    assert err.value.http_status == 500


async def test_order_with_unknown_outcome_may_have_landed_and_a_query_by_client_id_tells(rest: BinanceRest,
                                                                                         sandbox: object) -> None:
    # the adapter reports the unknown outcome; looking the order up before a retry is the order manager's job
    sandbox.faults.fail_next(2, status=503)  # type: ignore[attr-defined]
    first = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"))
    with pytest.raises(MayHaveLanded):  # failed before processing
        await rest.place_order(first)
    second = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"))
    with pytest.raises(MayHaveLanded):  # processed, then 503
        await rest.place_order(second)
    with pytest.raises(UnknownOrder):  # the first: the query finds nothing
        await rest.query_order("BTCUSDT", first.client_order_id)
    placed = await rest.query_order("BTCUSDT", second.client_order_id)  # the second: the query finds it
    assert placed.client_order_id == second.client_order_id and placed.status is OrderStatus.FILLED


async def test_timeout_is_temporary_and_never_leaks_the_signature(sandbox: object,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    secret = sandbox.default_api_secret  # type: ignore[attr-defined]
    client = BinanceRest(sandbox.url, sandbox.default_api_key, HmacSigner(secret), timeout=0.3)  # type: ignore
    sandbox.faults.delay_next(1, 1.0)  # type: ignore[attr-defined]
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(TemporaryError) as err:
            await client.open_orders("BTCUSDT")
    finally:
        await client.close()
    text = (str(err.value) + repr(err.value) + caplog.text).replace("signature=<redacted>", "")
    assert "signature" not in text and secret not in text and err.value.__cause__ is None


async def test_signed_request_lines_logged_by_urllib3_are_redacted(rest: BinanceRest,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await rest.open_orders("BTCUSDT")
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert any("/api/v3/openOrders" in line for line in lines)
    assert all("signature=<redacted>" in line for line in lines if "openOrders" in line)


async def test_bad_keys_raise_auth_error(sandbox: object) -> None:
    wrong_secret = BinanceRest(sandbox.url, sandbox.default_api_key, HmacSigner("x" * 64))  # type: ignore
    unknown_key = BinanceRest(sandbox.url, "nope" * 16, HmacSigner("x" * 64))  # type: ignore[attr-defined]
    no_keys = BinanceRest(sandbox.url)  # type: ignore[attr-defined]
    try:
        with pytest.raises(AuthError) as e1:
            await wrong_secret.account()
        assert e1.value.code == -1022
        with pytest.raises(AuthError):
            await unknown_key.account()
        with pytest.raises(AuthError):
            await no_keys.account()
        assert (await no_keys.klines("BTCUSDT", Interval.M1, limit=2)) is not None
    finally:
        for c in (wrong_secret, unknown_key, no_keys):
            await c.close()


async def test_calls_near_the_weight_limit_wait_for_the_next_minute(rest: BinanceRest,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    await rest.server_time()  # learns the used weight in this minute
    rest.weight_limit_1m = rest.used_weight  # as if the budget were spent
    minute = rest.now_ms() // 60_000
    rest.time_offset_ms += (minute + 1) * 60_000 - 1200 - rest.now_ms()  # local clock: 1.2 s before it ends
    await rest.server_time()
    assert "request weight" in caplog.text and "waiting" in caplog.text  # it held the call back...
    assert rest.now_ms() // 60_000 == minute + 1  # ...into the next minute, and no longer

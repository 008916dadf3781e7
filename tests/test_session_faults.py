"""MUST SHOW: a run of orders through the session while the sandbox drops every WebSocket again and again and REST
answers 5xx (before and after processing), 429 and delays. It ends with exactly the intended orders at the venue
(none lost, none duplicated), local order states and fills equal to the venue's, balances equal to the account,
and a 1 s bar series with no kline missing."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

import terminal
from terminal.market.bars import missing_open_times
from terminal.model import Bar, Interval, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.venues.ports import TemporaryError
from terminal.venues.binance.rest import BinanceRest
from terminal.venues.binance.signing import HmacSigner

from session_helpers import wait_for_event

D = Decimal


async def test_twenty_orders_under_drops_5xx_429_delays_end_exactly_as_intended(fresh_sandbox):
    server = fresh_sandbox
    session = await terminal.connect("sandbox", sandbox_url=server.url)
    truth = BinanceRest(server.url, server.default_api_key, HmacSigner(server.default_api_secret))
    bars: dict[int, Bar] = {}
    session.on(Bar, lambda b: b.symbol == "BTCUSDT" and b.interval is Interval.S1 and bars.__setitem__(b.open_time, b))
    inst = session.instrument("BTCUSDT")
    async def processed_then_500() -> None:
        server.faults.fail_next(2)  # the 1st failure is taken here, so the order is processed and answered 500
        with pytest.raises(TemporaryError):
            await truth.server_time()

    async def arm(kind: int) -> None:
        if kind == 0:
            server.faults.drop_websockets()
        elif kind == 1:
            server.faults.fail_next(2, status=500)  # not processed, then the order's look-up fails too
        elif kind == 2:
            server.faults.delay_next(2, 0.3)
        elif kind == 3:
            await processed_then_500()
        elif kind == 4:
            server.faults.fail_next(3, status=503)
        else:
            server.faults.rate_limit_next(1, retry_after=1)

    try:
        await session.watch_bars("BTCUSDT", "1s")
        await session.watch("BTCUSDT")
        await wait_for_event(session.bus, Bar, lambda: len(bars) >= 1)
        intended: list[str] = []
        for i in range(20):
            q = await session.quote("BTCUSDT")
            if i % 3 == 0:
                req = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("0.0005"))
            elif i % 3 == 1:
                req = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("0.0005"),
                                   price=inst.snap_price(q.bid * D("0.9"), "down"), time_in_force=TimeInForce.GTC)
            else:
                req = OrderRequest("BTCUSDT", Side.SELL, OrderType.MARKET, quantity=D("0.0003"))
            intended.append(req.client_order_id)
            if i % 2:
                server.faults.drop_websockets()  # sockets keep dropping throughout the run
            await arm(i % 6)  # armed for the order request itself
            order = await session.place_order(req)
            assert order.client_order_id == req.client_order_id and order.status is not OrderStatus.PENDING_NEW
        server.faults.drop_websockets()
        server.faults.fail_next(2)
        canceled = await session.cancel_all("BTCUSDT")
        assert len(canceled) == 7 and session.open_orders() == []
        server.faults.drop_websockets()
        server.faults.clear()

        venue_orders = await truth.all_orders("BTCUSDT")
        assert sorted(o.client_order_id for o in venue_orders) == sorted(intended)  # none lost, none duplicated
        for v in venue_orders:
            local = session.oms.order(v.client_order_id)
            assert (local.status, local.filled_qty) == (v.status, v.filled_qty), v.client_order_id
        venue_fills = await truth.my_trades("BTCUSDT")
        await wait_for_event(session.bus, None, lambda: {f.trade_id for f in session.journal.fills("BTCUSDT")}
                             == {f.trade_id for f in venue_fills})
        account = {b.asset: b for b in await truth.account()}
        await wait_for_event(session.bus, None, lambda: all(
            session.balances().get(a) == b for a, b in account.items() if b.total), timeout=15)

        # bars: every kline the venue has between the first and the last one we saw reached us, none missing
        await wait_for_event(session.bus, Bar, lambda: session.venue.market.connected and len(bars) >= 3)
        first, last = min(bars), max(bars)
        venue_bars = await session.bars("BTCUSDT", "1s", start=first, end=last)
        assert missing_open_times(bars.values(), Interval.S1) == []
        assert {b.open_time for b in venue_bars} <= set(bars)
        health = session.health()
        assert health["user"].reconnects >= 3 and health["market"].reconnects >= 3
    finally:
        await truth.close()
        await session.close()

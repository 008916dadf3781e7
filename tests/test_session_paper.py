"""``terminal.connect("paper")``: the same Session API on the paper equity venue (no network, no keys)."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

import terminal
from terminal.clock import SimClock
from terminal.model import OrderStatus, QuoteTick
from terminal.venues.ports import Rejected

from venues.paper.conftest import SATURDAY_NOON

D = Decimal


async def test_connect_paper_buys_fills_cancels_and_reads_history_through_the_session() -> None:
    s = await terminal.connect("paper", always_open=True)
    try:
        assert sorted(s.instruments) == ["AAPL", "MSFT", "NVDA", "SPY"] and s.has_keys
        assert s.instrument("aapl").qualified_id == "AAPL@paper"
        order = await s.buy("AAPL", "3")
        assert order.status is OrderStatus.FILLED and order.filled_qty == 3
        fills = await s.fills("AAPL")
        assert sum(f.qty for f in fills) == 3 and {f.client_order_id for f in fills} == {order.client_order_id}
        assert s.balances()["AAPL"].free == 3
        assert s.balances()["USD"].free == D("100000") - order.filled_quote
        pos = s.positions()["AAPL"]
        assert pos.qty == 3 and pos.avg_price == order.filled_quote / 3 and pos.quote_asset == "USD"
        bid = (await s.quote("MSFT")).bid
        resting = await s.buy("MSFT", "1", price=bid - D("10"))
        assert resting.status is OrderStatus.NEW and s.open_orders("MSFT") == [resting]
        canceled = await s.cancel_order("MSFT", resting.client_order_id)
        assert canceled.status is OrderStatus.CANCELED and s.open_orders() == []
        bars = await s.bars("SPY", "1m", limit=1500)
        assert len(bars) == 1500 and bars[-1].open_time - bars[0].open_time == 1499 * 60_000
        got: asyncio.Future[QuoteTick] = asyncio.get_running_loop().create_future()
        off = s.on(QuoteTick, lambda q: got.done() or q.symbol != "NVDA" or got.set_result(q))
        await s.watch("NVDA")
        assert (await asyncio.wait_for(got, 10)).symbol == "NVDA"
        off()
        await s.unwatch("NVDA")
    finally:
        await s.close()


async def test_connect_paper_outside_hours_rejects_with_the_phrase_and_journals_it() -> None:
    s = await terminal.connect("paper", clock=SimClock(SATURDAY_NOON))
    try:
        with pytest.raises(terminal.OrderRejected, match="^market closed, opens Mon 09:30 ET$") as err:
            await s.buy("AAPL", "1")
        assert isinstance(err.value, Rejected)
        [order] = await s.order_history()
        assert order.status is OrderStatus.REJECTED and order.reject_reason == "market closed, opens Mon 09:30 ET"
        assert s.open_orders() == [] and s.balances()["USD"].free == D("100000")
    finally:
        await s.close()


async def test_connect_refuses_adapter_options_for_the_binance_environments() -> None:
    with pytest.raises(terminal.InvalidArgument, match="unexpected keyword argument"):
        await terminal.connect("sandbox", always_open=True)

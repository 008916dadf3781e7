"""Trading on the paper venue: fills, balances, positions and reports on the bus; resting orders, cancels, queries,
history; every refusal a typed outcome with a message in words."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.model import (BalancesUpdated, Fill, Holding, OrderRequest, OrderStatus, OrderType, OrderUpdated, Side,
                            TimeInForce)
from terminal.venues.ports import DuplicateOrder, Rejected, UnknownOrder

from .conftest import Paper

D = Decimal


def limit(side: Side, qty: str, price: Decimal, symbol: str = "AAPL", **kw: object) -> OrderRequest:
    return OrderRequest(symbol, side, OrderType.LIMIT, quantity=D(qty), price=price, time_in_force=TimeInForce.GTC,
                        **kw)  # type: ignore[arg-type]


async def test_a_market_buy_fills_and_moves_cash_shares_positions_and_reports_on_the_bus(paper: Paper) -> None:
    v, rec = paper.venue, paper.rec
    await v.start_user_stream()
    ask = (await v.quote("AAPL")).ask
    order, fills = await v.submit(OrderRequest("AAPL", Side.BUY, OrderType.MARKET, quantity=D("10")))
    cost = sum((f.quote_qty for f in fills), D(0))
    assert order.status is OrderStatus.FILLED and order.filled_qty == 10 and order.venue_order_id is not None
    assert sum(f.qty for f in fills) == 10 and all(f.price >= ask for f in fills) and cost == order.filled_quote
    assert all(f.client_order_id == order.client_order_id and f.commission == 0 for f in fills)
    balances = {b.asset: b for b in await v.balances()}
    assert balances["USD"].free == D("100000") - cost and balances["AAPL"].free == 10
    assert await v.positions() == [Holding("AAPL", D("10"), cost / 10, "USD", "paper")]
    # the same, as the account's own reports
    assert [f.trade_id for f in rec.of(Fill)] == [f.trade_id for f in fills]
    assert rec.of(OrderUpdated)[-1].order.status is OrderStatus.FILLED
    assert {b.asset: b for b in rec.of(BalancesUpdated)[-1].balances}["AAPL"].free == 10
    assert await v.fills("AAPL") == fills
    assert (await v.query_order("AAPL", order.client_order_id)).status is OrderStatus.FILLED
    assert [o.client_order_id for o in await v.order_history("AAPL")] == [order.client_order_id]
    # selling part keeps the average cost of what is left
    await v.submit(OrderRequest("AAPL", Side.SELL, OrderType.MARKET, quantity=D("4")))
    assert await v.positions() == [Holding("AAPL", D("6"), cost / 10, "USD", "paper")]


async def test_a_resting_limit_order_is_filled_by_the_living_market_and_reported(paper: Paper) -> None:
    p, v = paper, paper.venue
    await v.start_user_stream()
    q = await v.quote("AAPL")
    price = q.bid + D("0.01") if q.ask - q.bid > D("0.01") else q.bid  # best bid: the next seller's first
    order, fills = await v.submit(limit(Side.BUY, "1", price))
    assert order.status is OrderStatus.NEW and fills == []
    assert {b.asset: b for b in await v.balances()}["USD"].locked == price
    for _ in range(3000):  # at most five simulated minutes of takers
        if any(isinstance(e, Fill) and e.client_order_id == order.client_order_id for e in p.rec.events):
            break
        p.step()
    done = await v.query_order("AAPL", order.client_order_id)
    assert done.status is OrderStatus.FILLED and done.avg_price == price
    assert any(isinstance(e, OrderUpdated) and e.order.status is OrderStatus.FILLED
               and e.order.client_order_id == order.client_order_id for e in p.rec.events)
    assert {b.asset: b for b in await v.balances()}["USD"].locked == 0


async def test_cancel_cancel_all_and_what_the_venue_refuses(paper: Paper) -> None:
    v = paper.venue
    bid = (await v.quote("MSFT")).bid
    a, _ = await v.submit(limit(Side.BUY, "3", bid - D("5"), "MSFT"))
    b, _ = await v.submit(limit(Side.BUY, "2", bid - D("6"), "MSFT"))
    c, _ = await v.submit(limit(Side.BUY, "1", bid - D("7"), "MSFT"))
    assert [o.client_order_id for o in await v.open_orders("MSFT")] == [a.client_order_id, b.client_order_id,
                                                                           c.client_order_id]
    with pytest.raises(DuplicateOrder):
        await v.submit(limit(Side.BUY, "1", bid - D("8"), "MSFT", client_order_id=a.client_order_id))
    canceled = await v.cancel_order("MSFT", a.client_order_id)
    assert canceled.status is OrderStatus.CANCELED
    with pytest.raises(UnknownOrder):
        await v.cancel_order("MSFT", a.client_order_id)
    with pytest.raises(UnknownOrder):
        await v.query_order("MSFT", "no-such-order")
    assert {o.client_order_id for o in await v.cancel_all("MSFT")} == {b.client_order_id, c.client_order_id}
    assert await v.open_orders() == [] and await v.cancel_all("MSFT") == []
    usd = {x.asset: x for x in await v.balances()}["USD"]
    assert usd.free == D("100000") and usd.locked == 0
    with pytest.raises(Rejected, match=r"not a multiple of the step size 1 \(nearest valid: 1\)"):
        await v.submit(OrderRequest("MSFT", Side.BUY, OrderType.MARKET, quantity=D("1.5")))
    with pytest.raises(Rejected, match="insufficient balance"):
        await v.submit(limit(Side.BUY, "1000", bid, "MSFT"))
    with pytest.raises(Rejected, match="insufficient balance"):
        await v.submit(OrderRequest("MSFT", Side.SELL, OrderType.MARKET, quantity=D("1")))  # no shares to sell
    with pytest.raises(Rejected, match="unknown symbol 'BTCUSDT'"):
        await v.submit(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("1")))
    with pytest.raises(Rejected, match="no native replace"):
        await v.replace_order("MSFT", "x", price=bid)
    assert await v.open_orders() == []


async def test_instruments_are_equities_on_the_paper_venue_with_us_hours(paper: Paper) -> None:
    instruments = await paper.venue.instruments()
    assert sorted(instruments) == ["AAPL", "MSFT", "NVDA", "SPY"]
    aapl = instruments["AAPL"]
    assert aapl.qualified_id == "AAPL@paper" and aapl.currency == "USD" and aapl.asset_class.value == "equity"
    assert aapl.tick_size == D("0.01") and aapl.lot_size == 1 and aapl.hours is not None
    assert aapl.hours.tz == "America/New_York" and aapl.is_open(paper.clock.now_ms())

"""The paper venue keeps US market hours: outside the regular session an order is Rejected with when the market opens
(nothing reaches the exchange), extended-hours LIMIT orders trade in pre-market and after-hours, and the always-open
switch lifts the hours. The simulated market itself only moves while a session runs."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.model import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.venues.ports import Rejected

from .conftest import Paper, ny_ms

D = Decimal


def market_buy(qty: str = "5", **kw: object) -> OrderRequest:
    return OrderRequest("AAPL", Side.BUY, OrderType.MARKET, quantity=D(qty), **kw)  # type: ignore[arg-type]


def limit_buy(price: Decimal, **kw: object) -> OrderRequest:
    return OrderRequest("AAPL", Side.BUY, OrderType.LIMIT, quantity=D("2"), price=price,
                        time_in_force=TimeInForce.GTC, **kw)  # type: ignore[arg-type]


async def test_outside_the_session_orders_are_rejected_with_the_next_open_and_nothing_reaches_the_exchange(
        closed_paper: Paper) -> None:
    v = closed_paper.venue
    cash_before = await v.balances()
    with pytest.raises(Rejected, match="^market closed, opens Mon 09:30 ET$"):
        await v.submit(market_buy())
    with pytest.raises(Rejected, match="^market closed, opens Mon 09:30 ET$"):
        await v.test_order(market_buy())
    bid = (await v.quote("AAPL")).bid
    with pytest.raises(Rejected, match="^market closed, opens Mon 04:00 ET$"):  # even extended hours are shut
        await v.submit(limit_buy(bid, extended_hours=True))
    assert await v.open_orders() == [] and await v.balances() == cash_before
    assert await v.order_history("AAPL") == []


async def test_pre_market_takes_only_extended_hours_limit_orders(closed_paper: Paper) -> None:
    p, v = closed_paper, closed_paper.venue
    p.clock.set(ny_ms(2026, 4, 6, 7, 0))  # Monday 07:00 ET: pre-market
    with pytest.raises(Rejected, match="^market closed, opens 09:30 ET$"):
        await v.submit(market_buy())
    with pytest.raises(Rejected, match="only LIMIT orders trade outside the regular session, not MARKET"):
        await v.submit(market_buy(extended_hours=True))
    bid = (await v.quote("AAPL")).bid
    order, fills = await v.submit(limit_buy(bid - D("1.00"), extended_hours=True))
    assert order.status is OrderStatus.NEW and fills == []
    p.clock.set(ny_ms(2026, 4, 6, 9, 30))  # the bell: any order
    order, fills = await v.submit(market_buy())
    assert order.status is OrderStatus.FILLED and sum(f.qty for f in fills) == 5


async def test_the_always_open_switch_lifts_the_hours(closed_paper: Paper) -> None:
    v = closed_paper.venue
    with pytest.raises(Rejected, match="market closed"):
        await v.submit(market_buy())
    v.always_open = True
    order, fills = await v.submit(market_buy())
    assert order.status is OrderStatus.FILLED and sum(f.qty for f in fills) == 5
    v.always_open = False
    with pytest.raises(Rejected, match="market closed"):
        await v.submit(market_buy())


async def test_the_simulated_market_moves_only_while_a_session_runs(closed_paper: Paper) -> None:
    p, v = closed_paper, closed_paper.venue
    market = v.exchange.market
    steps_before = market.steps
    p.step(20)
    assert market.steps == steps_before and not v.exchange.is_trading(p.clock.now_ms())
    assert v.health()["market"].extra["trading"] is False
    v.always_open = True
    p.step(20)
    assert market.steps == steps_before + 20

"""The IB adapter under a Session (``terminal.connect("ib")`` with the built-in IB paper server): contract search,
and a native bracket whose legs the session follows to the end."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

import terminal
from terminal.model import AssetClass, OrderRequest, OrderStatus, OrderType, Side

D = Decimal


async def _until(predicate, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


@pytest.fixture
async def session(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    s = await terminal.connect("ib", always_open=True)
    try:
        yield s
    finally:
        await s.close()


async def test_the_session_searches_ib_contracts_and_offers_es_as_a_cme_future(session):
    found = await session.search("ES")
    futures = [i for i in found if i.asset_class is AssetClass.FUTURE]
    assert futures and futures[0].title.endswith("CME future"), [i.title for i in found]
    assert session.instrument(futures[0].symbol).multiplier == 50


async def test_a_native_bracket_from_the_session_waits_on_its_entry_then_the_take_profit_cancels_the_stop(session):
    server = session.server
    aapl = session.instrument("AAPL")
    ask = (await session.quote("AAPL")).ask
    entry = OrderRequest("AAPL", Side.BUY, OrderType.MARKET, D(3))
    tp, sl = aapl.snap_price(ask * D("1.05")), aapl.snap_price(ask * D("0.95"))
    group = await session.place_bracket(entry, take_profit=tp, stop_loss=sl)
    assert group.held_by.name == "VENUE"
    legs = {leg.role: leg.client_order_id for leg in group.legs}
    await _until(lambda: (o := session.oms.order(legs["entry"])) is not None and o.status is OrderStatus.FILLED)
    await _until(lambda: {o.client_order_id for o in session.open_orders("AAPL")}
                 == {legs["take_profit"], legs["stop_loss"]})
    at_venue = {o.client_order_id: o for o in await session.venue.open_orders("AAPL")}
    assert at_venue[legs["take_profit"]].options.parent_id == legs["entry"]
    server.move_price("AAPL", aapl.snap_price(ask * D("1.06")))  # through the take-profit
    await _until(lambda: session.oms.order(legs["take_profit"]).status is OrderStatus.FILLED)
    await _until(lambda: session.oms.order(legs["stop_loss"]).status is OrderStatus.CANCELED)
    assert not session.open_orders("AAPL")
    assert server.positions().get("AAPL", D(0)) == 0


async def test_a_future_fill_is_worth_price_times_multiplier_while_the_order_keeps_its_average_price(session):
    found = await session.search("ES")
    es = next(i for i in found if i.asset_class is AssetClass.FUTURE)
    fills = []
    session.bus.subscribe(terminal.model.Fill, lambda f: fills.append(f) if f.symbol == es.symbol else None)
    order = await session.place_order(OrderRequest(es.symbol, Side.BUY, OrderType.MARKET, D(1)))
    await _until(lambda: (o := session.oms.order(order.client_order_id)) is not None
                 and o.status is OrderStatus.FILLED and fills)
    done, fill = session.oms.order(order.client_order_id), fills[0]
    assert fill.quote_qty == fill.price * fill.qty * 50  # the cash value of one ES contract
    assert done.avg_price == fill.price  # the order's quote is price x qty: its average is a price, not a value
    assert done.filled_quote == fill.price * fill.qty

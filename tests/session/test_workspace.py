"""Workspace: the sandbox (Binance) and the paper equity venue at once; ids, orders, tagged events, equity, routing."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from terminal.model import ConnectionChanged, Fill, InvalidArgument, OrderStatus, OrderUpdated, QuoteTick
from terminal.session.workspace import FxTable, VenueEvent, Workspace

D = Decimal


@pytest.fixture
async def ws():
    w = Workspace()
    try:
        await w.add("sandbox")
        await w.add("paper", always_open=True)
        yield w
    finally:
        await w.close()


def _seen(w: Workspace) -> list[VenueEvent]:
    out: list[VenueEvent] = []
    w.bus.subscribe(VenueEvent, out.append)
    return out


async def test_workspace_holds_two_venues_by_name_and_addresses_instruments_by_qualified_id(ws: Workspace) -> None:
    assert sorted(ws.sessions) == ["binance", "paper"]
    ids = ws.instruments()
    assert "BTCUSDT@binance" in ids and "AAPL@paper" in ids
    assert all(ins.qualified_id == qid for qid, ins in ids.items())
    assert ws.instrument("aapl@paper").currency == "USD"
    assert ws.resolve("AAPL")[0] == "paper"  # a bare symbol one venue lists
    with pytest.raises(InvalidArgument, match="paper lists no BTCUSDT"):
        ws.resolve("BTCUSDT@paper")
    with pytest.raises(InvalidArgument, match="no venue 'kite'"):
        ws.resolve("INFY@kite")
    with pytest.raises(InvalidArgument, match="already in this workspace"):
        await ws.add("paper", always_open=True)


async def test_workspace_orders_on_both_venues_come_back_tagged_with_their_venue(ws: Workspace) -> None:
    seen = _seen(ws)
    btc = ws.instrument("BTCUSDT@binance")
    bid = (await ws.quote("BTCUSDT@binance")).bid
    resting = await ws.buy("BTCUSDT@binance", "0.001", price=btc.snap_price(bid * D("0.9")))
    bought = await ws.buy("AAPL@paper", "2")
    assert resting.status is OrderStatus.NEW and bought.status is OrderStatus.FILLED
    assert [(v, o.client_order_id) for v, o in ws.open_orders()] == [("binance", resting.client_order_id)]

    def tagged(cid: str) -> set[str]:
        return {e.venue for e in seen if isinstance(e.event, OrderUpdated) and e.event.order.client_order_id == cid}
    assert tagged(resting.client_order_id) == {"binance"}
    assert tagged(bought.client_order_id) == {"paper"}
    fills = [e for e in seen if isinstance(e.event, Fill)]
    assert {(e.venue, e.source, e.event.symbol) for e in fills} == {("paper", "paper", "AAPL")}
    canceled = await ws.cancel_order("BTCUSDT@binance", resting.client_order_id)
    assert canceled.status is OrderStatus.CANCELED and ws.open_orders() == []


async def test_workspace_equity_per_venue_and_total_in_usdt_with_usd_converted_by_the_fx_table(ws: Workspace) -> None:
    await ws.buy("AAPL@paper", "2")
    binance, paper = ws.session("binance"), ws.session("paper")
    for sym in ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"):
        await binance.ticker(sym)
    await paper.ticker("AAPL")
    eq = ws.equity()
    assert eq.reference == "USDT" and eq.incomplete == ()
    b, p = eq.venues["binance"], eq.venues["paper"]
    assert (b.currency, b.unpriced, b.value) == ("USDT", (), binance.equity("USDT").total)
    assert b.value > D("100000")  # USDT plus the priced coins
    usd = paper.equity("USD")
    assert (p.currency, p.unpriced, p.native, p.value) == ("USD", (), usd.total, usd.total)  # USDUSDT = 1
    assert usd.total == paper.balances()["USD"].total + 2 * paper.last_prices["AAPL"]
    assert eq.total == b.value + p.value
    dearer = Workspace(fx=FxTable({"USD/USDT": "1.0005"}))
    dearer.attach("paper", paper)
    try:
        assert dearer.equity().venues["paper"].value == usd.total * D("1.0005")
        assert FxTable().describe() == "1 USD = 1 USDT"
    finally:
        assert dearer.detach("paper") is paper  # the fixture's workspace still owns the session
    without = Workspace(fx={})
    without.attach("paper", paper)
    try:
        p2 = without.equity().venues["paper"]
        assert (p2.currency, p2.value, p2.unpriced) == ("USDT", 0, ("AAPL", "USD"))  # nothing to convert with
        assert without.equity().incomplete == ("paper",)
    finally:
        without.detach("paper")


async def test_workspace_connection_states_per_venue_and_stream(ws: Workspace) -> None:
    states = ws.connection_states
    assert {k for k in states if k[1] == "market"} == {("binance", "market"), ("paper", "market")}
    ws.session("paper").bus.publish(ConnectionChanged("market", False, "dropped"))
    assert states[("paper", "market")].connected is False and states[("binance", "market")].connected is True


async def test_workspace_routes_market_data_from_another_provider_and_orders_to_the_instruments_venue() -> None:
    w = Workspace()
    try:
        await w.add("sandbox")
        await w.add("sandbox", name="feed")  # a second provider session (another sandbox exchange) as the data source
        seen = _seen(w)
        w.route("BTCUSDT@binance", data="feed")
        assert w.data_source("BTCUSDT@binance") == ("feed", "BTCUSDT")
        own = QuoteTick("BTCUSDT", D("1"), D("1"), D("2"), D("1"))
        w.session("binance").bus.publish(own)  # the venue's own quotes no longer count for this instrument
        assert [e for e in seen if e.event is own] == []
        got: asyncio.Future[VenueEvent] = asyncio.get_running_loop().create_future()
        w.bus.subscribe(VenueEvent, lambda e: got.done() or not isinstance(e.event, QuoteTick)
                        or e.venue != "binance" or got.set_result(e))
        await w.watch("BTCUSDT@binance")  # subscribes on the data source
        routed = await asyncio.wait_for(got, 10)
        assert (routed.venue, routed.source, routed.event.symbol) == ("binance", "feed", "BTCUSDT")
        assert "BTCUSDT" in w.session("feed").quotes_cache
        await w.unwatch("BTCUSDT@binance")
        order = await w.buy("BTCUSDT@binance", "0.001", price="10000")  # orders still go to binance
        assert w.session("binance").open_orders() == [order] and w.session("feed").open_orders() == []
        w.route("BTCUSDT@binance", data=None)
        assert w.data_source("BTCUSDT@binance") == ("binance", "BTCUSDT")
        with pytest.raises(InvalidArgument, match="feed lists no AAPL"):
            w.route("BTCUSDT@binance", data="feed", symbol="AAPL")
    finally:
        await w.close()
    assert w.sessions == {}

"""US market hours on the IB paper server (not always open), on a clock set to a known moment: contract details give
the sessions; stock orders wait for the regular session unless outsideRth; futures trade on CME's hours; DAY orders
end with the session."""
from __future__ import annotations

import time
from datetime import datetime
from typing import AsyncIterator, Iterator
from zoneinfo import ZoneInfo

import pytest
from ib_async import IB, Future, LimitOrder, MarketOrder, Order, Stock

from terminal.clock import LiveClock
from terminal.servers.ib import PaperServer

from .waits import until

NY = ZoneInfo("America/New_York")


def _at(year: int, month: int, day: int, hour: int, minute: int) -> int:
    """The clock offset that makes now that New York time."""
    return int(datetime(year, month, day, hour, minute, tzinfo=NY).timestamp() * 1000) - int(time.time() * 1000)


@pytest.fixture
def friday_premarket() -> Iterator[PaperServer]:
    server = PaperServer("127.0.0.1", 0, clock=LiveClock(_at(2026, 12, 4, 8, 0)))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def client(friday_premarket: PaperServer) -> AsyncIterator[IB]:
    ib = IB()
    await ib.connectAsync("127.0.0.1", friday_premarket.port, clientId=1, timeout=10)
    try:
        yield ib
    finally:
        ib.disconnect()


def _set_time(server: PaperServer, hour: int, minute: int) -> None:
    offset = _at(2026, 12, 4, hour, minute)
    server.call(lambda: setattr(server.clock, "offset_ms", offset))


async def test_contract_details_give_extended_and_regular_sessions_and_the_weekend_closed(client):
    [aapl] = await client.reqContractDetailsAsync(Stock("AAPL", "SMART", "USD"))
    assert aapl.tradingHours.split(";")[:2] == ["20261204:0400-20261204:2000", "20261205:CLOSED"]
    assert aapl.liquidHours.split(";")[0] == "20261204:0930-20261204:1600"
    [es] = await client.reqContractDetailsAsync(Future("ES", "202612", "CME"))
    # CME: the session that opened Thursday 18:00 runs until Friday 17:00; none opens on Friday or Saturday
    assert es.tradingHours.split(";")[:3] == ["20261203:1800-20261204:1700", "20261205:CLOSED",
                                               "20261206:1800-20261207:1700"]


async def test_stock_orders_wait_for_the_open_unless_outside_rth_and_day_orders_end_at_the_close(
        friday_premarket, client):
    aapl, es = Stock("AAPL", "SMART", "USD"), Future("ES", "202612", "CME")
    await client.qualifyContractsAsync(aapl, es)
    held = client.placeOrder(aapl, MarketOrder("BUY", 10))
    await until(lambda: held.orderStatus.status == "PreSubmitted", what="held until the open")
    ticker = client.reqMktData(aapl)
    await until(lambda: ticker.ask > 0, what="a quote")
    early = client.placeOrder(aapl, LimitOrder("BUY", 10, round(ticker.ask + 1, 2), outsideRth=True))
    await until(lambda: early.orderStatus.status == "Filled", what="filled in the pre-market")
    future = client.placeOrder(es, MarketOrder("BUY", 1))
    await until(lambda: future.orderStatus.status == "Filled", what="CME is open")
    assert held.orderStatus.status == "PreSubmitted" and held.orderStatus.filled == 0
    _set_time(friday_premarket, 9, 31)
    await until(lambda: held.orderStatus.status == "Filled", what="filled at the open")
    resting = client.placeOrder(aapl, LimitOrder("BUY", 10, round(ticker.bid - 20, 2)))
    await until(lambda: resting.orderStatus.status == "Submitted", what="working")
    _set_time(friday_premarket, 16, 1)
    await until(lambda: resting.orderStatus.status == "Cancelled", what="the DAY order ended at the close")


async def test_market_on_close_orders_wait_for_the_close_and_execute_there(friday_premarket, client):
    _set_time(friday_premarket, 15, 0)
    aapl = Stock("AAPL", "SMART", "USD")
    await client.qualifyContractsAsync(aapl)
    ticker = client.reqMktData(aapl)
    await until(lambda: ticker.bid > 0, what="a quote")
    moc = client.placeOrder(aapl, Order(action="BUY", orderType="MOC", totalQuantity=10))
    loc = client.placeOrder(aapl, Order(action="BUY", orderType="LOC", totalQuantity=10,
                                        lmtPrice=round(ticker.bid - 20, 2)))
    await until(lambda: moc.orderStatus.status == loc.orderStatus.status == "PreSubmitted", what="waiting")
    assert moc.orderStatus.filled == 0
    _set_time(friday_premarket, 16, 0)
    await until(lambda: moc.orderStatus.status == "Filled", what="MOC filled at the close")
    await until(lambda: loc.orderStatus.status == "Cancelled", what="LOC below the close: not filled")

"""Connecting the unchanged ib_async client to the IB paper server: handshake, accounts, ids, farm notices, a client
id already in use, contract qualification and details, unknown contracts, symbol search, current time."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from ib_async import IB, Contract, Forex, Future, Index, Stock

from terminal.servers.ib import ACCOUNT


async def test_connect_gives_the_managed_account_a_next_order_id_and_the_farm_ok_notices(connect):
    ib, errors = await connect(1)
    assert ib.isConnected()
    assert ib.managedAccounts() == [ACCOUNT]
    assert ib.client.getReqId() >= 1
    assert {2104, 2106, 2158} <= set(errors.codes())
    assert all(req == -1 for req, code, _ in errors if code in (2104, 2106, 2158))
    now = await ib.reqCurrentTimeAsync()
    assert abs((now - datetime.now(timezone.utc)).total_seconds()) < 5


async def test_a_second_connection_with_a_client_id_in_use_gets_error_326_and_is_refused(server, connect):
    await connect(5)
    second = IB()
    codes: list[int] = []
    second.errorEvent += lambda req, code, msg, *rest: codes.append(code)
    try:
        with pytest.raises((ConnectionError, TimeoutError, asyncio.TimeoutError)):
            await second.connectAsync("127.0.0.1", server.port, clientId=5, timeout=5)
    finally:
        second.disconnect()
    assert 326 in codes
    third, _ = await connect(6)  # another id is welcome
    assert third.isConnected()


async def test_stock_future_forex_and_index_qualify_with_conids_and_their_terms(ib):
    aapl, es, eur, spx = Stock("AAPL", "SMART", "USD"), Future("ES", "202612", "CME"), Forex("EURUSD"), \
        Index("SPX", "CBOE", "USD")
    await ib.qualifyContractsAsync(aapl, es, eur, spx)
    assert (aapl.conId, aapl.primaryExchange, aapl.exchange) == (265598, "NASDAQ", "SMART")
    assert (es.localSymbol, es.multiplier, es.lastTradeDateOrContractMonth) == ("ESZ6", "50", "20261218")
    assert (eur.localSymbol, eur.exchange, eur.currency) == ("EUR.USD", "IDEALPRO", "USD")
    assert spx.conId == 416904
    [details] = await ib.reqContractDetailsAsync(es)
    assert details.minTick == 0.25 and details.timeZoneId == "US/Eastern" and details.longName == "E-mini S&P 500"
    [fx] = await ib.reqContractDetailsAsync(eur)
    assert fx.minTick == 0.00005
    [stock] = await ib.reqContractDetailsAsync(aapl)
    assert "SMART" in stock.validExchanges.split(",") and "TRAIL" in stock.orderTypes.split(",")
    days = stock.tradingHours.split(";")
    assert len(days) == 7 and all(":" in d for d in days)
    first = days[0]
    assert first.endswith("CLOSED") or "-" in first  # 20261205:0000-20261205:2359 (always open) or CLOSED


async def test_contract_details_of_an_unknown_symbol_is_error_200_and_qualify_yields_none(connect):
    ib, errors = await connect(1)
    result = await ib.reqContractDetailsAsync(Stock("NOPE", "SMART", "USD"))
    assert result == []
    assert any(code == 200 for _, code, _ in errors)
    assert (await ib.qualifyContractsAsync(Stock("ZZZZ", "SMART", "USD"))) == [None]


async def test_an_ambiguous_future_without_a_month_has_two_details(ib):
    details = await ib.reqContractDetailsAsync(Future("ES", exchange="CME"))
    assert sorted(d.contract.localSymbol for d in details) == ["ESH7", "ESZ6"]


async def test_matching_symbols_finds_by_prefix_and_name(ib):
    found = await ib.reqMatchingSymbolsAsync("ES")
    assert found and found[0].contract.symbol == "ES" and "FUT" in found[0].derivativeSecTypes
    by_name = await ib.reqMatchingSymbolsAsync("apple")
    assert [d.contract.symbol for d in by_name] == ["AAPL"]
    contract = Contract(conId=by_name[0].contract.conId)
    await ib.qualifyContractsAsync(contract)
    assert contract.symbol == "AAPL"

"""The paper account through ib_async after fills: positions (stocks, a short future, forex), account summary and
account values, portfolio, P&L, and the ledger behind them (commissions, futures multiplier)."""
from __future__ import annotations

from decimal import Decimal

from ib_async import Forex, Future, MarketOrder, Stock

from terminal.servers.ib import ACCOUNT

from .waits import until


async def test_positions_account_summary_portfolio_and_pnl_after_fills(server, ib):
    aapl, es, eur = Stock("AAPL", "SMART", "USD"), Future("ES", "202612", "CME"), Forex("EURUSD")
    await ib.qualifyContractsAsync(aapl, es, eur)
    start = server.net_liquidation()
    pnl = ib.reqPnL(ACCOUNT)
    trades = [ib.placeOrder(aapl, MarketOrder("BUY", 100)), ib.placeOrder(es, MarketOrder("SELL", 2)),
              ib.placeOrder(eur, MarketOrder("BUY", 20000))]
    await until(lambda: all(t.orderStatus.status == "Filled" for t in trades), what="three fills")
    await until(lambda: len(ib.positions()) == 3, what="three positions")
    by_symbol = {p.contract.localSymbol: p for p in ib.positions()}
    assert by_symbol["AAPL"].position == 100
    assert by_symbol["ESZ6"].position == -2
    # as at IB: price x multiplier, with the commission (2 x 2.25 over 2 contracts)
    assert abs(by_symbol["ESZ6"].avgCost - (trades[1].orderStatus.avgFillPrice * 50 - 2.25)) < 0.01
    assert by_symbol["EUR.USD"].position == 20000
    summary = {v.tag: v for v in await ib.accountSummaryAsync()}
    for tag in ("NetLiquidation", "TotalCashValue", "BuyingPower", "InitMarginReq", "MaintMarginReq",
                "AvailableFunds", "ExcessLiquidity"):
        assert tag in summary and summary[tag].currency == "USD" and summary[tag].account == ACCOUNT
    margin = float(summary["InitMarginReq"].value)
    assert margin >= 2 * 22000 + 100 * 200 * 0.5  # two ES contracts and half the stock value
    assert float(summary["AvailableFunds"].value) == float(summary["NetLiquidation"].value) - margin
    commissions = sum(f.commissionReport.commission for t in trades for f in t.fills)
    assert commissions >= 1.0 + 2 * 2.25 + 2.0
    nlv = Decimal(summary["NetLiquidation"].value)
    assert abs(nlv - start) < 200  # commissions and spread, nothing more: positions are worth what they cost
    values = {(v.tag, v.currency): v.value for v in ib.accountValues()}
    assert ("NetLiquidation", "USD") in values and ("CashBalance", "EUR") in values
    assert float(values[("CashBalance", "EUR")]) == 20000
    portfolio = {p.contract.conId: p for p in ib.portfolio()}
    assert portfolio[aapl.conId].position == 100 and portfolio[aapl.conId].marketPrice > 0
    # opening fills realize nothing; their commissions are in the average costs, so in the unrealized P&L
    await until(lambda: pnl.unrealizedPnL == pnl.unrealizedPnL and pnl.unrealizedPnL != 0, what="P&L")
    assert pnl.realizedPnL == 0
    single = ib.reqPnLSingle(ACCOUNT, "", es.conId)
    await until(lambda: single.position == -2, what="single P&L")
    assert single.value < 0


async def test_closing_a_position_realizes_its_pnl_and_removes_it(server, ib):
    ko = Stock("KO", "SMART", "USD")
    await ib.qualifyContractsAsync(ko)
    buy = ib.placeOrder(ko, MarketOrder("BUY", 200))
    await until(lambda: buy.orderStatus.status == "Filled", what="bought")
    sell = ib.placeOrder(ko, MarketOrder("SELL", 200))
    await until(lambda: sell.orderStatus.status == "Filled" and sell.fills and
                sell.fills[-1].commissionReport.execId, what="sold")
    realized = sum(f.commissionReport.realizedPNL for f in sell.fills)
    spread_and_fees = (buy.orderStatus.avgFillPrice - sell.orderStatus.avgFillPrice) * 200
    assert abs(realized + spread_and_fees + sum(f.commissionReport.commission for f in buy.fills + sell.fills)) < 0.05
    await until(lambda: all(p.position == 0 for p in ib.positions() if p.contract.conId == ko.conId),
                what="position closed")
    assert server.positions() == {}

"""More of TWS's order semantics through ib_async: IOC remainders, GTD expiry, stop-limit, trailing percent, execution
filters, snapshots, and orders surviving a dropped connection (reconciled on reconnect with the same client id)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from ib_async import ExecutionFilter, LimitOrder, MarketOrder, Order, Stock, StopLimitOrder

from terminal.servers.ib import PaperServer

from .waits import until


async def _aapl(ib) -> Stock:
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    return aapl


async def test_an_ioc_limit_that_cannot_fill_is_cancelled_at_once(connect):
    ib, errors = await connect(1)
    aapl = await _aapl(ib)
    [ticker] = await ib.reqTickersAsync(aapl)  # a snapshot: ends with tickSnapshotEnd
    assert ticker.bid > 0 and ticker.ask > ticker.bid
    trade = ib.placeOrder(aapl, LimitOrder("BUY", 10, round(ticker.bid - 5, 2), tif="IOC"))
    await until(lambda: trade.orderStatus.status == "Cancelled", what="IOC cancelled")
    assert trade.orderStatus.filled == 0 and 202 in errors.codes()


async def test_a_gtd_order_is_cancelled_at_its_time(server, ib):
    aapl = await _aapl(ib)
    until_text = (datetime.now(timezone.utc) + timedelta(seconds=1)).strftime("%Y%m%d %H:%M:%S UTC")
    trade = ib.placeOrder(aapl, LimitOrder("BUY", 1, 100.0, tif="GTD", goodTillDate=until_text))
    await until(lambda: trade.orderStatus.status == "Submitted", what="working")
    await until(lambda: trade.orderStatus.status == "Cancelled", what="expired at its time")


async def test_a_stop_limit_becomes_a_limit_at_its_stop_and_a_trailing_percent_trails(server, ib):
    aapl = await _aapl(ib)
    server.move_price("AAPL", Decimal("230.00"))
    stop_limit = ib.placeOrder(aapl, StopLimitOrder("SELL", 5, 219.0, 220.0))
    percent = Order(action="SELL", orderType="TRAIL", totalQuantity=5, trailingPercent=2.0)
    trail = ib.placeOrder(aapl, percent)
    await until(lambda: trail.orderStatus.status == "Submitted" and stop_limit.orderStatus.status == "Submitted",
                what="working")

    def trail_stop() -> Decimal:
        return server.call(lambda: next(o.trail_stop for o in server.orders.live() if o.order_type == "TRAIL")
                           or Decimal(0))

    await until(lambda: Decimal("224") <= trail_stop() <= Decimal("226"), what="2 % under 230")
    server.move_price("AAPL", Decimal("219.50"))
    await until(lambda: stop_limit.orderStatus.status == "Filled" and trail.orderStatus.status == "Filled",
                what="both stops filled")
    assert stop_limit.orderStatus.avgFillPrice >= 219.0


async def test_executions_can_be_filtered_by_symbol_and_side(ib):
    aapl = await _aapl(ib)
    ko = Stock("KO", "SMART", "USD")
    await ib.qualifyContractsAsync(ko)
    for contract, action in ((aapl, "BUY"), (ko, "BUY"), (aapl, "SELL")):
        trade = ib.placeOrder(contract, MarketOrder(action, 1))
        await until(lambda: trade.orderStatus.status == "Filled", what="filled")
    aapl_buys = await ib.reqExecutionsAsync(ExecutionFilter(symbol="AAPL", side="BUY"))
    assert len({f.execution.orderId for f in aapl_buys}) == 1 and all(f.contract.symbol == "AAPL" for f in aapl_buys)
    everything = await ib.reqExecutionsAsync()
    assert len({f.execution.orderId for f in everything}) == 3


async def test_orders_and_fills_survive_a_dropped_connection_and_come_back_on_reconnect(server: PaperServer,
                                                                                        connect):
    ib, _ = await connect(7)
    aapl = await _aapl(ib)
    server.move_price("AAPL", Decimal("230.00"))
    resting = ib.placeOrder(aapl, LimitOrder("SELL", 10, 240.0, tif="GTC", orderRef="keep-me"))
    filling = ib.placeOrder(aapl, LimitOrder("SELL", 10, 235.0, tif="GTC", orderRef="fill-me"))
    await until(lambda: resting.orderStatus.status == filling.orderStatus.status == "Submitted", what="working")
    used = filling.order.orderId
    server.drop_connections()
    await until(lambda: not ib.isConnected(), what="dropped")
    server.move_price("AAPL", Decimal("237.00"))  # fills the 235 order while nobody is connected
    again, _ = await connect(7)  # ib_async's connect asks for open orders and executions
    refs = {t.order.orderRef: t for t in again.openTrades()}
    assert set(refs) == {"keep-me"} and refs["keep-me"].orderStatus.status == "Submitted"
    assert [f.execution.orderRef for f in again.fills()] == ["fill-me"]
    assert again.client.getReqId() > used
    assert {p.contract.symbol: p.position for p in again.positions()} == {"AAPL": -10}


async def test_completed_orders_list_the_filled_and_cancelled_ones(ib):
    aapl = await _aapl(ib)
    filled = ib.placeOrder(aapl, MarketOrder("BUY", 1, orderRef="done-1"))
    resting = ib.placeOrder(aapl, LimitOrder("BUY", 1, 100.0, orderRef="done-2"))
    await until(lambda: filled.orderStatus.status == "Filled" and resting.orderStatus.status == "Submitted",
                what="one filled, one working")
    ib.cancelOrder(resting.order)
    await until(lambda: resting.orderStatus.status == "Cancelled", what="cancelled")
    done = await ib.reqCompletedOrdersAsync(apiOnly=True)
    by_ref = {t.order.orderRef: t for t in done}
    assert set(by_ref) == {"done-1", "done-2"}
    assert by_ref["done-1"].orderStatus.status == "Filled" and by_ref["done-1"].order.filledQuantity == 1
    assert by_ref["done-2"].orderStatus.status == "Cancelled"
    assert by_ref["done-1"].order.permId == filled.order.permId


async def test_what_if_reports_margin_and_commission_and_places_nothing(server, ib):
    aapl = await _aapl(ib)
    state = await ib.whatIfOrderAsync(aapl, MarketOrder("BUY", 100))
    assert float(state.initMarginChange) > 0 and float(state.initMarginAfter) >= float(state.initMarginChange)
    assert state.commission >= 1.0 and state.commissionCurrency == "USD"
    assert await ib.reqOpenOrdersAsync() == [] and server.positions() == {}

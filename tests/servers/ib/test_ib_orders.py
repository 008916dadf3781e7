"""Orders on the IB paper server through ib_async: limit orders placed, modified and cancelled; a market fill with its
execution and commission report; brackets (children wait for the parent, a take-profit fill cancels the stop); OCA
groups; trailing stops following the price; global cancel; TWS's rejections (201, 103, 110, margin)."""
from __future__ import annotations

import asyncio
from decimal import Decimal

from ib_async import IB, LimitOrder, MarketOrder, Order, Stock, StopOrder

from .waits import until


async def _aapl(ib: IB) -> Stock:
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    return aapl


async def _touch(ib: IB, contract) -> tuple[float, float]:
    ticker = ib.reqMktData(contract)
    await until(lambda: ticker.bid > 0 and ticker.ask > 0, what="a quote")
    return ticker.bid, ticker.ask


async def test_a_limit_order_rests_is_modified_and_cancelled_with_202(connect):
    ib, errors = await connect(1)
    aapl = await _aapl(ib)
    bid, _ask = await _touch(ib, aapl)
    order = LimitOrder("BUY", 10, round(bid - 5, 2), orderRef="my-ref-1", tif="GTC")
    trade = ib.placeOrder(aapl, order)
    await until(lambda: trade.orderStatus.status == "Submitted", what="Submitted")
    assert trade.order.permId > 0 and trade.orderStatus.remaining == 10
    order.lmtPrice = round(bid - 6, 2)
    order.totalQuantity = 20
    ib.placeOrder(aapl, order)
    await until(lambda: trade.order.totalQuantity == 20 and trade.orderStatus.remaining == 20, what="modified")
    [open_trade] = await ib.reqOpenOrdersAsync()
    assert open_trade.order.orderRef == "my-ref-1" and open_trade.order.lmtPrice == round(bid - 6, 2)
    ib.cancelOrder(order)
    await until(lambda: trade.orderStatus.status == "Cancelled", what="Cancelled")
    assert any(code == 202 and req == order.orderId for req, code, _ in errors)
    assert await ib.reqOpenOrdersAsync() == []


async def test_a_market_order_fills_with_its_execution_and_commission_report(server, connect):
    ib, _errors = await connect(1)
    aapl = await _aapl(ib)
    order = MarketOrder("BUY", 300, orderRef="mkt-1")
    trade = ib.placeOrder(aapl, order)
    await until(lambda: trade.isDone() and trade.fills and trade.fills[-1].commissionReport.execId, what="fill")
    assert trade.orderStatus.status == "Filled" and trade.orderStatus.filled == 300
    fill = trade.fills[0]
    assert fill.execution.side == "BOT" and fill.execution.orderRef == "mkt-1"
    assert sum(f.execution.shares for f in trade.fills) == 300
    assert sum(f.commissionReport.commission for f in trade.fills) >= 1.5  # 300 x 0.005, at least 1.00 per fill
    assert trade.fills[0].commissionReport.currency == "USD"
    await until(lambda: ib.positions(), what="the position")
    [pos] = ib.positions()
    assert pos.position == 300 and pos.contract.conId == aapl.conId
    assert abs(pos.avgCost - trade.orderStatus.avgFillPrice) < 0.01
    assert server.positions() == {"AAPL": Decimal(300)}
    fills = await ib.reqExecutionsAsync()
    assert {f.execution.execId for f in fills} == {f.execution.execId for f in trade.fills}


async def test_a_bracket_waits_for_its_last_child_its_parent_fill_then_take_profit_cancels_the_stop(server, ib):
    aapl = await _aapl(ib)
    _bid, ask = await _touch(ib, aapl)
    entry = round(ask + 0.50, 2)  # marketable: fills at once
    parent, take_profit, stop = ib.bracketOrder("BUY", 100, entry, round(entry + 3, 2), round(entry - 3, 2))
    parent_trade = ib.placeOrder(aapl, parent)
    tp_trade = ib.placeOrder(aapl, take_profit)
    await until(lambda: parent_trade.orderStatus.status == "PreSubmitted", what="parent held")
    assert parent_trade.orderStatus.filled == 0  # not transmitted before the last child
    stop_trade = ib.placeOrder(aapl, stop)
    await until(lambda: parent_trade.orderStatus.status == "Filled", what="parent filled")
    await until(lambda: tp_trade.orderStatus.status == "Submitted" and stop_trade.orderStatus.status == "Submitted",
                what="children working")
    server.move_price("AAPL", Decimal(str(entry)) + 5)
    await until(lambda: tp_trade.orderStatus.status == "Filled", what="take-profit filled")
    await until(lambda: stop_trade.orderStatus.status == "Cancelled", what="stop cancelled")
    assert stop_trade.orderStatus.filled == 0
    assert server.positions() == {}


async def test_an_oca_group_cancels_the_others_when_one_fills(server, ib):
    aapl = await _aapl(ib)
    bid, ask = await _touch(ib, aapl)
    orders = ib.oneCancelsAll([LimitOrder("BUY", 50, round(bid - 10, 2)), LimitOrder("BUY", 50, round(ask + 1, 2)),
                               LimitOrder("BUY", 50, round(bid - 20, 2))], "grp-1", 1)
    trades = [ib.placeOrder(aapl, o) for o in orders]
    await until(lambda: trades[1].orderStatus.status == "Filled", what="the marketable one filled")
    await until(lambda: all(t.orderStatus.status == "Cancelled" for t in (trades[0], trades[2])),
                what="the others cancelled")
    assert server.positions() == {"AAPL": Decimal(50)}


async def test_a_trailing_stop_follows_the_price_up_and_sells_when_it_falls_back(server, connect):
    ib, _ = await connect(1)
    aapl = await _aapl(ib)
    server.move_price("AAPL", Decimal("230.00"))
    trail = Order(action="SELL", orderType="TRAIL", totalQuantity=10, auxPrice=1.0, tif="GTC")
    trade = ib.placeOrder(aapl, trail)
    await until(lambda: trade.orderStatus.status == "Submitted", what="working")
    watchers = iter(range(2, 10))

    async def stop_price() -> float:
        """The trailing stop as another client sees it (reqAllOpenOrders gives a fresh client the whole order)."""
        watcher, _ = await connect(next(watchers))
        [seen] = [t for t in await watcher.reqAllOpenOrdersAsync() if t.order.permId == trade.order.permId]
        return seen.order.trailStopPrice

    first = await until(stop_price_known(server), what="a trailing stop price")
    assert float(first) == await stop_price()
    server.move_price("AAPL", first + 11)
    await until(lambda: stop_price_known(server)() >= first + 10, what="the stop raised")
    raised = await stop_price()
    assert raised >= float(first) + 10
    assert trade.orderStatus.status == "Submitted"
    server.move_price("AAPL", Decimal(str(raised)) - 2)
    await until(lambda: trade.orderStatus.status == "Filled", what="the trailing stop filled")
    assert trade.fills[0].execution.side == "SLD"


def stop_price_known(server):
    def stop() -> Decimal:
        return server.call(lambda: next((o.trail_stop for o in server.orders.live() if o.order_type == "TRAIL"),
                                        None)) or Decimal(0)
    return stop


async def test_a_stop_order_triggers_when_the_market_trades_through_it(server, ib):
    aapl = await _aapl(ib)
    server.move_price("AAPL", Decimal("230.00"))
    trade = ib.placeOrder(aapl, StopOrder("BUY", 5, 240.0))
    await until(lambda: trade.orderStatus.status == "Submitted", what="working")
    server.move_price("AAPL", Decimal("241.00"))
    await until(lambda: trade.orderStatus.status == "Filled", what="stop filled")
    assert trade.orderStatus.avgFillPrice >= 240


async def test_global_cancel_cancels_every_working_order(connect):
    ib, errors = await connect(1)
    aapl = await _aapl(ib)
    bid, _ = await _touch(ib, aapl)
    trades = [ib.placeOrder(aapl, LimitOrder("BUY", 1, round(bid - 10 - i, 2))) for i in range(3)]
    await until(lambda: all(t.orderStatus.status == "Submitted" for t in trades), what="working")
    ib.reqGlobalCancel()
    await until(lambda: all(t.orderStatus.status == "Cancelled" for t in trades), what="all cancelled")
    assert errors.codes().count(202) == 3


async def test_rejections_201_for_the_reason_switch_110_off_tick_103_reused_id_and_201_margin(server, connect):
    ib, errors = await connect(1)
    aapl = await _aapl(ib)
    server.reject_next_order("Simulated rejection")
    rejected = ib.placeOrder(aapl, LimitOrder("BUY", 1, 100.0))
    await until(lambda: rejected.orderStatus.status == "Cancelled", what="rejected")
    assert (rejected.order.orderId, 201) in [(r, c) for r, c, m in errors if "Simulated rejection" in m]
    off_tick = ib.placeOrder(aapl, LimitOrder("BUY", 1, 100.001))
    await until(lambda: off_tick.orderStatus.status == "Cancelled", what="off tick refused")
    assert (off_tick.order.orderId, 110) in [(r, c) for r, c, _ in errors]
    done = ib.placeOrder(aapl, MarketOrder("BUY", 1))
    await until(lambda: done.orderStatus.status == "Filled", what="filled")
    again = LimitOrder("BUY", 1, 100.0)
    again.orderId = done.order.orderId
    ib.client.placeOrder(again.orderId, aapl, again)
    await until(lambda: (done.order.orderId, 103) in [(r, c) for r, c, _ in errors], what="103")
    refused_again = LimitOrder("BUY", 1, 100.0)
    refused_again.orderId = rejected.order.orderId  # the id of the refused order is spent too
    ib.client.placeOrder(refused_again.orderId, aapl, refused_again)
    await until(lambda: (rejected.order.orderId, 103) in [(r, c) for r, c, _ in errors], what="103 again")
    huge = ib.placeOrder(aapl, MarketOrder("BUY", 100_000))
    await until(lambda: huge.orderStatus.status == "Cancelled", what="margin refusal")
    [msg] = [m for r, c, m in errors if r == huge.order.orderId and c == 201]
    assert "INITIAL MARGIN" in msg


async def test_the_fills_of_a_market_order_sweeping_the_book_arrive_together(server, ib):
    """All messages one request causes go out in one write: a coroutine woken by the first fill already sees the
    order Filled (ib_async handles a whole read before the loop runs anyone else)."""
    aapl = await _aapl(ib)
    ticker = ib.reqMktDepth(aapl, numRows=5)
    await until(lambda: len(ticker.domAsks) == 5, what="the book")
    size = int(sum(row.size for row in ticker.domAsks[:3]))  # takes three levels or more
    seen: list[tuple[str, float]] = []
    first_fill = asyncio.get_running_loop().create_future()

    def on_status(trade) -> None:
        seen.append((trade.orderStatus.status, trade.orderStatus.filled))
        if trade.orderStatus.filled > 0 and not first_fill.done():
            first_fill.set_result(trade)

    ib.orderStatusEvent += on_status
    trade = ib.placeOrder(aapl, MarketOrder("BUY", size))
    await asyncio.wait_for(first_fill, 10)
    assert len(trade.fills) >= 3, seen
    assert trade.orderStatus.status == "Filled" and trade.orderStatus.filled == size, seen

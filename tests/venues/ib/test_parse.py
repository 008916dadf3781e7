"""The IB adapter's pure parts: contract details -> Instrument (keys, ticks, multipliers, hours), the order mapping
(request -> ib_async Order, Trade -> Order), error codes -> typed outcomes, and the historical-data pacer."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from ib_async import CommissionReport, Contract, ContractDetails, Execution, Fill as IbFill, Order as IbOrder
from ib_async import OrderStatus as IbStatus, Trade
from ib_async.objects import TradeLogEntry

from terminal.model import AssetClass, OrderOptions, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.model.hours import Phase
from terminal.venues.ib import contracts, errors, orders
from terminal.venues.ib.enums import duration
from terminal.venues.ib.pacing import HistoryPacer
from terminal.venues.ports import DuplicateOrder, RateLimited, Rejected, UnknownOrder

D = Decimal


def _details(**contract: object) -> ContractDetails:
    extra = {k: contract.pop(k) for k in list(contract) if k in ContractDetails.__dataclass_fields__}
    return ContractDetails(contract=Contract(**contract), **extra)  # type: ignore[arg-type]


def test_a_stock_is_keyed_by_its_symbol_with_its_primary_exchange_tick_and_regular_hours_in_new_york():
    d = _details(conId=265598, symbol="AAPL", secType="STK", exchange="SMART", primaryExchange="NASDAQ",
                 currency="USD", localSymbol="AAPL", minTick=0.01, longName="APPLE INC", timeZoneId="US/Eastern",
                 orderTypes="LMT,MKT,STP,STP LMT,TRAIL",
                 tradingHours="20261207:0400-20261207:2000;20261208:0400-20261208:2000;20261225:CLOSED",
                 liquidHours="20261207:0930-20261207:1600;20261208:0930-20261208:1600;20261225:CLOSED")
    ins = contracts.instrument(d, "ib")
    assert ins is not None
    assert (ins.symbol, ins.asset_class, ins.exchange, ins.quote_asset, ins.venue_id) == (
        "AAPL", AssetClass.EQUITY, "NASDAQ", "USD", "265598")
    assert ins.tick_size == D("0.01") and ins.step_size == 1 and ins.multiplier == 1
    assert ins.title == "AAPL APPLE INC (NASDAQ)"
    hours = ins.hours
    assert hours is not None and hours.label == "ET"
    monday_10_ny = int(datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc).timestamp() * 1000)
    monday_8_ny = int(datetime(2026, 12, 7, 13, 0, tzinfo=timezone.utc).timestamp() * 1000)
    assert hours.phase_at(monday_10_ny) is Phase.REGULAR
    assert hours.phase_at(monday_8_ny) is Phase.PRE_OPEN
    assert date(2026, 12, 25) in hours.holidays
    assert "09:30 ET" in hours.closed_phrase(monday_8_ny)


def test_a_future_is_keyed_by_its_local_symbol_with_multiplier_expiry_and_an_es_dec26_cme_title():
    d = _details(conId=495512563, symbol="ES", secType="FUT", lastTradeDateOrContractMonth="20261218",
                 multiplier="50", exchange="CME", currency="USD", localSymbol="ESZ6", minTick=0.25,
                 longName="E-mini S&P 500", timeZoneId="US/Central",
                 tradingHours="20261207:1700-20261208:1600", liquidHours="20261208:0830-20261208:1500")
    ins = contracts.instrument(d, "ib")
    assert ins is not None
    assert (ins.symbol, ins.asset_class, ins.multiplier, ins.expiry, ins.tick_size) == (
        "ESZ6", AssetClass.FUTURE, D(50), date(2026, 12, 18), D("0.25"))
    assert ins.title == "ES Dec26 CME future"
    assert ins.notional(D("6000"), D(2)) == D("600000")


def test_forex_is_keyed_base_dot_quote_and_an_index_is_listed_but_not_tradable():
    fx = contracts.instrument(_details(conId=12087792, symbol="EUR", secType="CASH", exchange="IDEALPRO",
                                       currency="USD", localSymbol="EUR.USD", minTick=5e-05), "ib")
    assert fx is not None and (fx.symbol, fx.asset_class, fx.tick_size) == ("EUR.USD", AssetClass.FOREX,
                                                                           D("0.00005"))
    spx = contracts.instrument(_details(conId=416904, symbol="SPX", secType="IND", exchange="CBOE",
                                        currency="USD", minTick=0.01), "ib")
    assert spx is not None and spx.asset_class is AssetClass.INDEX and spx.status != "TRADING"


def _request(**kw: object) -> OrderRequest:
    base: dict[str, object] = dict(symbol="AAPL", side=Side.BUY, type=OrderType.LIMIT, quantity=D(10),
                                   price=D("150.25"), time_in_force=TimeInForce.DAY, client_order_id="tt-1")
    base.update(kw)
    return OrderRequest(**base)  # type: ignore[arg-type]


def test_orders_map_to_ib_types_with_order_ref_trailing_at_close_gtd_oca_and_outside_rth():
    lmt = orders.build(_request(extended_hours=True))
    assert (lmt.orderType, lmt.lmtPrice, lmt.tif, lmt.orderRef, lmt.outsideRth, lmt.action) == (
        "LMT", D("150.25"), "DAY", "tt-1", True, "BUY")
    stp = orders.build(_request(type=OrderType.STOP_LOSS, price=None, stop_price=D(140), side=Side.SELL,
                                time_in_force=None))
    assert (stp.orderType, stp.auxPrice, stp.action) == ("STP", D(140), "SELL")
    trail = orders.build(_request(type=OrderType.STOP_LOSS, price=None, time_in_force=None, side=Side.SELL,
                                  options=OrderOptions(trail_amount=D("1.5"))))
    assert (trail.orderType, trail.auxPrice) == ("TRAIL", D("1.5"))
    pct = orders.build(_request(type=OrderType.STOP_LOSS, price=None, time_in_force=None, side=Side.SELL,
                                options=OrderOptions(trail_percent=D(2))))
    assert (pct.orderType, pct.trailingPercent) == ("TRAIL", D(2))
    moc = orders.build(_request(type=OrderType.MARKET, price=None, time_in_force=None,
                                options=OrderOptions(at_close=True)))
    assert moc.orderType == "MOC"
    loc = orders.build(_request(options=OrderOptions(at_close=True)))
    assert loc.orderType == "LOC"
    expire = int(datetime(2026, 12, 24, 21, 0, tzinfo=timezone.utc).timestamp() * 1000)
    gtd = orders.build(_request(time_in_force=TimeInForce.GTD, options=OrderOptions(expire_ms=expire)))
    assert (gtd.tif, gtd.goodTillDate) == ("GTD", "20261224 21:00:00 UTC")
    assert orders.gtd_ms(gtd.goodTillDate) == expire
    oca = orders.build(_request(options=OrderOptions(oca_group="g1")))
    assert (oca.ocaGroup, oca.ocaType) == ("g1", 1)
    with pytest.raises(Rejected, match="trailing stop must be STOP_LOSS"):
        orders.build(_request(options=OrderOptions(trail_amount=D(1))))
    with pytest.raises(Rejected, match="GTD order needs"):
        orders.build(_request(time_in_force=TimeInForce.GTD))


def _trade(status: str, filled: float = 0.0, errors_: tuple[tuple[int, str], ...] = ()) -> Trade:
    contract = Contract(conId=265598, symbol="AAPL", secType="STK", currency="USD", exchange="SMART")
    order = IbOrder(orderId=7, action="BUY", totalQuantity=10, orderType="LMT", lmtPrice=150.25, tif="DAY",
                    orderRef="tt-1", parentId=5)
    st = IbStatus(orderId=7, status=status, filled=filled, remaining=10 - filled, avgFillPrice=150.0 if filled else 0)
    log = [TradeLogEntry(datetime.now(timezone.utc), status, msg, code) for code, msg in errors_]
    return Trade(contract, order, st, [], log)


def test_a_trade_becomes_our_order_by_order_ref_with_status_fills_and_parent_client_id():
    parents = {5: "tt-parent"}
    o = orders.order(_trade("Submitted", 4.0), cid_of=parents.get, now_ms=1)
    assert (o.client_order_id, o.status, o.filled_qty, o.avg_price, o.venue_order_id, o.price) == (
        "tt-1", OrderStatus.PARTIALLY_FILLED, D(4), D(150), 7, D("150.25"))
    assert o.options.parent_id == "tt-parent"
    assert orders.order(_trade("PreSubmitted"), cid_of=parents.get, now_ms=1).status is OrderStatus.NEW
    assert orders.order(_trade("Filled", 10.0), cid_of=parents.get, now_ms=1).status is OrderStatus.FILLED
    rejected = orders.order(_trade("Cancelled", 0, ((201, "Order rejected - reason: no margin"),)),
                            cid_of=parents.get, now_ms=1)
    assert rejected.reject_reason == "IB 201: Order rejected - reason: no margin"


def test_a_fill_carries_its_commission_and_currency_and_a_stable_trade_id():
    contract = Contract(conId=1, symbol="EUR", secType="CASH", currency="USD", localSymbol="EUR.USD")
    e = Execution(execId="0000e0d5.65a1b2c3.01.01", time=datetime(2026, 12, 7, 15, tzinfo=timezone.utc),
                  side="SLD", shares=20000.0, price=1.08125, orderId=9, orderRef="tt-9", lastLiquidity=2)
    f = orders.fill(IbFill(contract, e, CommissionReport(e.execId, 2.0, "USD"), e.time), "tt-9", now_ms=5)
    assert (f.symbol, f.side, f.qty, f.price, f.commission, f.commission_asset, f.client_order_id) == (
        "EUR.USD", Side.SELL, D(20000), D("1.08125"), D(2), "USD", "tt-9")
    assert f.trade_id == orders.trade_id("0000e0d5.65a1b2c3.01.01") and f.trade_id > 0


def test_ib_error_codes_become_typed_outcomes_in_words():
    assert "unknown contract" in errors.outcome(200, "No security definition").message
    r = errors.outcome(201, "Order rejected - Reason: insufficient margin")
    assert isinstance(r, Rejected) and r.message.endswith("insufficient margin")
    assert isinstance(errors.outcome(103, "Duplicate order id"), DuplicateOrder)
    paced = errors.outcome(162, "Historical Market Data Service error message:Historical data request pacing "
                                "violation")
    assert isinstance(paced, RateLimited) and paced.retry_after_s > 0
    assert "competing live session" in errors.outcome(10197, "No market data during competing session").message
    assert isinstance(errors.outcome(10147, "OrderId 5 not found"), UnknownOrder)
    assert errors.cannot_connect("127.0.0.1", 4002) == (
        "cannot connect to TWS/Gateway at 127.0.0.1:4002: is it running with the API enabled on port 4002? "
        "(TWS: Edit > Global Configuration > API > Settings, 'Enable ActiveX and Socket Clients')")


def test_duration_strings_cover_the_span_in_seconds_days_then_years():
    assert [duration(s) for s in (60, 86_400, 86_401, 30 * 86_400, 400 * 86_400)] == [
        "60 S", "86400 S", "2 D", "30 D", "2 Y"]


async def test_the_pacer_coalesces_identical_requests_and_refuses_past_its_budget_without_sending():
    now = [0.0]
    pacer = HistoryPacer(limit=2, window_s=600, identical_s=15, clock=lambda: now[0])
    sent = []

    async def request(tag: str) -> str:
        sent.append(tag)
        await asyncio.sleep(0)
        return tag

    a, b = await asyncio.gather(pacer.run("k", lambda: request("a")), pacer.run("k", lambda: request("b")))
    assert (a, b, sent) == ("a", "a", ["a"])  # the identical one shared the first answer
    now[0] = 20.0
    assert await pacer.run("k", lambda: request("c")) == "c"  # 15 s later it is a new request
    with pytest.raises(RateLimited) as exc:
        await pacer.run("other", lambda: request("d"))
    assert sent == ["a", "c"] and exc.value.retry_after_s == pytest.approx(580)
    now[0] = 600.0
    assert await pacer.run("other", lambda: request("e")) == "e"

"""IST market hours, pre-open collection, AMOs and the intraday square-off, on a simulated clock (no HTTP: the
server's market and order book driven directly, so the time of day is chosen, not waited for)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from terminal.clock import SimClock
from terminal.servers.kite.envelope import KiteError
from terminal.servers.kite.listing import IST
from terminal.servers.kite.market import Market
from terminal.servers.kite.orders import Orders
from terminal.servers.kite.portfolio import Portfolio


def _at(hour: int, minute: int) -> int:
    # Friday 4 December 2026, a trading day
    return int(datetime(2026, 12, 4, hour, minute, tzinfo=IST).timestamp() * 1000)


def _book(clock: SimClock) -> tuple[Market, Orders]:
    market = Market(clock, seed=3, always_open=False, history_days=2)
    market.bootstrap()
    portfolio = Portfolio(market.ltp, lambda key: market.days[key].prev_close)
    portfolio.seed(market.by_key)
    return market, Orders(market, portfolio)


BUY_SBIN = {"exchange": "NSE", "tradingsymbol": "SBIN", "transaction_type": "BUY", "quantity": "5",
            "product": "MIS", "order_type": "MARKET"}


def test_a_regular_order_before_the_pre_open_is_refused_and_an_amo_waits_for_the_open():
    clock = SimClock(_at(8, 0))
    market, orders = _book(clock)
    with pytest.raises(KiteError) as exc:
        orders.place("regular", BUY_SBIN)
    assert exc.value.error_type == "InputException" and "Markets are closed" in exc.value.message
    amo = orders.place("amo", BUY_SBIN)
    assert amo.status == "AMO REQ RECEIVED"
    clock.set(_at(9, 16))
    market.step(clock.now_ms())
    assert amo.status == "COMPLETE" and amo.filled == 5


def test_orders_of_the_pre_open_are_collected_then_matched_from_9_15():
    clock = SimClock(_at(9, 3))
    market, orders = _book(clock)
    order = orders.place("regular", BUY_SBIN)
    assert order.status == "OPEN" and order.queued and order.engine_id is None
    clock.set(_at(9, 10))
    market.step(clock.now_ms())
    assert order.status == "OPEN" and order.filled == 0
    clock.set(_at(9, 15))
    market.step(clock.now_ms())
    assert order.status == "COMPLETE"
    statuses = [h["status"] for h in order.history]
    assert statuses == ["PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING", "OPEN", "COMPLETE"]


def test_futures_take_no_orders_in_the_equity_pre_open():
    clock = SimClock(_at(9, 3))
    market, orders = _book(clock)
    future = next(i for i in market.listed if i.segment == "NFO-FUT")
    with pytest.raises(KiteError):
        orders.place("regular", {"exchange": "NFO", "tradingsymbol": future.tradingsymbol, "transaction_type": "BUY",
                                 "quantity": str(future.lot), "product": "NRML", "order_type": "MARKET"})


def test_mis_positions_are_squared_off_at_15_20_and_fresh_mis_orders_refused_after():
    clock = SimClock(_at(15, 10))
    market, orders = _book(clock)
    bought = orders.place("regular", BUY_SBIN)
    assert bought.status == "COMPLETE"
    clock.set(_at(15, 21))
    market.step(clock.now_ms())
    position = orders.portfolio.positions[("NSE:SBIN", "MIS")]
    assert position.quantity == 0 and position.sell_qty == 5
    late = orders.place("regular", BUY_SBIN)
    assert late.status == "REJECTED" and "square-off" in (late.status_message or "")


def test_mcx_trades_in_the_evening_when_nse_is_closed():
    clock = SimClock(_at(20, 0))
    market, orders = _book(clock)
    crude = next(i for i in market.listed if i.exchange == "MCX")
    order = orders.place("regular", {"exchange": "MCX", "tradingsymbol": crude.tradingsymbol,
                                     "transaction_type": "BUY", "quantity": "1", "product": "NRML",
                                     "order_type": "MARKET"})
    assert order.status == "COMPLETE"
    with pytest.raises(KiteError):
        orders.place("regular", BUY_SBIN)


def _far_limit(market: Market, key: str, below: bool = True) -> str:
    last = market.ltp(key)
    return str(((last * (Decimal("0.9") if below else Decimal("1.1"))) / Decimal("0.05")).to_integral_value()
               * Decimal("0.05"))


def test_a_day_order_left_open_expires_at_the_close():
    clock = SimClock(_at(15, 0))
    market, orders = _book(clock)
    order = orders.place("regular", {**BUY_SBIN, "product": "CNC", "order_type": "LIMIT",
                                     "price": _far_limit(market, "NSE:SBIN")})
    assert order.status == "OPEN"
    clock.set(_at(15, 29))
    market.step(clock.now_ms())
    assert order.status == "OPEN"
    clock.set(_at(15, 31))
    market.step(clock.now_ms())
    assert order.status == "CANCELLED" and order.cancelled == 5 and "end of the session" in order.status_message


def test_a_ttl_order_is_cancelled_when_its_minutes_run_out():
    clock = SimClock(_at(11, 0))
    market, orders = _book(clock)
    order = orders.place("regular", {**BUY_SBIN, "product": "CNC", "order_type": "LIMIT", "validity": "TTL",
                                     "validity_ttl": "2", "price": _far_limit(market, "NSE:SBIN")})
    clock.set(_at(11, 1))
    market.step(clock.now_ms())
    assert order.status == "OPEN"
    clock.set(_at(11, 2))
    market.step(clock.now_ms())
    assert order.status == "CANCELLED" and "TTL" in order.status_message


def test_a_new_ist_day_rolls_the_close_settles_cnc_into_holdings_and_carries_nrml():
    clock = SimClock(_at(14, 0))
    market, orders = _book(clock)
    future = next(i for i in market.listed if i.segment == "NFO-FUT")
    orders.place("regular", {**BUY_SBIN, "product": "CNC"})
    orders.place("regular", {"exchange": "NFO", "tradingsymbol": future.tradingsymbol, "transaction_type": "BUY",
                             "quantity": str(future.lot), "product": "NRML", "order_type": "MARKET"})
    orders.place("regular", {"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "SELL",
                             "quantity": "4", "product": "CNC", "order_type": "MARKET"})
    last_sbin = market.ltp("NSE:SBIN")
    clock.set(_at(14, 0) + 86_400_000)  # Saturday, same time
    market.step(clock.now_ms())
    assert market.days["NSE:SBIN"].prev_close == last_sbin and market.days["NSE:SBIN"].volume == 0
    assert orders.orders == {} and orders.all_trades() == []
    holdings = orders.portfolio.holdings
    assert holdings["NSE:SBIN"].quantity == 55 and holdings["NSE:INFY"].quantity == 6
    carried = orders.portfolio.positions[(future.key, "NRML")]
    assert carried.overnight_qty == future.lot and carried.buy_qty == 0
    assert list(orders.portfolio.positions) == [(future.key, "NRML")]


def test_in_the_evening_mcx_moves_and_nse_stays_still():
    clock = SimClock(_at(20, 0))
    market, _ = _book(clock)
    crude = next(i for i in market.listed if i.exchange == "MCX")
    before = {key: (day.volume, day.changed) for key, day in market.days.items()}
    for _ in range(60):
        clock.advance(1000)
        market.step(clock.now_ms())
    moved = {key for key, day in market.days.items() if (day.volume, day.changed) != before[key]}
    assert moved == {crude.key}

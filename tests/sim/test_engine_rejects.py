"""Matching engine: rejects carry the right reason, filter name and Binance wording, and change nothing."""
from __future__ import annotations

import pytest
from engine_setup import SYMBOL, D, make_engine

from terminal.model import OrderType as T
from terminal.model import Side, TimeInForce
from terminal.sim import EngineReject, RejectReason as R

BUY, SELL = Side.BUY, Side.SELL


def reject(fn, *args, **kwargs) -> EngineReject:
    with pytest.raises(EngineReject) as info:
        fn(*args, **kwargs)
    return info.value


def test_unknown_symbol():
    eng, _ = make_engine()
    e = reject(eng.place, "a", "NOPE", BUY, T.LIMIT, quantity=D("1"), price=D("1"))
    assert (e.reason, e.message) == (R.UNKNOWN_SYMBOL, "Invalid symbol.")
    assert reject(eng.depth, "NOPE").reason is R.UNKNOWN_SYMBOL


def test_unknown_account():
    eng, _ = make_engine()
    assert reject(eng.place, "zz", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("1")).reason is R.UNKNOWN_ACCOUNT
    assert reject(eng.balances, "zz").reason is R.UNKNOWN_ACCOUNT


@pytest.mark.parametrize("kwargs, filt", [
    (dict(quantity=D("0.000001"), price=D("100")), "LOT_SIZE"),      # below min qty
    (dict(quantity=D("0.000015"), price=D("1000")), "LOT_SIZE"),     # off the step
    (dict(quantity=D("10000"), price=D("100")), "LOT_SIZE"),         # above max qty
    (dict(quantity=D("1"), price=D("100.001")), "PRICE_FILTER"),     # off the tick
    (dict(quantity=D("0.01"), price=D("100")), "NOTIONAL"),          # 1 USDT < 5
])
def test_filter_failures_name_the_filter(kwargs, filt):
    eng, _ = make_engine()
    e = reject(eng.place, "a", SYMBOL, BUY, T.LIMIT, **kwargs)
    assert (e.reason, e.filter, e.message) == (R.FILTER, filt, f"Filter failure: {filt}")
    assert eng.all_orders("a", SYMBOL) == []


def test_market_notional_uses_the_last_price():
    eng, _ = make_engine()
    eng.set_last_price(SYMBOL, D("100"))
    e = reject(eng.place, "a", SYMBOL, BUY, T.MARKET, quantity=D("0.01"))
    assert (e.reason, e.filter) == (R.FILTER, "NOTIONAL")
    e = reject(eng.place, "a", SYMBOL, BUY, T.MARKET, quote_quantity=D("4"))
    assert (e.reason, e.filter) == (R.FILTER, "NOTIONAL")


def test_market_lot_size_applies_to_market_orders():
    eng, _ = make_engine(market_step_size=D("0.001"), market_min_qty=D("0.001"), market_max_qty=D("100"))
    e = reject(eng.place, "a", SYMBOL, SELL, T.MARKET, quantity=D("0.0015"))
    assert (e.reason, e.filter) == (R.FILTER, "MARKET_LOT_SIZE")


def test_insufficient_balance_for_a_limit_buy_changes_nothing():
    eng, _ = make_engine(usdt="100")
    e = reject(eng.place, "a", SYMBOL, BUY, T.LIMIT, quantity=D("1.00001"), price=D("100"))
    assert (e.reason, e.message) == (R.INSUFFICIENT_BALANCE, "Account has insufficient balance for requested action.")
    assert eng.balances("a")["USDT"] == (D("100"), D("0"))
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("100"))   # exactly enough is fine
    assert eng.balances("a")["USDT"] == (D("0"), D("100"))


def test_insufficient_base_for_a_sell():
    eng, _ = make_engine(btc="1")
    assert reject(eng.place, "a", SYMBOL, SELL, T.LIMIT, quantity=D("1.5"), price=D("100")).reason \
        is R.INSUFFICIENT_BALANCE


def test_market_buy_is_checked_against_the_cost_of_walking_the_book_before_any_fill():
    eng, _ = make_engine(usdt="250")
    eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("200"))
    e = reject(eng.place, "a", SYMBOL, BUY, T.MARKET, quantity=D("2"))   # costs 300
    assert e.reason is R.INSUFFICIENT_BALANCE
    assert eng.recent_trades(SYMBOL) == [] and eng.depth(SYMBOL)[2] == [(D("100"), D("1")), (D("200"), D("1"))]
    assert reject(eng.place, "a", SYMBOL, BUY, T.MARKET, quote_quantity=D("251")).reason is R.INSUFFICIENT_BALANCE
    r = eng.place("a", SYMBOL, BUY, T.MARKET, quantity=D("1.5"))   # costs 200
    assert r.order.cum_quote == D("200") and eng.balances("a")["USDT"] == (D("50"), D("0"))


def test_market_sell_by_quote_needs_the_base_it_would_sell():
    eng, _ = make_engine(btc="0.5")
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("100"))
    assert reject(eng.place, "a", SYMBOL, SELL, T.MARKET, quote_quantity=D("60")).reason is R.INSUFFICIENT_BALANCE
    assert eng.place("a", SYMBOL, SELL, T.MARKET, quote_quantity=D("50")).order.executed_qty == D("0.5")


def test_limit_maker_that_would_take_is_rejected():
    eng, _ = make_engine()
    eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    e = reject(eng.place, "a", SYMBOL, BUY, T.LIMIT_MAKER, quantity=D("1"), price=D("100"))
    assert (e.reason, e.message) == (R.WOULD_MATCH, "Order would immediately match and take.")
    assert eng.balances("a")["USDT"] == (D("1000000"), D("0"))


def test_duplicate_client_id_among_open_orders():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("10"), client_order_id="dup")
    e = reject(eng.place, "a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("11"), client_order_id="dup")
    assert (e.reason, e.message) == (R.DUPLICATE_ORDER, "Duplicate order sent.")
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("10"), client_order_id="dup")   # other account


def test_cancel_of_unknown_filled_or_canceled_order():
    eng, _ = make_engine()
    assert reject(eng.cancel, "a", SYMBOL, order_id=42).message == "Unknown order sent."
    o = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100")).order
    assert reject(eng.cancel, "b", SYMBOL, order_id=o.order_id).reason is R.UNKNOWN_ORDER   # not b's order
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("1"))
    assert reject(eng.cancel, "a", SYMBOL, order_id=o.order_id).reason is R.UNKNOWN_ORDER   # filled
    o2 = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100")).order
    eng.cancel("a", SYMBOL, order_id=o2.order_id)
    assert reject(eng.cancel, "a", SYMBOL, order_id=o2.order_id).reason is R.UNKNOWN_ORDER
    assert reject(eng.cancel, "a", SYMBOL).reason is R.INVALID


def test_get_order_unknown_and_id_mismatch():
    eng, _ = make_engine()
    e = reject(eng.get_order, "a", SYMBOL, order_id=1)
    assert (e.reason, e.message) == (R.UNKNOWN_ORDER, "Order does not exist.")
    o = eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("10"), client_order_id="c1").order
    assert eng.get_order("a", SYMBOL, order_id=o.order_id, client_order_id="c1").order_id == o.order_id
    assert reject(eng.get_order, "a", SYMBOL, order_id=o.order_id, client_order_id="other").reason is R.UNKNOWN_ORDER


@pytest.mark.parametrize("kwargs", [
    dict(type=T.LIMIT, quantity=D("1")),                                   # no price
    dict(type=T.LIMIT, price=D("10")),                                     # no quantity
    dict(type=T.STOP_LOSS_LIMIT, quantity=D("1"), price=D("10")),          # no stop price
    dict(type=T.MARKET, quantity=D("1"), quote_quantity=D("10")),          # both
    dict(type=T.LIMIT, quantity=D("1"), price=D("10"), quote_quantity=D("10")),
    dict(type=T.MARKET),                                                   # neither
    dict(type=T.LIMIT, quantity=1.5, price=D("10")),                       # a float
])
def test_malformed_requests_are_invalid(kwargs):
    eng, _ = make_engine()
    order_type = kwargs.pop("type")
    assert reject(eng.place, "a", SYMBOL, BUY, order_type, **kwargs).reason is R.INVALID


def test_order_types_the_symbol_does_not_allow_are_invalid():
    eng, _ = make_engine(order_types=frozenset({T.LIMIT, T.MARKET}))
    e = reject(eng.place, "a", SYMBOL, BUY, T.LIMIT_MAKER, quantity=D("1"), price=D("10"))
    assert (e.reason, e.filter) == (R.INVALID, "ORDER_TYPE")


def test_test_orders_are_validated_like_real_ones():
    eng, _ = make_engine(usdt="10")
    assert reject(eng.place, "a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("100"), test=True).reason \
        is R.INSUFFICIENT_BALANCE
    assert reject(eng.place, "a", SYMBOL, BUY, T.LIMIT, quantity=D("0.01"), price=D("100"), test=True).filter \
        == "NOTIONAL"
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("0.1"), price=D("100"), test=True,
              time_in_force=TimeInForce.GTC)
    assert eng.balances("a")["USDT"] == (D("10"), D("0"))


def test_withdrawal_beyond_free_balance_is_refused():
    eng, _ = make_engine(usdt="100")
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("0.5"), price=D("100"))
    assert reject(eng.deposit, "a", "USDT", D("-51")).reason is R.INSUFFICIENT_BALANCE
    eng.deposit("a", "USDT", D("-50"))
    assert eng.balances("a")["USDT"] == (D("0"), D("50"))

"""Matching engine: stop and take-profit orders arm, trigger on the last trade price, and then match."""
from __future__ import annotations

import pytest
from engine_setup import SYMBOL, D, Recorder, make_engine

from terminal.model import OrderStatus as S
from terminal.model import OrderType as T
from terminal.model import Side
from terminal.sim import EngineReject, ExecType as X, RejectReason as R

BUY, SELL = Side.BUY, Side.SELL


def trade_at(eng, price: str, qty: str = "0.1") -> None:
    """Print a trade at ``price`` between accounts m (maker) and t (taker)."""
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D(qty), price=D(price))
    eng.place("t", SYMBOL, BUY, T.MARKET, quantity=D(qty))
    assert eng.last_price(SYMBOL) == D(price)


@pytest.mark.parametrize("order_type, side, stop, ok", [
    (T.STOP_LOSS, BUY, "101", True), (T.STOP_LOSS, BUY, "100", False),
    (T.STOP_LOSS_LIMIT, SELL, "99", True), (T.STOP_LOSS_LIMIT, SELL, "100", False),
    (T.TAKE_PROFIT, SELL, "101", True), (T.TAKE_PROFIT, SELL, "99", False),
    (T.TAKE_PROFIT_LIMIT, BUY, "99", True), (T.TAKE_PROFIT_LIMIT, BUY, "100.01", False),
])
def test_a_stop_that_would_trigger_at_once_is_rejected(order_type, side, stop, ok):
    eng, _ = make_engine(accounts=("a", "m", "t"))
    trade_at(eng, "100")
    kwargs = dict(quantity=D("1"), stop_price=D(stop))
    if order_type.has_price:
        kwargs["price"] = D(stop)
    if ok:
        r = eng.place("a", SYMBOL, side, order_type, **kwargs)
        assert [e.exec_type for e in r.executions] == [X.NEW]
        assert not r.order.is_working and r.order.working_time == -1
        assert eng.depth(SYMBOL)[1:] == ([], [])   # armed stops are not on the book
    else:
        with pytest.raises(EngineReject) as info:
            eng.place("a", SYMBOL, side, order_type, **kwargs)
        assert (info.value.reason, info.value.message) == (R.WOULD_TRIGGER, "Order would trigger immediately.")


def test_stop_loss_sell_triggers_when_the_price_falls_and_sells_at_market():
    eng, _ = make_engine(accounts=("a", "b", "m", "t"))
    rec = Recorder().attach(eng)
    trade_at(eng, "100")
    stop = eng.place("a", SYMBOL, SELL, T.STOP_LOSS, quantity=D("1"), stop_price=D("95")).order
    assert eng.balances("a")["BTC"] == (D("99"), D("1"))
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("2"), price=D("94"))
    trade_at(eng, "96")
    assert eng.get_order("a", SYMBOL, order_id=stop.order_id).status is S.NEW
    # a trade at 95 triggers the stop, which sells into b's bid at 94
    eng.place("m", SYMBOL, BUY, T.LIMIT, quantity=D("0.1"), price=D("95"))
    eng.place("t", SYMBOL, SELL, T.MARKET, quantity=D("0.1"))
    v = eng.get_order("a", SYMBOL, order_id=stop.order_id)
    assert (v.status, v.executed_qty, v.cum_quote, v.is_working) == (S.FILLED, D("1"), D("94"), True)
    assert eng.last_price(SYMBOL) == D("94")
    mine = [(e.exec_type, e.order.status) for e in rec.executions if e.order.order_id == stop.order_id]
    assert mine == [(X.NEW, S.NEW), (X.TRADE, S.FILLED)]
    assert eng.balances("a")["BTC"] == (D("99"), D("0"))


def test_stop_limit_buy_triggers_on_a_rise_and_rests_its_leftover():
    eng, _ = make_engine(accounts=("a", "m", "t"))
    trade_at(eng, "100")
    o = eng.place("a", SYMBOL, BUY, T.STOP_LOSS_LIMIT, quantity=D("1"), price=D("106"), stop_price=D("105")).order
    assert eng.balances("a")["USDT"] == (D("1000000") - D("106"), D("106"))
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("105"))
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D("0.4"), price=D("106"))
    eng.place("t", SYMBOL, BUY, T.MARKET, quantity=D("0.1"))   # prints 105: the stop fires, takes 0.4 @ 106
    assert eng.last_price(SYMBOL) == D("106")
    v = eng.get_order("a", SYMBOL, order_id=o.order_id)
    assert (v.status, v.executed_qty, v.is_working) == (S.PARTIALLY_FILLED, D("0.4"), True)
    assert eng.depth(SYMBOL)[1] == [(D("106"), D("0.6"))]
    assert eng.balances("a")["USDT"][1] == D("106") * D("0.6")


def test_take_profit_buy_and_sell_fire_in_their_directions():
    eng, _ = make_engine(accounts=("a", "m", "t"))
    trade_at(eng, "100")
    tp_sell = eng.place("a", SYMBOL, SELL, T.TAKE_PROFIT_LIMIT, quantity=D("1"), price=D("110"),
                        stop_price=D("110")).order
    tp_buy = eng.place("a", SYMBOL, BUY, T.TAKE_PROFIT_LIMIT, quantity=D("1"), price=D("90"),
                       stop_price=D("90")).order
    trade_at(eng, "110")
    assert eng.get_order("a", SYMBOL, order_id=tp_sell.order_id).is_working
    assert not eng.get_order("a", SYMBOL, order_id=tp_buy.order_id).is_working
    assert eng.best(SYMBOL)[1] == (D("110"), D("1"))


def test_triggered_stops_can_trigger_further_stops_without_recursion():
    eng, _ = make_engine(accounts=("a", "b", "m", "t"))
    trade_at(eng, "100")
    for px in ("99", "98", "97"):
        eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D(px))
    # a cascade: each stop's sale prints a lower price that fires the next one
    ids = [eng.place("a", SYMBOL, SELL, T.STOP_LOSS, quantity=D("1"), stop_price=D(px)).order.order_id
           for px in ("99.5", "99", "98")]
    eng.set_last_price(SYMBOL, D("99.5"))
    assert [eng.get_order("a", SYMBOL, order_id=i).status for i in ids] == [S.FILLED] * 3
    assert [t.price for t in eng.recent_trades(SYMBOL)][-3:] == [D("99"), D("98"), D("97")]


def test_canceling_an_armed_stop_unlocks_and_it_never_fires():
    eng, _ = make_engine(accounts=("a", "m", "t"))
    trade_at(eng, "100")
    o = eng.place("a", SYMBOL, SELL, T.STOP_LOSS_LIMIT, quantity=D("1"), price=D("90"), stop_price=D("95")).order
    v = eng.cancel("a", SYMBOL, order_id=o.order_id)
    assert v.status is S.CANCELED and eng.balances("a")["BTC"] == (D("100"), D("0"))
    eng.set_last_price(SYMBOL, D("80"))
    assert eng.depth(SYMBOL)[2] == []


def test_stop_market_buy_tops_up_its_lock_at_trigger_or_expires_if_it_cannot():
    eng, _ = make_engine(accounts=("a", "m", "t"), usdt="1000")
    trade_at(eng, "100")
    o = eng.place("a", SYMBOL, BUY, T.STOP_LOSS, quantity=D("5"), stop_price=D("105")).order
    assert eng.balances("a")["USDT"] == (D("475"), D("525"))   # estimate: stop x quantity
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D("5"), price=D("110"))
    eng.set_last_price(SYMBOL, D("105"))                          # costs 550 > 525: tops up 25
    v = eng.get_order("a", SYMBOL, order_id=o.order_id)
    assert (v.status, v.cum_quote) == (S.FILLED, D("550"))
    assert eng.balances("a")["USDT"] == (D("450"), D("0"))

    o2 = eng.place("a", SYMBOL, BUY, T.STOP_LOSS, quantity=D("4"), stop_price=D("111")).order
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D("4"), price=D("200"))
    rec = Recorder().attach(eng)
    eng.set_last_price(SYMBOL, D("111"))                          # costs 800 > 450 available
    v2 = eng.get_order("a", SYMBOL, order_id=o2.order_id)
    assert (v2.status, v2.executed_qty) == (S.EXPIRED, D("0"))
    assert rec.executions[-1].reject_reason == "INSUFFICIENT_BALANCES"
    assert eng.balances("a")["USDT"] == (D("450"), D("0"))


def test_every_traded_price_counts_for_triggers_not_only_the_last():
    eng, _ = make_engine(accounts=("a", "b", "m", "t"))
    trade_at(eng, "100")
    stop = eng.place("a", SYMBOL, SELL, T.STOP_LOSS, quantity=D("1"), stop_price=D("98.5")).order
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("90"))
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("98"))
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("100"))
    eng.place("t", SYMBOL, BUY, T.MARKET, quantity=D("0.2"))   # prints 98 then 100
    v = eng.get_order("a", SYMBOL, order_id=stop.order_id)
    assert (v.status, v.cum_quote) == (S.FILLED, D("90"))
    assert [t.price for t in eng.recent_trades(SYMBOL)][-3:] == [D("98"), D("100"), D("90")]


def test_stops_fired_by_the_same_price_work_oldest_first():
    eng, _ = make_engine(accounts=("a", "b", "m", "t"))
    trade_at(eng, "100")
    eng.place("m", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("95"))   # the only bid
    b_stop = eng.place("b", SYMBOL, SELL, T.STOP_LOSS, quantity=D("1"), stop_price=D("98")).order
    a_stop = eng.place("a", SYMBOL, SELL, T.STOP_LOSS, quantity=D("1"), stop_price=D("99")).order
    eng.set_last_price(SYMBOL, D("97"))   # fires both; b's is older, so it gets the bid
    assert eng.get_order("b", SYMBOL, order_id=b_stop.order_id).cum_quote == D("95")
    assert eng.get_order("a", SYMBOL, order_id=a_stop.order_id).status is S.EXPIRED

"""Matching engine: order types, time in force, partial fills, priority and execution sequences."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine_setup import SYMBOL, D, Recorder, make_engine

from terminal.model import OrderStatus as S
from terminal.model import OrderType as T
from terminal.model import Side, TimeInForce
from terminal.sim import EngineReject, ExecType as X

BUY, SELL = Side.BUY, Side.SELL


def seq(result) -> list[tuple[X, S]]:
    return [(e.exec_type, e.order.status) for e in result.executions]


def test_resting_limit_reports_new_and_rests_on_the_book():
    eng, _ = make_engine()
    r = eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("0.5"), price=D("100"))
    assert seq(r) == [(X.NEW, S.NEW)]
    assert r.order.is_working and r.order.time_in_force is TimeInForce.GTC
    assert eng.depth(SYMBOL)[1] == [(D("100"), D("0.5"))]
    assert [o.order_id for o in eng.open_orders("a", SYMBOL)] == [r.order.order_id]


def test_crossing_limit_trades_at_maker_price_and_rests_the_rest():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    r = eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("1.5"), price=D("101"))
    assert seq(r) == [(X.NEW, S.NEW), (X.TRADE, S.PARTIALLY_FILLED)]
    fill = r.executions[1]
    assert (fill.last_price, fill.last_qty, fill.last_quote, fill.is_maker) == (D("100"), D("1"), D("100"), False)
    assert r.order.cum_quote == D("100") and r.order.executed_qty == D("1")
    _, bids, asks = eng.depth(SYMBOL)
    assert bids == [(D("101"), D("0.5"))] and asks == []
    assert eng.last_price(SYMBOL) == D("100")


def test_makers_fill_in_price_then_time_priority():
    eng, clock = make_engine(accounts=("a", "b", "c"))
    first = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("101")).order
    clock.advance(1)
    better = eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100")).order
    clock.advance(1)
    second = eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("101")).order
    r = eng.place("c", SYMBOL, BUY, T.LIMIT, quantity=D("2.5"), price=D("101"))
    trades = eng.recent_trades(SYMBOL)
    assert [(t.sell_order_id, t.price, t.qty) for t in trades] == [
        (better.order_id, D("100"), D("1")), (first.order_id, D("101"), D("1")), (second.order_id, D("101"), D("0.5"))]
    assert r.order.status is S.FILLED
    assert eng.get_order("b", SYMBOL, order_id=second.order_id).status is S.PARTIALLY_FILLED
    assert eng.get_order("a", SYMBOL, order_id=first.order_id).status is S.FILLED
    assert eng.depth(SYMBOL)[2] == [(D("101"), D("0.5"))]


def test_maker_sees_partial_then_filled_trades():
    eng, _ = make_engine()
    rec = Recorder().attach(eng)
    maker = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100")).order
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("0.4"))
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("0.6"))
    mine = [(e.exec_type, e.order.status, e.last_qty, e.is_maker) for e in rec.executions
            if e.order.order_id == maker.order_id]
    assert mine == [(X.NEW, S.NEW, 0, False), (X.TRADE, S.PARTIALLY_FILLED, D("0.4"), True),
                    (X.TRADE, S.FILLED, D("0.6"), True)]
    assert eng.open_orders("a") == []


def test_ioc_fills_what_it_can_and_expires_the_rest():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("102"))
    r = eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("3"), price=D("101"), time_in_force=TimeInForce.IOC)
    assert seq(r) == [(X.NEW, S.NEW), (X.TRADE, S.PARTIALLY_FILLED), (X.EXPIRED, S.EXPIRED)]
    assert r.order.executed_qty == D("1")
    assert eng.depth(SYMBOL)[1] == []   # nothing rested
    assert eng.balances("b")["USDT"] == (D("1000000") - D("100"), D("0"))


def test_fok_without_enough_liquidity_expires_with_no_fill():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("102"))
    r = eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("1.5"), price=D("101"), time_in_force=TimeInForce.FOK)
    assert seq(r) == [(X.NEW, S.NEW), (X.EXPIRED, S.EXPIRED)]
    assert r.order.executed_qty == 0 and eng.recent_trades(SYMBOL) == []
    assert eng.balances("b")["USDT"] == (D("1000000"), D("0"))


def test_fok_with_enough_liquidity_fills_completely():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("101"))
    r = eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("1.5"), price=D("101"), time_in_force=TimeInForce.FOK)
    assert seq(r)[-1] == (X.TRADE, S.FILLED)
    assert r.order.cum_quote == D("100") + D("50.5")


def test_market_by_quantity_walks_levels_and_expires_when_liquidity_runs_out():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("100"))
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("99"))
    r = eng.place("b", SYMBOL, SELL, T.MARKET, quantity=D("3"))
    assert seq(r) == [(X.NEW, S.NEW), (X.TRADE, S.PARTIALLY_FILLED), (X.TRADE, S.PARTIALLY_FILLED),
                      (X.EXPIRED, S.EXPIRED)]
    assert [e.last_price for e in r.fills] == [D("100"), D("99")]
    assert eng.balances("b")["BTC"] == (D("98"), D("0"))   # the unfilled 1 BTC is unlocked


def test_market_on_an_empty_book_expires():
    eng, _ = make_engine()
    r = eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("1"))
    assert seq(r) == [(X.NEW, S.NEW), (X.EXPIRED, S.EXPIRED)]


def test_market_buy_by_quote_takes_largest_quantity_on_the_step():
    eng, _ = make_engine(taker_fee="0")
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("30000"))
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("30001.37"))
    r = eng.place("b", SYMBOL, BUY, T.MARKET, quote_quantity=D("4000"))
    # 0.1 @ 30000 = 3000; 1000 left buys floor(1000/30001.37, 0.00001) = 0.03333
    assert [e.last_qty for e in r.fills] == [D("0.1"), D("0.03333")]
    assert r.order.status is S.FILLED and r.order.quantity == r.order.executed_qty == D("0.13333")
    assert r.order.quote_quantity == D("4000")
    spent = D("3000") + D("0.03333") * D("30001.37")
    assert r.order.cum_quote == spent and spent <= D("4000")
    assert eng.balances("b")["USDT"] == (D("1000000") - spent, D("0"))
    assert eng.balances("b")["BTC"] == (D("100.13333"), D("0"))


def test_market_sell_by_quote_receives_at_most_the_quote():
    eng, _ = make_engine(taker_fee="0")
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("100"))
    r = eng.place("b", SYMBOL, SELL, T.MARKET, quote_quantity=D("55.555"))
    assert r.order.executed_qty == D("0.55555") and r.order.cum_quote == D("55.555")
    assert r.order.status is S.FILLED


def test_market_by_quote_beyond_liquidity_expires():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("100"))
    r = eng.place("b", SYMBOL, BUY, T.MARKET, quote_quantity=D("50"))
    assert seq(r) == [(X.NEW, S.NEW), (X.TRADE, S.PARTIALLY_FILLED), (X.EXPIRED, S.EXPIRED)]
    assert r.order.executed_qty == D("0.1")
    assert eng.balances("b")["USDT"] == (D("1000000") - D("10"), D("0"))


def test_limit_maker_rests_when_it_would_not_take():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    r = eng.place("b", SYMBOL, BUY, T.LIMIT_MAKER, quantity=D("1"), price=D("99.99"))
    assert seq(r) == [(X.NEW, S.NEW)] and r.order.time_in_force is None
    assert eng.best(SYMBOL) == ((D("99.99"), D("1")), (D("100"), D("1")))


def test_cancel_reports_canceled_with_the_cancel_id_and_unlocks():
    eng, _ = make_engine()
    rec = Recorder().attach(eng)
    o = eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("2"), price=D("100"), client_order_id="mine").order
    assert eng.balances("a")["USDT"] == (D("999800"), D("200"))
    v = eng.cancel("a", SYMBOL, client_order_id="mine", cancel_client_order_id="cxl-1")
    assert v.status is S.CANCELED and v.order_id == o.order_id
    last = rec.executions[-1]
    assert (last.exec_type, last.cancel_client_order_id, last.order.client_order_id) == (X.CANCELED, "cxl-1", "mine")
    assert eng.balances("a")["USDT"] == (D("1000000"), D("0"))
    assert rec.balances[-1] == ("a", {"USDT": (D("1000000"), D("0"))})
    assert eng.depth(SYMBOL)[1] == []


def test_cancel_of_a_partially_filled_order_in_the_middle_of_a_level_keeps_queue_order():
    eng, _ = make_engine(accounts=("a", "b", "c"))
    o1 = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100")).order
    o2 = eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100")).order
    o3 = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100")).order
    eng.cancel("b", SYMBOL, order_id=o2.order_id)
    assert eng.depth(SYMBOL)[2] == [(D("100"), D("2"))]
    eng.place("c", SYMBOL, BUY, T.MARKET, quantity=D("1.5"))
    assert [t.sell_order_id for t in eng.recent_trades(SYMBOL)] == [o1.order_id, o3.order_id]
    assert eng.get_order("a", SYMBOL, order_id=o3.order_id).executed_qty == D("0.5")


def test_cancel_all_cancels_only_that_accounts_open_orders_on_the_symbol():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("90"))
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("110"))
    eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("111"))
    views = eng.cancel_all("a", SYMBOL)
    assert [v.status for v in views] == [S.CANCELED, S.CANCELED]
    assert eng.open_orders("a") == [] and len(eng.open_orders("b")) == 1
    assert eng.cancel_all("a", SYMBOL) == []


def test_self_trade_is_allowed():
    eng, _ = make_engine(maker_fee="0", taker_fee="0")
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    r = eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("100"))
    assert r.order.status is S.FILLED
    assert eng.balances("a") == {"USDT": (D("1000000"), D("0")), "BTC": (D("100"), D("0"))}


def test_generated_client_ids_are_22_characters_and_unique():
    eng, _ = make_engine()
    ids = {eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("10")).order.client_order_id
           for _ in range(5)}
    assert len(ids) == 5 and all(len(i) == 22 for i in ids)


def test_client_id_may_be_reused_once_the_order_is_closed_and_lookup_finds_the_latest():
    eng, _ = make_engine()
    first = eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("10"), client_order_id="x").order
    eng.cancel("a", SYMBOL, order_id=first.order_id)
    second = eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("11"), client_order_id="x").order
    assert eng.get_order("a", SYMBOL, client_order_id="x").order_id == second.order_id > first.order_id
    assert eng.get_order("a", SYMBOL, order_id=first.order_id).status is S.CANCELED


def test_all_orders_and_account_trades_are_oldest_first_and_filterable():
    eng, clock = make_engine()
    ids = []
    for i in range(4):
        clock.advance(1000)
        ids.append(eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D(100 + i)).order.order_id)
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("2.5"))
    assert [o.order_id for o in eng.all_orders("a", SYMBOL)] == ids
    assert [o.order_id for o in eng.all_orders("a", SYMBOL, order_id=ids[2])] == ids[2:]
    assert [o.order_id for o in eng.all_orders("a", SYMBOL, limit=2)] == ids[2:]
    assert [o.order_id for o in eng.all_orders("a", SYMBOL, limit=1, order_id=ids[0])] == ids[:1]
    mine = eng.account_trades("a", SYMBOL)
    assert [(t.order_id, t.qty, t.is_maker, t.is_buyer) for t in mine] == [
        (ids[0], D("1"), True, False), (ids[1], D("1"), True, False), (ids[2], D("0.5"), True, False)]
    assert [t.id for t in eng.account_trades("b", SYMBOL, from_id=2)] == [2, 3]
    assert [t.id for t in eng.account_trades("a", SYMBOL, order_id=ids[1])] == [2]
    assert eng.account_trades("b", SYMBOL)[0].commission_asset == "BTC"


def test_test_orders_change_nothing():
    eng, _ = make_engine()
    rec = Recorder().attach(eng)
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    n = len(rec.executions)
    before = eng.balances("b"), eng.depth(SYMBOL)
    r = eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("1"), test=True)
    assert r.executions == [] and len(rec.executions) == n
    assert (eng.balances("b"), eng.depth(SYMBOL)) == before
    assert eng.open_orders("b") == [] and eng.all_orders("b", SYMBOL) == []


def test_recent_trades_are_bounded_and_oldest_first():
    eng, _ = make_engine(maker_fee="0", taker_fee="0", btc="1000")
    for _ in range(1100):
        eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("100"))
        eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("0.1"))
    trades = eng.recent_trades(SYMBOL, limit=1000)
    assert len(trades) == 1000 and trades[-1].trade_id == 1100 and trades[0].trade_id == 101
    assert [t.trade_id for t in eng.recent_trades(SYMBOL, limit=3)] == [1098, 1099, 1100]


def test_listener_may_call_back_into_the_engine_and_events_stay_in_order():
    eng, _ = make_engine()
    seen: list[tuple[str, int]] = []

    def on_exec(e):
        seen.append((e.exec_type.name, e.order.order_id))
        if e.exec_type is X.TRADE and e.order.account_id == "a" and e.order.status is S.FILLED:
            eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("105"))   # replenish

    eng.execution_listeners.append(on_exec)
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("1"))
    assert seen == [("NEW", 1), ("NEW", 2), ("TRADE", 1), ("TRADE", 2), ("NEW", 3)]
    assert eng.best(SYMBOL)[1] == (D("105"), D("1"))


def test_a_failing_listener_does_not_stop_the_others(caplog):
    eng, _ = make_engine()
    got: list[object] = []
    eng.trade_listeners.append(lambda t: 1 / 0)
    eng.trade_listeners.append(got.append)
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("1"))
    assert len(got) == 1 and "listener" in caplog.text


def test_amounts_are_decimal_on_every_record():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity="1", price="100")
    r = eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("1"))
    for e in r.executions:
        for v in (e.last_qty, e.last_price, e.commission, e.order.price, e.order.quantity, e.order.cum_quote):
            assert isinstance(v, Decimal)


def test_history_is_bounded_but_open_orders_are_kept():
    from engine_setup import instrument

    from terminal.clock import SimClock
    from terminal.sim import Engine

    eng = Engine([instrument()], SimClock(0), history_limit=5)
    eng.add_account("a", {"USDT": D("1000000"), "BTC": D("100")})
    eng.add_account("b", {"USDT": D("1000000"), "BTC": D("100")})
    old_open = eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("10")).order
    first_closed = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("100")).order
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("0.1"))
    for _ in range(12):
        o = eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("11")).order
        eng.cancel("a", SYMBOL, order_id=o.order_id)
    ids = [o.order_id for o in eng.all_orders("a", SYMBOL, limit=1000)]
    assert old_open.order_id in ids and first_closed.order_id not in ids and len(ids) < 12
    assert eng.get_order("a", SYMBOL, order_id=old_open.order_id).status is S.NEW
    try:
        eng.get_order("a", SYMBOL, order_id=first_closed.order_id)
        raise AssertionError("a trimmed order is still found")
    except EngineReject:
        pass
    assert [o.order_id for o in eng.open_orders("a")] == [old_open.order_id]


def test_cancels_behind_a_resting_front_order_do_not_pile_up_in_the_level_queue():
    eng, _ = make_engine()
    front = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100")).order
    for _ in range(1000):
        o = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100")).order
        eng.cancel("a", SYMBOL, order_id=o.order_id)
    level = eng._symbols[SYMBOL].book.asks[D("100")]   # white-box: the queue's length is the point here
    assert len(level.orders) < 100 and level.live == 1
    assert eng.depth(SYMBOL)[2] == [(D("100"), D("1"))]
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("1"))
    assert eng.get_order("a", SYMBOL, order_id=front.order_id).status is S.FILLED


def test_sell_side_mirrors_buy_side_for_ioc_fok_and_limit_maker():
    eng, _ = make_engine()
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("100"))
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("99"))
    fok = eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("2.5"), price=D("99"), time_in_force=TimeInForce.FOK)
    assert (fok.order.status, fok.order.executed_qty) == (S.EXPIRED, 0)
    ioc = eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1.5"), price=D("100"), time_in_force=TimeInForce.IOC)
    assert (ioc.order.status, ioc.order.executed_qty) == (S.EXPIRED, D("1"))
    with pytest.raises(EngineReject):
        eng.place("b", SYMBOL, SELL, T.LIMIT_MAKER, quantity=D("1"), price=D("99"))
    maker = eng.place("b", SYMBOL, SELL, T.LIMIT_MAKER, quantity=D("1"), price=D("99.01"))
    assert maker.order.status is S.NEW and eng.best(SYMBOL)[1] == (D("99.01"), D("1"))
    assert eng.balances("b")["BTC"] == (D("98"), D("1"))


def test_quote_market_uses_the_market_step_size():
    eng, _ = make_engine(taker_fee="0", market_step_size=D("0.01"), market_min_qty=D("0.01"))
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    r = eng.place("b", SYMBOL, BUY, T.MARKET, quote_quantity=D("55.55"))
    assert r.order.executed_qty == D("0.55") and r.order.cum_quote == D("55")
    assert eng.balances("b")["USDT"] == (D("1000000") - D("55"), D("0"))


def test_listeners_see_a_consistent_engine_and_maker_reports_before_taker():
    eng, _ = make_engine()
    seen = []

    def on_exec(e):
        _, bids, asks = eng.depth(SYMBOL)
        free, locked = eng.balances(e.account_id)["USDT"]
        seen.append((e.exec_type, e.is_maker, asks, free + locked))

    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    eng.execution_listeners.append(on_exec)
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("100"))
    # both listeners run once everything settled: the book is empty and b's USDT is already spent
    assert [(x, m) for x, m, _, _ in seen] == [(X.NEW, False), (X.TRADE, True), (X.TRADE, False)]
    assert all(asks == [] for _, _, asks, _ in seen)
    assert seen[0][3] == D("1000000") - D("100")

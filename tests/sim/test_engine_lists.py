"""Matching engine: order lists (OCO, OTO, OTOCO) and trailing stops (reference §14, §15).

One cancels the other is atomic: once one leg of an OCO trades (even partly) or triggers, the other is expired in the
same engine step, so no trade can ever reach both. OTO pending orders go on only when the working order is fully
filled. Trailing stops follow the traded prices by a delta in basis points, by the numbers of Binance's FAQ.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from engine_setup import SYMBOL, D, Recorder, make_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal.model import OrderStatus as S
from terminal.model import OrderType as T
from terminal.model import Side, TimeInForce
from terminal.sim import EngineReject, ExecType as X, RejectReason as R
from terminal.sim.lists import ContingencyType, Leg, ListOrderStatus, ListStatusType
from terminal.sim.reports import ExpiryReason as ER

BUY, SELL = Side.BUY, Side.SELL
GTC = TimeInForce.GTC


def trade_at(eng, price: str, qty: str = "0.1") -> None:
    """Print one trade at ``price`` between the helper accounts m (maker) and t (taker)."""
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D(qty), price=D(price))
    eng.place("t", SYMBOL, BUY, T.MARKET, quantity=D(qty))
    assert eng.last_price(SYMBOL) == D(price)


def engine(*accounts: str, **kw):
    eng, clock = make_engine(accounts=("a", "b", "m", "t", *accounts), **kw)
    eng.set_last_price(SYMBOL, D("100"))
    return eng, clock


def leg(side, type_, qty="1", price=None, stop=None, delta=None, tif=None, cid=None) -> Leg:
    return Leg(side, type_, D(qty), D(price) if price else None, D(stop) if stop else None, delta,
               tif or (GTC if type_.has_tif else None), cid)


def status(eng, account, order_id):
    return eng.get_order(account, SYMBOL, order_id=order_id)


def test_an_oco_is_placed_stop_loss_leg_first_and_locks_its_quantity_once():
    eng, _ = engine()
    rec = Recorder().attach(eng)
    lists = []
    eng.list_listeners.append(lists.append)
    r = eng.place_oco("a", SYMBOL, leg(SELL, T.LIMIT_MAKER, price="110"),
                      leg(SELL, T.STOP_LOSS_LIMIT, price="89.9", stop="90"), list_client_order_id="my-oco")
    first, second = r.order_list.orders
    assert (first.type, second.type) == (T.STOP_LOSS_LIMIT, T.LIMIT_MAKER)
    assert second.order_id == first.order_id + 1
    assert (r.order_list.contingency_type, r.order_list.list_status_type, r.order_list.list_order_status) == (
        ContingencyType.OCO, ListStatusType.EXEC_STARTED, ListOrderStatus.EXECUTING)
    assert {o.order_list_id for o in r.order_list.orders} == {r.order_list.order_list_id}
    assert (first.working_time, first.is_working, second.is_working) == (-1, False, True)
    assert eng.balances("a")["BTC"] == (D("99"), D("1"))   # one quantity locked for both legs
    assert eng.depth(SYMBOL)[2] == [(D("110"), D("1"))]
    assert [(e.order.order_id, e.exec_type) for e in rec.executions] == [(first.order_id, X.NEW),
                                                                          (second.order_id, X.NEW)]
    assert [(v.list_status_type, v.list_client_order_id) for v in lists] == [(ListStatusType.EXEC_STARTED, "my-oco")]
    assert [v.order_list_id for v in eng.open_lists("a")] == [r.order_list.order_list_id]


def test_a_buy_oco_locks_the_dearer_leg_and_the_survivor_gets_back_what_it_does_not_use():
    eng, _ = engine(maker_fee="0", taker_fee="0")
    r = eng.place_oco("a", SYMBOL, leg(BUY, T.STOP_LOSS_LIMIT, price="111", stop="110"),
                      leg(BUY, T.LIMIT_MAKER, price="90"))
    assert eng.balances("a")["USDT"] == (D("1000000") - D("111"), D("111"))
    maker = next(o for o in r.order_list.orders if o.type is T.LIMIT_MAKER)
    eng.place("b", SYMBOL, SELL, T.MARKET, quantity=D("0.4"))   # 0.4 of the bid leg at 90
    assert eng.balances("a")["USDT"] == (D("1000000") - D("111"), D("111") - D("36"))
    eng.place("b", SYMBOL, SELL, T.MARKET, quantity=D("0.6"))
    assert status(eng, "a", maker.order_id).status is S.FILLED
    assert eng.balances("a")["USDT"] == (D("1000000") - D("90"), D("0"))


def test_a_taker_sweep_reaching_both_legs_fills_only_the_one_it_reached_first():
    """TAKE_PROFIT above at 110 and STOP_LOSS below at 90; one market sell prints 111 then 89: both stop conditions
    are met by the same sweep, yet only the take profit (reached first) works; the stop loss expires unfilled."""
    eng, _ = engine()
    rec = Recorder().attach(eng)
    lists = []
    eng.list_listeners.append(lists.append)
    r = eng.place_oco("a", SYMBOL, leg(SELL, T.TAKE_PROFIT, stop="110"), leg(SELL, T.STOP_LOSS, stop="90"))
    sl, tp = r.order_list.orders
    assert (sl.type, tp.type) == (T.STOP_LOSS, T.TAKE_PROFIT)
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("0.5"), price=D("111"))
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("5"), price=D("89"))
    eng.place("t", SYMBOL, SELL, T.MARKET, quantity=D("1"))   # 0.5 @ 111, 0.5 @ 89
    tp_now, sl_now = status(eng, "a", tp.order_id), status(eng, "a", sl.order_id)
    assert (tp_now.status, tp_now.executed_qty) == (S.FILLED, D("1"))
    assert (sl_now.status, sl_now.executed_qty, sl_now.expiry_reason) == (S.EXPIRED, D("0"), ER.OCO_TRIGGER)
    assert eng.balances("a")["BTC"] == (D("99"), D("0"))
    legs = [(e.order.order_id, e.exec_type) for e in rec.executions if e.order.order_list_id == r.order_list.order_list_id]
    assert legs == [(sl.order_id, X.NEW), (tp.order_id, X.NEW), (sl.order_id, X.EXPIRED), (tp.order_id, X.TRADE)]
    assert [(v.list_status_type, v.list_order_status) for v in lists][-1] == (ListStatusType.ALL_DONE,
                                                                              ListOrderStatus.ALL_DONE)
    assert eng.open_lists("a") == []


def test_a_partial_fill_of_the_limit_leg_expires_the_stop_before_the_same_sweep_can_trigger_it():
    """Asks below the stop and the limit leg above: one market buy prints 85 (the stop's condition) and then takes
    part of the limit leg at 110. The limit leg traded in the sweep: the stop expires, it never sells."""
    eng, _ = engine()
    r = eng.place_oco("a", SYMBOL, leg(SELL, T.LIMIT_MAKER, price="110"), leg(SELL, T.STOP_LOSS, stop="90"))
    sl, lm = r.order_list.orders
    eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("85"))
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("10"), price=D("80"))   # bids the stop could sell into
    eng.place("t", SYMBOL, BUY, T.MARKET, quantity=D("0.4"))   # 0.1 @ 85, then 0.3 of the limit leg @ 110
    lm_now, sl_now = status(eng, "a", lm.order_id), status(eng, "a", sl.order_id)
    assert (lm_now.status, lm_now.executed_qty) == (S.PARTIALLY_FILLED, D("0.3"))
    assert (sl_now.status, sl_now.executed_qty, sl_now.expiry_reason) == (S.EXPIRED, D("0"), ER.OCO_TRIGGER)
    assert eng.balances("a")["BTC"] == (D("99"), D("0.7"))   # the survivor holds what is left to sell
    assert eng.get_list("a", order_list_id=r.order_list.order_list_id).list_order_status is ListOrderStatus.ALL_DONE
    # the survivor keeps working as a plain order that still carries its list id
    view = eng.cancel("a", SYMBOL, order_id=lm.order_id)
    assert (view.status, view.order_list_id) == (S.CANCELED, r.order_list.order_list_id)
    assert eng.balances("a")["BTC"] == (D("99.7"), D("0"))


def test_a_triggered_stop_leg_expires_the_limit_leg_on_the_book():
    eng, _ = engine()
    r = eng.place_oco("a", SYMBOL, leg(SELL, T.LIMIT_MAKER, price="110"),
                      leg(SELL, T.STOP_LOSS_LIMIT, price="89", stop="90"))
    sl, lm = r.order_list.orders
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("0.1"), price=D("90"))
    eng.place("t", SYMBOL, SELL, T.MARKET, quantity=D("0.1"))   # prints 90: the stop fires
    assert status(eng, "a", lm.order_id).status is S.EXPIRED
    sl_now = status(eng, "a", sl.order_id)
    assert (sl_now.status, sl_now.is_working) == (S.NEW, True)
    assert eng.depth(SYMBOL)[1:] == ([], [(D("89"), D("1"))])   # the limit leg left the book, the stop rests at 89
    assert eng.balances("a")["BTC"] == (D("99"), D("1"))


def test_cancelling_one_leg_cancels_the_list_with_the_cancel_id():
    eng, _ = engine()
    rec = Recorder().attach(eng)
    r = eng.place_oco("a", SYMBOL, leg(SELL, T.LIMIT_MAKER, price="110"), leg(SELL, T.STOP_LOSS, stop="90"))
    sl, lm = r.order_list.orders
    eng.cancel("a", SYMBOL, order_id=lm.order_id, cancel_client_order_id="bye")
    cancels = [(e.order.order_id, e.cancel_client_order_id) for e in rec.executions if e.exec_type is X.CANCELED]
    assert cancels == [(sl.order_id, "bye"), (lm.order_id, "bye")]
    assert eng.balances("a")["BTC"] == (D("100"), D("0"))
    with pytest.raises(EngineReject) as info:
        eng.cancel_list("a", SYMBOL, order_list_id=r.order_list.order_list_id)
    assert info.value.reason is R.UNKNOWN_ORDER


def test_oco_prices_must_straddle_the_last_price():
    eng, _ = engine()
    for above, below in [(leg(SELL, T.LIMIT_MAKER, price="99"), leg(SELL, T.STOP_LOSS, stop="90")),
                         (leg(SELL, T.LIMIT_MAKER, price="110"), leg(SELL, T.STOP_LOSS, stop="100")),
                         (leg(BUY, T.STOP_LOSS, stop="100"), leg(BUY, T.LIMIT_MAKER, price="90")),
                         (leg(SELL, T.TAKE_PROFIT, stop="100"), leg(SELL, T.STOP_LOSS, stop="90"))]:
        with pytest.raises(EngineReject) as info:
            eng.place_oco("a", SYMBOL, above, below)
        assert (info.value.reason, info.value.message) == (
            R.OCO_BAD_PRICES, "The relationship of the prices for the orders is not correct.")
    assert eng.balances("a")["BTC"] == (D("100"), D("0")) and eng.open_orders("a") == []


def test_list_and_member_client_ids_must_not_be_in_use():
    eng, _ = engine()
    eng.place_oco("a", SYMBOL, leg(SELL, T.LIMIT_MAKER, price="110", cid="x1"), leg(SELL, T.STOP_LOSS, stop="90"),
                  list_client_order_id="L")
    for above, list_cid in [(leg(SELL, T.LIMIT_MAKER, price="111", cid="x1"), "L2"),
                            (leg(SELL, T.LIMIT_MAKER, price="111"), "L")]:
        with pytest.raises(EngineReject) as info:
            eng.place_oco("a", SYMBOL, above, leg(SELL, T.STOP_LOSS, stop="89"), list_client_order_id=list_cid)
        assert info.value.reason is R.DUPLICATE_ORDER


# -- OTO and OTOCO ---------------------------------------------------------------------------------------------------

def test_oto_pending_order_goes_on_only_when_the_working_order_is_fully_filled():
    eng, _ = engine(maker_fee="0", taker_fee="0")
    rec = Recorder().attach(eng)
    lists = []
    eng.list_listeners.append(lists.append)
    r = eng.place_oto("a", SYMBOL, leg(BUY, T.LIMIT, price="95"), leg(SELL, T.LIMIT, price="105"))
    working, pending = r.order_list.orders
    assert (working.status, pending.status, pending.working_time) == (S.NEW, S.PENDING_NEW, -1)
    assert eng.balances("a")["BTC"] == (D("100"), D("0"))   # the pending sell locks nothing yet
    eng.place("b", SYMBOL, SELL, T.MARKET, quantity=D("0.6"))
    assert status(eng, "a", working.order_id).status is S.PARTIALLY_FILLED
    assert status(eng, "a", pending.order_id).status is S.PENDING_NEW   # a partial fill does nothing
    eng.place("b", SYMBOL, SELL, T.MARKET, quantity=D("0.4"))
    now = status(eng, "a", pending.order_id)
    assert (now.status, now.is_working) == (S.NEW, True)
    assert eng.depth(SYMBOL)[2] == [(D("105"), D("1"))]
    assert eng.balances("a")["BTC"] == (D("100"), D("1"))
    mine = [(e.order.order_id, e.exec_type, e.order.status) for e in rec.executions if e.account_id == "a"]
    assert mine[-2:] == [(working.order_id, X.TRADE, S.FILLED), (pending.order_id, X.NEW, S.NEW)]
    assert [v.list_status_type for v in lists] == [ListStatusType.EXEC_STARTED] * 2
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("1"))
    assert [(v.list_status_type, v.list_order_status) for v in lists][-1] == (ListStatusType.ALL_DONE,
                                                                              ListOrderStatus.ALL_DONE)


def test_oto_working_order_filled_at_placement_answers_pending_new_and_places_the_pending_order():
    eng, _ = engine()
    eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("99"))
    r = eng.place_oto("a", SYMBOL, leg(BUY, T.LIMIT, price="100"), leg(SELL, T.LIMIT, price="120"))
    working, pending = r.order_list.orders
    assert (working.status, pending.status) == (S.FILLED, S.PENDING_NEW)
    assert status(eng, "a", pending.order_id).status is S.NEW
    assert [e.order.order_id for e in r.executions if e.exec_type is X.NEW] == [working.order_id,
                                                                                   pending.order_id,
                                                                                   pending.order_id]


def test_an_unfilled_ioc_working_order_expires_the_pending_order():
    eng, _ = engine()
    eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("0.5"), price=D("99"))
    r = eng.place_oto("a", SYMBOL, leg(BUY, T.LIMIT, price="100", tif=TimeInForce.IOC),
                      leg(SELL, T.LIMIT, price="120"))
    working, pending = (status(eng, "a", o.order_id) for o in r.order_list.orders)
    assert (working.status, working.executed_qty, working.expiry_reason) == (
        S.EXPIRED, D("0.5"), ER.UNFILLED_IOC_QUANTITY_EXPIRED)
    assert (pending.status, pending.expiry_reason) == (S.EXPIRED, ER.OTO_PHASE_ONE_EXPIRED)
    assert r.order_list.list_order_status is ListOrderStatus.ALL_DONE


def test_a_pending_order_that_no_longer_fits_is_expired_rejected():
    eng, _ = engine()
    eng.add_account("poor", {"USDT": D("100")})
    eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("0.5"), price=D("100"))
    # the pending buy needs 50.5 USDT; 50 are left once the working order has spent its 50
    r = eng.place_oto("poor", SYMBOL, leg(BUY, T.LIMIT, "0.5", price="100"), leg(BUY, T.LIMIT, "0.5", price="101"))
    pending = status(eng, "poor", r.order_list.orders[1].order_id)
    assert (pending.status, pending.expiry_reason) == (S.EXPIRED, ER.REJECTED)
    assert eng.balances("poor")["USDT"] == (D("50"), D("0"))


def test_otoco_places_its_oco_pair_when_the_working_order_fills_and_the_pair_then_cancels_each_other():
    eng, _ = engine(maker_fee="0", taker_fee="0")
    r = eng.place_otoco("a", SYMBOL, leg(BUY, T.LIMIT, price="95"), leg(SELL, T.LIMIT_MAKER, price="105"),
                        leg(SELL, T.STOP_LOSS_LIMIT, price="89.9", stop="90"))
    working, sl, tp = r.order_list.orders
    assert (sl.type, tp.type, sl.status, tp.status) == (T.STOP_LOSS_LIMIT, T.LIMIT_MAKER, S.PENDING_NEW,
                                                        S.PENDING_NEW)
    eng.place("b", SYMBOL, SELL, T.MARKET, quantity=D("1"))   # fills the working order at 95
    assert (status(eng, "a", sl.order_id).status, status(eng, "a", tp.order_id).status) == (S.NEW, S.NEW)
    assert eng.balances("a")["BTC"] == (D("100"), D("1"))   # bought 1, locked once for the pair
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("0.2"))   # takes 0.2 of the take profit at 105
    assert status(eng, "a", sl.order_id).expiry_reason is ER.OCO_TRIGGER
    assert eng.get_list("a", order_list_id=r.order_list.order_list_id).list_order_status is ListOrderStatus.ALL_DONE
    assert eng.balances("a")["BTC"] == (D("100"), D("0.8"))


def test_cancel_all_cancels_lists_with_the_plain_orders():
    eng, _ = engine()
    eng.place_oco("a", SYMBOL, leg(SELL, T.LIMIT_MAKER, price="110"), leg(SELL, T.STOP_LOSS, stop="90"))
    eng.place_oto("a", SYMBOL, leg(BUY, T.LIMIT, price="95"), leg(SELL, T.LIMIT, price="105"))
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("50"))
    done = eng.cancel_all("a", SYMBOL)
    assert {v.status for v in done} == {S.CANCELED} and eng.open_orders("a") == [] and eng.open_lists("a") == []
    assert eng.balances("a") == {"USDT": (D("1000000"), D("0")), "BTC": (D("100"), D("0"))}


# -- the invariant under random flows --------------------------------------------------------------------------------

PRICE = st.integers(80, 120).map(lambda p: D(p))


@st.composite
def actions(draw):
    kind = draw(st.sampled_from(["oco", "oco", "limit", "market", "cancel", "cancel_list"]))
    side = draw(st.sampled_from([BUY, SELL]))
    qty = D(draw(st.integers(1, 30))) / 10
    return kind, side, qty, draw(PRICE), draw(PRICE), draw(st.sampled_from(["a", "b"])), draw(st.integers(0, 50))


OCO_SHAPES = {
    SELL: [(T.LIMIT_MAKER, T.STOP_LOSS), (T.LIMIT_MAKER, T.STOP_LOSS_LIMIT), (T.TAKE_PROFIT, T.STOP_LOSS),
           (T.TAKE_PROFIT_LIMIT, T.STOP_LOSS_LIMIT)],
    BUY: [(T.STOP_LOSS, T.LIMIT_MAKER), (T.STOP_LOSS_LIMIT, T.LIMIT_MAKER), (T.STOP_LOSS, T.TAKE_PROFIT),
          (T.STOP_LOSS_LIMIT, T.TAKE_PROFIT_LIMIT)],
}


def _oco_leg(side, type_, qty, at: Decimal) -> Leg:
    return Leg(side, type_, qty, at if type_.has_price else None, at if type_.has_stop else None, None,
               GTC if type_.has_tif else None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=st.lists(actions(), min_size=5, max_size=40), shape=st.integers(0, 3))
def test_random_flows_never_fill_both_legs_of_an_oco_and_conserve_every_asset(flow, shape):
    eng, _ = engine()
    start = eng.asset_totals()
    lists: list[tuple[str, int]] = []   # (owner, order list id)
    for kind, side, qty, p1, p2, who, pick in flow:
        last = eng.last_price(SYMBOL)
        try:
            if kind == "oco":
                hi, lo = max(p1, p2, last + 1), min(p1, p2, last - 1)
                above_t, below_t = OCO_SHAPES[side][shape]
                r = eng.place_oco(who, SYMBOL, _oco_leg(side, above_t, qty, hi), _oco_leg(side, below_t, qty, lo))
                lists.append((who, r.order_list.order_list_id))
            elif kind == "limit":
                eng.place(who, SYMBOL, side, T.LIMIT, quantity=qty, price=p1)
            elif kind == "market":
                eng.place(who, SYMBOL, side, T.MARKET, quantity=qty)
            elif kind == "cancel":
                open_ = eng.open_orders(who)
                if open_:
                    eng.cancel(who, SYMBOL, order_id=open_[pick % len(open_)].order_id)
            elif lists:
                owner, list_id = lists[pick % len(lists)]
                eng.cancel_list(owner, SYMBOL, order_list_id=list_id)
        except EngineReject:
            pass
        for owner, list_id in lists:
            order_list = eng.get_list(owner, order_list_id=list_id)
            traded = [o for o in order_list.orders if o.executed_qty > 0 or o.is_working and o.type.has_stop]
            assert len(traded) <= 1, order_list
            if traded:
                assert order_list.list_order_status is ListOrderStatus.ALL_DONE
                assert all(not o.status.is_open for o in order_list.orders if o is not traded[0])
        totals = eng.asset_totals()
        for asset, amount in start.items():
            assert totals[asset] + eng.fees_collected.get(asset, 0) == amount
        for account in ("a", "b", "m", "t"):
            assert all(free >= 0 and locked >= 0 for free, locked in eng.balances(account).values())
    for account in ("a", "b", "m", "t"):
        eng.cancel_all(account, SYMBOL)
        assert all(locked == 0 for _, locked in eng.balances(account).values()), account


# -- trailing stops (reference §15, the FAQ's cases A-E) -------------------------------------------------------------

FAQ = {
    # case: (type, side, stop, delta, limit, path before the trigger, trigger price)
    "A": (T.STOP_LOSS_LIMIT, BUY, "44000", 500, "45000", ["37000", "44000", "46000", "42000"], "44100"),
    "B": (T.STOP_LOSS_LIMIT, SELL, "39000", 1000, "38000", ["41500", "39000", "37000", "41000"], "36900"),
    "C": (T.TAKE_PROFIT_LIMIT, BUY, "38000", 850, "38500", ["42000", "38000", "37000", "39000", "38000"], "40145"),
    "D": (T.TAKE_PROFIT_LIMIT, SELL, "42000", 750, "41000", ["41500", "39000", "42000", "45000", "44000", "46500"],
          "43012.5"),
    "E": (T.STOP_LOSS_LIMIT, SELL, None, 700, "39000", ["42000", "39500", "45500"], "42315"),
}


@pytest.mark.parametrize("case", sorted(FAQ))
def test_trailing_stop_tracks_and_triggers_at_the_faq_price(case):
    otype, side, stop, delta, limit, path, trigger = FAQ[case]
    eng, clock = make_engine(accounts=("a", "m", "t"), usdt="100000000")
    trade_at(eng, "40000")
    clock.advance(1000)
    r = eng.place("a", SYMBOL, side, otype, quantity=D("0.1"), price=D(limit),
                  stop_price=D(stop) if stop else None, trailing_delta=delta, time_in_force=GTC)
    order = r.order
    assert (order.trailing_delta, order.is_working) == (delta, False)
    # without a stop price it tracks from placement, with one from the first trade that meets it
    assert order.trailing_time == (clock.now_ms() if stop is None else -1)
    for price in path:
        clock.advance(1000)
        trade_at(eng, price)
        assert not status(eng, "a", order.order_id).is_working, price
    tick = D("0.01")
    near = D(trigger) - tick if side is BUY else D(trigger) + tick
    trade_at(eng, format(near, "f"))
    now = status(eng, "a", order.order_id)
    assert not now.is_working and now.trailing_time > 0
    if stop is not None:   # tracking began at the first trade that met the stop price
        assert now.trailing_time == 1_700_000_001_000 + 1000 * (1 + path.index(stop))
    trade_at(eng, trigger)
    assert status(eng, "a", order.order_id).is_working


def test_a_trailing_stop_market_sells_once_the_price_falls_by_its_delta_from_the_high():
    eng, _ = make_engine(accounts=("a", "b", "m", "t"))
    trade_at(eng, "100")
    order = eng.place("a", SYMBOL, SELL, T.STOP_LOSS, quantity=D("1"), trailing_delta=500).order
    assert (order.stop_price, order.trailing_time >= 0) == (D("0"), True)
    trade_at(eng, "120")   # new high: triggers at 114
    trade_at(eng, "114.01")
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("1"), price=D("113"))
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("114"))
    eng.place("t", SYMBOL, BUY, T.MARKET, quantity=D("0.1"))   # prints 114: it fires and sells into the 113 bid
    done = status(eng, "a", order.order_id)
    assert (done.status, done.cum_quote) == (S.FILLED, D("113"))


def test_trailing_delta_needs_a_stop_type_and_a_whole_number_of_basis_points():
    eng, _ = engine()
    with pytest.raises(EngineReject) as info:
        eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("110"), trailing_delta=100)
    assert info.value.reason is R.INVALID
    for bad in (0, 10_000, "1.5", -5):
        with pytest.raises(EngineReject):
            eng.place("a", SYMBOL, SELL, T.STOP_LOSS, quantity=D("1"), trailing_delta=bad)
    with pytest.raises(EngineReject) as info:   # the stop condition is met already
        eng.place("a", SYMBOL, SELL, T.STOP_LOSS, quantity=D("1"), stop_price=D("101"), trailing_delta=100)
    assert info.value.reason is R.WOULD_TRIGGER
    assert eng.open_orders("a") == []


def test_a_trailing_leg_in_an_oco_triggers_and_expires_the_other_leg():
    eng, _ = engine()
    r = eng.place_oco("a", SYMBOL, leg(SELL, T.LIMIT_MAKER, price="130"), leg(SELL, T.STOP_LOSS, delta=1000))
    sl, lm = r.order_list.orders
    for price in ("110", "120", "108.01"):
        trade_at(eng, price)
    assert status(eng, "a", sl.order_id).status is S.NEW and not status(eng, "a", sl.order_id).is_working
    eng.place("b", SYMBOL, BUY, T.LIMIT, quantity=D("2"), price=D("107"))
    eng.place("m", SYMBOL, SELL, T.LIMIT, quantity=D("0.1"), price=D("108"))
    eng.place("t", SYMBOL, BUY, T.MARKET, quantity=D("0.1"))   # prints 108 = 120 x 0.9
    assert status(eng, "a", sl.order_id).status is S.FILLED
    assert status(eng, "a", lm.order_id).expiry_reason is ER.OCO_TRIGGER

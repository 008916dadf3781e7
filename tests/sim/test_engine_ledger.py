"""Matching engine: locking, commission, the balance invariant and book diffs under a random order flow."""
from __future__ import annotations

import random
from decimal import ROUND_DOWN, Decimal

from engine_setup import SYMBOL, D, Recorder, make_engine

from terminal.model import OrderBook
from terminal.model import OrderStatus as S
from terminal.model import OrderType as T
from terminal.model import Side, TimeInForce
from terminal.model.order import can_transition
from terminal.sim import EngineReject, ExecType as X

BUY, SELL = Side.BUY, Side.SELL


def test_buy_limit_locks_price_times_quantity_and_refunds_price_improvement():
    eng, _ = make_engine(maker_fee="0", taker_fee="0")
    eng.place("b", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("99.5"))
    eng.place("a", SYMBOL, BUY, T.LIMIT, quantity=D("3"), price=D("100"))
    # 1 filled at 99.5 (0.5 improvement back to free), 2 rest and lock 200
    assert eng.balances("a")["USDT"] == (D("1000000") - D("99.5") - D("200"), D("200"))
    assert eng.balances("a")["BTC"] == (D("101"), D("0"))
    assert eng.balances("b")["BTC"] == (D("99"), D("0"))


def test_partial_fills_unlock_what_they_use():
    eng, _ = make_engine(maker_fee="0", taker_fee="0")
    o = eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("2"), price=D("100")).order
    assert eng.balances("a")["BTC"] == (D("98"), D("2"))
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("0.75"))
    assert eng.balances("a")["BTC"] == (D("98"), D("1.25"))
    assert eng.balances("a")["USDT"] == (D("1000075"), D("0"))
    eng.cancel("a", SYMBOL, order_id=o.order_id)
    assert eng.balances("a")["BTC"] == (D("99.25"), D("0"))


def test_commission_is_on_the_received_asset_at_maker_and_taker_rates_rounded_down():
    eng, _ = make_engine(maker_fee="0.00075", taker_fee="0.001")
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("0.12345"), price=D("30123.45"))
    r = eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("0.12345"))
    quote = D("0.12345") * D("30123.45")
    maker_fee = (quote * D("0.00075")).quantize(D("1E-8"), ROUND_DOWN)
    taker_fee = (D("0.12345") * D("0.001")).quantize(D("1E-8"), ROUND_DOWN)
    fill = r.fills[0]
    assert (fill.commission, fill.commission_asset, fill.is_maker) == (taker_fee, "BTC", False)
    assert eng.balances("b")["BTC"] == (D("100") + D("0.12345") - taker_fee, D("0"))
    assert eng.balances("b")["USDT"] == (D("1000000") - quote, D("0"))
    assert eng.balances("a")["USDT"] == (D("1000000") + quote - maker_fee, D("0"))
    maker_trade = eng.account_trades("a", SYMBOL)[0]
    assert (maker_trade.commission, maker_trade.commission_asset, maker_trade.is_maker) == (maker_fee, "USDT", True)
    assert eng.fees_collected == {"BTC": taker_fee, "USDT": maker_fee}


def test_balance_listener_reports_the_touched_assets_after_each_change():
    eng, _ = make_engine(maker_fee="0", taker_fee="0")
    rec = Recorder().attach(eng)
    eng.place("a", SYMBOL, SELL, T.LIMIT, quantity=D("1"), price=D("100"))
    assert rec.balances == [("a", {"BTC": (D("99"), D("1"))})]
    eng.place("b", SYMBOL, BUY, T.MARKET, quantity=D("1"))
    assert ("a", {"BTC": (D("99"), D("0")), "USDT": (D("1000100"), D("0"))}) in rec.balances
    assert rec.balances[-1] == ("b", {"BTC": (D("101"), D("0")), "USDT": (D("999900"), D("0"))})
    eng.deposit("b", "ETH", D("5"))
    assert rec.balances[-1] == ("b", {"ETH": (D("5"), D("0"))})


def expected_locks(eng, accounts) -> dict[tuple[str, str], Decimal]:
    """What the open orders should hold locked, recomputed from their views."""
    out: dict[tuple[str, str], Decimal] = {}
    for acct in accounts:
        out[(acct, "USDT")] = out[(acct, "BTC")] = D(0)
        for o in eng.open_orders(acct):
            left = o.quantity - o.executed_qty
            if o.side is SELL:
                out[(acct, "BTC")] += left
            else:
                out[(acct, "USDT")] += (o.price if o.type.has_price else o.stop_price) * left
    return out


def random_flow(seed: int, n: int):
    accounts = ("a", "b", "c", "d")
    eng, clock = make_engine(accounts=accounts, usdt="50000", btc="5", maker_fee="0.00075", taker_fee="0.001")
    rec = Recorder().attach(eng)
    rng = random.Random(seed)
    initial = eng.asset_totals()
    mid = 1000
    eng.set_last_price(SYMBOL, D(mid))
    rejects = 0
    for i in range(n):
        clock.advance(rng.randint(0, 3))
        acct = rng.choice(accounts)
        side = rng.choice((BUY, SELL))
        qty = D(rng.randint(1, 300)) * D("0.001")
        px = D(mid + rng.randint(-20, 20)) + D(rng.randint(0, 99)) / 100
        roll = rng.random()
        try:
            if roll < 0.45:
                tif = rng.choice((TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK))
                eng.place(acct, SYMBOL, side, T.LIMIT, quantity=qty, price=px, time_in_force=tif)
            elif roll < 0.55:
                eng.place(acct, SYMBOL, side, T.LIMIT_MAKER, quantity=qty, price=px)
            elif roll < 0.65:
                if rng.random() < 0.5:
                    eng.place(acct, SYMBOL, side, T.MARKET, quantity=qty)
                else:
                    eng.place(acct, SYMBOL, side, T.MARKET, quote_quantity=D(rng.randint(6, 400)))
            elif roll < 0.75:
                order_type = rng.choice((T.STOP_LOSS, T.STOP_LOSS_LIMIT, T.TAKE_PROFIT, T.TAKE_PROFIT_LIMIT))
                kwargs = dict(quantity=qty, stop_price=px)
                if order_type.has_price:
                    kwargs["price"] = px
                eng.place(acct, SYMBOL, side, order_type, **kwargs)
            elif roll < 0.97:
                open_ = eng.open_orders(acct, SYMBOL)
                if open_:
                    eng.cancel(acct, SYMBOL, order_id=rng.choice(open_).order_id)
            else:
                eng.cancel_all(acct, SYMBOL)
        except EngineReject:
            rejects += 1
        last = eng.last_price(SYMBOL)
        if last is not None:
            mid = int(last)
        if i % 97 == 0:
            check_consistent(eng, accounts, initial)
    check_consistent(eng, accounts, initial)
    return eng, rec, rejects


def check_consistent(eng, accounts, initial) -> None:
    totals = eng.asset_totals()
    for asset, amount in initial.items():
        assert totals[asset] + eng.fees_collected.get(asset, D(0)) == amount, asset
    locks = expected_locks(eng, accounts)
    for acct in accounts:
        for asset, (free, locked) in eng.balances(acct).items():
            assert free >= 0 and locked >= 0
            assert locked == locks[(acct, asset)], (acct, asset)


def test_random_flow_keeps_balances_exact_and_locks_consistent():
    eng, rec, rejects = random_flow(seed=20261124, n=3000)
    statuses = {o.status for acct in "abcd" for o in eng.all_orders(acct, SYMBOL, limit=100000)}
    assert {S.FILLED, S.CANCELED, S.EXPIRED, S.NEW}.issubset(statuses)
    assert len(eng.recent_trades(SYMBOL)) > 100 and rejects < 2000


def test_random_flow_executions_follow_the_transition_table_and_add_up():
    eng, rec, _ = random_flow(seed=7, n=2000)
    last: dict[int, tuple[S, Decimal, Decimal]] = {}
    for e in rec.executions:
        o = e.order
        prev = last.get(o.order_id)
        if prev is None:
            assert e.exec_type is X.NEW and o.status is S.NEW
        else:
            assert can_transition(prev[0], o.status)
            if e.exec_type is X.TRADE:
                assert o.executed_qty == prev[1] + e.last_qty and o.cum_quote == prev[2] + e.last_quote
            else:
                assert (o.executed_qty, o.cum_quote) == prev[1:]
        last[o.order_id] = (o.status, o.executed_qty, o.cum_quote)
    for trade in rec.trades:
        assert trade.quote_qty == trade.price * trade.qty


def test_depth_snapshot_equals_the_book_rebuilt_from_all_changes():
    eng, rec, _ = random_flow(seed=99, n=2000)
    update_id, bids, asks = eng.depth(SYMBOL, limit=10_000)
    ids = [u for (_, u, *_rest) in rec.book]
    assert ids == list(range(1, update_id + 1))
    rebuilt = OrderBook(SYMBOL)
    for _, _, is_bid, price, qty in rec.book:
        rebuilt.set_level(is_bid, price, qty)
    assert rebuilt.bids() == bids and rebuilt.asks() == asks
    assert not bids or not asks or bids[0][0] < asks[0][0]   # never crossed


def test_depth_mid_stream_replays_to_the_same_book():
    eng, clock = make_engine(accounts=("a", "b"))
    rec = Recorder().attach(eng)
    snaps = []
    rng = random.Random(3)
    for _ in range(300):
        side = rng.choice((BUY, SELL))
        px = D(100 + rng.randint(-5, 5))
        eng.place(rng.choice("ab"), SYMBOL, side, T.LIMIT, quantity=D("0.1"), price=px)
        snaps.append(eng.depth(SYMBOL, limit=1000))
    for update_id, bids, asks in snaps[::37]:
        book = OrderBook(SYMBOL)
        for _, u, is_bid, price, qty in rec.book:
            if u <= update_id:
                book.set_level(is_bid, price, qty)
        assert (book.bids(), book.asks()) == (bids, asks)

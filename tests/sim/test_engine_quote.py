"""Matching engine: property tests for MARKET orders sized by quote quantity."""
from __future__ import annotations

from decimal import Decimal

from engine_setup import SYMBOL, D, make_engine
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.model import OrderStatus as S
from terminal.model import OrderType as T
from terminal.model import Side

levels = st.lists(st.tuples(st.integers(1, 5000), st.integers(1, 300_000)), min_size=0, max_size=6,
                  unique_by=lambda lv: lv[0])


@settings(max_examples=150, deadline=None)
@given(levels=levels, quote=st.integers(500, 10_000_000), buy=st.booleans())
def test_quote_sized_market_never_overspends_and_stays_on_the_step(levels, quote, buy):
    eng, _ = make_engine(taker_fee="0", maker_fee="0", accounts=("m", "t"), usdt="1000000000", btc="100000",
                         min_notional=D(0))
    side = Side.BUY if buy else Side.SELL
    for cents, units in levels:   # price in cents (0.01 .. 50.00), qty in steps of 0.00001
        eng.place("m", SYMBOL, side.opposite, T.LIMIT, quantity=D(units) * D("0.00001"), price=D(cents) / 100)
    quote_qty = D(quote) / 100
    before = eng.balances("t")
    r = eng.place("t", SYMBOL, side, T.MARKET, quote_quantity=quote_qty)
    o = r.order
    assert o.cum_quote <= quote_qty
    assert o.executed_qty % D("0.00001") == 0
    assert o.quantity == o.executed_qty and o.status in (S.FILLED, S.EXPIRED)
    assert sum((e.last_quote for e in r.fills), Decimal(0)) == o.cum_quote
    after = eng.balances("t")
    sign = 1 if buy else -1
    assert after["USDT"] == (before["USDT"][0] - sign * o.cum_quote, D(0))
    assert after["BTC"] == (before["BTC"][0] + sign * o.executed_qty, D(0))
    if o.status is S.FILLED:   # the quote left does not pay for one more step at the next price
        best = eng.best(SYMBOL)[1 if buy else 0]
        if best is not None:
            assert quote_qty - o.cum_quote < best[0] * D("0.00001")

from decimal import Decimal as D

import pytest
from hypothesis import given, strategies as st

from terminal.model import BookSequenceError, OrderBook

prices = st.integers(min_value=1, max_value=200).map(lambda i: D(i) / 100)
qtys = st.integers(min_value=0, max_value=5).map(D)


def test_snapshot_sorted_and_best_levels():
    b = OrderBook("X")
    b.load_snapshot(10, [(D("1.00"), D("2")), (D("1.02"), D("1"))], [(D("1.05"), D("3")), (D("1.03"), D("1"))])
    assert b.best_bid() == (D("1.02"), D("1")) and b.best_ask() == (D("1.03"), D("1"))
    assert b.spread() == D("0.01") and [p for p, _ in b.asks()] == [D("1.03"), D("1.05")]


def test_diff_rules_stale_apply_gap():
    b = OrderBook("X")
    b.load_snapshot(10, [(D("1"), D("1"))], [])
    assert b.apply_diff(5, 10, [(D("1"), D("0"))], []) is False  # stale: ignored
    assert b.apply_diff(8, 12, [(D("1"), D("0")), (D("2"), D("4"))], []) is True
    assert b.bids() == [(D("2"), D("4"))] and b.update_id == 12
    with pytest.raises(BookSequenceError):
        b.apply_diff(14, 15, [], [])


@given(st.lists(st.tuples(st.booleans(), prices, qtys), max_size=200))
def test_book_matches_a_plain_dict_model(changes):
    b = OrderBook("X")
    model: dict[bool, dict[D, D]] = {True: {}, False: {}}
    for i, (is_bid, p, q) in enumerate(changes, start=1):
        b.apply_diff(i, i, [(p, q)] if is_bid else [], [] if is_bid else [(p, q)])
        if q == 0:
            model[is_bid].pop(p, None)
        else:
            model[is_bid][p] = q
    assert b.bids() == sorted(model[True].items(), reverse=True)
    assert b.asks() == sorted(model[False].items())

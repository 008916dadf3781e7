"""Price grouping of book levels: buckets of a coarser step, bids down and asks up, sizes summed in Decimal."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.market.grouping import bucket, group_levels, grouping_steps, step_label
from terminal.model import Side


def test_steps_follow_the_tick_and_print_plainly():
    assert grouping_steps(D("0.01000000")) == [D("0.01"), D("0.1"), D("1"), D("10")]
    assert [step_label(s) for s in grouping_steps(D("0.01"))] == ["0.01", "0.1", "1", "10"]
    assert [step_label(s) for s in grouping_steps(D("0.00001"))] == ["0.00001", "0.0001", "0.001", "0.01"]
    with pytest.raises(ValueError):
        grouping_steps(D(0))


def test_bids_group_down_and_asks_up_with_sizes_summed_exactly():
    bids = [(D("64041.37"), D("0.1")), (D("64040.02"), D("0.2")), (D("64039.99"), D("0.3")),
            (D("64030.00"), D("0.00001"))]
    asks = [(D("64041.38"), D("0.1")), (D("64049.99"), D("0.2")), (D("64050.01"), D("0.3"))]
    assert group_levels(bids, D("10"), Side.BUY) == [(D("64040"), D("0.3")), (D("64030"), D("0.30001"))]
    assert group_levels(asks, D("10"), Side.SELL) == [(D("64050"), D("0.3")), (D("64060"), D("0.3"))]
    assert group_levels(bids, D("0.1"), Side.BUY)[0] == (D("64041.3"), D("0.1"))
    assert group_levels(asks, D("1"), Side.SELL) == [(D("64042"), D("0.1")), (D("64050"), D("0.2")),
                                                     (D("64051"), D("0.3"))]
    assert group_levels(bids, None, Side.BUY) == bids
    assert bucket(D("64040.00"), D("10"), Side.SELL) == D("64040")  # on the step: its own bucket


prices = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
sizes = st.decimals(min_value=D("0.00001"), max_value=D("1000"), places=5)


@given(st.lists(st.tuples(prices, sizes), min_size=1, max_size=40, unique_by=lambda lv: lv[0]),
       st.sampled_from([D("0.01"), D("0.1"), D("1"), D("10")]), st.sampled_from([Side.BUY, Side.SELL]))
def test_grouping_keeps_every_size_and_orders_buckets_best_first(levels, step, side):
    levels = sorted(levels, reverse=side is Side.BUY)  # best first: bids high to low, asks low to high
    grouped = group_levels(levels, step, side)
    assert sum(q for _, q in grouped) == sum(q for _, q in levels)
    ps = [p for p, _ in grouped]
    assert ps == sorted(set(ps), reverse=side is Side.BUY)
    for p, _ in grouped:
        assert p % step == 0
    for p, _ in levels:  # each level lies within one step of its bucket, on the side away from the spread
        b = bucket(p, step, side)
        assert (b <= p < b + step) if side is Side.BUY else (b - step < p <= b)

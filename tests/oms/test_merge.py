"""merge(): any order and any repetition of an order's reports ends in the venue's final state (hypothesis)."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.model import Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.oms.merge import merge

S = OrderStatus
BASE = Order.from_request(OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("10"), Decimal("1"),
                                       time_in_force=TimeInForce.GTC, client_order_id="c"), 1)


@st.composite
def lifecycles(draw):
    """The venue's successive reports for one order: NEW, some partial fills, then FILLED/CANCELED/EXPIRED."""
    cuts = sorted(set(draw(st.lists(st.integers(1, 9), max_size=4))))
    reports = [BASE.with_status(S.NEW, venue_order_id=7)]
    for q in cuts:
        reports.append(reports[-1].with_status(S.PARTIALLY_FILLED, filled_qty=Decimal(q), filled_quote=Decimal(q)))
    end = draw(st.sampled_from([S.FILLED, S.CANCELED, S.EXPIRED]))
    filled = Decimal(10) if end is S.FILLED else reports[-1].filled_qty
    reports.append(reports[-1].with_status(end, filled_qty=filled, filled_quote=filled))
    return reports


@settings(max_examples=300, deadline=None)
@given(lifecycles(), st.data())
def test_any_permutation_with_duplicates_converges_and_never_goes_backwards(reports, data):
    shuffled = data.draw(st.permutations(reports + data.draw(st.lists(st.sampled_from(reports), max_size=5))))
    local = BASE
    for report in shuffled:
        new = merge(local, report)
        assert new.filled_qty >= local.filled_qty
        assert not local.status.is_final or new.status is local.status
        local = new
    final = reports[-1]
    assert (local.status, local.filled_qty, local.venue_order_id) == (final.status, final.filled_qty, 7)


def test_merge_returns_the_same_object_when_nothing_changes():
    new = BASE.with_status(S.NEW, venue_order_id=7)
    assert merge(new, new) is new


def test_a_rejected_order_is_reopened_only_by_a_report_that_carries_the_venue_order_id():
    rejected = BASE.with_status(S.REJECTED, reject_reason="never reached the venue")
    assert merge(rejected, BASE.with_status(S.NEW)) is rejected  # no venue id: not the venue's own report
    landed = merge(rejected, BASE.with_status(S.NEW, venue_order_id=7))
    assert (landed.status, landed.venue_order_id, landed.reject_reason) == (S.NEW, 7, None)
    filled = BASE.with_status(S.FILLED, venue_order_id=7, filled_qty=Decimal(10), filled_quote=Decimal(10))
    assert merge(rejected, filled).status is S.FILLED and merge(merge(rejected, filled), landed).status is S.FILLED

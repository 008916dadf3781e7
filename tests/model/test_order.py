from decimal import Decimal as D

import pytest

from terminal.model import InvalidTransition, Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.model.order import TRANSITIONS, can_transition


def make() -> Order:
    req = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.01"), D("60000"), time_in_force=TimeInForce.GTC)
    return Order.from_request(req, ts=1)


def test_new_order_starts_pending_and_is_open():
    o = make()
    assert o.status is OrderStatus.PENDING_NEW and o.is_open and o.client_order_id.startswith("tt-")


def test_fill_sequence_follows_table():
    o = make().with_status(OrderStatus.NEW, venue_order_id=7)
    o = o.with_status(OrderStatus.PARTIALLY_FILLED, filled_qty=D("0.005"), filled_quote=D("300"))
    o = o.with_status(OrderStatus.FILLED, filled_qty=D("0.01"), filled_quote=D("600"))
    assert o.avg_price == D("60000") and not o.is_open and o.remaining_qty == 0


S = OrderStatus
LANDED_AFTER_ALL = {S.NEW, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED}


@pytest.mark.parametrize("final", [OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED])
def test_final_states_never_reopen(final):
    o = make().with_status(final)
    for status in OrderStatus:
        if status is not final and not (final is S.REJECTED and status in LANDED_AFTER_ALL):
            with pytest.raises(InvalidTransition):
                o.with_status(status)


def test_rejected_leaves_only_for_what_the_venue_reports_of_an_order_that_landed_after_all():
    assert TRANSITIONS[S.REJECTED] == LANDED_AFTER_ALL
    for status in (S.PENDING_NEW, S.PENDING_CANCEL):
        with pytest.raises(InvalidTransition):
            make().with_status(S.REJECTED).with_status(status)


def test_table_covers_every_status_and_repeats_are_harmless():
    assert set(TRANSITIONS) == set(OrderStatus)
    assert all(can_transition(s, s) for s in OrderStatus)


def test_client_order_ids_are_unique_and_binance_safe():
    ids = {OrderRequest("X", Side.BUY, OrderType.MARKET, D(1)).client_order_id for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) <= 36 for i in ids)

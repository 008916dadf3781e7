"""Contract: the venue's refusals and failures arrive as the ports' typed outcomes, never as a bare error."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.model import OrderStatus, Side
from terminal.venues.ports import DuplicateOrder, MayHaveLanded, RateLimited, Rejected, UnknownOrder

from .cases import Connection
from .kit import in_words, instrument, limit, new_cid, resting_price


async def test_cancel_and_look_up_of_an_unknown_client_id_raise_unknown_order(conn: Connection) -> None:
    conn.case.skip_unless_trading()
    sym = conn.case.symbol
    with pytest.raises(UnknownOrder) as canceled:
        await conn.venue.cancel_order(sym, new_cid())
    assert in_words(canceled.value.reason)
    with pytest.raises(UnknownOrder):
        await conn.venue.query_order(sym, new_cid())


async def test_order_beyond_the_balance_is_rejected_with_a_reason_in_words(conn: Connection) -> None:
    conn.case.skip_unless_trading()
    if conn.case.sells_short:
        pytest.skip(f"{conn.case.name}: {conn.case.sells_short}")
    venue, sym = conn.venue, conn.case.symbol
    inst = await instrument(conn)
    held = {b.asset: b.free for b in await venue.balances()}.get(inst.base_asset, Decimal(0))
    qty = inst.snap_qty(held + conn.case.quantity, "up")
    request = limit(sym, Side.SELL, qty, await resting_price(conn, Side.SELL), tif=conn.case.resting_tif)
    with pytest.raises(Rejected) as refused:
        await venue.submit(request)
    assert type(refused.value) is Rejected and in_words(refused.value.reason)
    assert request.client_order_id not in {o.client_order_id for o in await venue.open_orders(sym)}


async def test_reused_client_id_of_an_open_order_raises_duplicate_order_and_leaves_it_alone(conn: Connection) -> None:
    conn.case.skip_unless_trading()
    if not conn.case.detects_duplicates:
        pytest.skip(f"{conn.case.name} does not detect a reused client order id")
    venue, sym = conn.venue, conn.case.symbol
    price = await resting_price(conn, Side.BUY)
    first, _ = await venue.submit(limit(sym, Side.BUY, conn.case.quantity, price, tif=conn.case.resting_tif))
    inst = await instrument(conn)
    with pytest.raises(DuplicateOrder):
        await venue.submit(limit(sym, Side.BUY, conn.case.quantity, price - inst.tick_size, first.client_order_id,
                                   conn.case.resting_tif))
    still = await venue.query_order(sym, first.client_order_id)
    assert (still.status, still.price, still.venue_order_id) == (OrderStatus.NEW, price, first.venue_order_id)
    assert [o.client_order_id for o in await venue.open_orders(sym)] == [first.client_order_id]
    await venue.cancel_order(sym, first.client_order_id)


async def test_rate_limited_request_raises_rate_limited_with_a_wait(conn: Connection) -> None:
    case = conn.case
    if case.rate_limit_next is None:
        pytest.skip(f"{case.name}: its loopback exchange has no rate-limit switch ({case.why_no_faults})")
    case.rate_limit_next(conn)
    with pytest.raises(RateLimited) as limited:
        await conn.venue.quote(case.symbol)
    assert limited.value.retry_after_s > 0


async def test_send_without_an_answer_raises_may_have_landed_and_the_look_up_tells_whether_it_did(
        conn: Connection) -> None:
    """The first send never reached the matching engine (unknown to the venue), the second did (found by its client
    id): the caller cannot tell them apart from the outcome, only by looking up."""
    case, venue = conn.case, conn.venue
    case.skip_unless_trading()
    if case.fail_next_two_sends is None:
        pytest.skip(f"{case.name}: its loopback exchange has no switch to lose an answer ({case.why_no_faults})")
    price = await resting_price(conn, Side.BUY)
    lost, landed = (limit(case.symbol, Side.BUY, case.quantity, price, tif=case.resting_tif) for _ in range(2))
    case.fail_next_two_sends(conn)
    for request in (lost, landed):
        with pytest.raises(MayHaveLanded) as unknown:
            await venue.submit(request)
        assert unknown.value.settle_ms >= 0
    with pytest.raises(UnknownOrder):
        await venue.query_order(case.symbol, lost.client_order_id)
    found = await venue.query_order(case.symbol, landed.client_order_id)
    assert found.status is OrderStatus.NEW and found.price == price
    await venue.cancel_order(case.symbol, landed.client_order_id)

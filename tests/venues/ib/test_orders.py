"""Orders through the adapter against the IB paper server: every type, modify, cancel, global cancel, bracket, OCO,
fills with commission, positions and account values."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.model import (Fill, OrderOptions, OrderRequest, OrderStatus, OrderType, OrderUpdated, Side,
                            TimeInForce, new_client_order_id)
from terminal.venues.ports import DuplicateOrder, Rejected

D = Decimal


def req(symbol: str = "AAPL", side: Side = Side.BUY, type_: OrderType = OrderType.LIMIT, qty: str = "10",
        **kw: object) -> OrderRequest:
    return OrderRequest(symbol, side, type_, D(qty), client_order_id=new_client_order_id(), **kw)  # type: ignore[arg-type]


async def _away(venue, symbol: str = "AAPL", fraction: str = "0.1") -> tuple[Decimal, Decimal, Decimal]:
    q = await venue.quote(symbol)
    ins = (await venue.instruments())[symbol]
    low = ins.snap_price(q.bid * (1 - D(fraction)), "down")
    high = ins.snap_price(q.ask * (1 + D(fraction)), "up")
    return low, high, q.ask


async def test_a_resting_limit_order_is_acknowledged_modified_in_place_and_cancelled(ib):
    venue, rec = ib
    low, _, _ = await _away(venue)
    r = req(price=low, time_in_force=TimeInForce.DAY)
    order, fills = await venue.submit(r)
    assert order.status is OrderStatus.NEW and order.venue_order_id and not fills
    assert order.client_order_id == r.client_order_id
    ins = (await venue.instruments())["AAPL"]
    moved = await venue.replace_order("AAPL", r.client_order_id, quantity=D(5), price=ins.snap_price(low - 1))
    assert (moved.quantity, moved.price, moved.venue_order_id) == (D(5), ins.snap_price(low - 1),
                                                                   order.venue_order_id)
    assert [o.client_order_id for o in await venue.open_orders("AAPL")] == [r.client_order_id]
    canceled = await venue.cancel_order("AAPL", r.client_order_id)
    assert canceled.status is OrderStatus.CANCELED
    await rec.wait_for(lambda e: isinstance(e, OrderUpdated) and e.order.client_order_id == r.client_order_id
                       and e.order.status is OrderStatus.CANCELED)
    assert (await venue.query_order("AAPL", r.client_order_id)).status is OrderStatus.CANCELED


async def test_a_market_order_fills_with_commission_and_shows_in_positions_and_cash(ib):
    venue, rec = ib
    r = req(type_=OrderType.MARKET)
    await venue.submit(r)
    fill = await rec.wait_for(lambda e: isinstance(e, Fill) and e.client_order_id == r.client_order_id, timeout=15)
    assert fill.qty > 0 and fill.price > 0 and fill.commission > 0 and fill.commission_asset == "USD"
    await rec.wait_for(lambda e: isinstance(e, OrderUpdated) and e.order.client_order_id == r.client_order_id
                       and e.order.status is OrderStatus.FILLED, timeout=15)
    assert [f.trade_id for f in await venue.fills("AAPL") if f.client_order_id == r.client_order_id]
    held = {h.symbol: h for h in await venue.positions()}
    assert held["AAPL"].qty >= 10 and held["AAPL"].avg_price is not None
    assert any(b.asset == "USD" for b in await venue.balances())
    summary = await venue.account_summary()
    assert summary["NetLiquidation"] > 0 and "BuyingPower" in summary and summary["currency"] == "USD"


async def test_stop_stop_limit_trailing_gtd_and_at_close_orders_are_accepted_as_their_ib_types(ib):
    venue, _ = ib
    low, high, _ = await _away(venue)
    expire = venue.now_ms() + 3_600_000
    cases = [
        req(type_=OrderType.STOP_LOSS, stop_price=high, side=Side.BUY),
        req(type_=OrderType.STOP_LOSS_LIMIT, stop_price=high, price=high, side=Side.BUY,
            time_in_force=TimeInForce.GTC),
        req(type_=OrderType.STOP_LOSS, side=Side.SELL, qty="1", options=OrderOptions(trail_amount=D("2.5"))),
        req(type_=OrderType.STOP_LOSS, side=Side.SELL, qty="1", options=OrderOptions(trail_percent=D(3))),
        req(price=low, time_in_force=TimeInForce.GTD, options=OrderOptions(expire_ms=expire)),
        req(price=low, options=OrderOptions(at_close=True)),
    ]
    placed = [(await venue.submit(r))[0] for r in cases]
    assert all(o.is_open for o in placed), [(o.type, o.status, o.reject_reason) for o in placed]
    assert placed[2].options.trail_amount == D("2.5") and placed[3].options.trail_percent == D(3)
    assert placed[4].options.expire_ms is not None and abs(placed[4].options.expire_ms - expire) < 1000
    assert placed[5].options.at_close
    canceled = await venue.cancel_all("AAPL")
    assert {o.client_order_id for o in canceled} >= {r.client_order_id for r in cases}
    assert not await venue.open_orders("AAPL")


async def test_a_reused_client_order_id_of_a_working_order_is_a_duplicate_and_an_unknown_contract_a_rejection(ib):
    venue, _ = ib
    low, _, _ = await _away(venue)
    r = req(price=low)
    await venue.submit(r)
    with pytest.raises(DuplicateOrder):
        await venue.submit(r)
    with pytest.raises(Rejected, match="unknown symbol"):
        await venue.submit(req(symbol="NOSUCH", price=D(1)))
    await venue.cancel_everything()
    assert not await venue.open_orders()


async def test_a_bracket_waits_for_its_entry_then_the_take_profit_filling_cancels_the_stop(ib):
    venue, rec = ib
    low, high, ask = await _away(venue, fraction="0.05")
    ins = (await venue.instruments())["AAPL"]
    entry = req(type_=OrderType.MARKET)
    tp = req(side=Side.SELL, price=ins.snap_price(ask * D("0.5"), "down"),  # fills as soon as it works
             options=OrderOptions(parent_id=entry.client_order_id))
    sl = req(type_=OrderType.STOP_LOSS, side=Side.SELL, stop_price=ins.snap_price(ask * D("0.3"), "down"),
             options=OrderOptions(parent_id=entry.client_order_id))
    legs = await venue.submit_bracket(entry, tp, sl)
    assert [o.client_order_id for o in legs] == [entry.client_order_id, tp.client_order_id, sl.client_order_id]
    assert legs[1].options.parent_id == entry.client_order_id
    for cid, status in ((entry.client_order_id, OrderStatus.FILLED), (tp.client_order_id, OrderStatus.FILLED),
                        (sl.client_order_id, OrderStatus.CANCELED)):
        await rec.wait_for(lambda e, c=cid, s=status: isinstance(e, OrderUpdated) and e.order.client_order_id == c
                           and e.order.status is s, timeout=20)


async def test_an_oco_pair_shares_a_group_and_one_filling_cancels_the_other(ib, ib_server):
    venue, rec = ib
    bid = (await venue.quote("AAPL")).bid
    ins = (await venue.instruments())["AAPL"]
    first = req(side=Side.BUY, price=ins.snap_price(bid * D("0.95"), "down"))
    second = req(side=Side.BUY, price=ins.snap_price(bid * D("0.90"), "down"))
    a, b = await venue.submit_oco(first, second)
    assert a.options.oca_group and a.options.oca_group == b.options.oca_group
    assert a.status is b.status is OrderStatus.NEW
    ib_server.move_price("AAPL", ins.snap_price(bid * D("0.93")))  # the first fills, the second must go
    for cid, status in ((first.client_order_id, OrderStatus.FILLED), (second.client_order_id, OrderStatus.CANCELED)):
        await rec.wait_for(lambda e, c=cid, s=status: isinstance(e, OrderUpdated) and e.order.client_order_id == c
                           and e.order.status is s, timeout=20)


async def test_an_order_ib_rejects_is_rejected_with_ibs_reason(ib, ib_server):
    venue, _ = ib
    low, _, _ = await _away(venue)
    ib_server.reject_next_order("Insufficient margin for this order")
    with pytest.raises(Rejected) as exc:
        await venue.submit(req(price=low))
    assert type(exc.value) is Rejected and "Insufficient margin for this order" in exc.value.reason


async def test_a_trailing_stop_follows_the_market_and_fires_when_it_turns(ib, ib_server):
    venue, rec = ib
    await venue.submit(req(type_=OrderType.MARKET, qty="5"))
    bid = (await venue.quote("AAPL")).bid
    ins = (await venue.instruments())["AAPL"]
    trail = req(type_=OrderType.STOP_LOSS, side=Side.SELL, qty="5", options=OrderOptions(trail_amount=D(2)))
    placed, _ = await venue.submit(trail)
    assert placed.is_open and placed.options.trail_amount == D(2)
    ib_server.move_price("AAPL", ins.snap_price(bid + 10))  # the stop follows up to about bid + 8
    ib_server.move_price("AAPL", ins.snap_price(bid + 5))  # 5 below the top: it fires
    await rec.wait_for(lambda e: isinstance(e, OrderUpdated) and e.order.client_order_id == trail.client_order_id
                       and e.order.status is OrderStatus.FILLED, timeout=20)
    fill = await rec.wait_for(lambda e: isinstance(e, Fill) and e.client_order_id == trail.client_order_id)
    assert fill.price > bid + 4


async def test_after_a_restart_the_same_client_id_finds_its_working_orders_by_client_order_id(ib, ib_server):
    from terminal.venues.ib import create
    venue, _ = ib
    low, _, _ = await _away(venue)
    r = req(price=low, time_in_force=TimeInForce.GTC)
    placed, _ = await venue.submit(r)
    client_id = venue.client_id
    await venue.close()  # the terminal stops; the order keeps working at IB
    again = create("sandbox", **ib_server.adapter_options(), client_id=client_id)
    await again.start()
    try:
        found = await again.query_order("AAPL", r.client_order_id)
        assert (found.client_order_id, found.venue_order_id, found.status, found.price) == (
            r.client_order_id, placed.venue_order_id, OrderStatus.NEW, low)
        assert r.client_order_id in {o.client_order_id for o in await again.open_orders("AAPL")}
        assert (await again.cancel_order("AAPL", r.client_order_id)).status is OrderStatus.CANCELED
    finally:
        await again.close()


async def test_an_order_acknowledged_too_late_may_have_landed_and_the_look_up_finds_it_once(ib):
    from terminal.venues.ports import MayHaveLanded
    venue, _ = ib
    low, _, _ = await _away(venue)
    venue.trading.ack_timeout_s = 0.0  # no answer counts as in time: the outcome is unknown
    r = req(price=low)
    with pytest.raises(MayHaveLanded) as exc:
        await venue.submit(r)
    assert exc.value.settle_ms > 0
    venue.trading.ack_timeout_s = 10.0
    found = await venue.query_order("AAPL", r.client_order_id)  # it did land: found by client order id
    assert found.status is OrderStatus.NEW and found.venue_order_id
    with pytest.raises(DuplicateOrder):  # and a resend with the same id is refused, not placed twice
        await venue.submit(r)
    assert [o.client_order_id for o in await venue.open_orders("AAPL")].count(r.client_order_id) == 1
    await venue.cancel_order("AAPL", r.client_order_id)

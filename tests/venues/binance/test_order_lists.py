"""Binance's native order lists and trailing stops under a Session, against the real sandbox (issue 15, item 1):
held_by="auto" now takes the exchange's own OCO (orderList/oco), bracket (orderList/otoco, when the entry is a working
LIMIT order) and trailing stop (trailingDelta); the exchange cancels the other leg, places the exits once the entry
has filled, and trails the stop; the group says "held by the exchange" and ends with its orders. The sandbox runs
without its simulated market: every price move is the test's own trade; the tests wait for bus events, never time."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, Callable

import pytest

import terminal
from terminal.model import OrderRequest, OrderStatus, OrderType, Side
from terminal.model.numbers import InvalidArgument
from terminal.oms.protective_group import GroupState, HeldBy
from terminal.venues.binance import orderlists

from session_helpers import wait_for_event
from venues.sandbox.quiet import Quiet, quiet_sandbox
from venues.sandbox.signer import body, signed

SYMBOL = "BTCUSDT"
QTY = Decimal("0.001")
S = OrderStatus


@pytest.fixture
def quiet():
    with quiet_sandbox() as q:
        yield q


def rest(q: Quiet, side: str, price: str, qty: str = "0.001") -> None:
    key, secret = q.maker
    answer = body(signed(q.server, "POST", "/api/v3/order", {
        "symbol": SYMBOL, "side": side, "type": "LIMIT", "timeInForce": "GTC", "quantity": qty, "price": price},
        key=key, secret=secret))
    assert answer.get("status") == "NEW", answer


def book(q: Quiet) -> None:
    """Last price 100000; asks 100000 x 0.001; bids 99000 x 0.001 and 97500 x 0.01."""
    q.trade_at("100000.00")
    rest(q, "SELL", "100000.00")
    rest(q, "BUY", "99000.00")
    rest(q, "BUY", "97500.00", "0.01")


async def until(session: Any, predicate: Callable[[], bool], timeout: float = 15) -> None:
    await wait_for_event(session.bus, None, predicate, timeout)


async def venue_orders(session: Any) -> dict[str, tuple[OrderStatus, Decimal]]:
    return {o.client_order_id: (o.status, o.filled_qty) for o in await session.venue.rest.all_orders(SYMBOL)}


async def venue_list(session: Any, list_cid: str) -> dict[str, Any]:
    return await session.venue.rest.call("GET", "/api/v3/orderList", {"origClientOrderId": list_cid}, signed=True)


def state(session: Any, gid: str) -> GroupState:
    return session.protection.group(gid).state


def status(session: Any, cid: str) -> OrderStatus | None:
    order = session.oms.order(cid)
    return None if order is None else order.status


async def test_native_oco_one_leg_fills_the_exchange_expires_the_other_and_the_group_is_done(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    lists: list[orderlists.OrderListStatus] = []
    session.on(orderlists.OrderListStatus, lists.append)
    try:
        take = OrderRequest(SYMBOL, Side.SELL, OrderType.LIMIT, QTY, price=Decimal("100500.00"))
        stop = OrderRequest(SYMBOL, Side.SELL, OrderType.STOP_LOSS, QTY, stop_price=Decimal("98000.00"))
        group = await session.place_oco(take, stop)  # auto: Binance holds an OCO of this shape
        assert group.held_by is HeldBy.VENUE and group.held_by.label == "held by the exchange"
        assert not any(leg.held for leg in group.legs)
        listed = await venue_list(session, take.client_order_id)  # our ids: the list's and each member's
        assert listed["contingencyType"] == "OCO" and listed["listOrderStatus"] == "EXECUTING"
        assert {o["clientOrderId"] for o in listed["orders"]} == {take.client_order_id, stop.client_order_id}
        await until(session, lambda: status(session, take.client_order_id) is S.NEW
                    and status(session, stop.client_order_id) is S.NEW)

        await asyncio.to_thread(quiet.hit, "BUY", "0.002")  # the 100000 ask, then our 100500 take-profit
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        at_venue = await venue_orders(session)
        assert at_venue[take.client_order_id] == (S.FILLED, QTY)
        assert at_venue[stop.client_order_id] == (S.EXPIRED, 0)  # cancelled by the exchange: never both
        assert session.protection.group(group.group_id).reason == "first filled (at the exchange)"
        assert (await venue_list(session, take.client_order_id))["listOrderStatus"] == "ALL_DONE"
        await until(session, lambda: status(session, stop.client_order_id) is S.EXPIRED)
        # the user stream's listStatus events: placed (EXECUTING), then ended (ALL_DONE), under our list id
        await until(session, lambda: any(e.done for e in lists))
        assert [e.status for e in lists] == ["EXECUTING", "ALL_DONE"]
        assert {e.list_client_order_id for e in lists} == {take.client_order_id}
        assert set(lists[-1].members) == {take.client_order_id, stop.client_order_id}
    finally:
        await session.close()


async def test_native_otoco_bracket_the_exchange_places_the_exits_once_the_working_entry_fills(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        entry = OrderRequest(SYMBOL, Side.BUY, OrderType.LIMIT, QTY, price=Decimal("99500.00"))
        group = await session.place_bracket(entry, take_profit="110000.00", stop_loss="98000.00")
        assert group.held_by is HeldBy.VENUE and group.state is GroupState.PENDING
        tp, sl = group.leg("take_profit").client_order_id, group.leg("stop_loss").client_order_id
        at_venue = await venue_orders(session)
        assert at_venue[entry.client_order_id] == (S.NEW, 0)
        assert at_venue[tp] == (S.PENDING_NEW, 0) and at_venue[sl] == (S.PENDING_NEW, 0)  # until the entry fills
        listed = await venue_list(session, entry.client_order_id)
        assert listed["orders"][0]["clientOrderId"] == entry.client_order_id  # the working order, then the exits
        assert {o["clientOrderId"] for o in listed["orders"][1:]} == {tp, sl}

        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # takes our 99500 bid: the entry fills
        await until(session, lambda: state(session, group.group_id) is GroupState.ACTIVE
                    and status(session, tp) is S.NEW and status(session, sl) is S.NEW)
        at_venue = await venue_orders(session)
        assert at_venue[entry.client_order_id] == (S.FILLED, QTY)
        assert at_venue[tp] == (S.NEW, 0) and at_venue[sl] == (S.NEW, 0)  # placed by the exchange

        canceled = await session.cancel_protection(group.group_id)  # DELETE orderList: both exits at once
        assert canceled.state is GroupState.CANCELED
        at_venue = await venue_orders(session)
        assert at_venue[tp] == (S.CANCELED, 0) and at_venue[sl] == (S.CANCELED, 0)
        assert (await venue_list(session, entry.client_order_id))["listOrderStatus"] == "ALL_DONE"
    finally:
        await session.close()


async def test_a_market_entry_s_stop_is_held_by_the_app_until_the_fill_then_rests_at_the_exchange(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        with pytest.raises(InvalidArgument, match=r"held_by: Binance Spot has no native brackets of this shape "
                                                  r"\(a MARKET entry cannot be the working order"):
            await session.place_bracket(OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, QTY), stop_loss="97000.00",
                                        held_by="venue")
        hidden = await session.place_bracket(OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, QTY),
                                             stop_loss="97000.00", held_by="app")  # a hidden stop stays hidden
        await until(session, lambda: state(session, hidden.group_id) is GroupState.ACTIVE)
        assert session.protection.group(hidden.group_id).held_by is HeldBy.APP
        await session.cancel_protection(hidden.group_id)

        with pytest.raises(InvalidArgument, match="entry: no ask in the book to buy from"):  # the ask was taken
            await session.place_bracket(OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, QTY), stop_loss="98000.00")
        await asyncio.to_thread(rest, quiet, "SELL", "100000.00")
        await until(session, lambda: (q := session.quotes_cache.get(SYMBOL)) is not None and q.ask > 0)
        group = await session.place_bracket(OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, QTY),
                                            stop_loss="98000.00")
        sl = group.leg("stop_loss").client_order_id
        await until(session, lambda: session.protection.group(group.group_id).handoff == "done"
                    and state(session, group.group_id) is GroupState.ACTIVE and status(session, sl) is S.NEW)
        handed = session.protection.group(group.group_id)
        assert handed.held_by is HeldBy.VENUE and handed.held_by.label == "held by the exchange"
        assert not handed.leg("stop_loss").held  # nothing watched by the app any more
        raw = await session.venue.rest.call("GET", "/api/v3/order", {"symbol": SYMBOL, "origClientOrderId": sl},
                                            signed=True)
        assert (raw["type"], raw["side"], Decimal(raw["stopPrice"]), raw["status"]) == ("STOP_LOSS", "SELL", 98000,
                                                                               "NEW")
        canceled = await session.cancel_protection(group.group_id)
        assert canceled.state is GroupState.CANCELED
        assert (await venue_orders(session))[sl] == (S.CANCELED, 0)
    finally:
        await session.close()


async def test_a_market_entry_s_exits_become_a_native_oco_once_it_fills_and_the_exchange_closes_it(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        group = await session.place_bracket(OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, QTY),
                                            take_profit="100500.00", stop_loss="98000.00")
        assert group.handoff in ("pending", "done")  # the MARKET entry may have filled before place_bracket returned
        tp, sl = group.leg("take_profit").client_order_id, group.leg("stop_loss").client_order_id
        await until(session, lambda: status(session, tp) is S.NEW and status(session, sl) is S.NEW)
        handed = session.protection.group(group.group_id)
        assert handed.held_by is HeldBy.VENUE and handed.handoff == "done"
        listed = await venue_list(session, tp)  # one order list at the exchange, our ids
        assert listed["contingencyType"] == "OCO" and listed["listOrderStatus"] == "EXECUTING"
        assert {o["clientOrderId"] for o in listed["orders"]} == {tp, sl}

        await asyncio.to_thread(rest, quiet, "SELL", "100400.00")
        await asyncio.to_thread(quiet.hit, "BUY", "0.002")  # the 100400 ask, then our 100500 take-profit
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        at_venue = await venue_orders(session)
        assert at_venue[tp] == (S.FILLED, QTY) and at_venue[sl] == (S.EXPIRED, 0)  # never both
        assert session.protection.group(group.group_id).reason == "take profit filled (at the exchange)"
    finally:
        await session.close()


async def test_native_trailing_stop_trails_the_high_at_the_exchange_and_fires_on_the_reversal(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        with pytest.raises(InvalidArgument, match=r"Binance trails by a percentage only"):
            await session.place_trailing_stop(SYMBOL, "SELL", "0.001", trail_amount="1000", held_by="venue")
        by_amount = await session.place_trailing_stop(SYMBOL, "SELL", "0.001", trail_amount="1000")
        assert by_amount.held_by is HeldBy.APP  # auto: no Binance form, so the app trails it
        await session.cancel_protection(by_amount.group_id)
        group = await session.place_trailing_stop(SYMBOL, "SELL", "0.001", trail_percent="1")
        assert group.held_by is HeldBy.VENUE
        cid = group.leg("trailing").client_order_id
        raw = await session.venue.rest.call("GET", "/api/v3/order", {"symbol": SYMBOL, "origClientOrderId": cid},
                                            signed=True)
        assert raw["type"] == "STOP_LOSS" and raw["trailingDelta"] == 100 and raw["status"] == "NEW"  # 1% = 100 BIPS

        await asyncio.to_thread(quiet.hit, "BUY", "0.001")  # the 100000 ask goes
        await asyncio.to_thread(quiet.trade_at, "101000.00")  # a new high: the stop trails to 99990
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # a trade at 99000: under 99990, the stop fires
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        assert (await venue_orders(session))[cid] == (S.FILLED, QTY)
        assert session.protection.group(group.group_id).reason == "trailing filled (at the exchange)"
    finally:
        await session.close()


def test_oco_params_put_a_sells_stop_below_and_carry_our_client_ids() -> None:
    stop = OrderRequest(SYMBOL, Side.SELL, OrderType.STOP_LOSS, QTY, stop_price=Decimal("98000"))
    take = OrderRequest(SYMBOL, Side.SELL, OrderType.LIMIT, QTY, price=Decimal("101000"))
    assert orderlists.can_hold("oco", [take, stop]) == ""
    assert "one stop loss" in orderlists.can_hold("oco", [take, take])
    params = orderlists.oco_params(take, stop)
    assert params["aboveType"] == "LIMIT_MAKER" and params["belowType"] == "STOP_LOSS"  # a SELL's stop is below
    assert params["listClientOrderId"] == take.client_order_id
    assert params["aboveClientOrderId"] == take.client_order_id and params["belowClientOrderId"] == stop.client_order_id

"""A Session on the Kite paper server (``terminal.connect("kite")``): orders that name no time in force get the
venue's (DAY: Kite has no GTC), part of a lot is refused before anything is journaled or sent, search."""
from __future__ import annotations

from decimal import Decimal

import pytest

import terminal
from terminal.model import AssetClass, OrderStatus, TimeInForce
from terminal.model.numbers import InvalidArgument

D = Decimal


@pytest.fixture
async def session():
    s = await terminal.connect("kite", always_open=True, connect_timeout_s=5)
    try:
        yield s
    finally:
        await s.close()


async def test_a_limit_order_without_time_in_force_rests_as_a_day_order(session):
    q = await session.quote("INFY")
    price = session.instrument("INFY").snap_price(q.bid * D("0.9"), "down")
    order = await session.buy("INFY", "1", price)
    assert order.status is OrderStatus.NEW and order.time_in_force is TimeInForce.DAY
    canceled = await session.cancel_order("INFY", order.client_order_id)
    assert canceled.status is OrderStatus.CANCELED


async def test_part_of_a_lot_is_refused_by_the_session_before_journaling(session):
    fut = next(i for i in session.instruments.values() if i.asset_class is AssetClass.FUTURE)
    sent = len(session.server.request_log)
    with pytest.raises(InvalidArgument, match="step size"):
        await session.buy(fut.symbol, fut.step_size + 1)
    assert not [p for m, p in session.server.request_log[sent:] if m == "POST"]
    assert not session.open_orders()


async def test_search_finds_the_nifty_future_as_typed(session):
    fut = min((i for i in session.instruments.values()
               if i.asset_class is AssetClass.FUTURE and i.base_asset == "NIFTY"), key=lambda i: i.expiry)
    text = f"NIFTY {fut.expiry:%y} {fut.expiry:%b} FUT"
    found = await session.search(text)
    assert found and found[0].symbol == fut.symbol


async def test_the_library_connects_with_an_access_token_from_a_login(kite_server, tmp_path):
    """``terminal.connect("kite", access_token=...)``: here the "live" environment pointed at the paper server (its
    journal in a temporary data dir), with the token of a login through the redirect."""
    from terminal.venues.kite import RedirectListener, follow_redirects, login

    creds = kite_server.builtin_credentials()
    listener = await RedirectListener.open("http://127.0.0.1:0/")
    kite_server.register_app(creds["api_key"], creds["api_secret"], listener.url)
    options = kite_server.adapter_options()
    result = await login(creds["api_key"], creds["api_secret"], root=options["root"], login_base=options["login_url"],
                         listener=listener, open_browser=follow_redirects, timeout_s=30)
    s = await terminal.connect("kite", env="live", confirm_live=True, api_key=creds["api_key"],
                               api_secret=creds["api_secret"], access_token=result.access_token, data_dir=tmp_path,
                               cache_dir=tmp_path, **options)
    try:
        assert s.venue.rest.access_token == result.access_token
        assert "INR" in await s.refresh_balances()
        assert list(tmp_path.glob("kite-instruments-live-*.csv"))  # the day's dump, cached
    finally:
        await s.close()


async def test_a_margin_account_leaves_buying_power_and_short_sales_to_the_broker(session):
    """Kite is a margin account: the local spot check (a BUY spends its whole notional, a SELL needs a holding)
    does not apply; a MIS short sale of a stock not held reaches the paper server and rests there."""
    assert session.risk.spot_balances is False
    q = await session.quote("SBIN")
    price = session.instrument("SBIN").snap_price(q.ask * D("1.1"), "up")
    order = await session.sell("SBIN", "1", price)  # nothing held: a short sale, the broker's to allow
    assert order.status is OrderStatus.NEW
    await session.cancel_order("SBIN", order.client_order_id)


async def test_an_mis_bracket_s_exits_become_a_gtt_oco_of_mis_orders_once_the_entry_fills(session):
    """Kite holds no bracket, but a GTT OCO: the app holds the exits until the MARKET entry has filled, then hands
    them to Kite as a two-leg GTT (protected with the app closed); the exits take the entry's product (MIS)."""
    from terminal.model import OrderOptions, OrderRequest, OrderType, Side
    from terminal.oms.protective_group import GroupState, HeldBy

    q = await session.quote("INFY")
    ins = session.instrument("INFY")
    entry = OrderRequest("INFY", Side.BUY, OrderType.MARKET, D(2), options=OrderOptions.make(params={"product": "MIS"}))
    group = await session.place_bracket(entry, take_profit=ins.snap_price(q.ask * D("1.1"), "up"),
                                        stop_loss=ins.snap_price(q.bid * D("0.9"), "down"))
    tp, sl = group.leg("take_profit").client_order_id, group.leg("stop_loss").client_order_id
    loop = __import__("asyncio").get_running_loop()
    deadline = loop.time() + 20
    while not ((g := session.protection.group(group.group_id)).handoff == "done" and g.state is GroupState.ACTIVE
               and all((o := session.oms.order(c)) is not None and o.status is OrderStatus.NEW for c in (tp, sl))):
        assert loop.time() < deadline, session.protection.group(group.group_id)
        await __import__("asyncio").sleep(0.05)
    assert session.protection.group(group.group_id).held_by is HeldBy.VENUE
    gtts = await session.venue.rest.gtts()
    mine = [g for g in gtts if g["id"] == session.oms.order(tp).venue_order_id]
    assert len(mine) == 1 and mine[0]["type"] == "two-leg" and mine[0]["status"] == "active"
    assert {o["product"] for o in mine[0]["orders"]} == {"MIS"} and {o["quantity"] for o in mine[0]["orders"]} == {2}
    assert (await session.cancel_protection(group.group_id)).state is GroupState.CANCELED

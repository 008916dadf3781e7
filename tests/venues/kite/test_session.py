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

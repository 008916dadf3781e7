"""The Kite adapter against the Kite-compatible paper server (terminal/servers/kite) on 127.0.0.1."""
from __future__ import annotations

import asyncio

from decimal import Decimal

import pytest

from terminal.model import (AssetClass, Bar, Fill, Interval, OrderOptions, OrderRequest, OrderStatus, OrderType,
                            OrderUpdated, QuoteTick, Side, TimeInForce)
from terminal.venues.kite import RedirectListener, create, follow_redirects, login
from terminal.venues.ports import AuthError, NativeProtection, Rejected, SessionExpired, UnknownOrder, Venue

D = Decimal


def future_symbol(kite) -> str:
    futs = sorted((i for i in kite.catalog().instruments.values()
                   if i.asset_class is AssetClass.FUTURE and i.base_asset == "NIFTY"), key=lambda i: i.expiry)
    return futs[0].symbol


async def test_login_through_the_redirect_gives_an_access_token_that_works(kite_server):
    creds = kite_server.builtin_credentials()
    listener = await RedirectListener.open("http://127.0.0.1:0/")
    kite_server.register_app(creds["api_key"], creds["api_secret"], listener.url)
    options = kite_server.adapter_options()
    result = await login(creds["api_key"], creds["api_secret"], root=options["root"],
                         login_base=options["login_url"], listener=listener, open_browser=follow_redirects,
                         timeout_s=30)
    assert result.access_token and result.access_token != creds.get("access_token")
    venue = create("sandbox", credentials={"api_key": creds["api_key"]}, access_token=result.access_token, **options)
    await venue.start()
    try:
        assert (await venue.balances())[0].asset == "INR"
    finally:
        await venue.close()


async def test_a_wrong_secret_is_refused_as_an_auth_error(kite_server):
    creds = kite_server.builtin_credentials()
    listener = await RedirectListener.open("http://127.0.0.1:0/")
    kite_server.register_app(creds["api_key"], creds["api_secret"], listener.url)
    options = kite_server.adapter_options()
    with pytest.raises(AuthError):
        await login(creds["api_key"], "not-the-secret", root=options["root"], login_base=options["login_url"],
                    listener=listener, open_browser=follow_redirects, timeout_s=30)


async def test_the_venue_implements_the_ports_and_lists_indian_instruments(kite):
    assert isinstance(kite, Venue) and isinstance(kite, NativeProtection)
    instruments = await kite.instruments()
    infy = instruments["INFY"]
    assert (infy.exchange, infy.quote_asset, infy.venue, infy.asset_class) == ("NSE", "INR", "kite", AssetClass.EQUITY)
    fut = instruments[future_symbol(kite)]
    assert fut.step_size > 1 and fut.min_qty == fut.step_size  # the lot
    assert instruments["NIFTY 50"].asset_class is AssetClass.INDEX
    yy, mon = fut.expiry.strftime("%y"), fut.expiry.strftime("%b").upper()
    found = await kite.search(f"NIFTY {yy} {mon} FUT")
    assert found[0].symbol == fut.symbol


async def test_quote_depth_and_ticker_from_rest(kite):
    q = await kite.quote("INFY")
    assert isinstance(q, QuoteTick) and D(0) < q.bid < q.ask
    _, bids, asks = await kite.depth("INFY")
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and len(bids) <= 5
    t = await kite.ticker("INFY")
    assert t.last > 0 and t.high >= t.low


async def test_history_is_paged_across_kites_range_cap(kite, kite_server):
    end = kite.now_ms()
    start = end - 70 * 86_400_000  # minute candles: 60 days per call -> two calls
    bars = await kite.klines("INFY", Interval.M1, start, end, limit=100_000)
    calls = [p for m, p in kite_server.request_log if "/instruments/historical/" in p]
    assert len(calls) >= 2
    assert bars and all(isinstance(b, Bar) for b in bars)
    times = [b.open_time for b in bars]
    assert times == sorted(set(times))


async def test_place_modify_cancel_a_resting_limit_order(kite):
    q = await kite.quote("INFY")
    inst = (await kite.instruments())["INFY"]
    price = inst.snap_price(q.bid * D("0.9"), "down")
    req = OrderRequest("INFY", Side.BUY, OrderType.LIMIT, D(1), price=price, time_in_force=TimeInForce.DAY,
                       options=OrderOptions.make(params={"product": "CNC", "variety": "regular"}))
    placed, fills = await kite.submit(req)
    assert placed.client_order_id == req.client_order_id and placed.status is OrderStatus.NEW and not fills
    assert placed.price == price
    looked = await kite.query_order("INFY", req.client_order_id)
    assert looked.venue_order_id == placed.venue_order_id
    lower = inst.snap_price(price * D("0.99"), "down")
    moved = await kite.replace_order("INFY", req.client_order_id, price=lower)
    assert moved.price == lower and moved.client_order_id == req.client_order_id
    assert [o.client_order_id for o in await kite.open_orders("INFY")] == [req.client_order_id]
    canceled = await kite.cancel_order("INFY", req.client_order_id)
    assert canceled.status is OrderStatus.CANCELED
    with pytest.raises(UnknownOrder):
        await kite.query_order("INFY", "never-sent-id")


async def test_market_order_fills_and_shows_in_fills_positions_and_margins(kite):
    await kite.start_user_stream()
    before = {b.asset: b for b in await kite.balances()}["INR"]
    req = OrderRequest("SBIN", Side.BUY, OrderType.MARKET, D(2),
                       options=OrderOptions.make(params={"product": "MIS"}))
    placed, fills = await kite.submit(req)
    if placed.status is not OrderStatus.FILLED:  # filled a moment later: the order update says so
        await kite.rec.wait_for(lambda e: isinstance(e, OrderUpdated) and e.order.client_order_id ==
                                req.client_order_id and e.order.status is OrderStatus.FILLED)
    listed = await kite.fills("SBIN")
    assert sum(f.qty for f in listed if f.client_order_id == req.client_order_id) == D(2)
    assert all(isinstance(f, Fill) and f.commission_asset == "INR" for f in listed)
    net = {h.symbol: h for h in await kite.net_positions()}
    assert net["SBIN"].qty >= 2 and net["SBIN"].currency == "INR"
    assert "SBIN" in {h.symbol for h in await kite.positions()}
    after = {b.asset: b for b in await kite.balances()}["INR"]
    assert after.free < before.free  # the MIS margin is in use
    assert isinstance(await kite.holdings(), list)


async def test_part_of_a_lot_is_refused_before_anything_is_sent(kite, kite_server):
    sym = future_symbol(kite)
    lot = (await kite.instruments())[sym].step_size
    sent = len(kite_server.request_log)
    with pytest.raises(Rejected, match="multiple of the step size"):
        await kite.submit(OrderRequest(sym, Side.BUY, OrderType.MARKET, lot + 1,
                                       options=OrderOptions.make(params={"product": "MIS"})))
    assert not [p for m, p in kite_server.request_log[sent:] if m == "POST"]


async def test_gtt_oco_is_the_native_protective_pair(kite):
    q = await kite.quote("INFY")
    inst = (await kite.instruments())["INFY"]
    stop = OrderRequest("INFY", Side.SELL, OrderType.STOP_LOSS, D(1), stop_price=inst.snap_price(q.bid * D("0.8")),
                        options=OrderOptions.make(oca_group="g1"))
    target = OrderRequest("INFY", Side.SELL, OrderType.LIMIT, D(1), price=inst.snap_price(q.ask * D("1.2")),
                          time_in_force=TimeInForce.DAY, options=OrderOptions.make(oca_group="g1"))
    legs = await kite.submit_oco(stop, target)
    assert [o.client_order_id for o in legs] == [stop.client_order_id, target.client_order_id]
    assert all(o.status is OrderStatus.NEW for o in legs) and legs[0].venue_order_id == legs[1].venue_order_id
    gtts = await kite.rest.gtts()
    assert any(g["id"] == legs[0].venue_order_id and g["type"] == "two-leg" for g in gtts)
    gone = await kite.cancel_order("INFY", target.client_order_id)
    assert gone.status is OrderStatus.CANCELED
    assert (await kite.query_order("INFY", stop.client_order_id)).status is OrderStatus.CANCELED


async def test_ticker_streams_quotes_and_book_after_watch(kite):
    await kite.watch_quotes("INFY")
    quote = await kite.rec.wait_for(lambda e: isinstance(e, QuoteTick) and e.symbol == "INFY", timeout=20)
    assert quote.bid < quote.ask
    book = await kite.watch_book("INFY")
    assert book.best_bid() is not None
    assert kite.health()["market"].extra["connected"]


async def test_expired_token_is_session_expired_and_the_ticker_does_not_loop(kite, kite_server):
    await kite.watch_quotes("INFY")
    await kite.rec.wait_for(lambda e: isinstance(e, QuoteTick), timeout=20)
    kite_server.expire_tokens()
    with pytest.raises(SessionExpired):
        await kite.balances()
    await kite.stream.reconnect("test: token expired")
    # the close is under way when reconnect() returns: wait until the link has left CONNECTED (else wait_connected
    # answers at once for the old connection: seen on a clean-clone CI run)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while kite.stream.state.value == "connected" and loop.time() < deadline:
        await asyncio.sleep(0.01)
    with pytest.raises(SessionExpired):
        await kite.stream.wait_connected(20)
    # the loop has ended on the refusal (state FAILED, its task done): no reconnect loop
    assert kite.stream.failure is not None and kite.stream.state.value == "failed"
    assert not [t for t in kite.stream.tasks.tasks if not t.done()]


async def test_gtt_oco_leg_fires_when_the_price_crosses_and_the_other_is_dropped(kite, kite_server):
    inst = (await kite.instruments())["INFY"]
    q = await kite.quote("INFY")
    stop_at = inst.snap_price(q.bid * D("0.9"))
    stop = OrderRequest("INFY", Side.SELL, OrderType.STOP_LOSS, D(1), stop_price=stop_at,
                        options=OrderOptions.make(params={"product": "CNC"}, oca_group="g2"))
    target = OrderRequest("INFY", Side.SELL, OrderType.LIMIT, D(1), price=inst.snap_price(q.ask * D("1.1")),
                          time_in_force=TimeInForce.DAY, options=OrderOptions.make(oca_group="g2"))
    await kite.start_user_stream()
    await kite.submit_oco(stop, target)
    kite_server.move_price("NSE:INFY", stop_at - inst.tick_size * 10)  # through the stop
    for leg, fired_leg in ((stop, True), (target, False)):  # the order updates report both legs
        await kite.rec.wait_for(lambda e, cid=leg.client_order_id, fired_leg=fired_leg: isinstance(e, OrderUpdated)
                                and e.order.client_order_id == cid
                                and (e.order.status is OrderStatus.CANCELED) is not fired_leg, timeout=20)
    fired = await kite.query_order("INFY", stop.client_order_id)
    assert fired.venue_order_id != (await kite.query_order("INFY", target.client_order_id)).venue_order_id
    assert fired.side is Side.SELL and fired.quantity == 1 and fired.status is not OrderStatus.CANCELED
    assert (await kite.query_order("INFY", target.client_order_id)).status is OrderStatus.CANCELED


async def test_single_gtt_places_its_order_when_triggered(kite, kite_server):
    inst = (await kite.instruments())["SBIN"]
    q = await kite.quote("SBIN")
    buy_at = inst.snap_price(q.ask * D("0.9"))
    req = OrderRequest("SBIN", Side.BUY, OrderType.LIMIT, D(1), price=buy_at, time_in_force=TimeInForce.DAY,
                       options=OrderOptions.make(params={"product": "CNC"}))
    placed = await kite.submit_gtt(req)
    assert placed.status is OrderStatus.NEW
    assert (await kite.query_order("SBIN", req.client_order_id)).status is OrderStatus.NEW  # waiting
    kite_server.move_price("NSE:SBIN", buy_at - inst.tick_size)
    fired = await kite.query_order("SBIN", req.client_order_id)
    assert fired.price == buy_at and fired.venue_order_id != placed.venue_order_id


async def test_cover_order_needs_its_trigger_and_ohlc_reads_the_day(kite):
    with pytest.raises(Rejected, match="trigger_price"):
        await kite.submit(OrderRequest("SBIN", Side.BUY, OrderType.MARKET, D(1),
                                       options=OrderOptions.make(params={"variety": "co", "product": "MIS"})))
    last, open_, high, low, close = (await kite.ohlc(["SBIN"]))["SBIN"]
    assert last > 0 and high >= low > 0


async def test_the_balance_is_the_equity_margin_counted_once(kite):
    margins = await kite.margins()
    (inr,) = await kite.balances()  # the commodity block repeats the same pool: not a second balance
    assert (inr.asset, inr.free, inr.locked) == ("INR", margins["equity"]["net"],
                                                 margins["equity"]["utilised"]["debits"])

"""A fault run through a Session on the Kite paper server: 429s, 5xx on order placement (before and after the order
was taken), the ticker dropped, the token expiring mid-session. No order is lost or placed twice."""
from __future__ import annotations

from decimal import Decimal

import pytest

import terminal
from terminal.model import ConnectionChanged, OrderOptions, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.venues.kite import RedirectListener, follow_redirects, login
from terminal.venues.kite.tags import tag_for
from terminal.venues.ports import SessionExpired

from ..binance.recorder import Recorder

D = Decimal


async def test_fault_run_loses_and_duplicates_no_order():
    session = await terminal.connect("kite", always_open=True)
    server = session.server
    rec = Recorder()
    session.venue.bus.subscribe(None, rec)
    try:
        q = await session.venue.quote("INFY")
        inst = session.instrument("INFY")
        price = inst.snap_price(q.bid * D("0.9"), "down")

        def resting() -> OrderRequest:
            return OrderRequest("INFY", Side.BUY, OrderType.LIMIT, D(1), price=price, time_in_force=TimeInForce.DAY,
                                options=OrderOptions.make(params={"product": "CNC"}))

        sent = []
        server.rate_limit_next(2)  # two 429s, then the order goes
        sent.append(await session.place_order(req := resting()))
        # taken, then answered 500: found by its tag, not resent
        server.fail_next(1, 500, after_processing=True, path="/orders/regular")
        sent.append(await session.place_order(req := resting()))
        server.fail_next(1, 503, path="/orders/regular")  # refused before processing: looked up (unknown), sent again
        sent.append(await session.place_order(req := resting()))
        server.drop_ticker()
        await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and e.reason == "reconnected",
                           timeout=30)
        sent.append(await session.place_order(resting()))
        assert all(o.status is OrderStatus.NEW for o in sent), [o.status for o in sent]

        at_venue = await session.venue.rest.orders()  # the raw order book (Kite's records, through our limiter)
        for o in sent:
            mine = [r for r in at_venue if r.get("tag") == tag_for(o.client_order_id)]
            assert len(mine) == 1, (o.client_order_id, mine)  # exactly once: none lost, none twice
        assert len({r["order_id"] for r in at_venue}) == len(sent)

        server.expire_tokens()
        with pytest.raises(SessionExpired):
            await session.place_order(resting())
        assert session.expired and "log in again" in session.expired
        assert len(await orders_after_a_new_login(session)) == len(sent)  # the refused order was never sent
    finally:
        await session.close()


async def orders_after_a_new_login(session) -> list[dict]:
    """The server's order book, read after logging in again (the old tokens are dead), through the venue's own
    client: the api_key's request budget is one, whoever spends it."""
    server = session.server
    creds = server.builtin_credentials()
    listener = await RedirectListener.open("http://127.0.0.1:0/")
    server.register_app(creds["api_key"], creds["api_secret"], listener.url)
    options = server.adapter_options()
    result = await login(creds["api_key"], creds["api_secret"], root=options["root"], login_base=options["login_url"],
                         listener=listener, open_browser=follow_redirects, timeout_s=30)
    session.venue.rest.access_token = result.access_token
    return await session.venue.rest.orders()

"""A fault run through a Session on the Kite paper server: 429s, 5xx on order placement (before and after the order
was taken), the ticker dropped, the token expiring mid-session. No order is lost or placed twice."""
from __future__ import annotations

from decimal import Decimal

import pytest
from kiteconnect import KiteConnect

import terminal
from terminal.model import OrderOptions, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.venues.kite.tags import tag_for
from terminal.venues.ports import SessionExpired

from ..binance.recorder import Recorder
from terminal.model import ConnectionChanged

D = Decimal


async def test_fault_run_loses_and_duplicates_no_order():
    session = await terminal.connect("kite", always_open=True)
    server = session.server
    rec = Recorder()
    session.venue.bus.subscribe(None, rec)
    creds = server.builtin_credentials()
    official = KiteConnect(creds["api_key"], access_token=creds["access_token"], root=server.url)
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
        server.fail_next(1, 500, after_processing=True)  # taken, answered 500: found by its tag, not resent
        sent.append(await session.place_order(req := resting()))
        server.fail_next(1, 503)  # refused before processing: looked up (unknown), sent again
        sent.append(await session.place_order(req := resting()))
        server.drop_ticker()
        await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and e.reason == "reconnected",
                           timeout=30)
        sent.append(await session.place_order(resting()))
        assert all(o.status is OrderStatus.NEW for o in sent), [o.status for o in sent]

        at_venue = official.orders()
        for o in sent:
            mine = [r for r in at_venue if r.get("tag") == tag_for(o.client_order_id)]
            assert len(mine) == 1, (o.client_order_id, mine)  # exactly once: none lost, none twice
        assert len({r["order_id"] for r in at_venue}) == len(sent)

        server.expire_tokens()
        with pytest.raises(SessionExpired):
            await session.place_order(resting())
        assert session.expired and "log in again" in session.expired
        assert len(official_orders_after_expiry(server)) == len(sent)  # the refused order was never sent
    finally:
        await session.close()


def official_orders_after_expiry(server) -> list[dict]:
    """The server's own order book, read with a fresh login (the old tokens are dead)."""
    import requests

    creds = server.builtin_credentials()
    page = requests.get(server.login_url(creds["api_key"]) + "&autologin=1", allow_redirects=False, timeout=10)
    token = page.headers["Location"].split("request_token=")[1].split("&")[0]
    kite = KiteConnect(creds["api_key"], root=server.url)
    kite.set_access_token(kite.generate_session(token, creds["api_secret"])["access_token"])
    return kite.orders()

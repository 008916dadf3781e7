"""Modifying an order (cancel-replace) never loses it to a replacement the venue would refuse: the new price and
quantity are checked against the instrument before the original is canceled."""
from __future__ import annotations

import secrets as pysecrets
from decimal import Decimal

import pytest

import terminal
from terminal.model import OrderStatus, OrderValidationError

D = Decimal


async def test_a_replacement_off_the_tick_or_below_the_minimum_is_refused_and_the_original_stays_open(sandbox):
    key, secret = "k" + pysecrets.token_hex(31), pysecrets.token_hex(32)
    sandbox.create_account(key, secret, {"USDT": "10000"})
    s = await terminal.connect("sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret)
    try:
        ins = s.instrument("BTCUSDT")
        q = await s.quote("BTCUSDT")
        order = await s.buy("BTCUSDT", "0.001", price=ins.snap_price(q.bid * D("0.9")))
        with pytest.raises(OrderValidationError, match="tick size"):
            await s.replace_order("BTCUSDT", order.client_order_id, price=order.price + D("0.001"))
        with pytest.raises(OrderValidationError, match="below the minimum"):
            await s.replace_order("BTCUSDT", order.client_order_id, quantity=D("0.00001"))
        at_venue = await s.venue.rest.query_order("BTCUSDT", order.client_order_id)
        assert at_venue.status is OrderStatus.NEW and at_venue.price == order.price
        assert [o.client_order_id for o in s.open_orders()] == [order.client_order_id]
        await s.cancel_order("BTCUSDT", order.client_order_id)
    finally:
        await s.close()

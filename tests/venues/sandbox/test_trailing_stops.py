"""Trailing stops over real HTTP and the user stream (reference §15): ``trailingDelta`` on POST /api/v3/order, its
payloads (``trailingDelta``/``trailingTime``, executionReport ``d``/``D``), its trigger and its errors."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
import websockets

from terminal.venues.sandbox import SandboxServer
from terminal.venues.sandbox.rules import SymbolRules

from .quiet import Quiet, listen_key, order_events
from .signer import body, new_account, signed

# the reference's example: a trailing SELL stop of 2.5 % without a stop price, limit 97000, last price 100000
EXAMPLE = {"symbol": "BTCUSDT", "side": "SELL", "type": "STOP_LOSS_LIMIT", "timeInForce": "GTC",
           "quantity": "0.01000", "price": "97000.00", "trailingDelta": "250", "newOrderRespType": "RESULT"}


@pytest.fixture
def quiet():
    server = SandboxServer(host="127.0.0.1", port=0, simulate=False,
                           rules={"ETHUSDT": SymbolRules(allow_trailing_stop=False)})
    server.start()
    try:
        q = Quiet(server)
        q.trade_at("100000.00")
        yield q
    finally:
        server.stop()


def _call(q: Quiet, method: str, path: str, params: dict[str, Any], who: tuple[str, str]) -> Any:
    return signed(q.server, method, path, params, key=who[0], secret=who[1])


async def test_a_trailing_stop_answers_streams_and_triggers_by_its_delta_from_the_high(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1"})
    lk = await asyncio.to_thread(listen_key, quiet.server, me[0])
    async with websockets.connect(f"{quiet.server.ws_url}/ws/{lk}") as ws:
        placed = body(await asyncio.to_thread(_call, quiet, "POST", "/api/v3/order", EXAMPLE, me))
        assert (placed["status"], placed["stopPrice"], placed["trailingDelta"], placed["trailingTime"],
                placed["workingTime"]) == ("NEW", "0.00000000", 250, placed["transactTime"], -1)
        (new,) = await order_events(ws, 1)
        assert (new["x"], new["d"], new["D"], new["w"]) == ("NEW", 250, placed["transactTime"], False)
        await asyncio.to_thread(quiet.trade_at, "101000.00")   # a new high: it now triggers at 98475
        await asyncio.to_thread(quiet.trade_at, "98475.01")
        query = body(await asyncio.to_thread(_call, quiet, "GET", "/api/v3/order",
                                             {"symbol": "BTCUSDT", "orderId": placed["orderId"]}, me))
        assert (query["isWorking"], query["trailingDelta"], query["trailingTime"]) == (False, 250,
                                                                                     placed["transactTime"])
        await asyncio.to_thread(quiet.trade_at, "98475.00")
    query = body(await asyncio.to_thread(_call, quiet, "GET", "/api/v3/order",
                                         {"symbol": "BTCUSDT", "orderId": placed["orderId"]}, me))
    assert (query["isWorking"], query["status"]) == (True, "NEW")   # it rests as a limit sell at 97000
    depth = body(await asyncio.to_thread(signed, quiet.server, "GET", "/api/v3/depth", {"symbol": "BTCUSDT"}))
    assert ["97000.00000000", "0.01000000"] in depth["asks"]


async def test_a_trailing_stop_with_a_stop_price_starts_tracking_at_it(quiet) -> None:
    me = new_account(quiet.server, {"USDT": "10000"})
    lk = await asyncio.to_thread(listen_key, quiet.server, me[0])
    async with websockets.connect(f"{quiet.server.ws_url}/ws/{lk}") as ws:
        # the FAQ's case A scaled: BUY stop 104000, delta 500; tracking starts at 104000, then follows the low
        placed = body(await asyncio.to_thread(_call, quiet, "POST", "/api/v3/order", {
            "symbol": "BTCUSDT", "side": "BUY", "type": "STOP_LOSS_LIMIT", "timeInForce": "GTC", "quantity": "0.001",
            "price": "120000.00", "stopPrice": "104000.00", "trailingDelta": "500"}, me))
        (new,) = await order_events(ws, 1)
        assert (new["d"], "D" in new, new["P"]) == (500, False, "104000.00000000")   # no D before tracking
        key, secret = quiet.maker   # an ask for it to buy once it fires (every trade_at below prints lower)
        await asyncio.to_thread(signed, quiet.server, "POST", "/api/v3/order", {
            "symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
            "price": "110000.00"}, key=key, secret=secret)
        for price in ("97000.00", "104000.00", "108000.00", "102000.00"):
            await asyncio.to_thread(quiet.trade_at, price)
        query = body(await asyncio.to_thread(_call, quiet, "GET", "/api/v3/order",
                                             {"symbol": "BTCUSDT", "orderId": placed["orderId"]}, me))
        assert query["isWorking"] is False and query["trailingTime"] > placed["transactTime"] - 1
        await asyncio.to_thread(quiet.trade_at, "107100.00")   # 102000 x 1.05
        trade = (await order_events(ws, 1))[0]
        assert (trade["x"], trade["X"], trade["L"], trade["d"], trade["D"]) == (
            "TRADE", "FILLED", "110000.00000000", 500, query["trailingTime"])


@pytest.mark.parametrize("changes, code, msg", [
    ({"trailingDelta": "5"}, -1013, "Filter failure: TRAILING_DELTA"),
    ({"trailingDelta": "2001"}, -1013, "Filter failure: TRAILING_DELTA"),
    ({"trailingDelta": "-250"}, -1013, "Filter failure: TRAILING_DELTA"),
    ({"trailingDelta": "2.5"}, -1100, "Illegal characters found in parameter 'trailingDelta'."),
    ({"type": "LIMIT", "timeInForce": "GTC"}, -1106, "Parameter 'trailingDelta' sent when not required."),
    ({"trailingDelta": None}, -1102, "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed."),
    ({"stopPrice": "100500.00"}, -2010, "Order would trigger immediately."),
    ({"symbol": "ETHUSDT", "price": "3000.00", "quantity": "0.1000"}, -2010,
     "Trailing stop orders are not supported for this symbol."),
])
def test_trailing_stop_errors(quiet, changes, code, msg) -> None:
    me = new_account(quiet.server, {"BTC": "1", "ETH": "1"})
    params = {k: v for k, v in {**EXAMPLE, **changes}.items() if v is not None}
    resp = _call(quiet, "POST", "/api/v3/order", params, me)
    assert (resp.status_code, body(resp)) == (400, {"code": code, "msg": msg})
    assert body(_call(quiet, "GET", "/api/v3/openOrders", {}, me)) == []


def test_a_trailing_order_is_checked_by_order_test_too(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1"})
    assert body(_call(quiet, "POST", "/api/v3/order/test", EXAMPLE, me)) == {}
    bad = _call(quiet, "POST", "/api/v3/order/test", {**EXAMPLE, "trailingDelta": "3000"}, me)
    assert body(bad) == {"code": -1013, "msg": "Filter failure: TRAILING_DELTA"}
    assert Decimal(body(_call(quiet, "GET", "/api/v3/account", {}, me))["balances"][0]["locked"]) == 0

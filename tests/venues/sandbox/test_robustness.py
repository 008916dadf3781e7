"""Property tests: any order parameters or WebSocket text gets a clear answer, never a crash or a wrong balance."""
from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .signer import body, new_account, signed

WORDS = st.sampled_from(["BUY", "SELL", "LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS", "GTC", "IOC", "FOK", "",
                         "buy", "1", "-1", "0.001", "1e-05", "NaN", "Infinity", "99999999999999999999999",
                         "0.00000000001", "10000.00", "abc", "%00", "BTCUSDT", "ETHUSDT", "x" * 100])
NUMS = st.one_of(WORDS, st.decimals(min_value=0, max_value=10**7, places=5, allow_nan=False).map(str),
                 st.text(max_size=12))
FIELDS = ("symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price", "stopPrice",
          "newOrderRespType", "newClientOrderId")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(FIELDS), NUMS, max_size=8))
def test_random_order_parameters_get_a_clear_answer_and_balances_stay_whole(sandbox, params) -> None:
    key, secret = new_account(sandbox, {"USDT": "1000", "BTC": "0.1"})
    resp = signed(sandbox, "POST", "/api/v3/order", params, key=key, secret=secret)
    assert resp.status_code in (200, 400), resp.text
    answer = body(resp)
    if resp.status_code == 400:
        assert set(answer) == {"code", "msg"} and answer["code"] < 0 and answer["msg"]
    account_id = sandbox.accounts.lookup(key).account_id
    balances = sandbox.call(sandbox.engine.balances, account_id)   # read on the server loop, no request weight
    for free, locked in balances.values():
        assert free >= 0 and locked >= 0
    if resp.status_code == 400:
        assert balances["USDT"] == (Decimal(1000), Decimal(0)) and balances["BTC"] == (Decimal("0.1"), Decimal(0))


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                   max_size=4), max_leaves=10)
MESSAGES = st.one_of(
    st.text(max_size=60),
    JSONISH.map(json.dumps),
    st.fixed_dictionaries({"method": st.sampled_from(["SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS",
                                                      "SET_PROPERTY", "GET_PROPERTY", "NOPE"]),
                           "params": JSONISH, "id": JSONISH}).map(json.dumps),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(MESSAGES, min_size=1, max_size=8))
def test_random_websocket_control_messages_always_get_a_reply(sandbox, batch) -> None:
    async def run() -> None:
        async with websockets.connect(sandbox.ws_url + "/ws") as ws:
            for text in batch:
                await ws.send(text)
                reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
                while "id" not in reply:   # a market payload from a stream the batch subscribed to
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert "result" in reply or ("code" in reply and "msg" in reply)
            await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": "last"}))
            while (json.loads(await asyncio.wait_for(ws.recv(), 5))).get("id") != "last":
                pass
    asyncio.run(run())

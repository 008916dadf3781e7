"""User data: listenKey REST lifecycle, events over /ws/<listenKey>, and the WS API subscription."""
from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import websockets

from .signer import SESSION, body, hmac_hex, new_account, public, signed

T = 10


async def _recv(ws: Any) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), T), parse_float=Decimal)


async def _until(ws: Any, pred: Any) -> Any:
    while True:
        msg = await _recv(ws)
        if pred(msg):
            return msg


def _listen_key(server: Any, key: str) -> str:
    resp = SESSION.post(server.url + "/api/v3/userDataStream", headers={"X-MBX-APIKEY": key})
    assert resp.status_code == 200, resp.text
    return resp.json()["listenKey"]


def test_listen_key_lifecycle(sandbox) -> None:
    key, _ = new_account(sandbox, {"USDT": "1"})
    lk = _listen_key(sandbox, key)
    assert len(lk) == 64 and _listen_key(sandbox, key) == lk
    h = {"X-MBX-APIKEY": key}
    assert SESSION.put(f"{sandbox.url}/api/v3/userDataStream?listenKey={lk}", headers=h).json() == {}
    assert SESSION.delete(f"{sandbox.url}/api/v3/userDataStream", data=f"listenKey={lk}", headers=h).json() == {}
    gone = SESSION.put(f"{sandbox.url}/api/v3/userDataStream?listenKey={lk}", headers=h)
    assert gone.status_code == 400 and gone.json() == {"code": -1125, "msg": "This listenKey does not exist."}
    assert SESSION.post(sandbox.url + "/api/v3/userDataStream").json()["code"] == -2014


def _price_below(server: Any) -> str:
    bid = Decimal(body(public(server, "/api/v3/depth", symbol="BTCUSDT", limit=1))["bids"][0][0])
    return format((bid * Decimal("0.9")).quantize(Decimal("0.01")), "f")


async def test_listen_key_stream_reports_new_cancel_and_balances(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "1000"})
    lk = await asyncio.to_thread(_listen_key, sandbox, key)
    async with websockets.connect(f"{sandbox.ws_url}/ws/{lk}") as ws:
        price = await asyncio.to_thread(_price_below, sandbox)
        placed = body(await asyncio.to_thread(
            signed, sandbox, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                                       "timeInForce": "GTC", "quantity": "0.00100", "price": price,
                                                       "newClientOrderId": "ud-1"}, key=key, secret=secret))
        new = await _until(ws, lambda m: m["e"] == "executionReport")
        assert (new["x"], new["X"], new["c"], new["i"], new["w"]) == ("NEW", "NEW", "ud-1", placed["orderId"], True)
        assert new["p"] == price + "000000" and new["q"] == "0.00100000" and new["N"] is None and new["t"] == -1
        pos = await _until(ws, lambda m: m["e"] == "outboundAccountPosition")
        usdt = {b["a"]: b for b in pos["B"]}["USDT"]
        locked = Decimal(price) * Decimal("0.001")
        assert (Decimal(usdt["f"]), Decimal(usdt["l"])) == (Decimal(1000) - locked, locked)
        await asyncio.to_thread(signed, sandbox, "DELETE", "/api/v3/order",
                                {"symbol": "BTCUSDT", "orderId": placed["orderId"], "newClientOrderId": "ud-cancel"},
                                key=key, secret=secret)
        cancel = await _until(ws, lambda m: m["e"] == "executionReport")
        assert (cancel["x"], cancel["X"], cancel["c"], cancel["C"]) == ("CANCELED", "CANCELED", "ud-cancel", "ud-1")
        pos = await _until(ws, lambda m: m["e"] == "outboundAccountPosition")
        assert {b["a"]: b for b in pos["B"]}["USDT"]["l"] == "0.00000000"
        await asyncio.to_thread(sandbox.deposit, key, "USDT", "5")
        update = await _until(ws, lambda m: m["e"] == "balanceUpdate")
        assert (update["a"], update["d"]) == ("USDT", "5.00000000")


def _ws_subscribe_request(key: str, secret: str, req_id: Any = "sub-1") -> str:
    params: dict[str, Any] = {"apiKey": key, "timestamp": int(time.time() * 1000)}
    payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["signature"] = hmac_hex(secret, payload)
    return json.dumps({"id": req_id, "method": "userDataStream.subscribe.signature", "params": params})


async def test_ws_api_subscription_wraps_market_fill_events(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "10000"})
    async with websockets.connect(f"{sandbox.ws_url}/ws-api/v3") as ws:
        await ws.send(json.dumps({"id": 1, "method": "ping"}))
        assert (await _recv(ws))["result"] == {}
        await ws.send(_ws_subscribe_request(key, secret))
        reply = await _recv(ws)
        assert reply["status"] == 200 and reply["id"] == "sub-1" and reply["result"] == {"subscriptionId": 0}
        order = body(await asyncio.to_thread(
            signed, sandbox, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                                       "quoteOrderQty": "50"}, key=key, secret=secret))
        events = []
        while True:
            msg = await _recv(ws)
            assert msg["subscriptionId"] == 0
            events.append(msg["event"])
            if msg["event"]["e"] == "executionReport" and msg["event"]["X"] in ("FILLED", "EXPIRED"):
                break
        reports = [e for e in events if e["e"] == "executionReport"]
        assert reports[0]["x"] == "NEW" and {r["x"] for r in reports[1:]} <= {"TRADE", "EXPIRED"}
        trades = [r for r in reports if r["x"] == "TRADE"]
        assert [r["t"] for r in trades] == [f["tradeId"] for f in order["fills"]]
        assert trades[-1]["Z"] == order["cummulativeQuoteQty"] and trades[0]["N"] == "BTC"
        await ws.send(json.dumps({"id": 2, "method": "session.status"}))
        status = await _until(ws, lambda m: m.get("id") == 2)
        assert status["result"]["userDataStream"] is True
        await ws.send(json.dumps({"id": 3, "method": "userDataStream.unsubscribe", "params": {"subscriptionId": 0}}))
        assert (await _until(ws, lambda m: m.get("id") == 3))["status"] == 200


async def test_ws_api_rejects_bad_signature_and_malformed_json(sandbox) -> None:
    async with websockets.connect(f"{sandbox.ws_url}/ws-api/v3") as ws:
        await ws.send(_ws_subscribe_request(sandbox.default_api_key, "wrong-secret", req_id=7))
        reply = await _recv(ws)
        assert reply["status"] == 400 and reply["error"]["code"] == -1022 and reply["id"] == 7
        await ws.send("{oops")
        assert (await _recv(ws))["status"] == 400
        await ws.send(json.dumps({"id": 8, "method": "userDataStream.subscribe.signature", "params": {}}))
        assert (await _recv(ws))["error"]["code"] == -1102


def _signed_ws(method: str, params: dict[str, Any], key: str, secret: str, req_id: Any) -> str:
    params = {**params, "apiKey": key, "timestamp": int(time.time() * 1000)}
    payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    return json.dumps({"id": req_id, "method": method, "params": {**params, "signature": hmac_hex(secret, payload)}})


async def test_ws_api_trading_methods_mirror_rest(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "1000"})
    price = await asyncio.to_thread(_price_below, sandbox)
    async with websockets.connect(f"{sandbox.ws_url}/ws-api/v3") as ws:
        await ws.send(_signed_ws("order.place", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                                 "timeInForce": "GTC", "quantity": "0.00100", "price": price,
                                                 "newClientOrderId": "wsapi-1"}, key, secret, "p"))
        placed = await _until(ws, lambda m: m.get("id") == "p")
        assert placed["status"] == 200 and placed["result"]["status"] == "NEW", placed
        await ws.send(_signed_ws("order.status", {"symbol": "BTCUSDT", "origClientOrderId": "wsapi-1"}, key, secret,
                                 "s"))
        assert (await _until(ws, lambda m: m.get("id") == "s"))["result"]["orderId"] == placed["result"]["orderId"]
        await ws.send(_signed_ws("order.cancel", {"symbol": "BTCUSDT", "orderId": placed["result"]["orderId"]}, key,
                                 secret, "c"))
        assert (await _until(ws, lambda m: m.get("id") == "c"))["result"]["status"] == "CANCELED"
        await ws.send(_signed_ws("account.status", {"omitZeroBalances": "true"}, key, secret, "a"))
        account = await _until(ws, lambda m: m.get("id") == "a")
        assert account["result"]["balances"] == [{"asset": "USDT", "free": "1000.00000000", "locked": "0.00000000"}]
        await ws.send(json.dumps({"id": "d", "method": "depth", "params": {"symbol": "BTCUSDT", "limit": 5}}))
        assert len((await _until(ws, lambda m: m.get("id") == "d"))["result"]["bids"]) == 5
        await ws.send(_signed_ws("order.place", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                                 "quantity": 1e-05}, key, secret, "bad"))
        bad = await _until(ws, lambda m: m.get("id") == "bad")
        assert bad["status"] == 400 and bad["error"]["code"] == -1100


async def test_listen_key_subscribed_as_a_stream_on_bare_ws_and_combined(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "1000"})
    lk = await asyncio.to_thread(_listen_key, sandbox, key)
    async with websockets.connect(f"{sandbox.ws_url}/ws") as bare, \
            websockets.connect(f"{sandbox.ws_url}/stream?streams={lk}") as combined:
        await bare.send(json.dumps({"method": "SUBSCRIBE", "params": [lk], "id": 1}))
        assert await _until(bare, lambda m: m.get("id") == 1) == {"result": None, "id": 1}
        price = await asyncio.to_thread(_price_below, sandbox)
        await asyncio.to_thread(signed, sandbox, "POST", "/api/v3/order",
                                {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                                 "quantity": "0.00100", "price": price}, key=key, secret=secret)
        assert (await _until(bare, lambda m: m.get("e") == "executionReport"))["x"] == "NEW"
        wrapped = await _until(combined, lambda m: m["data"].get("e") == "executionReport")
        assert wrapped["stream"] == lk

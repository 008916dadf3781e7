"""Market streams over real WebSockets: control protocol, trade/bookTicker payloads, depth diff sync (§10a)."""
from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import pytest
import websockets

from .signer import body, new_account, public, signed

T = 10


async def _recv(ws: Any, timeout: float = T) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout), parse_float=Decimal)


async def _recv_until(ws: Any, pred: Any, timeout: float = T) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        msg = await _recv(ws, max(0.01, deadline - time.monotonic()))
        if pred(msg):
            return msg


def _cross(server: Any, side: str = "BUY", qty: str = "0.00100") -> dict[str, Any]:
    key, secret = new_account(server, {"USDT": "100000", "BTC": "1"})
    resp = signed(server, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": side, "type": "MARKET",
                                                    "quantity": qty}, key=key, secret=secret)
    assert resp.status_code == 200, resp.text
    return body(resp)


async def test_control_protocol_answers_and_errors(sandbox) -> None:
    async with websockets.connect(sandbox.ws_url + "/ws") as ws:
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade", "btcusdt@depth"], "id": 1}))
        assert await _recv(ws) == {"result": None, "id": 1}
        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": "abc"}))
        assert await _recv_until(ws, lambda m: m.get("id") == "abc") == {
            "result": ["btcusdt@aggTrade", "btcusdt@depth"], "id": "abc"}
        await ws.send(json.dumps({"method": "UNSUBSCRIBE", "params": ["btcusdt@depth"], "id": 2}))
        assert await _recv_until(ws, lambda m: m.get("id") == 2) == {"result": None, "id": 2}
        await ws.send(json.dumps({"method": "SET_PROPERTY", "params": ["combined", True], "id": 3}))
        assert await _recv_until(ws, lambda m: m.get("id") == 3) == {"result": None, "id": 3}
        await ws.send(json.dumps({"method": "GET_PROPERTY", "params": ["combined"], "id": 4}))
        assert await _recv_until(ws, lambda m: m.get("id") == 4) == {"result": True, "id": 4}
        cases = [
            ("{not json", 3), (json.dumps({"params": [], "id": 5}), 2),
            (json.dumps({"method": "FLY", "id": 6}), 2), (json.dumps({"method": "SUBSCRIBE", "params": ["x@y"], "id": 7}), 2),
            (json.dumps({"method": "SET_PROPERTY", "params": ["colour", True], "id": 8}), 0),
            (json.dumps({"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 9}), 1),
            (json.dumps({"method": "SUBSCRIBE", "params": [1], "id": 10}), 1),
            (json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": {"a": 1}}), 2),
            (json.dumps([1, 2]), 3),
        ]
        for text, code in cases:
            await ws.send(text)
            reply = await _recv_until(ws, lambda m: "code" in m)
            assert reply["code"] == code, (text, reply)
        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 11}))
        assert (await _recv_until(ws, lambda m: m.get("id") == 11))["result"] == ["btcusdt@aggTrade"]


async def test_unknown_stream_in_url_is_refused(sandbox) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(sandbox.ws_url + "/ws/nopeusdt@trade"):
            pass


async def test_trade_and_bookticker_payloads_raw_and_combined(sandbox) -> None:
    async with websockets.connect(sandbox.ws_url + "/ws/btcusdt@trade") as raw, \
            websockets.connect(sandbox.ws_url + "/stream?streams=btcusdt@trade/btcusdt@bookTicker") as comb:
        order = await asyncio.to_thread(_cross, sandbox)
        ids = {f["tradeId"] for f in order["fills"]}
        trade = await _recv_until(raw, lambda m: m.get("t") in ids)
        assert trade["e"] == "trade" and trade["s"] == "BTCUSDT" and trade["M"] is True
        assert isinstance(trade["p"], str) and Decimal(trade["q"]) > 0
        wrapped = await _recv_until(comb, lambda m: m["stream"] == "btcusdt@trade" and m["data"]["t"] in ids)
        assert wrapped["data"]["e"] == "trade"
        top = await _recv_until(comb, lambda m: m["stream"] == "btcusdt@bookTicker")
        assert set(top["data"]) == {"u", "s", "b", "B", "a", "A"}
        assert Decimal(top["data"]["b"]) < Decimal(top["data"]["a"])


async def test_partial_depth_stream_sends_top_levels(sandbox) -> None:
    async with websockets.connect(sandbox.ws_url + "/ws/btcusdt@depth5@100ms") as ws:
        snap = await _recv(ws)
        assert set(snap) == {"lastUpdateId", "bids", "asks"} and len(snap["bids"]) == 5


async def _sync_book(server: Any, stream: str, diffs: int, cross_every: float = 0.3) -> int:
    """The §10a procedure until ``diffs`` diffs were applied (a count, not a time); returns that count. Fails on
    any gap."""
    stop = asyncio.Event()

    async def churn() -> None:  # our own trades move the book even without the market simulator
        n = 0
        while not stop.is_set():
            await asyncio.to_thread(_cross, server, "BUY" if n % 2 else "SELL")
            n += 1
            try:
                await asyncio.wait_for(stop.wait(), cross_every)
            except asyncio.TimeoutError:
                pass

    async with websockets.connect(f"{server.ws_url}/ws/{stream}") as ws:
        churner = asyncio.create_task(churn())
        try:
            return await _follow(server, ws, diffs)
        finally:
            stop.set()
            await churner


async def _follow(server: Any, ws: Any, diffs: int) -> int:
    if True:
        first = await _recv(ws)
        buffered = [first]
        snap = body(await asyncio.to_thread(public, server, "/api/v3/depth", symbol="BTCUSDT", limit=5000))
        while snap["lastUpdateId"] < first["U"]:
            buffered.append(await _recv(ws))
            snap = body(await asyncio.to_thread(public, server, "/api/v3/depth", symbol="BTCUSDT", limit=5000))
        book_id = snap["lastUpdateId"]
        bids = {Decimal(p): Decimal(q) for p, q in snap["bids"]}
        asks = {Decimal(p): Decimal(q) for p, q in snap["asks"]}
        applied = 0
        started = False

        def apply(ev: dict[str, Any]) -> None:
            nonlocal book_id, applied, started
            if ev["u"] <= book_id:
                return
            if not started:
                assert ev["U"] <= book_id + 1 <= ev["u"], (ev["U"], book_id, ev["u"])
                started = True
            else:
                assert ev["U"] == book_id + 1, f"gap: book at {book_id}, event starts at {ev['U']}"
            for side, levels in ((bids, ev["b"]), (asks, ev["a"])):
                for p, q in levels:
                    if Decimal(q) == 0:
                        side.pop(Decimal(p), None)
                    else:
                        side[Decimal(p)] = Decimal(q)
            book_id = ev["u"]
            applied += 1

        for ev in buffered:
            apply(ev)
        while applied < diffs:
            apply(await _recv(ws))
        # the rebuilt book equals a fresh snapshot taken at the same update id
        snap = body(await asyncio.to_thread(public, server, "/api/v3/depth", symbol="BTCUSDT", limit=5000))
        while snap["lastUpdateId"] > book_id:
            apply(await _recv(ws))
        if snap["lastUpdateId"] == book_id:
            assert sorted(bids.items(), reverse=True)[:20] == [(Decimal(p), Decimal(q)) for p, q in snap["bids"][:20]]
            assert sorted(asks.items())[:20] == [(Decimal(p), Decimal(q)) for p, q in snap["asks"][:20]]
        return applied


async def test_depth_diffs_sync_without_gaps_at_100ms(sandbox) -> None:
    assert await _sync_book(sandbox, "btcusdt@depth@100ms", 20) >= 20


async def test_depth_diffs_sync_without_gaps_at_1000ms(sandbox) -> None:
    assert await _sync_book(sandbox, "btcusdt@depth", 2) >= 2


async def test_kline_and_ticker_streams_when_market_runs(sandbox) -> None:
    if sandbox.market is None:
        pytest.skip("market simulator not available")
    async with websockets.connect(sandbox.ws_url + "/stream?streams=btcusdt@kline_1s/btcusdt@miniTicker/"
                                  "btcusdt@ticker/!miniTicker@arr/btcusdt@ticker_1h") as ws:
        seen: dict[str, Any] = {}
        while len(seen) < 5:  # each receive times out after T seconds
            msg = await _recv(ws)
            seen[msg["stream"]] = msg["data"]
        assert seen["btcusdt@kline_1s"]["k"]["i"] == "1s"
        assert seen["btcusdt@miniTicker"]["e"] == "24hrMiniTicker"
        assert seen["btcusdt@ticker"]["e"] == "24hrTicker"
        assert isinstance(seen["!miniTicker@arr"], list)
        assert seen["btcusdt@ticker_1h"]["e"] == "1hTicker"

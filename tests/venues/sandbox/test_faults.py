"""Fault switches: 5xx with unknown outcome, 429 + Retry-After, delays, dropped sockets, depth gaps, admin HTTP."""
from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import pytest
import requests
import websockets

from .signer import SESSION, body, public, signed

ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
         "price": "10000.00"}


def _open_ids(server) -> set[str]:
    return {o["clientOrderId"] for o in body(signed(server, "GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}))}


def test_fail_next_alternates_not_placed_and_placed_then_500(fresh_sandbox) -> None:
    fresh_sandbox.faults.fail_next(2, status=503)
    first = signed(fresh_sandbox, "POST", "/api/v3/order", {**ORDER, "newClientOrderId": "f-1"})
    second = signed(fresh_sandbox, "POST", "/api/v3/order", {**ORDER, "newClientOrderId": "f-2"})
    assert (first.status_code, second.status_code) == (503, 503)
    assert body(first)["code"] == -1000
    assert _open_ids(fresh_sandbox) == {"f-2"}   # 1st not placed, 2nd placed then answered 503
    assert signed(fresh_sandbox, "POST", "/api/v3/order", {**ORDER, "newClientOrderId": "f-3"}).status_code == 200


def test_rate_limit_next_answers_429_with_retry_after(sandbox) -> None:
    sandbox.faults.rate_limit_next(1, retry_after=7)
    resp = public(sandbox, "/api/v3/time")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7" and body(resp)["code"] == -1003
    assert public(sandbox, "/api/v3/time").status_code == 200


def test_weight_limit_gives_429_then_418(fresh_sandbox) -> None:
    statuses = []
    for _ in range(330):  # exchangeInfo weighs 20: the 301st call passes 6000
        statuses.append(public(fresh_sandbox, "/api/v3/exchangeInfo", symbol="BTCUSDT").status_code)
        if statuses[-1] == 418:
            break
    assert statuses[:300] == [200] * 300
    assert statuses[300] == 429 and statuses[-1] == 418


def test_delay_next_delays_the_answer(sandbox) -> None:
    sandbox.faults.delay_next(1, 0.3)
    started = time.monotonic()
    assert public(sandbox, "/api/v3/ping").status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_drop_websockets_closes_market_and_user_sockets(fresh_sandbox) -> None:
    async with websockets.connect(fresh_sandbox.ws_url + "/ws/btcusdt@trade") as market, \
            websockets.connect(fresh_sandbox.ws_url + "/ws-api/v3") as api:
        await api.send(json.dumps({"id": 1, "method": "ping"}))
        await asyncio.wait_for(api.recv(), 5)
        await asyncio.to_thread(fresh_sandbox.faults.drop_websockets)
        for ws in (market, api):
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                while True:
                    await asyncio.wait_for(ws.recv(), 5)


async def test_skip_depth_sequence_makes_a_visible_gap(fresh_sandbox) -> None:
    async with websockets.connect(fresh_sandbox.ws_url + "/ws/btcusdt@depth@100ms") as ws:
        def churn() -> None:
            signed(fresh_sandbox, "POST", "/api/v3/order", {**ORDER, "price": "10000.00"})
        await asyncio.to_thread(churn)
        first = json.loads(await asyncio.wait_for(ws.recv(), 5))
        fresh_sandbox.faults.skip_depth_sequence("BTCUSDT")
        await asyncio.to_thread(churn)
        for _ in range(20):
            await asyncio.to_thread(churn)
            nxt = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if nxt["U"] != first["u"] + 1:
                assert nxt["U"] > first["u"] + 1
                return
            first = nxt
        pytest.fail("no gap seen")


def test_admin_http_switches_and_health(fresh_sandbox) -> None:
    health = requests.get(fresh_sandbox.url + "/sandbox/health", timeout=5).json()
    assert health["status"] == "ok" and "BTCUSDT" in health["symbols"]
    assert requests.post(fresh_sandbox.url + "/sandbox/faults", json={"rate_limit_next": 1, "retry_after": 3},
                         timeout=5).status_code == 200
    assert public(fresh_sandbox, "/api/v3/ping").status_code == 429
    made = requests.post(fresh_sandbox.url + "/sandbox/accounts", json={"balances": {"USDT": "42"}}, timeout=5).json()
    acct = body(signed(fresh_sandbox, "GET", "/api/v3/account", key=made["apiKey"], secret=made["secret"]))
    assert {b["asset"]: Decimal(b["free"]) for b in acct["balances"]} == {"USDT": Decimal(42)}
    assert requests.post(fresh_sandbox.url + "/sandbox/faults", data=b"{nope", timeout=5).status_code == 400
    assert SESSION.get(fresh_sandbox.url + "/api/v3/nothing").status_code == 404

"""HMAC verification on raw bytes: the reference's vectors, split query/body, key, timestamp and replay errors."""
from __future__ import annotations

import time

import pytest

from terminal.venues.sandbox.auth import sign, ws_payload

from .signer import KEY, SECRET, SESSION, body, hmac_hex, signed

VECTORS = [
    ("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
     "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"),
    ("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC" "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
     "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"),
    ("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1"
     "&price=0.1&recvWindow=5000&timestamp=1499827319559",
     "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"),
]


@pytest.mark.parametrize("payload,expected", VECTORS)
def test_sign_matches_documented_vectors(payload: str, expected: str) -> None:
    assert sign(SECRET, payload) == expected


def test_ws_payload_sorted_matches_documented_vector() -> None:
    params = {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01000000",
              "price": "52000.00", "recvWindow": 100, "timestamp": 1645423376532, "apiKey": KEY,
              "signature": "ignored"}
    assert sign(SECRET, ws_payload(params)) == "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"


def test_signature_split_between_query_and_body_is_verified_on_raw_bytes(sandbox) -> None:
    ts = int(time.time() * 1000)
    query = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
    form = f"quantity=0.00100&price=10000.00&recvWindow=5000&timestamp={ts}"
    sig = hmac_hex(SECRET, query + form)
    resp = SESSION.post(f"{sandbox.url}/api/v3/order/test?{query}", data=f"{form}&signature={sig}",
                        headers={"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 200, resp.text
    assert body(resp) == {}


def test_query_wins_over_body_on_duplicate_names(sandbox) -> None:
    ts = int(time.time() * 1000)
    query = f"symbol=BTCUSDT&timestamp={ts}"
    form = "symbol=NOPE"
    sig = hmac_hex(SECRET, query + form)
    resp = SESSION.delete(f"{sandbox.url}/api/v3/openOrders?{query}&signature={sig}", data=form,
                          headers={"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"})
    # the query's BTCUSDT was used (nothing open: -2011), not the body's unknown symbol (-1121)
    assert body(resp)["code"] == -2011


def test_wrong_signature_is_1022(sandbox) -> None:
    resp = signed(sandbox, "GET", "/api/v3/account", secret="x" * 64)
    assert resp.status_code == 400
    assert body(resp) == {"code": -1022, "msg": "Signature for this request is not valid."}


def test_uppercase_hex_signature_is_accepted(sandbox) -> None:
    ts = int(time.time() * 1000)
    payload = f"timestamp={ts}"
    resp = SESSION.get(f"{sandbox.url}/api/v3/account?{payload}&signature={hmac_hex(SECRET, payload).upper()}",
                       headers={"X-MBX-APIKEY": KEY})
    assert resp.status_code == 200, resp.text


def test_missing_key_is_2014_and_unknown_key_is_2015(sandbox) -> None:
    ts = int(time.time() * 1000)
    payload = f"timestamp={ts}"
    resp = SESSION.get(f"{sandbox.url}/api/v3/account?{payload}&signature={hmac_hex(SECRET, payload)}")
    assert resp.status_code == 401 and body(resp)["code"] == -2014
    resp = signed(sandbox, "GET", "/api/v3/account", key="Unknown" + "A" * 57)
    assert resp.status_code == 401
    assert body(resp) == {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}


def test_stale_and_future_timestamps_are_1021(sandbox) -> None:
    now = int(time.time() * 1000)
    old = body(signed(sandbox, "GET", "/api/v3/account", timestamp=now - 6000))
    assert old == {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}
    ahead = body(signed(sandbox, "GET", "/api/v3/account", timestamp=now + 5000))
    assert ahead["code"] == -1021 and "ahead" in ahead["msg"]
    ok = signed(sandbox, "GET", "/api/v3/account", {"recvWindow": 20000}, timestamp=now - 6000)
    assert ok.status_code == 200, ok.text
    too_big = body(signed(sandbox, "GET", "/api/v3/account", {"recvWindow": 70000}))
    assert too_big["code"] == -1131


def test_missing_timestamp_and_signature_are_1102(sandbox) -> None:
    resp = SESSION.get(f"{sandbox.url}/api/v3/account?signature=abc", headers={"X-MBX-APIKEY": KEY})
    assert body(resp)["code"] == -1102 and "'timestamp'" in body(resp)["msg"]
    resp = SESSION.get(f"{sandbox.url}/api/v3/account?timestamp=1", headers={"X-MBX-APIKEY": KEY})
    assert body(resp)["code"] == -1102 and "'signature'" in body(resp)["msg"]


def test_replayed_identical_signed_request_is_rejected(sandbox) -> None:
    ts = int(time.time() * 1000)
    payload = f"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&timestamp={ts}"
    url = f"{sandbox.url}/api/v3/order/test?{payload}&signature={hmac_hex(SECRET, payload)}"
    first = SESSION.post(url, headers={"X-MBX-APIKEY": KEY})
    assert first.status_code == 200, first.text
    again = SESSION.post(url, headers={"X-MBX-APIKEY": KEY})
    assert again.status_code == 400
    assert body(again)["code"] == -1022 and "already used" in body(again)["msg"]


def test_identical_signed_reads_are_not_treated_as_replays(sandbox) -> None:
    ts = int(time.time() * 1000)
    payload = f"timestamp={ts}"
    url = f"{sandbox.url}/api/v3/account?{payload}&signature={hmac_hex(SECRET, payload)}"
    assert [SESSION.get(url, headers={"X-MBX-APIKEY": KEY}).status_code for _ in range(2)] == [200, 200]


def test_public_endpoint_ignores_api_key_header(sandbox) -> None:
    resp = SESSION.get(f"{sandbox.url}/api/v3/ping", headers={"X-MBX-APIKEY": "garbage!!"})
    assert resp.status_code == 200 and resp.json() == {}

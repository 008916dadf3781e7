"""Robustness: any order parameters, WebSocket text or malformed HTTP request gets a clear Binance answer (JSON
``{code, msg}`` with the right code), never a crash, a 500, plain text or a wrong balance; the admin faults route
validates its input."""
from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time
from decimal import Decimal

import pytest
import requests
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .signer import KEY, SESSION, body, new_account, public, signed

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


# -- malformed HTTP: every refusal is a Binance JSON error with its own code, never a 500, never plain text ------------

def _raw(server, request: bytes) -> tuple[int, str, bytes]:
    """Send bytes as they are (no client library would send most of these) and read the one answer."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(request)
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        return resp.status, resp.getheader("Content-Type", ""), resp.read()


def _request(target: bytes, *, method: bytes = b"GET", headers: tuple[bytes, ...] = (), body: bytes | None = None,
             version: bytes = b"HTTP/1.1") -> bytes:
    lines = [method + b" " + target + b" " + version, b"Host: 127.0.0.1", *headers, b"Connection: close"]
    if body is not None:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def _assert_error(answer: tuple[int, str, bytes], code: int, status: int = 400) -> dict:
    got_status, content_type, data = answer
    assert (got_status, content_type.split(";")[0]) == (status, "application/json"), answer
    error = json.loads(data)
    assert set(error) == {"code", "msg"} and error["code"] == code and error["msg"], error
    return error


def _answer(resp: requests.Response) -> tuple[int, str, bytes]:
    return resp.status_code, resp.headers.get("Content-Type", ""), resp.content


def _now() -> int:
    return int(time.time() * 1000)


APIKEY = b"X-MBX-APIKEY: " + KEY.encode()
FORM = b"Content-Type: application/x-www-form-urlencoded"


def test_percent_encoded_non_ascii_signature_in_the_query_is_1022(sandbox) -> None:
    resp = SESSION.get(f"{sandbox.url}/api/v3/account?timestamp={_now()}&signature=%C3%A9%C3%A9",
                       headers={"X-MBX-APIKEY": KEY}, timeout=10)
    assert _assert_error(_answer(resp), -1022)["msg"] == "Signature for this request is not valid."


def test_percent_encoded_non_ascii_signature_in_the_body_is_1022(sandbox) -> None:
    form = f"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&timestamp={_now()}&signature=%E2%82%AC"
    resp = SESSION.post(sandbox.url + "/api/v3/order", data=form, timeout=10,
                        headers={"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"})
    _assert_error(_answer(resp), -1022)


def test_raw_non_ascii_signature_bytes_in_the_query_are_1100(sandbox) -> None:
    target = f"/api/v3/account?timestamp={_now()}&signature=".encode() + "éé".encode()
    _assert_error(_raw(sandbox, _request(target, headers=(APIKEY,))), -1100)


def test_two_megabyte_body_is_1101(sandbox) -> None:
    resp = SESSION.post(sandbox.url + "/api/v3/order", data=b"a" * (2 << 20), timeout=30,
                        headers={"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"})
    _assert_error(_answer(resp), -1101)


def test_two_megabyte_chunked_body_is_1101(sandbox) -> None:
    chunks = (b"a" * 65536 for _ in range(32))   # no Content-Length: the limit is met while reading
    resp = SESSION.post(sandbox.url + "/api/v3/order", data=chunks, timeout=30, headers={"X-MBX-APIKEY": KEY})
    _assert_error(_answer(resp), -1101)


def test_two_megabyte_body_to_the_admin_faults_route_is_1101(sandbox) -> None:
    resp = SESSION.post(sandbox.url + "/sandbox/faults", data=b"{" * (2 << 20), timeout=30)
    _assert_error(_answer(resp), -1101)


def test_nine_kilobyte_request_line_is_1101(sandbox) -> None:
    _assert_error(_raw(sandbox, _request(b"/api/v3/ping?pad=" + b"a" * 9000)), -1101)


def test_twenty_kilobyte_header_is_1101(sandbox) -> None:
    _assert_error(_raw(sandbox, _request(b"/api/v3/ping", headers=(b"X-Pad: " + b"a" * 20_000,))), -1101)
    big_key = b"X-MBX-APIKEY: " + b"k" * 20_000
    _assert_error(_raw(sandbox, _request(f"/api/v3/account?timestamp={_now()}".encode(), headers=(big_key,))), -1101)


MALFORMED = {
    "raw non-ASCII in the query": (_request("/api/v3/depth?symbol=BTCUSDT&x=é".encode()), -1100),
    "raw byte 0xff in the path": (_request(b"/api/v3/\xff"), -1100),
    "control byte in the query": (_request(b"/api/v3/depth?symbol=BTC\x01USDT"), -1100),
    "not a method": (_request(b"/api/v3/ping", method=b"G@T"), -1100),
    "unknown HTTP version": (_request(b"/api/v3/ping", version=b"HTTP/9.9"), -1102),
    "NUL in a header": (_request(b"/api/v3/ping", headers=(b"X-Pad: a\x00b",)), -1100),
    "letters in Content-Length": (_request(b"/api/v3/order", method=b"POST", headers=(b"Content-Length: abc",)),
                                  -1100),
    "letters in a chunk size": (b"POST /api/v3/order HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                b"Connection: close\r\n\r\nzz\r\n", -1100),
    "two Content-Lengths": (_request(b"/api/v3/order", method=b"POST", headers=(b"Content-Length: 1",), body=b"a"),
                            -1102),
    "200 header fields": (_request(b"/api/v3/ping", headers=tuple(b"X-%d: a" % i for i in range(200))), -1101),
    "invalid UTF-8 percent-encoded in the query": (_request(b"/api/v3/depth?symbol=%ff"), -1100),
    "invalid UTF-8 percent-encoded in the body": (_request(b"/api/v3/order", method=b"POST", headers=(APIKEY, FORM),
                                                           body=b"symbol=%ff&timestamp=1&signature=00"), -1100),
    "raw non-ASCII in the body": (_request(b"/api/v3/order", method=b"POST", headers=(APIKEY, FORM),
                                           body="symbol=é&timestamp=1&signature=00".encode()), -1100),
    "duplicate parameter": (_request(b"/api/v3/depth?symbol=BTCUSDT&symbol=ETHUSDT"), -1101),
    "gzip body that is not gzip": (_request(b"/api/v3/order", method=b"POST", body=b"not gzip",
                                            headers=(APIKEY, FORM, b"Content-Encoding: gzip")), -1102),
    "no WebSocket upgrade on the WS API": (_request(b"/ws-api/v3"), -1102),
    "JSON body (not a parameter source)": (_request(b"/api/v3/order", method=b"POST", body=b'{"symbol": "BTCUSDT"}',
                                                    headers=(APIKEY, b"Content-Type: application/json")), -1102),
    "multipart body": (_request(b"/api/v3/order", method=b"POST", headers=(
        APIKEY, b"Content-Type: multipart/form-data; boundary=b"),
        body=b'--b\r\nContent-Disposition: form-data; name="symbol"\r\n\r\nBTCUSDT\r\n--b--\r\n'), -1102),
}


@pytest.mark.parametrize("request_bytes, code", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_request_gets_its_binance_error_in_json(sandbox, request_bytes, code) -> None:
    _assert_error(_raw(sandbox, request_bytes), code)


def test_unknown_route_and_method_are_json(sandbox) -> None:
    _assert_error(_raw(sandbox, _request(b"/nothing/here")), -1000, 404)
    _assert_error(_raw(sandbox, _request(b"/ws-api/v3", method=b"POST", body=b"")), -1000, 405)


UNSAFE = st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=UNSAFE | st.text(max_size=100).map(str.encode), header=UNSAFE, payload=UNSAFE)
def test_random_bytes_in_query_header_and_body_always_get_a_json_4xx(sandbox, query, header, payload) -> None:
    request = _request(b"/api/v3/order?" + query, method=b"POST", headers=(b"X-MBX-APIKEY: " + header, FORM),
                       body=payload)
    status, content_type, data = _raw(sandbox, request)
    assert 400 <= status < 500 and content_type.startswith("application/json"), (status, data[:200])
    error = json.loads(data)
    assert set(error) == {"code", "msg"} and error["code"] < 0 and error["code"] != -1000


# -- the WebSocket API: a bad request gets an error envelope and the session goes on ---------------------------------

async def _ws_exchange(ws, text: str) -> dict:
    await ws.send(text)
    return json.loads(await asyncio.wait_for(ws.recv(), 10))


async def _assert_alive(ws) -> None:
    reply = await _ws_exchange(ws, json.dumps({"id": "alive", "method": "ping"}))
    assert (reply["id"], reply["status"], reply["result"]) == ("alive", 200, {}), reply


async def test_ws_api_non_ascii_signature_is_1022(sandbox) -> None:
    params = {"apiKey": KEY, "timestamp": _now(), "signature": "éé"}
    async with websockets.connect(sandbox.ws_url + "/ws-api/v3") as ws:
        reply = await _ws_exchange(ws, json.dumps({"id": 4, "method": "account.status", "params": params}))
        assert (reply["id"], reply["status"], reply["error"]["code"]) == (4, 400, -1022)
        await _assert_alive(ws)


WS_MALFORMED = {
    "not JSON": ("{oops", None, -1135),
    "not an object": ("[1, 2]", None, -1135),
    "lone surrogate in the id": ('{"id": "\\ud800", "method": "ping"}', None, -1135),
    "lone surrogate in a param": ('{"id": 5, "method": "depth", "params": {"symbol": "\\udfff"}}', None, -1135),
    "id beyond 64 bits": ('{"id": 99999999999999999999999, "method": "ping"}', None, -1102),
    "id of the wrong type": ('{"id": [1], "method": "ping"}', None, -1102),
    "no id": ('{"method": "ping"}', None, -1102),
    "no method": ('{"id": 6}', 6, -1102),
    "unknown method": ('{"id": 7, "method": "nope"}', 7, -1102),
    "params not an object": ('{"id": 8, "method": "ping", "params": []}', 8, -1135),
    "non-ASCII signature": (json.dumps({"id": 9, "method": "account.status", "params": {
        "apiKey": KEY, "timestamp": 1, "signature": "\u00e9\u20ac"}}), 9, -1022),
    "non-ASCII apiKey": (json.dumps({"id": 10, "method": "account.status", "params": {
        "apiKey": "ключ", "timestamp": 1, "signature": "00"}}), 10, -2014),
}


@pytest.mark.parametrize("text, req_id, code", WS_MALFORMED.values(), ids=WS_MALFORMED.keys())
async def test_ws_api_malformed_request_gets_an_error_envelope_and_the_session_survives(
        sandbox, text, req_id, code) -> None:
    async with websockets.connect(sandbox.ws_url + "/ws-api/v3") as ws:
        reply = await _ws_exchange(ws, text)
        assert (reply["id"], reply["status"], reply["error"]["code"]) == (req_id, 400, code), reply
        await _assert_alive(ws)


LONE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
WS_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
                      st.text(alphabet=LONE, min_size=1, max_size=2), st.lists(st.integers(), max_size=2))
WS_REQUESTS = st.one_of(
    st.text(max_size=40),
    st.fixed_dictionaries({}, optional={
        "id": WS_VALUES, "method": st.sampled_from(["ping", "time", "depth", "order.place", "account.status",
                                                    "session.logon", "nope", ""]) | WS_VALUES,
        "params": st.dictionaries(st.sampled_from(["symbol", "limit", "apiKey", "timestamp", "signature"]),
                                  WS_VALUES, max_size=4) | WS_VALUES}).map(json.dumps),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(WS_REQUESTS, min_size=1, max_size=6))
def test_random_ws_api_requests_get_an_envelope_and_the_session_survives(sandbox, batch) -> None:
    async def run() -> None:
        async with websockets.connect(sandbox.ws_url + "/ws-api/v3") as ws:
            for text in batch:
                reply = await _ws_exchange(ws, text)
                assert reply["status"] == 200 or (400 <= reply["status"] < 500 and reply["error"]["code"] < 0), reply
            await _assert_alive(ws)
    asyncio.run(run())


# -- POST /sandbox/faults validates before any switch moves ---------------------------------------------------------

BAD_FAULTS = [
    [], "{nope", {"nope": 1},
    {"fail_next": 1, "status": 200}, {"fail_next": 1, "status": 600}, {"fail_next": 1, "status": "500"},
    {"fail_next": 1, "status": 500.0}, {"fail_next": 1, "status": True},
    {"fail_next": 0}, {"fail_next": -1}, {"fail_next": 1001}, {"fail_next": "1"}, {"fail_next": 1.5},
    {"fail_next": True}, {"rate_limit_next": 1, "retry_after": -1}, {"rate_limit_next": 1, "retry_after": 61},
    {"rate_limit_next": 1, "retry_after": 1.5}, {"delay_next": 1, "seconds": -0.1}, {"delay_next": 1, "seconds": 61},
    {"delay_next": 1, "seconds": "1"}, '{"delay_next": 1, "seconds": 1e400}', {"delay_next": 1, "seconds": True},
    {"delay_next": 10**30, "seconds": 1},
    {"clear": 1}, {"clear": "true"}, {"drop_websockets": "yes"}, {"skip_depth_sequence": 5},
    {"skip_depth_sequence": ""}, {"skip_depth_sequence": "NOPEUSDT"},
    {"delay_response_next": 0, "seconds": 1}, {"delay_response_next": 1, "seconds": 60.5},
    {"delay_response_next": 1, "method": "FETCH"}, {"delay_response_next": 1, "path": 5},
    {"hold_next_response": 1001}, {"status": 503}, {"seconds": 1}, {"retry_after": 1},
    {"rate_limit_next": 1, "fail_next": 1, "delay_next": 1, "seconds": 1, "clear": True, "extra": 0},
]


@pytest.mark.parametrize("spec", BAD_FAULTS, ids=[json.dumps(s)[:60] for s in BAD_FAULTS])
def test_faults_endpoint_refuses_a_bad_spec_and_arms_nothing(sandbox, spec) -> None:
    data = spec.encode() if isinstance(spec, str) else json.dumps(spec).encode()
    resp = SESSION.post(sandbox.url + "/sandbox/faults", data=data, timeout=10)
    _assert_error(_answer(resp), -1000)
    assert public(sandbox, "/api/v3/ping").status_code == 200   # nothing was armed


GOOD_FAULTS = [
    {}, {"fail_next": 1, "status": 503}, {"fail_next": 1000, "status": 400}, {"fail_next": 1},
    {"rate_limit_next": 2, "retry_after": 0}, {"rate_limit_next": 1, "retry_after": 60},
    {"delay_next": 1, "seconds": 0}, {"delay_next": 1, "seconds": 60}, {"delay_next": 1, "seconds": 0.25},
    {"clear": True}, {"clear": False}, {"drop_websockets": False}, {"skip_depth_sequence": "BTCUSDT"},
    {"delay_response_next": 1, "seconds": 0.5, "method": "POST", "path": "/api/v3/order"},
]


@pytest.mark.parametrize("spec", GOOD_FAULTS, ids=[json.dumps(s)[:60] for s in GOOD_FAULTS])
def test_faults_endpoint_accepts_a_good_spec(sandbox, spec) -> None:
    resp = SESSION.post(sandbox.url + "/sandbox/faults", json=spec, timeout=10)
    assert (resp.status_code, resp.json()) == (200, {})

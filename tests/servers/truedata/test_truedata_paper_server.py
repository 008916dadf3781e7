"""The TrueData paper server on its wire, spoken to with a plain websocket client and ``requests`` (no adapter code):
the frames and answers the official client reads, the history API, one session per login and the fault switches."""
from __future__ import annotations

import base64
import json
import struct
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
import requests
from websockets.sync.client import ClientConnection, connect

from terminal.clock import SimClock
from terminal.servers.truedata import PASSWORD, USERNAME, PaperServer

IST = timezone(timedelta(hours=5, minutes=30))
INT_FIELDS = {"touchline": (6, 11, 12), "trade": (3, 5, 10, 11, 14, 16, 18)}  # read with int() by the client


@pytest.fixture(scope="module")
def server() -> Iterator[PaperServer]:
    srv = PaperServer("127.0.0.1", 0, always_open=True, heartbeat_s=0.2)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def login(server: PaperServer, user: str = USERNAME, password: str = PASSWORD) -> ClientConnection:
    return connect(f"{server.adapter_options()['ws_url']}/?user={user}&password={password}", open_timeout=10)


def recv_until(ws: ClientConnection, pred: Any, limit: int = 2000) -> dict[str, Any]:
    for _ in range(limit):
        msg = json.loads(ws.recv(timeout=10))
        if pred(msg):
            return msg
    raise AssertionError("not seen")


def token(server: PaperServer) -> str:
    resp = requests.post(server.adapter_options()["auth_url"], timeout=10,
                         data=f"username={USERNAME}&password={PASSWORD}&grant_type=password",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    body = resp.json()
    assert resp.status_code == 200 and body["token_type"] == "bearer" and body["expires_in"] > 0
    return str(body["access_token"])


def test_login_subscribe_and_the_data_frames_have_the_official_clients_shapes(server: PaperServer) -> None:
    with login(server) as ws:
        hello = json.loads(ws.recv(timeout=10))
        assert hello["success"] is True and hello["message"] == "TrueData Real Time Data Service"
        assert "tick" in hello["subscription"].split("+") and hello["maxsymbols"] >= 12
        ws.send(json.dumps({"method": "addsymbol", "symbols": ["RELIANCE", "NIFTY-I", "NIFTY 50", "NOSUCH"]}))
        added = recv_until(ws, lambda m: m.get("message") == "symbols added")
        rows = added["symbollist"]
        assert added["symbolsadded"] == 3 == added["totalsymbolsubscribed"] and [r[0] for r in rows] == [
            "RELIANCE", "NIFTY-I", "NIFTY 50"]
        for row in rows:
            assert len(row) == 18 and all(isinstance(v, str) for v in row)
            datetime.strptime(row[2], "%Y-%m-%dT%H:%M:%S")
            assert all(str(int(row[i])) == row[i] for i in INT_FIELDS["touchline"])
        ids = {r[1]: r[0] for r in rows}
        trade = recv_until(ws, lambda m: "trade" in m and ids.get(m["trade"][0]) == "RELIANCE")["trade"]
        assert len(trade) == 19 and all(str(int(trade[i])) == trade[i] for i in INT_FIELDS["trade"])
        datetime.strptime(trade[1], "%Y-%m-%dT%H:%M:%S")
        l1 = recv_until(ws, lambda m: "bidask" in m)["bidask"]
        assert len(l1) == 6 and float(l1[2]) < float(l1[4])
        l2 = recv_until(ws, lambda m: "bidaskL2" in m)["bidaskL2"]
        assert len(l2) == 35 and float(l2[3]) < float(l2[6])  # level 1: bid triple, then ask triple
        beat = recv_until(ws, lambda m: m.get("message") == "HeartBeat")
        datetime.strptime(beat["timestamp"], "%Y-%m-%dT%H:%M:%S.%f")  # the fraction the client requires
        ws.send(json.dumps({"method": "addsymbol", "symbols": ["reliance"]}))  # again: idempotent, a fresh touchline
        again = recv_until(ws, lambda m: m.get("message") == "symbols added")
        assert again["symbolsadded"] == 0 and again["totalsymbolsubscribed"] == 3
        ws.send(json.dumps({"method": "removesymbol", "symbols": ["RELIANCE"]}))
        removed = recv_until(ws, lambda m: m.get("message") == "symbols removed")
        assert removed["symbollist"] == [f"RELIANCE:{rows[0][1]}"] and removed["totalsymbolsubscribed"] == 2
        ws.send(json.dumps({"method": "getmarketstatus"}))
        assert recv_until(ws, lambda m: m.get("message") == "marketstatus")["data"] == "NSE_EQ:OPEN"


def test_one_session_per_login_and_refused_logins(server: PaperServer) -> None:
    with login(server) as first:
        first.recv(timeout=10)
        with login(server) as second:
            assert json.loads(second.recv(timeout=10)) == {"success": False, "message": "User Already Connected"}
    with login(server, password="wrong") as bad:
        assert json.loads(bad.recv(timeout=10))["success"] is False
    server.refuse_login_next()
    with login(server) as refused:
        assert json.loads(refused.recv(timeout=10))["success"] is False


def test_history_needs_the_bearer_token_and_answers_csv_json_and_comp(server: PaperServer) -> None:
    base = server.adapter_options()["history_url"]
    now = datetime.now(IST) - timedelta(minutes=2)
    span = f"from={(now - timedelta(minutes=30)):%y%m%dT%H:%M:%S}&to={now:%y%m%dT%H:%M:%S}"
    url = f"{base}/getbars?{span}"
    params = {"symbol": "NIFTY 50", "interval": "5min", "response": "csv"}
    denied = requests.get(url, params=params, timeout=10)
    assert denied.status_code == 401 and denied.json() == {"Message": "Authorization has been denied for this request."}
    auth = {"Authorization": f"Bearer {token(server)}"}
    lines = requests.get(url, params=params, headers=auth, timeout=10).text.strip().split("\r\n")
    assert lines[0] == "timestamp,open,high,low,close,volume,oi" and len(lines) >= 6
    first = lines[1].split(",")
    assert (datetime.strptime(first[0], "%Y-%m-%dT%H:%M:%S").minute - 15) % 5 == 0  # bars from 09:15 IST
    packed = requests.get(url, params={**params, "comp": "true"}, headers=auth, timeout=10).content
    raw, comp = struct.unpack("<II", packed[:8])
    assert raw == comp == len(packed) - 8 and packed[8:].decode().strip().split("\r\n") == lines
    js = requests.get(url, params={**params, "response": "json"}, headers=auth, timeout=10).json()
    assert js["status"] == "Success" and len(js["Records"]) == len(lines) - 1
    ticks = requests.get(f"{base}/getlastnticks", headers=auth, timeout=10,
                         params={"symbol": "TCS", "nticks": 3, "bidask": 1, "response": "csv"}).text.split("\r\n")
    assert ticks[0] == "timestamp,ltp,volume,oi,bid,bidqty,ask,askqty" and len([t for t in ticks[1:] if t]) == 3
    words = requests.get(url, params={**params, "interval": "1m"}, headers=auth, timeout=10)
    assert words.status_code == 200 and words.text == "Invalid interval"
    assert requests.get(url, params={**params, "symbol": "NOPE"}, headers=auth, timeout=10).text == \
        "Symbol does not exist"
    server.fail_history_next(1, 429)
    limited = requests.get(url, params=params, headers=auth, timeout=10)
    assert limited.status_code == 429 and base64.b64decode(limited.content) == b"API request quota exceeded!"
    assert requests.get(url, params=params, headers=auth, timeout=10).status_code == 200


def test_symbol_master_lists_stocks_indices_and_futures(server: PaperServer) -> None:
    resp = requests.get(f"{server.adapter_options()['api_url']}/getAllSymbols", timeout=10,
                        params={"segment": "all", "user": USERNAME, "password": PASSWORD}).json()
    names = {r[1]: r for r in resp["Records"]}
    assert resp["status"] == "Success" and len(names) >= 17
    assert names["NIFTY-I"][2] == "XX" and names["NIFTY-I"][5] == 75 and names["NIFTY 50"][2] == "IN"
    assert any(n.startswith("NIFTY") and n.endswith("FUT") for n in names)


def test_on_nse_hours_completed_bars_stream_and_the_close_is_announced() -> None:
    """A simulated clock at Monday 15:29 IST: at 15:30 the 15:29 bar goes out as ``bar1min`` and the market status
    says CLOSED (always_open off)."""
    start = int(datetime(2026, 12, 7, 15, 29, tzinfo=IST).timestamp() * 1000)
    clock = SimClock(start)
    srv = PaperServer("127.0.0.1", 0, heartbeat_s=0.2, clock=clock)
    srv.start()
    try:
        with login(srv) as ws:
            assert json.loads(ws.recv(timeout=10))["success"] is True
            assert recv_until(ws, lambda m: m.get("message") == "marketstatus")["data"] == "NSE_EQ:OPEN"
            ws.send(json.dumps({"method": "addsymbol", "symbols": ["SBIN"]}))
            sbin = recv_until(ws, lambda m: m.get("message") == "symbols added")["symbollist"][0][1]
            clock.set(start + 45_000)
            recv_until(ws, lambda m: "trade" in m and m["trade"][0] == sbin)  # the market moves in session
            clock.set(start + 60_000)  # 15:30:00: the 15:29 bar is complete and the regular session over
            seen: dict[str, Any] = {}
            recv_until(ws, lambda m: seen.update({k: m for k in ("bar1min", "marketstatus") if k in m or
                                                  m.get("message") == k}) or len(seen) == 2)
            bar = seen["bar1min"]["bar1min"]
            assert bar[0] == sbin and bar[1] == "2026-12-07T15:29:00" and len(bar) == 8
            assert float(bar[4]) <= float(bar[2]) <= float(bar[3]) and int(bar[6]) > 0
            assert seen["marketstatus"]["data"] == "NSE_EQ:CLOSED"
    finally:
        srv.stop()

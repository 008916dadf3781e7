"""The binary ticker: byte-exact packets (built, then unpacked with struct per the documented layout), the live
WebSocket (subscribe, modes, heartbeats, order updates, refusal of a bad token, drop switch), and the official
``KiteTicker`` (Twisted) against it in a guarded child process (its reactor cannot run twice in one process)."""
from __future__ import annotations

import json
import struct
import subprocess
from decimal import Decimal

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from terminal.servers.kite import DEFAULT_API_KEY
from terminal.servers.kite.ticker import (HEARTBEAT, Snapshot, divisor, frame, full_packet, index_full_packet,
                                          index_quote_packet, ltp_packet, packet, quote_packet)
from tests.children import python_code

INFY = 408065
NIFTY = 256265
D = Decimal

# the reference's worked example (official mock packet): INFY full
MOCK = Snapshot(INFY, D("1573.70"), D("1569.15"), D("1575.00"), D("1561.05"), D("1567.80"), 1625461887, 7,
                D("1570.37"), 1192471, 256443, 363009, 1625461887, 0, 0, 0,
                bids=((5, D("1573.40"), 1), (140, D("1573.35"), 2), (2, D("1573.30"), 2), (40, D("1573.25"), 1),
                      (4, D("1573.20"), 1)),
                asks=((172, D("1573.70"), 3), (44, D("1573.75"), 3), (302, D("1573.80"), 4),
                      (141, D("1573.85"), 3), (724, D("1573.90"), 5)))


def test_a_full_packet_is_184_bytes_laid_out_as_documented():
    data = full_packet(MOCK)
    assert len(data) == 184
    head = struct.unpack(">16I", data[:64])
    assert head == (408065, 157370, 7, 157037, 1192471, 256443, 363009, 156915, 157500, 156105, 156780,
                    1625461887, 0, 0, 0, 1625461887)
    levels = [struct.unpack(">IIH2x", data[64 + 12 * i: 76 + 12 * i]) for i in range(10)]
    assert levels[0] == (5, 157340, 1) and levels[5] == (172, 157370, 3) and levels[9] == (724, 157390, 5)
    assert data[74:76] == b"\x00\x00"  # padding after the orders count


def test_quote_and_ltp_packets_are_prefixes_of_the_full_one():
    assert len(quote_packet(MOCK)) == 44 and quote_packet(MOCK) == full_packet(MOCK)[:44]
    assert ltp_packet(MOCK) == struct.pack(">II", 408065, 157370)
    assert packet(MOCK, "ltp") == ltp_packet(MOCK) and packet(MOCK, "quote") == quote_packet(MOCK)


def test_index_packets_carry_high_low_open_close_in_that_order():
    nifty = Snapshot(NIFTY, D("25310.45"), D("25200.00"), D("25350.10"), D("25190.00"), D("25250.00"), 1700000000)
    quote = index_quote_packet(nifty)
    assert len(quote) == 28
    assert struct.unpack(">6Ii", quote) == (NIFTY, 2531045, 2535010, 2519000, 2520000, 2525000, 6045)
    full = index_full_packet(nifty)
    assert len(full) == 32 and full[:28] == quote and struct.unpack(">I", full[28:]) == (1700000000,)
    falling = Snapshot(NIFTY, D("25000"), D("1"), D("1"), D("1"), D("25100"), 0)
    assert struct.unpack(">i", index_quote_packet(falling)[24:28]) == (-10000,)
    assert packet(nifty, "full") == full and packet(nifty, "quote") == quote


def test_a_frame_counts_its_packets_and_prefixes_each_with_its_length():
    data = frame([ltp_packet(MOCK), quote_packet(MOCK)])
    assert struct.unpack(">H", data[:2]) == (2,)
    assert struct.unpack(">H", data[2:4]) == (8,) and data[4:12] == ltp_packet(MOCK)
    assert struct.unpack(">H", data[12:14]) == (44,) and data[14:58] == quote_packet(MOCK) and len(data) == 58
    assert HEARTBEAT == b"\x00"


def test_prices_use_the_segment_divisor_of_the_token():
    assert divisor(412675) == 10_000_000 and divisor(408065) == 100 and divisor(256265) == 100
    cds = Snapshot(412675, D("83.1234"), D(0), D(0), D(0), D(0), 0)
    assert struct.unpack(">II", ltp_packet(cds)) == (412675, 831234000)


def _split(data: bytes) -> dict[int, bytes]:
    count = struct.unpack(">H", data[:2])[0]
    out, at = {}, 2
    for _ in range(count):
        size = struct.unpack(">H", data[at:at + 2])[0]
        body = data[at + 2:at + 2 + size]
        out[struct.unpack(">I", body[:4])[0]] = body
        at += 2 + size
    assert at == len(data)
    return out


def _ws(server, token=None):
    token = token or server.builtin_credentials()["access_token"]
    return connect(f"{server.ticker_url}?api_key={DEFAULT_API_KEY}&access_token={token}", open_timeout=10)


def test_the_ticker_streams_full_and_index_packets_for_subscribed_tokens(kite_server):
    with _ws(kite_server) as ws:
        ws.send(json.dumps({"a": "subscribe", "v": [INFY, NIFTY]}))
        ws.send(json.dumps({"a": "mode", "v": ["full", [INFY, NIFTY]]}))
        seen: dict[int, bytes] = {}
        while not (len(seen.get(INFY, b"")) == 184 and len(seen.get(NIFTY, b"")) == 32):
            message = ws.recv(timeout=10)
            if isinstance(message, bytes) and len(message) > 1:
                seen.update(_split(message))
    infy = seen[INFY]
    last = struct.unpack(">I", infy[4:8])[0] / 100
    best_bid, best_ask = struct.unpack(">I", infy[68:72])[0] / 100, struct.unpack(">I", infy[128:132])[0] / 100
    assert 0 < best_bid < best_ask and abs(last - best_bid) < last * 0.01
    assert struct.unpack(">I", seen[NIFTY][4:8])[0] > 0


def test_an_idle_ticker_sends_one_byte_heartbeats(kite_server):
    with _ws(kite_server) as ws:
        assert ws.recv(timeout=10) == HEARTBEAT


def test_order_updates_arrive_as_json_text(kite_server, kite):
    with _ws(kite_server) as ws:
        order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="KOTAKBANK",
                                    transaction_type="BUY", quantity=1, product="MIS", order_type="MARKET")
        while True:
            message = ws.recv(timeout=10)
            if isinstance(message, str):
                update = json.loads(message)
                if update["type"] == "order" and update["data"]["order_id"] == order_id \
                        and update["data"]["status"] == "COMPLETE":
                    break
    assert update["data"]["filled_quantity"] == 1 and update["data"]["tradingsymbol"] == "KOTAKBANK"


def test_a_malformed_message_gets_an_error_text_and_the_connection_stays(kite_server):
    with _ws(kite_server) as ws:
        ws.send("{not json")
        message = ws.recv(timeout=10)
        while isinstance(message, bytes):
            message = ws.recv(timeout=10)
        assert json.loads(message)["type"] == "error"
        ws.send(json.dumps({"a": "subscribe", "v": [INFY]}))
        assert isinstance(ws.recv(timeout=10), bytes)


def test_a_bad_token_is_refused_at_the_handshake_with_403(kite_server):
    with pytest.raises(InvalidStatus) as exc:
        _ws(kite_server, token="nottoken")
    assert exc.value.response.status_code == 403


def test_drop_ticker_and_expire_tokens_close_the_connections():
    from terminal.servers.kite import PaperServer

    with PaperServer(always_open=True, seed=5) as server:
        with _ws(server) as ws:
            server.drop_ticker()
            with pytest.raises(ConnectionClosed):
                while True:
                    ws.recv(timeout=10)
        with _ws(server) as ws:
            server.expire_tokens()
            with pytest.raises(ConnectionClosed):
                while True:
                    ws.recv(timeout=10)
        with pytest.raises(InvalidStatus):
            _ws(server)


KITE_TICKER = """
import json, sys
from kiteconnect import KiteTicker
api_key, token, root, wanted = sys.argv[1:5]
wanted = int(wanted)
kws = KiteTicker(api_key, token, root=root, reconnect_max_tries=1)
def on_connect(ws, response):
    ws.subscribe([wanted])
    ws.set_mode(ws.MODE_FULL, [wanted])
def on_ticks(ws, ticks):
    for tick in ticks:
        if tick["instrument_token"] == wanted and tick["mode"] == "full":
            print("TICK " + json.dumps(tick, default=str), flush=True)
            ws.stop()
            return
def on_error(ws, code, reason):
    print("ERROR", code, reason, flush=True)
kws.on_connect = on_connect
kws.on_ticks = on_ticks
kws.on_error = on_error
kws.connect(threaded=False)
"""


def test_the_official_kite_ticker_parses_full_ticks_with_depth(kite_server):
    token = kite_server.builtin_credentials()["access_token"]
    child = subprocess.Popen(python_code(KITE_TICKER, DEFAULT_API_KEY, token, kite_server.ticker_url, str(INFY)),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = child.communicate(timeout=90)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    lines = [line for line in out.splitlines() if line.startswith("TICK ")]
    assert lines, (out, err[-2000:])
    tick = json.loads(lines[0][5:])
    assert tick["tradable"] is True and tick["mode"] == "full" and tick["last_price"] > 0
    assert len(tick["depth"]["buy"]) == 5 and len(tick["depth"]["sell"]) == 5
    assert 0 < tick["depth"]["buy"][0]["price"] < tick["depth"]["sell"][0]["price"]
    assert tick["depth"]["buy"][0]["orders"] == 1 and tick["ohlc"]["close"] > 0

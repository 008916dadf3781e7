"""The ticker parser on byte-exact packets built with struct from the documented layouts (reference §13.3)."""
from __future__ import annotations

import json
import struct
from decimal import Decimal

import pytest

from terminal.venues.kite import parse

D = Decimal
INFY, NIFTY, USDINR, BCD_TOKEN = 408065, 256265, 412675, 1234 * 256 + 6


def frame(*packets: bytes) -> bytes:
    out = struct.pack(">H", len(packets))
    for p in packets:
        out += struct.pack(">H", len(p)) + p
    return out


def ltp_packet(token: int, price: int) -> bytes:
    return struct.pack(">II", token, price)


def quote_packet(token: int = INFY) -> bytes:
    return struct.pack(">11I", token, 157370, 7, 157037, 1192471, 256443, 363009, 156915, 157500, 156105, 156780)


def full_packet(token: int = INFY) -> bytes:
    extra = struct.pack(">5I", 1625461887, 10, 12, 8, 1625461888)
    bids = [(5, 157340, 1), (10, 157335, 2), (15, 157330, 3), (20, 157325, 4), (25, 157320, 5)]
    asks = [(172, 157370, 3), (30, 157375, 1), (40, 157380, 2), (50, 157385, 3), (60, 157390, 4)]
    depth = b"".join(struct.pack(">IIH2x", q, p, o) for q, p, o in bids + asks)
    packet = quote_packet(token) + extra + depth
    assert len(packet) == 184
    return packet


def index_packet(full: bool) -> bytes:
    body = struct.pack(">7I", NIFTY, 2451020, 2460000, 2440000, 2445000, 2449000, 2020)
    return body + struct.pack(">I", 1625461890) if full else body


def test_ltp_packet_is_price_in_paise():
    f = parse.parse_frame(frame(ltp_packet(INFY, 157370)))
    assert f.dropped == 0 and len(f.ticks) == 1
    t = f.ticks[0]
    assert (t.token, t.mode, t.tradable, t.last_price) == (INFY, "ltp", True, D("1573.70"))


def test_quote_packet_fields_in_documented_order():
    (t,) = parse.parse_frame(frame(quote_packet())).ticks
    assert t.mode == "quote"
    assert (t.last_price, t.last_qty, t.avg_price, t.volume) == (D("1573.70"), 7, D("1570.37"), 1192471)
    assert (t.buy_qty, t.sell_qty) == (256443, 363009)
    assert (t.open, t.high, t.low, t.close) == (D("1569.15"), D("1575.00"), D("1561.05"), D("1567.80"))
    assert t.bids == () and t.last_trade_s == 0
    assert abs(t.change_pct - D("0.3763")) < D("0.0001")


def test_full_packet_with_five_level_depth():
    (t,) = parse.parse_frame(frame(full_packet())).ticks
    assert t.mode == "full"
    assert (t.last_trade_s, t.oi, t.oi_day_high, t.oi_day_low, t.exchange_s) == (1625461887, 10, 12, 8, 1625461888)
    assert t.bids[0] == (D("1573.40"), 5, 1) and t.bids[4] == (D("1573.20"), 25, 5)
    assert t.asks[0] == (D("1573.70"), 172, 3) and t.asks[4] == (D("1573.90"), 60, 4)
    assert len(t.bids) == len(t.asks) == 5


def test_index_quote_and_full_read_high_low_open_close():
    (q,) = parse.parse_frame(frame(index_packet(False))).ticks
    (f,) = parse.parse_frame(frame(index_packet(True))).ticks
    for t in (q, f):
        assert not t.tradable
        assert (t.last_price, t.high, t.low, t.open, t.close) == (D("24510.20"), D("24600.00"), D("24400.00"),
                                                                   D("24450.00"), D("24490.00"))
    assert (q.mode, q.exchange_s) == ("quote", 0)
    assert (f.mode, f.exchange_s) == ("full", 1625461890)


def test_heartbeat_is_one_byte_and_no_tick():
    f = parse.parse_frame(b"\x00")
    assert f.heartbeat and f.ticks == () and f.dropped == 0


def test_multi_packet_frame_mixes_modes():
    f = parse.parse_frame(frame(ltp_packet(INFY, 100), full_packet(779521), index_packet(True), quote_packet()))
    assert [t.mode for t in f.ticks] == ["ltp", "full", "full", "quote"]
    assert [t.token for t in f.ticks] == [INFY, 779521, NIFTY, INFY]
    assert f.dropped == 0


def test_cds_and_bcd_prices_use_their_divisors():
    (cds,) = parse.parse_frame(frame(ltp_packet(USDINR, 745_025_000))).ticks
    (bcd,) = parse.parse_frame(frame(ltp_packet(BCD_TOKEN, 745_025))).ticks
    assert cds.last_price == D("74.5025000") and bcd.last_price == D("74.5025")


@pytest.mark.parametrize("data, ticks, dropped", [
    (b"", 0, 1),  # empty frame
    (frame(b"\x00" * 10), 0, 1),  # a length no layout has
    (frame(ltp_packet(INFY, 1), b"\x01" * 50), 1, 1),  # one good, one unknown
    (frame(ltp_packet(INFY, 1))[:-3], 0, 1),  # packet cut short by the frame
    (struct.pack(">H", 3) + struct.pack(">H", 8) + ltp_packet(INFY, 1), 1, 2),  # header announces more than sent
    (frame(ltp_packet(INFY, 1)) + b"\x07", 1, 1),  # trailing garbage
])
def test_malformed_packets_are_counted_and_dropped_never_raised(data, ticks, dropped):
    f = parse.parse_frame(data)
    assert (len(f.ticks), f.dropped) == (ticks, dropped)


def test_text_messages_order_error_and_garbage():
    order = parse.parse_text(json.dumps({"type": "order", "data": {"order_id": "1", "average_price": 470.5}}))
    assert order.kind == "order" and order.data["average_price"] == D("470.5")
    assert parse.parse_text('{"type": "error", "data": "bad"}') == parse.TextMessage("error", "bad")
    for bad in ("not json", "[]", '{"data": 1}', '{"type": "order", "data": null}'):
        with pytest.raises(ValueError):
            parse.parse_text(bad)


def test_control_messages_match_the_documented_json():
    assert json.loads(parse.subscribe_message([408065, 884737])) == {"a": "subscribe", "v": [408065, 884737]}
    assert json.loads(parse.mode_message("full", [408065])) == {"a": "mode", "v": ["full", [408065]]}
    assert json.loads(parse.unsubscribe_message([1])) == {"a": "unsubscribe", "v": [1]}


def test_the_official_clients_parser_reads_the_same_frame_the_same_way():
    """kiteconnect's own KiteTicker._parse_binary (in a child process: importing it installs Twisted's reactor) on a
    frame with every packet kind agrees with ours on every price, quantity and depth level."""
    import subprocess

    from tests.children import python_code

    data = frame(ltp_packet(INFY, 157370), quote_packet(779521), full_packet(), index_packet(False),
                 index_packet(True), ltp_packet(USDINR, 745_025_000))
    code = ("import json, sys\nfrom kiteconnect.ticker import KiteTicker\n"
            "t = KiteTicker.__new__(KiteTicker)\nticks = t._parse_binary(bytes.fromhex(sys.argv[1]))\n"
            "print(json.dumps(ticks, default=str))\n")
    out = subprocess.run(python_code(code, data.hex()), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    official = json.loads(out.stdout)
    ours = parse.parse_frame(data).ticks
    assert len(official) == len(ours) == 6
    for theirs, mine in zip(official, ours):
        assert theirs["instrument_token"] == mine.token and theirs["mode"] == mine.mode
        assert theirs["tradable"] == mine.tradable
        assert D(str(theirs["last_price"])) == mine.last_price
        if mine.mode == "ltp":
            continue
        ohlc = theirs["ohlc"]
        assert [D(str(ohlc[k])) for k in ("open", "high", "low", "close")] == [mine.open, mine.high, mine.low,
                                                                              mine.close]
        if mine.tradable:
            assert theirs["volume_traded"] == mine.volume and theirs["last_traded_quantity"] == mine.last_qty
            assert D(str(theirs["average_traded_price"])) == mine.avg_price
        if mine.bids:
            assert [(D(str(l["price"])), l["quantity"], l["orders"]) for l in theirs["depth"]["buy"]] == list(mine.bids)
            assert [(D(str(l["price"])), l["quantity"], l["orders"]) for l in theirs["depth"]["sell"]] == list(mine.asks)

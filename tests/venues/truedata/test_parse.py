"""The TrueData parser on the message shapes the official client reads (tests/data/truedata, each naming its source)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.venues.truedata import parse

DATA = Path(__file__).parents[2] / "data" / "truedata"
FRAMES = {f["name"]: f["frame"] for f in json.loads((DATA / "frames.json").read_text())}
D = Decimal


def frame(name: str) -> parse.Record:
    return parse.parse_frame(json.dumps(FRAMES[name]))


def test_every_recorded_shape_parses_to_a_record_and_none_is_dropped() -> None:
    parser = parse.FrameParser()
    records = [parser(json.dumps(f)) for f in FRAMES.values()]
    assert parser.dropped == 0 and all(r is not None for r in records)


def test_login_answer_gives_the_subscription_and_the_symbol_limit() -> None:
    login = frame("login")
    assert login == parse.Login(True, parse.SERVICE, "tick+1min+5min", 50, ("EQ", "FO", "IND", ""))
    assert frame("login_refused") == parse.Failure("User Already Connected")


def test_heartbeat_time_is_naive_ist_with_its_fraction() -> None:
    hb = frame("heartbeat")
    assert isinstance(hb, parse.Heartbeat)
    assert hb.ts_ms == 1758518195123  # 2025-09-22T10:46:35.123 IST = 05:16:35.123 UTC


def test_symbols_added_maps_names_to_ids_with_the_touchline() -> None:
    added = frame("symbols_added")
    assert isinstance(added, parse.Added) and added.added == 2 and added.total == 2 and not added.touchline
    index, option = added.rows
    assert (index.name, index.symbol_id, index.ltp, index.bid) == ("NIFTY 50", "200000001", D("25311"), 0)
    assert (option.name, option.symbol_id, option.volume, option.prev_close) == (
        "NIFTY25093025200CE", "302418028", D("2506800"), D("276.9"))
    assert (option.bid, option.bid_qty, option.ask, option.ask_qty) == (D("247.1"), D("225"), D("247.65"), D("300"))
    touch = frame("touchline")
    assert isinstance(touch, parse.Added) and touch.touchline and touch.rows[0].name == "RELIANCE"


def test_symbols_removed_items_are_name_and_id() -> None:
    assert frame("symbols_removed") == parse.Removed((("RELIANCE", "100001262"),), 1)


def test_market_status_keeps_its_text() -> None:
    assert frame("market_status") == parse.MarketStatus("NSE_EQ:OPEN")


def test_trade_with_and_without_the_touch() -> None:
    t = frame("trade")
    assert isinstance(t, parse.Trade)
    assert (t.symbol_id, t.price, t.qty, t.volume, t.seq) == ("302418028", D("249.5"), D("75"), D("2506875"), 48213)
    assert (t.bid, t.bid_qty, t.ask, t.ask_qty) == (D("249.3"), D("150"), D("249.6"), D("75"))
    assert t.ts_ms == 1758518195000
    bare = frame("trade_without_touch")
    assert isinstance(bare, parse.Trade) and bare.bid is None and bare.ask is None and bare.seq == 901


def test_bidask_and_five_level_depth() -> None:
    assert frame("bidask") == parse.BidAsk("302418028", 1758518195000, D("249.3"), D("150"), D("249.6"), D("75"))
    d = frame("bidaskL2")
    assert isinstance(d, parse.Depth) and d.seq == 991
    assert d.bids[0] == (D("1390.4"), D("120")) and d.asks[0] == (D("1390.5"), D("80"))
    assert [p for p, _ in d.bids] == sorted((p for p, _ in d.bids), reverse=True) and len(d.bids) == 5
    assert [p for p, _ in d.asks] == sorted(p for p, _ in d.asks) and len(d.asks) == 5


def test_bars_of_one_and_five_minutes() -> None:
    b1, b5 = frame("bar1min"), frame("bar5min")
    assert isinstance(b1, parse.BarMsg) and isinstance(b5, parse.BarMsg)
    assert (b1.minutes, b1.open, b1.high, b1.low, b1.close, b1.volume) == (1, D("248.1"), D("250.0"), D("247.9"),
                                                                           D("249.5"), D("4125"))
    assert b5.minutes == 5 and b5.ts_ms == b1.ts_ms - 60_000


def test_frames_the_adapter_does_not_use_are_ignored_not_dropped() -> None:
    assert frame("greeks") == parse.Ignored("greeks")


@pytest.mark.parametrize("text", [
    '{"trade":["302418028","',  # cut short
    "not json at all",
    '["trade"]',  # not an object
    '{"trade":["302418028","2025-09-22T10:46:35"]}',  # too few fields
    '{"trade":["1","yesterday","249.5","75","229.48","2506875","236","257.1","192.2","276.9","0","0","0","","1"]}',
    '{"bidask":["1","2025-09-22T10:46:35","abc","150","249.6","75"]}',  # not a number
    '{"trade":["1","2025-09-22T10:46:35","NaN","75","229.48","2506875","236","257.1","192.2","276.9","0","0","0","","1"]}',
    '{"trade":["1","2025-09-22T10:46:35","249.5","75","229.48","2506875","236","257.1","192.2","276.9","0","0","0","","1.5"]}',
    '{"success":true,"message":"symbols removed","symbollist":["RELIANCE"]}',  # no id
    '{"a":1,"b":2}',
])
def test_a_malformed_frame_is_counted_and_dropped_never_raised(text: str) -> None:
    parser = parse.FrameParser()
    assert parser(text) is None and parser.dropped == 1
    assert parser(json.dumps(FRAMES["trade"])) is not None and parser.dropped == 1  # the next one parses


def test_history_bodies_csv_json_and_words() -> None:
    bars = parse.bar_rows((DATA / "bars.csv").read_text())
    assert [(b.ts_ms, b.close, b.volume) for b in bars] == [(1705290300000, D("21740.15"), D("123450")),
                                                            (1705290360000, D("21744.5"), D("98000"))]
    ticks = parse.tick_rows((DATA / "ticks.csv").read_text())
    assert ticks[0] == parse.TickRow(1705290300000, D("21740.15"), D("50"), D("21740"), D("2600"), D("21741.5"),
                                     D("195"))
    assert parse.bar_rows((DATA / "bars.json").read_text())[0].high == D("21760.9")
    assert parse.bar_rows("No data exists for RELIANCE") == []
    assert parse.bar_rows('{"status": "No data exists for RELIANCE", "Records": []}') == []
    with pytest.raises(parse.HistoryRefused, match="Invalid interval"):
        parse.bar_rows("Invalid interval")

"""Pure wire -> model parsing on recorded payloads (tests/data/binance)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.model import (BookUpdated, Interval, Liquidity, OrderRequest, OrderStatus, OrderType, QuoteTick, Side,
                            Ticker24h, TimeInForce, TradeTick)
from terminal.model.numbers import NumberError
from terminal.venues.binance import parse
from terminal.venues.binance.stream import parser_for

from .wireframes import (BAD_IDS, BAD_NUMBERS, BAD_TIMES, QUOTE, QUOTE_FIELDS, TRADE, TRADE_FIELDS, frames,
                         wire_numbers)

DATA = Path(__file__).parents[2] / "data" / "binance"


def load(name: str) -> object:
    return json.loads((DATA / name).read_text(), parse_float=Decimal)


def test_exchange_info_builds_instruments_from_filters() -> None:
    inst = parse.instruments(load("exchange_info.json"))  # type: ignore[arg-type]
    btc = inst["BTCUSDT"]
    assert (btc.base_asset, btc.quote_asset) == ("BTC", "USDT")
    assert btc.tick_size == Decimal("0.01") and btc.step_size == Decimal("0.00001")
    assert btc.min_qty == Decimal("0.00001") and btc.max_qty == Decimal("9000")
    assert btc.min_notional == Decimal(5) and btc.max_notional == Decimal(9000000)
    assert btc.market_step_size is None and btc.market_max_qty == Decimal(120)
    assert OrderType.LIMIT_MAKER in btc.order_types and btc.status == "TRADING"
    ltc = inst["LTCBTC"]
    assert ltc.min_notional == Decimal("0.0001") and ltc.status == "HALT"
    assert ltc.order_types == frozenset({OrderType.LIMIT, OrderType.MARKET})
    assert not ltc.quote_order_qty_market_allowed
    assert parse.request_weight_limit(load("exchange_info.json")) == 6000  # type: ignore[arg-type]


def test_kline_rows_become_bars_with_decimals() -> None:
    rows = load("klines.json")
    bars = [parse.kline_row("BTCUSDT", Interval.M1, r) for r in rows]  # type: ignore[union-attr]
    assert bars[0].open == Decimal("87000") and bars[0].high == Decimal("87050.5")
    assert bars[0].trades == 321 and bars[0].close_time == 1764000059999
    assert bars[1].open_time - bars[0].open_time == Interval.M1.ms


def test_stream_payloads_dispatch_by_suffix() -> None:
    ev = load("stream_events.json")
    assert isinstance(ev, dict)
    out = {k: parser_for(v["stream"])(v["data"], 5) for k, v in ev.items()}
    t = out["trade"]
    assert isinstance(t, TradeTick) and t.aggressor is Side.SELL and t.trade_id == 12345 and t.ts_recv == 5
    assert out["aggTrade"].aggressor is Side.BUY and out["aggTrade"].trade_id == 777
    q = out["bookTicker"]
    assert isinstance(q, QuoteTick) and q.ask_qty == Decimal("0.00001") and q.bid == Decimal("87010")
    k = out["kline"]
    assert k.interval is Interval.M1 and not k.closed and k.trades == 101
    mt = out["miniTicker"]
    assert isinstance(mt, Ticker24h) and mt.change_pct == Decimal("10.000")
    assert out["ticker"].change_pct == Decimal("10.000") and out["ticker"].last == Decimal(88000)
    d = out["depthUpdate"]
    assert isinstance(d, parse.DepthDiff) and (d.first_id, d.last_id) == (157, 160)
    assert d.bids[1] == (Decimal("87009"), Decimal(0))
    p = out["depth5"]
    assert isinstance(p, BookUpdated) and p.symbol == "BTCUSDT" and p.is_snapshot and p.update_id == 160


def test_negative_or_nan_numbers_are_refused() -> None:
    for bad in ("-1", "NaN", "Infinity"):
        with pytest.raises(NumberError):
            parse.dec(bad)


def test_execution_reports_become_orders_and_fills() -> None:
    ev = load("user_events.json")
    assert isinstance(ev, dict)
    new, fill = parse.execution_report(ev["new"]["event"])
    assert fill is None and new.status is OrderStatus.NEW and new.price == Decimal(87000)
    assert new.stop_price is None and new.time_in_force is TimeInForce.GTC and new.venue_order_id == 4293153
    part, fill = parse.execution_report(ev["trade"]["event"])
    assert part.status is OrderStatus.PARTIALLY_FILLED and part.filled_qty == Decimal("0.004")
    assert fill is not None and fill.liquidity is Liquidity.MAKER and fill.trade_id == 9001
    assert fill.commission == Decimal("0.000004") and fill.commission_asset == "BTC"
    assert fill.quote_qty == Decimal(348) and fill.client_order_id == "tt-abc"
    canceled, fill = parse.execution_report(ev["canceled"]["event"])
    assert fill is None and canceled.client_order_id == "tt-abc" and canceled.status is OrderStatus.CANCELED
    pos = parse.account_position(ev["position"]["event"])
    assert {b.asset: b.total for b in pos.balances} == {"BTC": Decimal("1.004"), "USDT": Decimal(9522)}


def test_order_responses_full_ack_cancel_and_query() -> None:
    r = load("order_responses.json")
    assert isinstance(r, dict)
    full = parse.order(r["full"])
    assert full.status is OrderStatus.FILLED and full.type is OrderType.MARKET and full.price is None
    assert full.avg_price == Decimal("87010")
    fills = parse.response_fills(r["full"], full)
    assert [f.trade_id for f in fills] == [56, 57] and all(f.liquidity is Liquidity.TAKER for f in fills)
    req = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal(80000),
                       time_in_force=TimeInForce.GTC, client_order_id="tt-ack")
    ack = parse.order(r["ack"], req)
    assert ack.status is OrderStatus.NEW and ack.venue_order_id == 29 and ack.price == Decimal(80000)
    cancel = parse.order(r["cancel"])
    assert cancel.client_order_id == "tt-limit" and cancel.status is OrderStatus.CANCELED
    query = parse.order(r["query"])
    assert query.is_open and query.stop_price is None and query.ts_created == 1764000006500
    trades = [parse.my_trade(t) for t in r["my_trades"]]
    assert trades[0].side is Side.SELL and trades[0].quote_qty == Decimal("87.01")
    assert {b.asset: b.free for b in parse.balances(r["account"])}["USDT"] == Decimal(10000)
    snap = parse.depth_snapshot(r["depth"])
    assert snap.last_update_id == 1027024 and snap.bids[0] == (Decimal(4), Decimal(431))


def test_all_market_mini_tickers_array_yields_one_record_per_symbol() -> None:
    ev = load("stream_events.json")
    assert isinstance(ev, dict)
    mini = ev["miniTicker"]["data"]
    batch = parser_for("!miniTicker@arr")([mini, {**mini, "s": "ETHUSDT"}], 1)
    assert [t.symbol for t in batch] == ["BTCUSDT", "ETHUSDT"]


def test_hot_path_records_equal_plainly_built_ones_and_bad_numbers_raise() -> None:
    ev = load("stream_events.json")
    assert isinstance(ev, dict)
    for symbol in (None, "BTCUSDT"):  # without a symbol the checked parser decides; with it, the fast path
        q = parse.book_ticker_event(ev["bookTicker"]["data"], 7, symbol)
        assert q == QuoteTick("BTCUSDT", Decimal("87010"), Decimal("1.5"), Decimal("87010.01"), Decimal("0.00001"), 0,
                              7)
        assert hash(q) == hash(QuoteTick(q.symbol, q.bid, q.bid_qty, q.ask, q.ask_qty, q.ts_event, q.ts_recv))
        t = parse.trade(ev["trade"]["data"], 7, symbol)
        assert t == TradeTick("BTCUSDT", Decimal("87010.01"), Decimal("0.0015"), 12345, Side.SELL, 1764000000120, 7)
    assert parse.book_ticker(ev["bookTicker"]["data"], 7) == q
    for field, bad in (("b", "NaN"), ("A", "-1"), ("a", "Infinity"), ("B", "")):
        with pytest.raises(parse.WireError):
            parse.book_ticker({**ev["bookTicker"]["data"], field: bad}, 0)


# ---------------------------------------------------------------- wire rules: the fast path and the checked parser

TRADE_PARSERS = pytest.mark.parametrize("parse_trade", [parse.trade, parse.checked_trade], ids=["fast", "checked"])
QUOTE_PARSERS = pytest.mark.parametrize("parse_quote", [parse.book_ticker_event, parse.checked_book_ticker],
                                        ids=["fast", "checked"])

# The frames of issue 9 (item 4), then the rest of the rules.
TRADE_CASES = [("price", {"p": "1E+999999"}), ("price", {"p": "1" * 100_000}), ("symbol", {"s": 5}),
               ("trade_id", {"t": {"x": 1}}), ("ts_event", {"T": "yesterday"}), ("symbol", {"s": "ETHUSDT"}),
               ("symbol", {"s": None}), ("m", {"m": "true"}), ("m", {"m": 1})]
TRADE_CASES += [("price", {"p": v}) for v in BAD_NUMBERS] + [("qty", {"q": v}) for v in BAD_NUMBERS]
TRADE_CASES += [("trade_id", {"t": v}) for v in BAD_IDS] + [("ts_event", {"T": v}) for v in BAD_TIMES]


@TRADE_PARSERS
@pytest.mark.parametrize("field,change", TRADE_CASES, ids=lambda v: repr(v)[:30])
def test_trade_parsers_refuse_a_frame_breaking_a_wire_rule_and_name_the_field(parse_trade: Any, field: str,
                                                                               change: dict[str, Any]) -> None:
    with pytest.raises(parse.WireError) as err:
        parse_trade({**TRADE, **change}, 7, "BTCUSDT")
    assert err.value.field == field


@TRADE_PARSERS
@pytest.mark.parametrize("data", [[TRADE], "trade", None, 5, {k: v for k, v in TRADE.items() if k != "p"}])
def test_trade_parsers_refuse_what_is_not_a_trade_object(parse_trade: Any, data: Any) -> None:
    with pytest.raises(parse.WireError):
        parse_trade(data, 7, "BTCUSDT")


QUOTE_CASES = [("ts_event", {"E": "yesterday"}), ("symbol", {"s": 5}), ("bid", {"b": "1E+999999"}),
               ("update_id", {"u": "1"}), ("update_id", {"u": True}), ("symbol", {"s": "btcusdt"})]
QUOTE_CASES += [(f, {k: v}) for k, f in (("b", "bid"), ("B", "bid_qty"), ("a", "ask"), ("A", "ask_qty"))
                for v in BAD_NUMBERS]
QUOTE_CASES += [("ts_event", {"E": v}) for v in BAD_TIMES]


@QUOTE_PARSERS
@pytest.mark.parametrize("field,change", QUOTE_CASES, ids=lambda v: repr(v)[:30])
def test_book_ticker_parsers_refuse_a_frame_breaking_a_wire_rule(parse_quote: Any, field: str,
                                                                 change: dict[str, Any]) -> None:
    with pytest.raises(parse.WireError) as err:
        parse_quote({**QUOTE, **change}, 7, "BTCUSDT")
    assert err.value.field == field


@TRADE_PARSERS
def test_trade_parsers_build_the_same_exact_record(parse_trade: Any) -> None:
    t = parse_trade(TRADE, 7, "BTCUSDT")
    assert repr(t) == repr(TradeTick("BTCUSDT", Decimal("87010.01000000"), Decimal("0.00150000"), 12345, Side.SELL,
                                     1764000000120, 7))
    agg = {k: v for k, v in TRADE.items() if k != "t"} | {"a": 2 ** 63 - 1, "m": False, "q": "0", "T": 0}
    t = parse_trade(agg, 7, "BTCUSDT")
    assert (t.trade_id, t.aggressor, t.qty, t.ts_event) == (2 ** 63 - 1, Side.BUY, Decimal(0), 0)
    big = parse_trade({**TRADE, "p": "9" * 20 + "." + "9" * 20}, 7, "BTCUSDT")
    assert big.price == Decimal("9" * 20 + "." + "9" * 20)


@QUOTE_PARSERS
def test_book_ticker_parsers_build_the_same_exact_record(parse_quote: Any) -> None:
    q = parse_quote({**QUOTE, "E": 1764000000001}, 7, "BTCUSDT")
    assert repr(q) == repr(QuoteTick("BTCUSDT", Decimal("87010.00000000"), Decimal("1.50000000"),
                                     Decimal("87010.01000000"), Decimal("0.00001000"), 1764000000001, 7))
    assert parse_quote({k: v for k, v in QUOTE.items() if k != "u"}, 7, "BTCUSDT").ts_event == 0


# Hypothesis: frames whose every field is valid or junk; the fast path and the checked parser must agree on which
# ones to refuse (and why), and build identical records from the rest.

def outcome(parser: Any, data: Any) -> tuple[str, str]:
    try:
        return "record", repr(parser(data, 7, "BTCUSDT"))
    except parse.WireError as exc:
        return "refused", exc.field


@settings(max_examples=400, deadline=None)
@given(frames(TRADE_FIELDS))
def test_fast_and_checked_trade_parsers_agree_on_any_frame(data: Any) -> None:
    assert outcome(parse.trade, data) == outcome(parse.checked_trade, data)


@settings(max_examples=400, deadline=None)
@given(frames(QUOTE_FIELDS))
def test_fast_and_checked_book_ticker_parsers_agree_on_any_frame(data: Any) -> None:
    assert outcome(parse.book_ticker_event, data) == outcome(parse.checked_book_ticker, data)


@TRADE_PARSERS
@settings(max_examples=200, deadline=None)
@given(price=wire_numbers, qty=wire_numbers, trade_id=st.integers(0, 2 ** 63 - 1), ts=st.integers(0, 10 ** 13),
       maker=st.booleans())
def test_trade_parsers_keep_every_valid_frame_exactly(parse_trade: Any, price: str, qty: str, trade_id: int, ts: int,
                                                      maker: bool) -> None:
    t = parse_trade({**TRADE, "p": price, "q": qty, "t": trade_id, "T": ts, "m": maker}, 7, "BTCUSDT")
    assert repr(t) == repr(TradeTick("BTCUSDT", Decimal(price), Decimal(qty), trade_id,
                                     Side.SELL if maker else Side.BUY, ts, 7))


# ---------------------------------------------------------------- depth diffs (issue 9, item 3)

DIFF = {"e": "depthUpdate", "E": 1764000000600, "s": "BTCUSDT", "U": 157, "u": 160,
        "b": [["87010.00000000", "0.50000000"]], "a": [["87010.01000000", "0"]]}


@pytest.mark.parametrize("field,change", [
    ("first_id", {"U": "abc"}), ("first_id", {"U": True}), ("first_id", {"U": 157.0}), ("last_id", {"u": "160"}),
    ("last_id", {"u": None}), ("first_id", {"U": -1}), ("first_id", {"U": 161}),
    ("last_id", {"u": 9000000000000000000}), ("last_id", {"U": 1, "u": 10 ** 7 + 2}), ("ts_event", {"E": "now"}),
    ("symbol", {"s": "ETHUSDT"}), ("bids", {"b": [["1E+999999", "1"]]}), ("asks", {"a": [["1", "-1"]]}),
    ("bids", {"b": [["1"]]}), ("asks", {"a": "x"}), ("U", {"U": ...})], ids=repr)
def test_depth_diffs_with_bad_update_ids_or_levels_are_refused(field: str, change: dict[str, Any]) -> None:
    data = {k: v for k, v in {**DIFF, **change}.items() if v is not ...}
    with pytest.raises(parse.WireError) as err:
        parse.depth_update(data, 0, "BTCUSDT")
    assert err.value.field in (field, "price", "qty")


def test_a_valid_depth_diff_keeps_its_ids_and_levels() -> None:
    d = parse.depth_update({**DIFF, "U": 1, "u": 10 ** 7 + 1}, 5, "BTCUSDT")
    assert (d.first_id, d.last_id, d.ts_event, d.ts_recv) == (1, 10 ** 7 + 1, 1764000000600, 5)
    assert d.bids == [(Decimal("87010.00000000"), Decimal("0.50000000"))] and d.asks[0][1] == 0
    snap = parse.depth_snapshot({"lastUpdateId": 7, "bids": [["1.5", "2"]], "asks": []})
    assert snap == parse.DepthSnapshot(7, [(Decimal("1.5"), Decimal(2))], [])
    with pytest.raises(parse.WireError):
        parse.depth_snapshot({"lastUpdateId": "7", "bids": [], "asks": []})


# ---------------------------------------------------------------- klines and tickers follow the same rules

@pytest.mark.parametrize("name,path,bad,field", [
    ("kline", ("k", "c"), "1E+999999", "close"), ("kline", ("k", "s"), "ETHUSDT", "symbol"),
    ("kline", ("k", "t"), "yesterday", "open_time"), ("kline", ("k", "n"), 1.5, "trades"),
    ("kline", ("k", "x"), "false", "closed"), ("kline", ("k", "i"), "7m", "interval"),
    ("miniTicker", ("c",), "1" * 100_000, "last"), ("miniTicker", ("E",), "now", "ts_event"),
    ("ticker", ("P",), "-1E+5", "change_pct"), ("ticker", ("s",), 5, "symbol")], ids=repr)
def test_kline_and_ticker_events_breaking_a_wire_rule_are_refused(name: str, path: tuple[str, ...], bad: Any,
                                                                   field: str) -> None:
    ev = load("stream_events.json")
    assert isinstance(ev, dict)
    data = json.loads(json.dumps(ev[name]["data"]))
    parent = data if len(path) == 1 else data[path[0]]
    parent[path[-1]] = bad
    with pytest.raises(parse.WireError) as err:
        parser_for(ev[name]["stream"])(data, 0, "BTCUSDT")
    assert err.value.field == field


def test_a_falling_ticker_keeps_its_negative_change() -> None:
    ev = load("stream_events.json")
    assert isinstance(ev, dict)
    t = parse.ticker({**ev["ticker"]["data"], "P": "-2.500"}, 0, "BTCUSDT")
    assert t.change_pct == Decimal("-2.500")

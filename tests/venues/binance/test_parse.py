"""Pure wire -> model parsing on recorded payloads (tests/data/binance)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.model import (BookUpdated, Interval, Liquidity, OrderRequest, OrderStatus, OrderType, QuoteTick, Side,
                            Ticker24h, TimeInForce, TradeTick)
from terminal.model.numbers import NumberError
from terminal.venues.binance import parse
from terminal.venues.binance.stream import parser_for

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
    q = parse.book_ticker(ev["bookTicker"]["data"], 7)
    assert q == QuoteTick("BTCUSDT", Decimal("87010"), Decimal("1.5"), Decimal("87010.01"), Decimal("0.00001"), 0, 7)
    assert hash(q) == hash(QuoteTick(q.symbol, q.bid, q.bid_qty, q.ask, q.ask_qty, q.ts_event, q.ts_recv))
    t = parse.trade(ev["trade"]["data"], 7)
    assert t == TradeTick("BTCUSDT", Decimal("87010.01"), Decimal("0.0015"), 12345, Side.SELL, 1764000000120, 7)
    for field, bad in (("b", "NaN"), ("A", "-1"), ("a", "Infinity"), ("B", "")):
        with pytest.raises((NumberError, ArithmeticError, IndexError)):
            parse.book_ticker({**ev["bookTicker"]["data"], field: bad}, 0)

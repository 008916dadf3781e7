"""The pure parse functions on the payload shapes of the wire digest (shared/reference/finnhub-subset.md)."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from terminal.model import AssetClass, Interval, Side
from terminal.venues.finnhub import parse

D = Decimal


def j(text: str) -> object:
    return json.loads(text, parse_float=Decimal)


def test_quote_is_the_last_trade_and_an_unknown_symbols_zeros_are_no_quote() -> None:
    body = j('{"c": 261.74, "d": 2.29, "dp": 0.8827, "h": 263.31, "l": 260.68, "o": 261.07, "pc": 259.45,'
             ' "t": 1582641000}')
    q = parse.quote("AAPL", body, 5)
    assert q is not None and (q.bid, q.ask, q.bid_qty, q.ts_event) == (D("261.74"), D("261.74"), 0, 1582641000000)
    t = parse.ticker("AAPL", body, 5)
    assert t is not None and (t.last, t.open, t.high, t.low, t.change_pct) == (
        D("261.74"), D("261.07"), D("263.31"), D("260.68"), D("0.8827"))
    zeros = j('{"c":0,"d":null,"dp":null,"h":0,"l":0,"o":0,"pc":0,"t":0}')
    assert parse.quote("NOPE", zeros, 5) is None and parse.ticker("NOPE", zeros, 5) is None


def test_candles_parallel_arrays_to_bars_and_no_data_to_none() -> None:
    body = j('{"c": [217.68, 221.03, 219.89], "h": [222.49, 221.5, 220.94], "l": [217.19, 217.1402, 218.83],'
             ' "o": [221.03, 218.55, 220], "s": "ok", "t": [1569297600, 1569384000, 1569470400],'
             ' "v": [33463820, 24018876, 20730608]}')
    bars = parse.candles("AAPL", Interval.D1, body, now_ms=1569470400000 + 1000)
    assert [b.open_time for b in bars] == [1569297600000, 1569384000000, 1569470400000]
    assert (bars[1].open, bars[1].low, bars[1].volume) == (D("218.55"), D("217.1402"), D(24018876))
    assert [b.closed for b in bars] == [True, True, False]
    assert parse.candles("AAPL", Interval.D1, {"s": "no_data"}, 0) == []
    merged = parse.aggregate(bars[:2], Interval.D3, now_ms=10 ** 13)
    assert len({b.open_time for b in merged}) == len(merged) and all(b.open_time % Interval.D3.ms == 0 for b in merged)


def test_trade_batches_mixing_symbols_with_and_without_conditions() -> None:
    msg = j('{"type": "trade", "data": [{"c": ["1", "8", "24", "12"], "p": 122.1, "s": "TSLA", "t": 1672348887195,'
            ' "v": 1}, {"p": 7296.89, "s": "BINANCE:BTCUSDT", "t": 1575526691134, "v": 0.011467}]}')
    ticks = parse.trades(msg["data"], 9)  # type: ignore[index]
    assert [(t.symbol, t.price, t.qty, t.ts_event) for t in ticks] == [
        ("TSLA", D("122.1"), D(1), 1672348887195), ("BINANCE:BTCUSDT", D("7296.89"), D("0.011467"), 1575526691134)]
    assert all(t.aggressor is Side.BUY and t.ts_recv == 9 for t in ticks)
    with pytest.raises(ValueError):
        parse.trades([{"p": -1, "s": "X", "t": 1, "v": 1}], 0)


def test_news_newest_first_and_fundamentals_in_units_not_millions() -> None:
    rows = j('[{"category": "company", "datetime": 1569550360, "headline": "More sops", "id": 25286, "image": "",'
             ' "related": "AAPL", "source": "The Economic Times", "summary": "", "url": "https://x/y"},'
             ' {"category": "company", "datetime": 1569650360, "headline": "Later", "id": 25300, "image": "",'
             ' "related": "AAPL", "source": "S", "summary": "", "url": "https://x/z"}]')
    news = parse.news(rows)
    assert [n.id for n in news] == [25300, 25286] and news[1].ts_event == 1569550360000
    assert parse.news({"error": "x"}) == []
    profile = j('{"name": "Apple Inc", "marketCapitalization": 2884745.2, "shareOutstanding": 15334.08,'
                ' "finnhubIndustry": "Technology", "exchange": "NASDAQ NMS - GLOBAL MARKET"}')
    metric = j('{"metric": {"peTTM": 30.1, "52WeekHigh": 199.62, "52WeekLow": 124.17, "beta": 1.29},'
               ' "metricType": "all", "series": {}, "symbol": "AAPL"}')
    cal = j('{"earningsCalendar": [{"date": "2020-01-28", "epsActual": 4.99, "epsEstimate": 4.5474, "hour": "amc",'
            ' "quarter": 1, "revenueActual": 91819000000, "revenueEstimate": 88496400810, "symbol": "AAPL",'
            ' "year": 2020}, {"date": "2020-04-30", "epsActual": null, "epsEstimate": 2.5, "hour": "amc",'
            ' "quarter": 2, "revenueActual": null, "revenueEstimate": 60000000000, "symbol": "AAPL", "year": 2020}]}')
    f = parse.fundamentals("AAPL", profile, metric, cal, date(2020, 2, 1))  # type: ignore[arg-type]
    assert f.market_cap == D("2884745200000.0") and f.shares_outstanding == D("15334080000.00")
    assert (f.pe_ttm, f.high_52w, f.low_52w, f.industry) == (D("30.1"), D("199.62"), D("124.17"), "Technology")
    assert f.next_earnings is not None and f.next_earnings.date == "2020-04-30" and f.next_earnings.eps_actual is None
    empty = parse.fundamentals("NOPE", {}, {"metric": {}, "metricType": "all", "series": {}, "symbol": "NOPE"},
                               {"earningsCalendar": []}, date(2020, 2, 1))
    assert empty.name == "" and empty.market_cap is None and empty.next_earnings is None


def test_symbol_lists_become_instruments_in_finnhubs_conventions() -> None:
    fx = parse.pairs(j('[{"description": "Oanda EUR/USD", "displaySymbol": "EUR/USD", "symbol": "OANDA:EUR_USD"}]'),
                     AssetClass.FOREX)
    assert [(i.symbol, i.base_asset, i.quote_asset, i.exchange, i.venue) for i in fx] == [
        ("OANDA:EUR_USD", "EUR", "USD", "OANDA", "finnhub")]
    stocks = parse.stocks(j('[{"currency": "USD", "description": "APPLE INC", "displaySymbol": "AAPL", "figi": "F",'
                            ' "isin": null, "mic": "XNAS", "shareClassFIGI": "", "symbol": "AAPL", "symbol2": "",'
                            ' "type": "Common Stock"}]'), None)
    assert stocks[0].asset_class is AssetClass.EQUITY and stocks[0].tick_size == D("0.01")

"""Public market data endpoints over real HTTP: shapes, weights and errors."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from .signer import SESSION, body, public


def test_ping_time_and_weight_headers(sandbox) -> None:
    resp = public(sandbox, "/api/v3/ping")
    assert resp.json() == {} and int(resp.headers["X-MBX-USED-WEIGHT-1M"]) >= 1
    assert "X-MBX-USED-WEIGHT" in resp.headers
    assert body(public(sandbox, "/api/v3/time"))["serverTime"] > 1_600_000_000_000


def test_exchange_info_symbol_symbols_and_filters(sandbox) -> None:
    info = body(public(sandbox, "/api/v3/exchangeInfo"))
    assert info["timezone"] == "UTC" and len(info["symbols"]) >= 2
    assert {r["rateLimitType"] for r in info["rateLimits"]} == {"REQUEST_WEIGHT", "ORDERS", "RAW_REQUESTS"}
    btc = body(public(sandbox, "/api/v3/exchangeInfo", symbol="BTCUSDT"))["symbols"]
    assert [s["symbol"] for s in btc] == ["BTCUSDT"]
    filters = {f["filterType"]: f for f in btc[0]["filters"]}
    assert filters["PRICE_FILTER"]["tickSize"] == "0.01000000"
    assert filters["LOT_SIZE"]["stepSize"] == "0.00001000" and filters["LOT_SIZE"]["minQty"] == "0.00001000"
    assert filters["NOTIONAL"]["minNotional"] == "5.00000000"
    assert btc[0]["status"] == "TRADING" and "MARKET" in btc[0]["orderTypes"]
    raw = SESSION.get(sandbox.url + '/api/v3/exchangeInfo?symbols=["BTCUSDT","ETHUSDT"]').json()
    assert [s["symbol"] for s in raw["symbols"]] == ["BTCUSDT", "ETHUSDT"]
    encoded = body(public(sandbox, "/api/v3/exchangeInfo", symbols=json.dumps(["ETHUSDT"])))
    assert [s["symbol"] for s in encoded["symbols"]] == ["ETHUSDT"]
    assert body(public(sandbox, "/api/v3/exchangeInfo", permissions="SPOT"))["symbols"]
    assert body(public(sandbox, "/api/v3/exchangeInfo", symbol="NOPE")) == {"code": -1121, "msg": "Invalid symbol."}


def test_depth_is_sorted_and_weighted_by_limit(sandbox) -> None:
    resp = public(sandbox, "/api/v3/depth", symbol="BTCUSDT", limit=5)
    book = body(resp)
    bids = [Decimal(p) for p, _ in book["bids"]]
    asks = [Decimal(p) for p, _ in book["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and bids[0] < asks[0]
    assert len(bids) <= 5 and isinstance(book["lastUpdateId"], int)
    before = int(resp.headers["X-MBX-USED-WEIGHT-1M"])
    after = int(public(sandbox, "/api/v3/depth", symbol="BTCUSDT", limit=1000).headers["X-MBX-USED-WEIGHT-1M"])
    assert after - before >= 50


def test_trades_and_agg_trades(sandbox) -> None:
    trades = body(public(sandbox, "/api/v3/trades", symbol="BTCUSDT", limit=3))
    for t in trades:
        assert set(t) == {"id", "price", "qty", "quoteQty", "time", "isBuyerMaker", "isBestMatch"}
    aggs = body(public(sandbox, "/api/v3/aggTrades", symbol="BTCUSDT", limit=3))
    for a in aggs:
        assert set(a) == {"a", "p", "q", "f", "l", "T", "m", "M"}


def test_klines_and_ui_klines(sandbox) -> None:
    rows = body(public(sandbox, "/api/v3/klines", symbol="BTCUSDT", interval="1m", limit=3))
    assert len(rows) == 3
    for r in rows:
        assert len(r) == 12 and r[6] == r[0] + 59_999 and isinstance(r[8], int)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    start = rows[0][0]
    ranged = body(public(sandbox, "/api/v3/uiKlines", symbol="BTCUSDT", interval="1m", startTime=start, limit=2))
    assert [r[0] for r in ranged] == [start, start + 60_000]
    assert body(public(sandbox, "/api/v3/klines", symbol="BTCUSDT", interval="7m")) == {
        "code": -1120, "msg": "Invalid interval."}
    assert body(public(sandbox, "/api/v3/klines", symbol="BTCUSDT"))["code"] == -1102


def test_avg_price_and_tickers(sandbox) -> None:
    avg = body(public(sandbox, "/api/v3/avgPrice", symbol="BTCUSDT"))
    assert avg["mins"] == 5 and Decimal(avg["price"]) > 0
    one = body(public(sandbox, "/api/v3/ticker/price", symbol="BTCUSDT"))
    assert set(one) == {"symbol", "price"} and Decimal(one["price"]) > 0
    many = body(public(sandbox, "/api/v3/ticker/price", symbols='["BTCUSDT","ETHUSDT"]'))
    assert [r["symbol"] for r in many] == ["BTCUSDT", "ETHUSDT"]
    assert len(body(public(sandbox, "/api/v3/ticker/price"))) >= 2
    top = body(public(sandbox, "/api/v3/ticker/bookTicker", symbol="BTCUSDT"))
    assert Decimal(top["bidPrice"]) < Decimal(top["askPrice"])
    full = body(public(sandbox, "/api/v3/ticker/24hr", symbol="BTCUSDT"))
    for field in ("priceChange", "priceChangePercent", "weightedAvgPrice", "prevClosePrice", "lastPrice", "lastQty",
                  "bidPrice", "askPrice", "openPrice", "highPrice", "lowPrice", "volume", "quoteVolume", "openTime",
                  "closeTime", "firstId", "lastId", "count"):
        assert field in full
    mini = body(public(sandbox, "/api/v3/ticker/24hr", symbol="BTCUSDT", type="MINI"))
    assert "priceChange" not in mini and "bidPrice" not in mini and "lastPrice" in mini
    assert isinstance(body(public(sandbox, "/api/v3/ticker/24hr")), list)


@pytest.mark.parametrize("query,code", [
    ("symbol=BTCUSDT&limit=abc", -1100),
    ("symbol=BTCUSDT&limit=99999999999999999999999", -1100),
    ("symbol=BTCUSDT&symbol=ETHUSDT", -1101),
    ("limit=5", -1102),
    ("symbol=btc%00usdt", -1121),
])
def test_malformed_market_requests_get_clear_errors(sandbox, query: str, code: int) -> None:
    resp = SESSION.get(f"{sandbox.url}/api/v3/depth?{query}")
    assert resp.status_code == 400 and body(resp)["code"] == code


def test_unknown_path_and_wrong_method(sandbox) -> None:
    assert SESSION.get(sandbox.url + "/api/v3/nope").status_code == 404
    resp = SESSION.post(sandbox.url + "/api/v3/depth")
    assert resp.status_code == 405 and "code" in resp.json()


def test_rolling_window_ticker(sandbox) -> None:
    hour = body(public(sandbox, "/api/v3/ticker", symbol="BTCUSDT", windowSize="1h"))
    day = body(public(sandbox, "/api/v3/ticker", symbol="BTCUSDT", windowSize="1d"))
    assert hour["closeTime"] - hour["openTime"] <= 3_600_000 < day["closeTime"] - day["openTime"]
    assert "priceChange" in hour and "lastPrice" in hour and "bidPrice" not in hour
    many = body(public(sandbox, "/api/v3/ticker", symbols='["BTCUSDT","ETHUSDT"]', windowSize="30m", type="MINI"))
    assert [r["symbol"] for r in many] == ["BTCUSDT", "ETHUSDT"] and "priceChange" not in many[0]
    assert body(public(sandbox, "/api/v3/ticker", symbol="BTCUSDT", windowSize="8d"))["code"] == -1100

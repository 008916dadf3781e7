"""A sandbox without its simulated market (``simulate=False``, the tests' quiet exchange) still answers every market
data request in Binance's shapes: empty klines and an all-zero ticker before a symbol's first trade (it answered 500
with a KeyError), then candles and a 24 h ticker made of the trades users make."""
from __future__ import annotations

import json
import urllib.request
from decimal import Decimal

import pytest

from terminal.venues.sandbox import SandboxServer

from .quiet import quiet_sandbox


@pytest.fixture
def quiet():
    with quiet_sandbox() as q:
        yield q


def get(server: SandboxServer, path: str):  # type: ignore[no-untyped-def]
    with urllib.request.urlopen(f"{server.url}{path}", timeout=10) as answer:
        assert answer.status == 200
        return json.loads(answer.read())


PATHS = ["/api/v3/klines?symbol=BTCUSDT&interval=1m", "/api/v3/uiKlines?symbol=BTCUSDT&interval=1h",
         "/api/v3/ticker/24hr?symbol=BTCUSDT", "/api/v3/ticker/24hr", "/api/v3/ticker/price?symbol=BTCUSDT",
         "/api/v3/avgPrice?symbol=BTCUSDT", "/api/v3/ticker?symbol=BTCUSDT&windowSize=1h"]


def test_before_any_trade_klines_are_empty_and_tickers_zero(quiet):
    answers = {path: get(quiet.server, path) for path in PATHS}
    assert answers[PATHS[0]] == [] and answers[PATHS[1]] == []
    ticker = answers["/api/v3/ticker/24hr?symbol=BTCUSDT"]
    assert (ticker["lastPrice"], ticker["count"], ticker["firstId"], ticker["lastId"]) == ("0.00000000", 0, -1, -1)
    assert {row["symbol"] for row in answers["/api/v3/ticker/24hr"]} >= {"BTCUSDT", "ETHUSDT"}
    assert Decimal(answers["/api/v3/avgPrice?symbol=BTCUSDT"]["price"]) == 0


def test_the_users_trades_make_the_candles_and_the_ticker(quiet):
    quiet.trade_at("100000.00")
    quiet.trade_at("100250.00")
    candles = get(quiet.server, "/api/v3/klines?symbol=BTCUSDT&interval=1m")
    assert len(candles) >= 1
    assert Decimal(candles[-1][4]) == Decimal("100250.00")  # the close: the last trade
    assert Decimal(candles[0][1]) == Decimal("100000.00")  # the open: the first
    ticker = get(quiet.server, "/api/v3/ticker/24hr?symbol=BTCUSDT")
    assert Decimal(ticker["lastPrice"]) == Decimal("100250.00") and ticker["count"] == 2
    assert Decimal(ticker["highPrice"]) == Decimal("100250.00") and Decimal(ticker["lowPrice"]) == Decimal("100000.00")
    assert get(quiet.server, "/api/v3/klines?symbol=ETHUSDT&interval=1m") == []  # untouched: still empty

"""The Finnhub paper server, spoken to by the official client (finnhub-python, unchanged, its API_URL pointed at the
server) and by raw HTTP/WebSocket where the client has no call (headers, 401, 429, the WebSocket)."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import finnhub
import pytest
import requests
import websockets

from terminal.servers.finnhub import BUILTIN_TOKEN, PaperServer

LIMIT_BODY = {"error": "API limit reached. Please try again later. Remaining Limit: 0"}


@pytest.fixture(scope="module")
def server() -> Iterator[PaperServer]:
    s = PaperServer("127.0.0.1", 0, always_open=True, seed=7, per_window=10_000, per_second=10_000,
                    news_every_s=0.2, ping_s=0.2)
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def client(server: PaperServer) -> finnhub.Client:
    c = finnhub.Client(api_key=BUILTIN_TOKEN)
    c.API_URL = server.url  # the documented way: the class attribute, per instance
    return c


def _day(offset_days: int = 0) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=offset_days)).date().isoformat()


def test_official_client_quote_and_candles_of_a_stock_forex_and_crypto(client: finnhub.Client,
                                                                       server: PaperServer) -> None:
    q = client.quote("AAPL")
    assert q["c"] > 0 and q["pc"] > 0 and q["t"] > 0 and set(q) == {"c", "d", "dp", "h", "l", "o", "pc", "t"}
    assert q["l"] <= q["c"] <= q["h"] and abs(q["d"] - (q["c"] - q["pc"])) < 1e-6
    now = int(time.time())
    for resolution, seconds in (("1", 60), ("5", 300), ("15", 900), ("30", 1800), ("60", 3600), ("D", 86400)):
        r = client.stock_candles("AAPL", resolution, now - 20 * seconds, now)
        assert r["s"] == "ok" and len({len(r[k]) for k in "ohlcvt"}) == 1 and len(r["t"]) >= 19
        assert r["t"] == sorted(r["t"]) and all(t % seconds == 0 for t in r["t"][1:-1])
        assert all(lo <= min(o, c) and max(o, c) <= hi for o, hi, lo, c in zip(r["o"], r["h"], r["l"], r["c"]))
    for resolution in ("W", "M"):
        assert client.stock_candles("AAPL", resolution, now - 90 * 86400, now)["s"] == "ok"
    fx = client.forex_candles("OANDA:EUR_USD", "5", now - 3600, now)
    btc = client.crypto_candles("BINANCE:BTCUSDT", "60", now - 86400, now)
    assert fx["s"] == btc["s"] == "ok" and 0.5 < fx["c"][-1] < 2 and btc["c"][-1] > 1000
    assert client.stock_candles("NOPE", "D", now - 86400 * 5, now) == {"s": "no_data"}
    assert client.stock_candles("AAPL", "D", now - 86400 * 5, now - 86400 * 6) == {"s": "no_data"}
    assert client.quote("NOPE") == {"c": 0, "d": None, "dp": None, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0}
    assert "/quote" in {e.path for e in server.request_log}  # the client's double slash routed


def test_official_client_profile_basic_financials_and_earnings(client: finnhub.Client) -> None:
    p = client.company_profile2(symbol="AAPL")
    assert p["ticker"] == "AAPL" and p["name"] == "Apple Inc" and p["marketCapitalization"] > 0
    assert p["shareOutstanding"] > 0 and p["currency"] == "USD"
    assert client.company_profile2(symbol="NOPE") == {}
    m = client.company_basic_financials("AAPL", "all")
    assert m["symbol"] == "AAPL" and m["metricType"] == "all"
    metric = m["metric"]
    assert metric["52WeekLow"] < metric["52WeekHigh"] and metric["peTTM"] > 0 and metric["epsTTM"] > 0
    assert m["series"]["quarterly"]["currentRatio"][0]["period"] > m["series"]["quarterly"]["currentRatio"][1]["period"]
    cal = client.earnings_calendar(_from=_day(), to=_day(120), symbol="AAPL", international=False)
    rows = cal["earningsCalendar"]
    assert rows and all(r["symbol"] == "AAPL" and _day() <= r["date"] <= _day(120) for r in rows)
    assert rows[0]["epsActual"] is None and rows[0]["hour"] in {"bmo", "amc", "dmh"}
    everyone = client.earnings_calendar(_from=_day(), to=_day(120), symbol="")["earningsCalendar"]
    assert {"AAPL", "MSFT", "NVDA"} <= {r["symbol"] for r in everyone}


def test_official_client_company_and_market_news_with_pages_the_server_serves(client: finnhub.Client) -> None:
    items = client.company_news("MSFT", _from=_day(-7), to=_day())
    assert items and all(i["related"] == "MSFT" and i["category"] == "company" for i in items)
    assert [i["datetime"] for i in items] == sorted((i["datetime"] for i in items), reverse=True)
    assert set(items[0]) == {"category", "datetime", "headline", "id", "image", "related", "source", "summary", "url"}
    page = requests.get(items[0]["url"], timeout=5)
    assert page.status_code == 200 and items[0]["headline"].split("'")[0] in page.text
    general = client.general_news("general", min_id=0)
    assert 0 < len(general) <= 100 and all(g["related"] == "" for g in general)
    newest = max(g["id"] for g in general)
    assert all(g["id"] > newest - 5 for g in client.general_news("general", min_id=newest - 5))
    assert client.general_news("merger", min_id=0) == []


def test_news_of_a_watched_stock_gets_new_headlines_over_time(client: finnhub.Client, server: PaperServer) -> None:
    made = threading.Event()
    server.news.listeners.append(lambda item: made.set() if item.related == "NVDA" else None)
    first = client.company_news("NVDA", _from=_day(-1), to=_day(1))  # asking watches it
    newest = max(i["id"] for i in first)
    assert made.wait(10), "no new NVDA headline"
    got = [i for i in client.company_news("NVDA", _from=_day(-1), to=_day(1)) if i["id"] > newest]
    assert got and got[0]["datetime"] >= first[0]["datetime"] and got[0]["related"] == "NVDA"
    assert got[0]["id"] > newest and got[0]["url"].endswith(f"/article/{got[0]['id']}")


def test_symbol_lookup_and_symbol_lists(client: finnhub.Client) -> None:
    found = client.symbol_lookup("apple")
    assert found["count"] == len(found["result"]) >= 1 and found["result"][0]["symbol"] == "AAPL"
    assert client.symbol_lookup("zzzz") == {"count": 0, "result": []}
    stocks = client.stock_symbols("US")
    assert {"AAPL", "MSFT", "SPY"} <= {s["symbol"] for s in stocks}
    assert all(s["currency"] == "USD" and s["mic"] for s in stocks)
    assert [s["symbol"] for s in client.stock_symbols("US", mic="ARCX")] == ["SPY"]
    assert client.forex_symbols("oanda")[0]["symbol"] == "OANDA:EUR_USD"
    assert client.crypto_symbols("binance")[0] == {"description": "Binance BTCUSDT", "displaySymbol": "BTC/USDT",
                                                   "symbol": "BINANCE:BTCUSDT"}


def test_token_by_query_or_header_else_401_with_finnhubs_body(server: PaperServer) -> None:
    url = server.url + "/quote"
    assert requests.get(url, params={"symbol": "AAPL", "token": BUILTIN_TOKEN}, timeout=5).status_code == 200
    ok = requests.get(url, params={"symbol": "AAPL"}, headers={"X-Finnhub-Token": BUILTIN_TOKEN}, timeout=5)
    assert ok.status_code == 200 and "application/json" in ok.headers["Content-Type"]
    for params in ({"symbol": "AAPL"}, {"symbol": "AAPL", "token": "wrong"}):
        r = requests.get(url, params=params, timeout=5)
        assert (r.status_code, r.json()) == (401, {"error": "Invalid API key."})
    bad = finnhub.Client(api_key="wrong")
    bad.API_URL = server.url
    with pytest.raises(finnhub.FinnhubAPIException) as exc:
        bad.quote("AAPL")
    assert exc.value.status_code == 401 and exc.value.message == "Invalid API key."


def test_rate_limit_is_60_per_window_per_key_answering_429_with_finnhubs_body() -> None:
    s = PaperServer("127.0.0.1", 0, always_open=True, per_window=60, window_s=3600.0, per_second=1000)
    s.start()
    try:
        s.add_token("second-key")
        session = requests.Session()
        session.headers["X-Finnhub-Token"] = BUILTIN_TOKEN
        codes = [session.get(s.url + "/quote", params={"symbol": "AAPL"}, timeout=5).status_code for _ in range(60)]
        assert codes == [200] * 60
        over = session.get(s.url + "/quote", params={"symbol": "AAPL"}, timeout=5)
        assert over.status_code == 429 and over.json() == LIMIT_BODY
        assert over.headers["X-Ratelimit-Remaining"] == "0" and int(over.headers["X-Ratelimit-Reset"]) > time.time()
        other = requests.get(s.url + "/quote", params={"symbol": "AAPL", "token": "second-key"}, timeout=5)
        assert other.status_code == 200  # the budget is per key
        assert [e.status for e in s.request_log].count(200) == 61
    finally:
        s.stop()


def test_a_burst_never_gets_more_than_30_calls_a_second_through() -> None:
    s = PaperServer("127.0.0.1", 0, always_open=True, per_window=1000, per_second=30)
    s.start()
    try:
        session = requests.Session()
        session.headers["X-Finnhub-Token"] = BUILTIN_TOKEN
        for _ in range(45):
            session.get(s.url + "/quote", params={"symbol": "AAPL"}, timeout=5)
        admitted = [e.ts for e in s.request_log if e.status == 200]
        assert all(sum(1 for t in admitted if a <= t < a + 0.99) <= 30 for a in admitted)
        refused = [e.ts for e in s.request_log if e.status == 429]
        assert all(sum(1 for t in admitted if r - 1.0 < t <= r) >= 29 for r in refused)  # only when the cap was met
    finally:
        s.stop()


def test_fault_switches_answer_429_and_5xx_and_the_log_records_every_call(client: finnhub.Client,
                                                                         server: PaperServer) -> None:
    mark = len(server.request_log)
    server.faults.rate_limit_next(1)
    with pytest.raises(finnhub.FinnhubAPIException) as limited:
        client.quote("AAPL")
    assert limited.value.status_code == 429 and limited.value.message == LIMIT_BODY["error"]
    server.faults.fail_next(1, 502)
    with pytest.raises(finnhub.FinnhubAPIException) as failed:
        client.quote("AAPL")
    assert failed.value.status_code == 502
    assert client.quote("AAPL")["c"] > 0
    assert [(e.path, e.status, e.symbol) for e in server.request_log[mark:]] == [
        ("/quote", 429, "AAPL"), ("/quote", 502, "AAPL"), ("/quote", 200, "AAPL")]


async def _frames(ws: Any, pred: Any, n: int = 1) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while len(out) < n:
        msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if pred(msg):
            out.append(msg)
    return out


async def test_websocket_trades_pings_news_unsubscribe_and_a_bad_token(server: PaperServer) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(f"{server.ws_url}/?token=wrong"):
            pass
    assert refused.value.response.status_code == 401
    async with websockets.connect(f"{server.ws_url}/?token={BUILTIN_TOKEN}") as ws:
        await _frames(ws, lambda m: m == {"type": "ping"})  # also with nothing subscribed
        await ws.send(json.dumps({"type": "subscribe", "symbol": "BINANCE:BTCUSDT"}))
        await ws.send(json.dumps({"type": "subscribe", "symbol": "AAPL"}))
        await ws.send(json.dumps({"type": "subscribe-news", "symbol": "AAPL"}))
        frames = await _frames(ws, lambda m: m["type"] == "trade", 5)
        trades = [t for f in frames for t in f["data"]]
        assert {t["s"] for t in trades} <= {"BINANCE:BTCUSDT", "AAPL"}
        assert all(t["p"] > 0 and t["v"] > 0 and t["t"] > 1e12 for t in trades)  # milliseconds
        assert all(t["c"] == ["1"] for t in trades if t["s"] == "AAPL")
        assert all("c" not in t for t in trades if t["s"] == "BINANCE:BTCUSDT")
        news = await _frames(ws, lambda m: m["type"] == "news")
        assert news[0]["data"][0]["related"] == "AAPL"
        await ws.send(json.dumps({"type": "unsubscribe", "symbol": "BINANCE:BTCUSDT"}))
        await ws.send(json.dumps({"type": "unsubscribe", "symbol": "AAPL"}))
        await ws.send(json.dumps({"type": "subscribe", "symbol": "MSFT"}))
        first_msft = await _frames(ws, lambda m: m["type"] == "trade" and
                                   any(t["s"] == "MSFT" for t in m["data"]))
        later = await _frames(ws, lambda m: m["type"] == "trade", 3)
        assert all(t["s"] == "MSFT" for f in first_msft + later for t in f["data"])


async def test_drop_websockets_cuts_every_connection(server: PaperServer) -> None:
    async with websockets.connect(f"{server.ws_url}/?token={BUILTIN_TOKEN}") as ws:
        await _frames(ws, lambda m: m == {"type": "ping"})
        server.faults.drop_websockets()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _frames(ws, lambda m: False)
        assert closed.value.rcvd is None  # no close frame: a network failure, not a goodbye


def test_rate_limiter_windows_are_exact_on_a_given_clock() -> None:
    from terminal.servers.finnhub.ratelimit import RateLimiter

    now = [1000.0]
    lim = RateLimiter(60, 60.0, 30, clock=lambda: now[0])
    assert all(lim.admit("k")[0] for _ in range(30))
    assert lim.admit("k")[:2] == (False, 30)  # the 31st in the same second
    assert lim.admit("other")[0]  # per key
    now[0] += 1.0
    assert all(lim.admit("k")[0] for _ in range(30))
    now[0] += 1.0
    ok, remaining, reset = lim.admit("k")
    assert (ok, remaining) == (False, 0) and reset == pytest.approx(58.0)  # the 61st within the minute
    now[0] = 1000.0 + 60.0  # the first 30 left the window
    assert all(lim.admit("k")[0] for _ in range(30)) and not lim.admit("k")[0]

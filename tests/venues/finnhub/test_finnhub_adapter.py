"""The Finnhub adapter against its paper server: the shared request budget (no 429 under load from several
consumers), outcomes (401, 429), candles for every chart interval, quotes and bars from trades, news and
fundamentals."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, AsyncIterator, Iterator

import pytest

from terminal.bus import Bus
from terminal.model import Bar, Interval, QuoteTick, TradeTick
from terminal.servers.finnhub import BUILTIN_TOKEN, PaperServer
from terminal.venues.finnhub import FinnhubVenue, Fundamentals, NewsList
from terminal.venues.finnhub.budget import RateBudget
from terminal.venues.ports import AuthError, RateLimited, Rejected


@pytest.fixture(scope="module")
def server() -> Iterator[PaperServer]:
    s = PaperServer("127.0.0.1", 0, always_open=True, seed=3, per_window=100_000, per_second=100_000)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def _venue(server: PaperServer, token: str = BUILTIN_TOKEN, **options: Any) -> FinnhubVenue:
    opts = {"rest_url": server.url, "ws_url": server.ws_url, **options}
    return FinnhubVenue("sandbox", bus=Bus(), credentials={"token": token}, **opts)


@pytest.fixture
async def venue(server: PaperServer) -> AsyncIterator[FinnhubVenue]:
    v = _venue(server, rate_limit=100_000)
    await v.start()
    try:
        yield v
    finally:
        await v.close()


async def _load(venue: FinnhubVenue, n: int) -> list[str]:
    """n requests from three consumers at once: the chart (candles), the watchlist (quotes), a strategy (tickers)."""
    async def chart(k: int) -> None:
        for _ in range(k):
            await venue.klines("AAPL", Interval.M5, limit=20)

    async def watchlist(k: int) -> None:
        for i in range(k):
            await venue.quote(("AAPL", "MSFT", "NVDA", "SPY")[i % 4])

    async def strategy(k: int) -> None:
        for _ in range(k):
            await venue.ticker("BINANCE:BTCUSDT")
    third = n // 3
    await asyncio.gather(chart(third), watchlist(third), strategy(n - 2 * third))
    return []


async def test_200_requests_from_three_consumers_within_the_window_meet_no_429_and_are_all_served() -> None:
    """The server enforces 60 calls per (shortened) 2 s window and 30 a second; the budget, sized from the adapter's
    configuration, queues what is past it: every call is answered 200, none 429, in the server's own log."""
    s = PaperServer("127.0.0.1", 0, always_open=True, per_window=60, window_s=2.0, per_second=30)
    s.start()
    v = _venue(s, rate_limit=60, rate_window_s=2.0)
    try:
        await v.instruments()
        mark = len(s.request_log)
        used: list[float] = []
        v.bus.subscribe(None, lambda e: None)
        task = asyncio.ensure_future(_load(v, 200))
        while not task.done():  # the budget in use as the status bar shows it, sampled while the load runs
            used.append(v.health()["market"].extra["rate_use"])
            await asyncio.wait([task], timeout=0.2)
        await task
        statuses = [e.status for e in s.request_log[mark:]]
        assert len(statuses) == 200 and statuses.count(429) == 0 and set(statuses) == {200}
        extra = v.health()["market"].extra
        assert extra["rate_limit"] == 60 and 0 <= extra["rate_used"] <= 60 and max(used) > 0
        assert extra["rate_limited"] == 0 and extra["rate_waited"] == v.budget.waited
    finally:
        await v.close()
        s.stop()


async def test_without_the_budget_the_same_load_meets_429s_from_the_server() -> None:
    """The control: the same server and load with a budget far above the server's limit are refused (so the test
    above would see them without the budget)."""
    s = PaperServer("127.0.0.1", 0, always_open=True, per_window=60, window_s=2.0, per_second=30)
    s.start()
    v = _venue(s, rate_limit=100_000, rate_window_s=2.0, rate_per_second=100_000)
    try:
        await v.instruments()
        with pytest.raises(RateLimited):
            await _load(v, 200)
        assert 429 in {e.status for e in s.request_log}
    finally:
        await v.close()
        s.stop()


def test_budget_reserves_in_order_within_every_window_with_a_margin() -> None:
    now = [0.0]
    b = RateBudget(60, 60.0, 30, clock=lambda: now[0])
    waits = [b.reserve() for _ in range(120)]
    assert b.budget == 54 and waits[:27] == [0.0] * 27 and waits[27] > 1.0  # 27 a second (30 less the margin)
    assert waits == sorted(waits) and waits[54] >= 60.0  # the 55th goes once the first left the minute window
    b.pause(5.0)
    assert b.reserve() >= 5.0


async def test_429_is_rate_limited_with_a_wait_and_pauses_everyone_on_the_token(server: PaperServer) -> None:
    v = _venue(server, rate_limit=100_000)
    try:
        await v.instruments()
        server.faults.rate_limit_next(1)
        with pytest.raises(RateLimited) as limited:
            await v.quote("AAPL")
        assert 1.0 <= limited.value.retry_after_s <= 60.0 and limited.value.http_status == 429
        assert v.budget.limited == 1 and v.budget.reserve() > 0.5  # the next request waits for the window
    finally:
        server.faults.clear()
        await v.close()


async def test_a_refused_token_is_an_auth_error_and_no_token_is_refused_before_connecting(
        server: PaperServer) -> None:
    v = _venue(server, token="not-a-token")
    try:
        with pytest.raises(AuthError, match="Invalid API key"):
            await v.instruments()
    finally:
        await v.close()
    with pytest.raises(AuthError, match="FINNHUB_TOKEN"):
        FinnhubVenue("sandbox", credentials={}, rest_url=server.url, ws_url=server.ws_url)


async def test_instruments_follow_finnhubs_symbols_for_stocks_forex_and_crypto(venue: FinnhubVenue) -> None:
    ins = await venue.instruments()
    assert {"AAPL", "MSFT", "OANDA:EUR_USD", "BINANCE:BTCUSDT"} <= set(ins)
    assert ins["OANDA:EUR_USD"].base_asset == "EUR" and ins["OANDA:EUR_USD"].quote_asset == "USD"
    assert ins["BINANCE:BTCUSDT"].quote_asset == "USDT" and ins["AAPL"].description == "APPLE INC"
    assert [i.symbol for i in await venue.search("apple")] == ["AAPL"]


@pytest.mark.parametrize("interval", [Interval.M1, Interval.M3, Interval.M5, Interval.M15, Interval.M30, Interval.H1,
                                      Interval.H4, Interval.H12, Interval.D1, Interval.D3, Interval.W1])
async def test_candles_for_every_chart_interval_are_aligned_ascending_and_aggregate_exactly(
        venue: FinnhubVenue, interval: Interval) -> None:
    bars = await venue.klines("AAPL", interval, limit=6)
    assert 0 < len(bars) <= 6 and all(b.interval is interval and b.symbol == "AAPL" for b in bars)
    times = [b.open_time for b in bars]
    assert times == sorted(set(times))
    if interval is not Interval.W1:
        assert all(t % interval.ms == 0 for t in times)
    assert all(b.low <= min(b.open, b.close) and max(b.open, b.close) <= b.high for b in bars)
    native = {Interval.M3: Interval.M1, Interval.H4: Interval.H1, Interval.H12: Interval.H1,
              Interval.D3: Interval.D1}.get(interval)
    if native is not None:  # no such Finnhub resolution: merged from the finer one, exactly
        b = bars[-2]
        parts = await venue.klines("AAPL", native, b.open_time, b.open_time + interval.ms - 1)
        assert (b.open, b.close, b.high, b.low, b.volume) == (
            parts[0].open, parts[-1].close, max(p.high for p in parts), min(p.low for p in parts),
            sum((p.volume for p in parts), Decimal(0)))


async def test_week_and_month_candles_count_calendar_buckets_not_epoch_multiples(venue: FinnhubVenue) -> None:
    weeks = await venue.klines("BINANCE:BTCUSDT", Interval.W1, limit=2)
    months = await venue.klines("BINANCE:BTCUSDT", Interval.MO1, limit=1)
    assert len(weeks) == 2 and weeks[1].open_time - weeks[0].open_time == Interval.W1.ms
    assert len(months) == 1 and months[0].open_time <= venue.now_ms()


async def test_candles_of_forex_and_crypto_and_an_interval_finnhub_cannot_serve(venue: FinnhubVenue) -> None:
    fx = await venue.klines("OANDA:EUR_USD", Interval.M15, limit=4)
    btc = await venue.klines("BINANCE:BTCUSDT", Interval.H1, limit=4)
    assert len(fx) == len(btc) == 4 and fx[-1].close < 2 < btc[-1].close
    with pytest.raises(Rejected, match="1s candles"):
        await venue.klines("AAPL", Interval.S1, limit=5)
    with pytest.raises(Rejected, match="order book"):
        await venue.depth("AAPL")


async def test_watched_quotes_are_the_last_trade_and_health_says_so(venue: FinnhubVenue) -> None:
    got: asyncio.Future[tuple[TradeTick, QuoteTick]] = asyncio.get_running_loop().create_future()
    trades: list[TradeTick] = []

    def on(e: object) -> None:
        if isinstance(e, TradeTick):
            trades.append(e)
        elif isinstance(e, QuoteTick) and trades and not got.done():
            got.set_result((trades[-1], e))
    venue.bus.subscribe(None, on)
    await venue.watch_quotes("BINANCE:BTCUSDT")
    trade, quote = await asyncio.wait_for(got, 10)
    assert quote.bid == quote.ask == trade.price and trade.price > 0 and trade.qty > 0
    assert quote.symbol == trade.symbol == "BINANCE:BTCUSDT" and trade.ts_event > 10 ** 12
    extra = venue.health()["market"].extra
    assert extra["quotes_from_trades"] is True and extra["connected"] is True
    assert {"rate_used", "rate_limit", "rate_use"} <= set(extra)
    assert venue.info.extra["quotes"].startswith("L1 from trades")


async def test_bars_are_built_from_trades_while_watched(venue: FinnhubVenue) -> None:
    seen: list[Bar] = []
    trades: list[TradeTick] = []
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on(e: object) -> None:
        if isinstance(e, Bar):
            seen.append(e)
            if len(seen) >= 3 and not done.done():
                done.set_result(None)
    venue.bus.subscribe(None, on)
    venue.bus.subscribe(TradeTick, trades.append)
    await venue.watch_bars("AAPL", Interval.M1)
    await venue.watch_quotes("AAPL")
    await asyncio.wait_for(done, 10)
    last = seen[-1]
    assert last.interval is Interval.M1 and last.open_time % 60_000 == 0 and last.low <= last.close <= last.high
    assert not last.closed and last.trades >= 1
    await venue.unwatch_bars("AAPL", Interval.M1)
    assert "AAPL" in venue.stream.trades  # still wanted for the quotes
    await venue.unwatch_quotes("AAPL")
    assert "AAPL" not in venue.stream.trades


async def test_news_market_news_and_fundamentals_are_records_with_frames(venue: FinnhubVenue) -> None:
    news = await venue.news("AAPL")
    assert isinstance(news, NewsList) and news and all(n.related == "AAPL" for n in news)
    assert [n.ts_event for n in news] == sorted((n.ts_event for n in news), reverse=True)
    assert news[0].url.startswith(venue.rest.base_url.removesuffix("/api/v1") + "/article/")
    frame = news.to_frame()
    assert list(frame.columns)[:3] == ["id", "ts_event", "headline"] and len(frame) == len(news)
    market = await venue.market_news()
    assert market and all(n.related == "" for n in market)
    f = await venue.fundamentals("AAPL")
    assert isinstance(f, Fundamentals) and f.name == "Apple Inc" and f.market_cap and f.market_cap > 10 ** 9
    assert f.low_52w is not None and f.high_52w is not None and f.low_52w < f.high_52w
    assert f.next_earnings is not None and f.next_earnings.eps_actual is None and f.pe_ttm and f.pe_ttm > 0
    assert isinstance(f.market_cap, Decimal) and "peTTM" in f.metrics
    table = f.to_frame()
    assert table.loc["pe_ttm", "AAPL"] == f.pe_ttm and table.loc["next_earnings_date", "AAPL"] == f.next_earnings.date

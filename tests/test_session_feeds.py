"""Session market data against the sandbox: feeds as async iterators, reference-counted watches, paged klines,
REST snapshots, health."""
from __future__ import annotations

import asyncio
import secrets as pysecrets

import pandas as pd
import pytest

import terminal
from terminal.model import Bar, BookUpdated, Interval, OrderBook, QuoteTick, Ticker24h, TradeTick
from terminal.session import Session, UnknownSymbol

from session_helpers import wait_for_event


@pytest.fixture
async def session(sandbox):
    key, secret = "k" + pysecrets.token_hex(31), pysecrets.token_hex(32)
    sandbox.create_account(key, secret, {"USDT": "10000", "BTC": "1"})
    s = await terminal.connect("sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret)
    yield s
    await s.close()


async def test_quotes_feed_yields_symbol_quotes_and_close_releases_the_venue_stream(session: Session):
    feed = session.quotes("btcusdt")
    got = []
    async for q in feed:
        got.append(q)
        if len(got) == 2:
            break
    assert all(isinstance(q, QuoteTick) and q.symbol == "BTCUSDT" and q.bid < q.ask for q in got)
    assert "btcusdt@bookTicker" in session.venue.market.subscriptions
    await feed.aclose()
    assert "btcusdt@bookTicker" not in session.venue.market.subscriptions


async def test_watch_is_reference_counted_between_consumers(session: Session):
    await session.watch("ETHUSDT")
    async with session.trades("ETHUSDT") as trades:
        trade = await asyncio.wait_for(trades.__anext__(), 10)
        assert isinstance(trade, TradeTick) and trade.symbol == "ETHUSDT"
    assert "ethusdt@trade" in session.venue.market.subscriptions  # the watchlist still holds it
    await wait_for_event(session.bus, Ticker24h, lambda: "ETHUSDT" in session.last_prices)
    await session.unwatch("ETHUSDT")
    assert "ethusdt@trade" not in session.venue.market.subscriptions


async def test_books_and_live_bars_iterate_and_rest_snapshot_is_sorted(session: Session):
    async with session.books("BTCUSDT") as books:
        update = await asyncio.wait_for(books.__anext__(), 10)
        assert isinstance(update, BookUpdated) and update.bids and update.asks
    bars = session.bars("BTCUSDT", "1s")
    first = await asyncio.wait_for(bars.__aiter__().__anext__(), 10)
    bars.close()
    assert isinstance(first, Bar) and first.interval is Interval.S1
    book = await session.book("BTCUSDT", depth=10)
    assert isinstance(book, OrderBook) and len(book.bids()) == 10 and book.best_bid()[0] < book.best_ask()[0]


async def test_klines_page_over_long_ranges_into_a_utc_dataframe(session: Session):
    recent = await session.bars("BTCUSDT", "1m", limit=3)
    end = recent[-1].open_time
    start = end - 2500 * 60_000
    bars = await session.bars("BTCUSDT", "1m", start=start, end=end)
    assert len(bars) == 2501 and bars[0].open_time == start and bars[-1].open_time == end
    assert all(b.open_time - a.open_time == 60_000 for a, b in zip(bars, bars[1:]))
    df = await session.klines("BTCUSDT", "1m", start=pd.Timestamp(start, unit="ms", tz="UTC"), end=end)
    assert list(df.columns) == ["open", "high", "low", "close", "volume"] and len(df) == 2501
    assert str(df.index.tz) == "UTC" and df["close"].dtype == float
    assert df["close"].iloc[0] == float(bars[0].close)  # the last bar is still live
    newest = await session.klines("BTCUSDT", "5m", limit=1500)
    assert len(newest) == 1500 and newest.index.is_monotonic_increasing


async def test_unknown_symbol_everywhere_and_health_has_the_figures(session: Session):
    with pytest.raises(UnknownSymbol, match="did you mean ETHUSDT"):
        session.quotes("ETHUSTD")
    with pytest.raises(UnknownSymbol):
        await session.ticker("NOPE")
    await session.ticker("BTCUSDT")
    health = session.health()
    market = health["market"].extra
    assert {"clock_offset_ms", "rest_latency_p50_ms", "rest_latency_p99_ms", "weight_used", "age_ms"} <= set(market)
    assert health["user"].extra["connected"] is True and health["oms"].extra["reconciles"] == 1

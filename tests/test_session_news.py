"""Headlines as they are published: ``Session.watch_news`` on the Finnhub paper server, and its refusal in words from
a provider that streams none."""
from __future__ import annotations

import asyncio

import pytest

import terminal
from terminal.venues.finnhub import NewsItem
from terminal.venues.ports import Rejected


async def _until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0.02)


async def test_watched_news_of_a_symbol_arrive_on_the_bus_and_stop_when_unwatched(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    session = await terminal.connect("finnhub")
    try:
        got: list[NewsItem] = []
        arrived = asyncio.Event()

        def on_news(item: NewsItem) -> None:
            got.append(item)
            arrived.set()

        session.on(NewsItem, on_news)
        await session.watch_news("AAPL")
        await asyncio.wait_for(_until(lambda: "AAPL" in session.server.news.watched), 30)
        session.server.news.break_news()
        await asyncio.wait_for(arrived.wait(), 30)
        assert got[0].related == "AAPL" and got[0].headline and got[0].url.startswith("http")
        await session.unwatch_news("AAPL")
        assert "AAPL" not in session.venue.stream.news
    finally:
        await session.close()


async def test_a_provider_without_a_news_stream_refuses_watch_news_in_words(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    session = await terminal.connect("sandbox")
    try:
        with pytest.raises(Rejected, match="serves no news stream: connect a provider that does"):
            await session.watch_news("BTCUSDT")
    finally:
        await session.close()

"""Data-only sessions: a provider whose ``Capabilities(trading=False)`` connects without a user stream, order
reconciliation or balances, serves market data, and refuses every trading call in words (never AttributeError)."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

import terminal
from terminal.model import QuoteTick
from terminal.venues import paper, registry
from terminal.venues.paper.venue import PaperVenue
from terminal.venues.ports import MarketData, Rejected

DATA_ONLY = "feedonly provides market data only: route orders to a broker"
MARKET_DATA = {name for name in dir(MarketData) if not name.startswith("_")} | {"bus", "info", "environment", "start",
                                                                                "close"}


class FeedOnly:
    """The paper venue's market data alone: no Execution method at all (not even ``now_ms``), so any trading call
    the session made would be an AttributeError."""

    def __init__(self, inner: PaperVenue) -> None:
        self._inner = inner
        caps = replace(paper.INFO.capabilities, trading=False)
        self.info = replace(paper.INFO, name="feedonly", capabilities=caps)

    def __getattr__(self, name: str) -> Any:
        if name not in MARKET_DATA:
            raise AttributeError(f"a data-only venue has no {name}")
        return getattr(self._inner, name)


@pytest.fixture
def feedonly(monkeypatch: pytest.MonkeyPatch) -> list[FeedOnly]:
    venues: list[FeedOnly] = []

    def create(environment: str = "paper", *, bus: Any = None, **options: Any) -> FeedOnly:
        venues.append(FeedOnly(PaperVenue(environment, bus=bus, always_open=True, **options)))
        return venues[-1]

    info = replace(paper.INFO, name="feedonly", capabilities=replace(paper.INFO.capabilities, trading=False))
    monkeypatch.setitem(registry.ADAPTERS, "feedonly", lambda: (info, create))
    return venues


async def test_data_only_session_serves_market_data_and_refuses_every_trading_call_in_words(feedonly) -> None:
    session = await terminal.connect("feedonly")
    try:
        assert session.trading is False and session.data_only == DATA_ONLY
        assert session.has_keys is False and session.keys_problem == DATA_ONLY  # the window greys out order entry
        q = await session.quote("AAPL")
        assert q.bid > 0 and (await session.ticker("AAPL")).last > 0
        bars = await session.bars("AAPL", "1m", limit=5)
        assert len(bars) == 5
        got: asyncio.Future[QuoteTick] = asyncio.get_running_loop().create_future()
        session.on(QuoteTick, lambda e: got.done() or got.set_result(e))
        await session.watch("AAPL")
        assert (await asyncio.wait_for(got, 10)).symbol == "AAPL"
        refused = [session.buy("AAPL", "1"), session.sell("AAPL", "1", "100"), session.cancel_order("AAPL", "x1"),
                   session.cancel_all("AAPL"), session.query_order("AAPL", "x1"), session.refresh_balances(),
                   session.flatten_positions(), session.replace_order("AAPL", "x1", price="1")]
        for call in refused:
            with pytest.raises(Rejected) as exc:
                await call
            assert exc.value.reason == DATA_ONLY
        assert session.balances() == {} and session.open_orders() == []
        assert await session.order_history("AAPL") == [] and await session.fills("AAPL") == []
        assert session.kill_switch(True) is None and session.trading_locked
        assert "oms" in session.health()
    finally:
        await session.close()


async def test_a_provider_without_news_refuses_news_and_fundamentals_in_words(feedonly) -> None:
    session = await terminal.connect("feedonly")
    try:
        with pytest.raises(Rejected, match="feedonly serves no news"):
            await session.news("AAPL")
        with pytest.raises(Rejected, match="feedonly serves no fundamentals"):
            await session.fundamentals("AAPL")
    finally:
        await session.close()


# ------------------------------------------------------------------------------------------- Finnhub on its server
FINNHUB_ONLY = "finnhub provides market data only: route orders to a broker"


async def test_finnhub_session_offline_serves_market_data_news_and_fundamentals_and_refuses_orders() -> None:
    from terminal.model import Bar, TradeTick

    session = await terminal.connect("finnhub", always_open=True)  # its paper server, in this process
    try:
        assert session.provider == "finnhub" and session.env == "sandbox" and session.trading is False
        assert session.credentials_source == "built-in" and session.server is not None
        assert {"AAPL", "OANDA:EUR_USD", "BINANCE:BTCUSDT"} <= set(session.instruments)
        q = await session.quote("aapl")
        assert q.symbol == "AAPL" and q.bid == q.ask > 0
        frame = await session.klines("OANDA:EUR_USD", "15m", limit=8)
        assert len(frame) == 8 and list(frame.columns)[:4] == ["open", "high", "low", "close"]
        ticks: asyncio.Future[TradeTick] = asyncio.get_running_loop().create_future()
        bars: asyncio.Future[Bar] = asyncio.get_running_loop().create_future()
        session.on(TradeTick, lambda e: ticks.done() or ticks.set_result(e))
        session.on(Bar, lambda e: bars.done() or bars.set_result(e))
        await session.watch("BINANCE:BTCUSDT")
        await session.watch_bars("BINANCE:BTCUSDT", "1m")
        assert (await asyncio.wait_for(ticks, 10)).symbol == "BINANCE:BTCUSDT"
        assert (await asyncio.wait_for(bars, 10)).interval.value == "1m"
        news = await session.news("AAPL")
        assert news and news[0].related == "AAPL" and len(news.to_frame()) == len(news)
        assert (await session.news())[0].related == ""
        f = await session.fundamentals("AAPL")
        assert f.symbol == "AAPL" and f.pe_ttm and f.to_frame().loc["name", "AAPL"] == "Apple Inc"
        with pytest.raises(Rejected) as refused:
            await session.buy("AAPL", "1")
        assert refused.value.reason == FINNHUB_ONLY
        extra = session.health()["market"].extra
        assert extra["rate_limit"] == 60 and 0 < extra["rate_used"] <= 60 and extra["quotes_from_trades"] is True
    finally:
        await session.close()


async def test_a_paper_stock_takes_finnhub_quotes_while_its_orders_go_to_the_paper_venue() -> None:
    from terminal.session.workspace import VenueEvent, Workspace

    w = Workspace()
    try:
        await w.add("paper", always_open=True)
        await w.add("finnhub", always_open=True)
        w.route("AAPL@paper", data="finnhub")
        assert w.data_source("AAPL@paper") == ("finnhub", "AAPL")
        got: asyncio.Future[VenueEvent] = asyncio.get_running_loop().create_future()
        w.bus.subscribe(VenueEvent, lambda e: got.done() or not isinstance(e.event, QuoteTick)
                        or e.venue != "paper" or got.set_result(e))
        await w.watch("AAPL@paper")
        routed = await asyncio.wait_for(got, 10)
        assert (routed.venue, routed.source) == ("paper", "finnhub") and routed.event.bid == routed.event.ask
        order = await w.buy("AAPL@paper", "1")
        assert order.symbol == "AAPL" and w.session("finnhub").open_orders() == []
        assert [o.client_order_id for o in w.session("paper").journal.orders("AAPL")] == [order.client_order_id]
    finally:
        await w.close()

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

"""Instrument search: ``Session.search`` and ``Workspace.search`` (the watchlist's "Add symbol…" box)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import terminal
from terminal.model import AssetClass, Instrument
from terminal.model.numbers import InvalidArgument
from terminal.session.search import rank
from terminal.session.workspace import Workspace


def _ins(symbol: str, base: str, **kw) -> Instrument:
    return Instrument(symbol=symbol, base_asset=base, quote_asset="USD", **kw)


ES = _ins("ESZ6", "ES", asset_class=AssetClass.FUTURE, exchange="CME", expiry=date(2026, 12, 18),
          multiplier=Decimal(50), description="E-mini S&P 500")
MES = _ins("MESZ6", "MES", asset_class=AssetClass.FUTURE, exchange="CME", expiry=date(2026, 12, 18))
AAPL = _ins("AAPL", "AAPL", asset_class=AssetClass.EQUITY, exchange="NASDAQ", description="Apple Inc")


def test_a_future_is_titled_by_root_month_exchange_and_kind() -> None:
    assert ES.title == "ES Dec26 CME future"
    assert AAPL.title == "AAPL Apple Inc (NASDAQ)"


def test_rank_puts_the_root_before_a_longer_symbol_containing_it_and_finds_words_of_the_title() -> None:
    assert [i.symbol for i in rank([MES, AAPL, ES], "ES")] == ["ESZ6", "MESZ6"]
    assert [i.symbol for i in rank([MES, AAPL, ES], "es dec26")] == ["ESZ6", "MESZ6"]
    assert [i.symbol for i in rank([MES, AAPL, ES], "apple")] == ["AAPL"]
    assert rank([ES], "   ") == [] and rank([ES], "zzz") == []


async def test_session_search_ranks_its_instruments_and_refuses_bad_arguments() -> None:
    session = await terminal.connect("paper", always_open=True)
    try:
        found = await session.search("ms")
        assert found and found[0].symbol == "MSFT"
        with pytest.raises(InvalidArgument, match="limit"):
            await session.search("A", limit=0)
        with pytest.raises(InvalidArgument, match="text"):
            await session.search(5)  # type: ignore[arg-type]
    finally:
        await session.close()


async def test_a_venue_with_its_own_search_is_asked_and_what_it_finds_becomes_tradable() -> None:
    session = await terminal.connect("paper", always_open=True)
    try:
        venue = session.venue
        found_ins = _ins("ZZTEST", "ZZTEST", asset_class=AssetClass.EQUITY, exchange="NASDAQ", venue="paper")
        asked: list[str] = []

        async def search(text: str) -> list[Instrument]:
            asked.append(text)
            return [found_ins]

        venue.search = search  # the venue's own search (IB, Kite) answers what the session did not list
        result = await session.search("zz")
        assert asked == ["zz"] and result[0].symbol == "ZZTEST"
        assert session.instrument("ZZTEST") is found_ins
    finally:
        await session.close()


async def test_workspace_search_answers_every_venue_by_workspace_id() -> None:
    async with Workspace() as ws:
        await ws.add("paper", always_open=True)
        hits = await ws.search("NVDA")
        assert hits and hits[0][0] == "NVDA@paper"

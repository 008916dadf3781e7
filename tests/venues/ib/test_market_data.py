"""Market data from the IB paper server through the adapter: search and qualification, L1 quotes and trades (one
event per ticker batch), depth, history for several intervals (paged), live bars, the pacing limiter."""
from __future__ import annotations

import asyncio

import pytest

from terminal.model import AssetClass, Bar, BookUpdated, Interval, QuoteTick
from terminal.venues.ports import RateLimited


async def test_search_es_offers_the_futures_as_es_month_cme_future_and_keeps_them(ib):
    venue, _ = ib
    found = await venue.search("ES")
    futures = [i for i in found if i.asset_class is AssetClass.FUTURE]
    assert futures, [i.title for i in found]
    es = futures[0]
    assert es.title.startswith("ES ") and es.title.endswith("CME future") and es.multiplier == 50
    assert es.venue_id and es.symbol in await venue.instruments()


async def test_an_unknown_contract_is_rejected_as_unknown_contract(ib):
    from ib_async import Stock

    from terminal.venues.ports import Rejected
    venue, _ = ib
    with pytest.raises(Rejected, match="unknown contract"):
        await venue._qualify(Stock("NOSUCH", "SMART", "USD"))


async def test_quotes_stream_as_quote_ticks_with_bid_below_ask(ib):
    venue, rec = ib
    await venue.watch_quotes("AAPL")
    q = await rec.wait_for(lambda e: isinstance(e, QuoteTick) and e.symbol == "AAPL", timeout=15)
    assert 0 < q.bid < q.ask and q.bid_qty > 0 and q.ask_qty > 0
    snap = await venue.quote("MSFT")
    assert 0 < snap.bid < snap.ask
    assert not venue.is_delayed("AAPL")


async def test_depth_streams_as_book_snapshots_with_sorted_levels(ib):
    venue, rec = ib
    book = await venue.watch_book("AAPL")
    ev = await rec.wait_for(lambda e: isinstance(e, BookUpdated) and e.symbol == "AAPL" and e.bids and e.asks,
                            timeout=15)
    assert ev.bids[0][0] < ev.asks[0][0]
    assert [p for p, _ in ev.bids] == sorted((p for p, _ in ev.bids), reverse=True)
    assert book.best_bid() is not None


@pytest.mark.parametrize("interval", [Interval.M1, Interval.M5, Interval.H1, Interval.D1])
async def test_history_comes_oldest_first_on_the_interval_grid(ib, interval):
    venue, _ = ib
    bars = await venue.klines("AAPL", interval, limit=50)
    assert bars and len(bars) <= 50
    times = [b.open_time for b in bars]
    assert times == sorted(set(times))
    assert all(b.low <= min(b.open, b.close) and b.high >= max(b.open, b.close) for b in bars)


async def test_history_older_than_one_request_is_paged_transparently(ib):
    venue, _ = ib
    bars = await venue.klines("AAPL", Interval.M1, limit=1000)  # more than one day of minutes: several pages
    latest = await venue.klines("AAPL", Interval.M1, limit=10)
    older = await venue.klines("AAPL", Interval.M1, end_ms=bars[0].open_time - 1, limit=100)
    assert len(bars) == 1000 and latest[-1].open_time >= bars[-1].open_time - 60_000
    assert older and older[-1].open_time < bars[0].open_time


async def test_identical_history_requests_in_flight_are_sent_once(ib, ib_server):
    venue, _ = ib
    before = ib_server.request_log.count("20")
    a, b = await asyncio.gather(venue.klines("MSFT", Interval.M5, limit=20),
                                venue.klines("MSFT", Interval.M5, limit=20))
    assert [(x.open_time, x.close) for x in a] == [(x.open_time, x.close) for x in b] and a
    assert venue.pacer.coalesced == 1
    assert ib_server.request_log.count("20") == before + 1


async def test_a_pacing_violation_is_rate_limited_and_nothing_is_sent_during_the_penalty(ib, ib_server):
    venue, _ = ib
    ib_server.pacing_violation_next(1)  # the server answers the next history request with error 162
    with pytest.raises(RateLimited) as exc:
        await venue.klines("NVDA", Interval.M5, limit=20)
    assert exc.value.retry_after_s > 0
    sent = len(ib_server.request_log)
    with pytest.raises(RateLimited):  # held back for the penalty: nothing is sent meanwhile
        await venue.klines("NVDA", Interval.M15, limit=20)
    assert len(ib_server.request_log) == sent


async def test_watch_bars_publishes_the_forming_bar(ib):
    venue, rec = ib
    await venue.watch_bars("AAPL", Interval.M1)
    b = await rec.wait_for(lambda e: isinstance(e, Bar) and e.symbol == "AAPL", timeout=20)
    assert b.interval is Interval.M1 and b.high >= b.low


async def test_without_a_live_subscription_quotes_fall_back_to_delayed_data_and_say_so(ib, ib_server):
    venue, rec = ib
    ib_server.call(lambda: setattr(ib_server.faults, "live_data", False))  # 354 for live data, 10167 for delayed
    await venue.watch_quotes("MSFT")
    q = await rec.wait_for(lambda e: isinstance(e, QuoteTick) and e.symbol == "MSFT", timeout=15)
    assert 0 < q.bid < q.ask
    assert venue.is_delayed("MSFT") and venue.health()["market"].extra["delayed"] == ["MSFT"]


async def test_a_competing_live_session_is_said_for_the_symbol_and_kept_in_health(ib):
    from terminal.model import LogRecorded
    venue, rec = ib
    await venue.watch_quotes("NVDA")
    contract = await venue.contract("NVDA")
    # the error message TWS sends when another session holds the market data, handed to ib_async's decoder callback
    # as it arrives from the wire (the paper server has no switch for it)
    venue.ib.wrapper.error(_req_id(venue, contract), 10197, "No market data during competing live session", "")
    said = await rec.wait_for(lambda e: isinstance(e, LogRecorded) and "NVDA" in e.message)
    assert "competing live session" in said.message
    assert "competing live session" in venue.health()["market"].extra["problems"]["NVDA"]


def _req_id(venue, contract) -> int:
    return next(r for r, c in venue.ib.wrapper._reqId2Contract.items() if c.conId == contract.conId)

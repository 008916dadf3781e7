"""Paper market data: subscriptions publish model events on the venue's bus (reference counted), klines page through
weeks of history with at most ``history_limit`` bars per call."""
from __future__ import annotations

from decimal import Decimal

from terminal.model import Bar, BookUpdated, Interval, QuoteTick, Ticker24h, TradeTick

from .conftest import Paper

MINUTE = 60_000


def of(p: Paper, kind: type, symbol: str) -> list:  # type: ignore[type-arg]
    return [e for e in p.rec.events if isinstance(e, kind) and e.symbol == symbol]


async def test_watch_quotes_publishes_quotes_trades_and_tickers_until_the_last_unwatch(paper: Paper) -> None:
    p, v = paper, paper.venue
    await v.watch_quotes("NVDA")
    await v.watch_quotes("NVDA")
    first = of(p, QuoteTick, "NVDA")
    assert len(first) == 1 and first[0].bid < first[0].ask and len(of(p, Ticker24h, "NVDA")) == 1
    p.step(50)  # five simulated seconds
    quotes, trades = of(p, QuoteTick, "NVDA"), of(p, TradeTick, "NVDA")
    assert len(quotes) > 1 and trades and len(of(p, Ticker24h, "NVDA")) == 1 + 5
    assert all(a != b for a, b in zip(quotes, quotes[1:]))  # only changes are published
    assert [t.trade_id for t in trades] == sorted(t.trade_id for t in trades)
    assert of(p, QuoteTick, "AAPL") == [] and of(p, TradeTick, "AAPL") == []  # nothing unwatched
    await v.unwatch_quotes("NVDA")
    p.step(20)
    assert len(of(p, TradeTick, "NVDA")) > len(trades)  # still watched once
    await v.unwatch_quotes("NVDA")
    seen = len(p.rec.events)
    p.step(50)
    assert [e for e in p.rec.events[seen:] if getattr(e, "symbol", None) == "NVDA"] == []


async def test_watch_book_keeps_a_local_book_of_the_top_levels(paper: Paper) -> None:
    p, v = paper, paper.venue
    book = await v.watch_book("SPY")
    snap = of(p, BookUpdated, "SPY")
    assert len(snap) == 1 and snap[0].is_snapshot and len(snap[0].bids) == 20 and len(snap[0].asks) == 20
    assert book.best_bid() == snap[0].bids[0] and book.best_ask() == snap[0].asks[0]
    p.step(30)
    updates = of(p, BookUpdated, "SPY")
    assert len(updates) > 1 and updates[-1].update_id > snap[0].update_id
    assert book.update_id == updates[-1].update_id and book.bids(20) == list(updates[-1].bids)
    update_id, bids, asks = await v.depth("SPY", 5)
    assert update_id == book.update_id and bids == book.bids(5) and asks == book.asks(5)
    await v.unwatch_book("SPY")
    n = len(of(p, BookUpdated, "SPY"))
    p.step(30)
    assert len(of(p, BookUpdated, "SPY")) == n


async def test_watch_bars_publishes_the_live_bar_and_then_the_closed_one(paper: Paper) -> None:
    p, v = paper, paper.venue
    await v.watch_bars("AAPL", Interval.M1)
    live = of(p, Bar, "AAPL")
    assert len(live) == 1 and not live[0].closed and live[0].interval is Interval.M1
    minute = live[0].open_time
    p.step(650)  # 65 simulated seconds: the minute closes
    bars = of(p, Bar, "AAPL")
    closed = [b for b in bars if b.closed]
    assert [b.open_time for b in closed] == [minute]
    assert bars[-1].open_time == minute + MINUTE and not bars[-1].closed
    final = closed[0]
    assert final.low <= min(b.low for b in bars if b.open_time == minute)
    assert final.high >= max(b.high for b in bars if b.open_time == minute)


async def test_klines_page_through_history_at_most_a_thousand_bars_per_call(paper: Paper) -> None:
    v = paper.venue
    assert v.info.capabilities.history_limit == 1000
    newest = await v.klines("MSFT", Interval.M1, limit=5000)
    assert len(newest) == 1000 and not newest[-1].closed and all(b.closed for b in newest[:-1])
    assert [b.open_time for b in newest] == list(range(newest[0].open_time, newest[-1].open_time + 1, MINUTE))
    start = newest[0].open_time - 2500 * MINUTE
    pages: list[Bar] = []
    cursor = start
    while cursor < newest[0].open_time:
        page = await v.klines("MSFT", Interval.M1, start_ms=cursor, end_ms=newest[0].open_time - 1, limit=1000)
        assert 0 < len(page) <= 1000 and page[0].open_time == cursor
        pages.extend(page)
        cursor = page[-1].open_time + MINUTE
    assert len(pages) == 2500 and [b.open_time for b in pages] == list(range(start, newest[0].open_time, MINUTE))
    hourly = await v.klines("MSFT", Interval.H1, start_ms=pages[0].open_time - pages[0].open_time % 3_600_000
                            + 3_600_000, limit=2)
    first_hour = [b for b in pages if hourly[0].open_time <= b.open_time < hourly[0].open_time + 3_600_000]
    assert len(first_hour) == 60
    assert hourly[0].high == max(b.high for b in first_hour) and hourly[0].low == min(b.low for b in first_hour)
    assert hourly[0].volume == sum((b.volume for b in first_hour), Decimal(0))

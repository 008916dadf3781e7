"""Contract: quote, depth and history through the MarketData port."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.model import Bar

from .cases import Connection
from .kit import instrument


async def test_quote_is_a_positive_uncrossed_touch_on_the_tick_grid(conn: Connection) -> None:
    inst = await instrument(conn)
    q = await conn.venue.quote(conn.case.symbol)
    assert q.symbol == conn.case.symbol
    if conn.case.quotes_from_trades:  # L1 from the last trade: one positive price on both sides
        assert isinstance(q.bid, Decimal) and 0 < q.bid == q.ask and q.bid % inst.tick_size == 0
        return
    assert isinstance(q.bid, Decimal) and 0 < q.bid < q.ask and q.bid_qty > 0 and q.ask_qty > 0
    assert q.bid % inst.tick_size == 0 and q.ask % inst.tick_size == 0


async def test_depth_is_sorted_best_first_uncrossed_and_within_the_limit(conn: Connection) -> None:
    levels = conn.venue.info.capabilities.depth_levels
    if not levels:
        pytest.skip(f"{conn.case.name} declares no order-book depth (Capabilities.depth_levels is empty)")
    inst = await instrument(conn)
    limit = min((n for n in levels if n >= 5), default=5)
    update_id, bids, asks = await conn.venue.depth(conn.case.symbol, limit)
    assert isinstance(update_id, int)
    assert 0 < len(bids) <= limit and 0 < len(asks) <= limit
    assert [p for p, _ in bids] == sorted({p for p, _ in bids}, reverse=True)
    assert [p for p, _ in asks] == sorted({p for p, _ in asks})
    assert bids[0][0] < asks[0][0]
    assert all(p % inst.tick_size == 0 and q > 0 for p, q in bids + asks)


async def test_history_over_more_than_two_pages_is_ascending_continuous_without_duplicates(conn: Connection) -> None:
    """Paged through the port with ``start_ms`` (at most ``history_limit`` bars a call), then the same range through
    the session: identical, one bar per interval, oldest first."""
    venue, case = conn.venue, conn.case
    page = venue.info.capabilities.history_limit
    step = case.interval.ms
    end = (venue.now_ms() // step - 2) * step  # closed bars only: nothing in the range changes meanwhile
    start = end - (page * 5 // 2) * step
    bars, cursor, calls = [], start, 0
    while cursor <= end:
        got = await venue.klines(case.symbol, case.interval, cursor, end, page)
        calls += 1
        assert 0 < len(got) <= page
        bars.extend(got)
        cursor = got[-1].open_time + step
    times = [b.open_time for b in bars]
    assert calls == 3 and times[0] == start and times[-1] == end
    assert times == list(range(start, end + step, step)), "not one bar per interval, ascending, without duplicates"
    assert all(b.symbol == case.symbol and b.interval is case.interval and b.low <= b.open <= b.high for b in bars)
    via_session = await conn.session.bars(case.symbol, case.interval, start, end)
    assert [_ohlcv(b) for b in via_session] == [_ohlcv(b) for b in bars]


def _ohlcv(bar: Bar) -> tuple[object, ...]:
    return bar.open_time, bar.open, bar.high, bar.low, bar.close, bar.volume

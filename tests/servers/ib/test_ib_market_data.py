"""Market data from the IB paper server through ib_async: L1 ticks (live, delayed when live is not subscribed),
depth rows, tick-by-tick trades and quotes, historical bars in several sizes and formats, keepUpToDate updates,
head timestamp, and the historical pacing rule (error 162)."""
from __future__ import annotations

import datetime as dt

from ib_async import Forex, Future, Stock

from .waits import until


async def test_market_data_ticks_give_bid_ask_last_sizes_volume_and_day_range(ib):
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    ticker = ib.reqMktData(aapl)
    await until(lambda: ticker.bid > 0 and ticker.ask > 0 and ticker.last > 0 and ticker.volume > 0, what="ticks")
    assert ticker.marketDataType == 1
    assert ticker.bid < ticker.ask and ticker.bidSize > 0 and ticker.askSize > 0
    assert ticker.low <= ticker.last <= ticker.high and ticker.close > 0
    assert ticker.minTick == 0.01
    first_time = ticker.time
    await until(lambda: ticker.time != first_time, what="a later tick")
    ib.cancelMktData(aapl)


async def test_without_a_live_subscription_type_1_is_error_354_and_type_3_is_delayed_with_10167(server, connect):
    server.set_live_data(False)
    ib, errors = await connect(1)
    es = Future("ES", "202612", "CME")
    await ib.qualifyContractsAsync(es)
    ib.reqMktData(es)
    await until(lambda: 354 in errors.codes(), what="error 354")
    ib.reqMarketDataType(3)
    ticker = ib.reqMktData(es)
    await until(lambda: ticker.marketDataType == 3 and ticker.bid > 0 and ticker.last > 0, what="delayed ticks")
    assert 10167 in errors.codes()


async def test_depth_arrives_as_rows_sorted_away_from_the_touch(ib):
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    ticker = ib.reqMktDepth(aapl, numRows=5)
    await until(lambda: len(ticker.domBids) == 5 and len(ticker.domAsks) == 5, what="5 rows a side")
    bids = [row.price for row in ticker.domBids]
    asks = [row.price for row in ticker.domAsks]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and bids[0] < asks[0]
    changes: list[object] = []
    ticker.updateEvent += lambda t: changes.extend(t.domTicks)
    await until(lambda: changes, what="depth updates")
    ib.cancelMktDepth(aapl)


async def test_tick_by_tick_trades_and_quotes(ib):
    eur = Forex("EURUSD")
    await ib.qualifyContractsAsync(eur)
    trades = ib.reqTickByTickData(eur, "AllLast")
    seen: list[object] = []
    trades.updateEvent += lambda t: seen.extend(t.tickByTicks)
    await until(lambda: len(seen) >= 3, what="tick-by-tick trades")
    tick = seen[-1]
    assert tick.price > 0 and tick.size > 0  # type: ignore[attr-defined]
    ib.cancelTickByTickData(eur, "AllLast")
    quotes = ib.reqTickByTickData(eur, "BidAsk")
    quoted: list[object] = []
    quotes.updateEvent += lambda t: quoted.extend(x for x in t.tickByTicks if hasattr(x, "bidPrice"))
    await until(lambda: quoted, what="bid/ask ticks")
    quote = quoted[-1]
    assert 0 < quote.bidPrice < quote.askPrice  # type: ignore[attr-defined]


async def test_historical_bars_in_several_sizes_and_date_formats(ib):
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    minutes = await ib.reqHistoricalDataAsync(aapl, "", "1 D", "5 mins", "TRADES", False)
    assert len(minutes) >= 200
    assert isinstance(minutes[-1].date, dt.datetime) and minutes[-1].date.tzinfo is not None
    step = minutes[-1].date - minutes[-2].date
    assert step == dt.timedelta(minutes=5)
    assert all(b.low <= min(b.open, b.close) and b.high >= max(b.open, b.close) for b in minutes)
    seconds = await ib.reqHistoricalDataAsync(aapl, "", "60 S", "5 secs", "TRADES", False, formatDate=2)
    assert seconds and seconds[-1].date.tzinfo == dt.timezone.utc
    hours = await ib.reqHistoricalDataAsync(aapl, "", "1 W", "1 hour", "MIDPOINT", False)
    assert hours and all(b.volume == -1 for b in hours)
    days = await ib.reqHistoricalDataAsync(aapl, "", "1 M", "1 day", "TRADES", True)
    assert len(days) >= 20 and isinstance(days[0].date, dt.date) and not isinstance(days[0].date, dt.datetime)
    months = await ib.reqHistoricalDataAsync(aapl, "", "1 Y", "1 month", "TRADES", True)
    assert 1 <= len(months) <= 13
    head = await ib.reqHeadTimeStampAsync(aapl, "TRADES", False, 1)
    assert head < minutes[0].date


async def test_keep_up_to_date_streams_updates_of_the_last_bar(ib):
    eur = Forex("EURUSD")
    await ib.qualifyContractsAsync(eur)
    bars = await ib.reqHistoricalDataAsync(eur, "", "1800 S", "1 min", "MIDPOINT", False, keepUpToDate=True)
    assert bars
    updates: list[bool] = []
    bars.updateEvent += lambda _bars, has_new_bar: updates.append(has_new_bar)
    await until(lambda: updates, what="a historicalDataUpdate")
    ib.cancelHistoricalData(bars)


async def test_a_bad_bar_size_is_error_162(connect):
    ib, errors = await connect(1)
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    bars = await ib.reqHistoricalDataAsync(aapl, "", "1 D", "7 mins", "TRADES", False)
    assert len(bars) == 0 and 162 in errors.codes()


async def test_more_than_60_historical_requests_in_ten_minutes_is_a_pacing_violation(connect):
    ib, errors = await connect(1)
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    for _ in range(60):
        assert await ib.reqHistoricalDataAsync(aapl, "", "300 S", "1 min", "TRADES", False)
    assert 162 not in errors.codes()
    assert len(await ib.reqHistoricalDataAsync(aapl, "", "300 S", "1 min", "TRADES", False)) == 0
    [(req, code, msg)] = [e for e in errors if e[1] == 162]
    assert msg == "Historical Market Data Service error message:Historical data request pacing violation"


async def test_the_pacing_fault_switch_refuses_the_next_requests(server, connect):
    ib, errors = await connect(1)
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    server.pacing_violation_next(1)
    assert len(await ib.reqHistoricalDataAsync(aapl, "", "1 D", "1 hour", "TRADES", False)) == 0
    assert errors.codes().count(162) == 1
    assert await ib.reqHistoricalDataAsync(aapl, "", "1 D", "1 hour", "TRADES", False)


async def test_real_time_bars_arrive_every_five_seconds(ib):
    eur = Forex("EURUSD")
    await ib.qualifyContractsAsync(eur)
    asked = dt.datetime.now(dt.timezone.utc)
    bars = ib.reqRealTimeBars(eur, 5, "TRADES", False)
    await until(lambda: len(bars) >= 1, timeout=20, what="a 5-second bar")
    bar = bars[0]
    assert bar.time >= asked  # the first whole bar after the request, not the one under way
    assert bar.time.second % 5 == 0 and bar.low <= min(bar.open_, bar.close) <= max(bar.open_, bar.close) <= bar.high
    ib.cancelRealTimeBars(bars)

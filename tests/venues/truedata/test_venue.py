"""The TrueData adapter against the TrueData paper server on 127.0.0.1: ticks, quotes, depth, bars, history, and what
it does when the server misbehaves (malformed frames, dropped sessions, silent sockets, refused logins, failing
history requests)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from terminal.clock import SimClock
from terminal.model import Bar, BookUpdated, ConnectionChanged, Interval, QuoteTick, TradeTick
from terminal.servers.truedata import PaperServer
from terminal.venues.ports import AuthError, RateLimited, Rejected, TemporaryError
from terminal.venues.socket import LinkState

from ..binance.recorder import Recorder
from .conftest import make

IST = timezone(timedelta(hours=5, minutes=30))


def _of(symbol: str, *kinds: type) -> Any:
    return lambda e: isinstance(e, kinds) and getattr(e, "symbol", None) == symbol


def _link(up: bool) -> Any:
    return lambda e: isinstance(e, ConnectionChanged) and e.stream == "market" and e.connected is up


async def test_instruments_come_from_the_symbol_master_with_truedata_names(venue: Any) -> None:
    instruments = await venue.instruments()
    assert {"RELIANCE", "TCS", "INFY", "SBIN", "NIFTY 50", "NIFTY BANK", "NIFTY-I", "BANKNIFTY-I"} <= set(instruments)
    nifty = instruments["NIFTY-I"]
    assert nifty.asset_class.value == "future" and nifty.multiplier == 75 and nifty.expiry is not None
    assert instruments["NIFTY 50"].asset_class.value == "index" and instruments["RELIANCE"].venue == "truedata"
    assert instruments["RELIANCE"].quote_asset == "INR" and instruments["RELIANCE"].venue_id == "100001001"


async def test_watched_symbol_publishes_trades_and_quotes_on_the_tick_grid(venue: Any) -> None:
    await venue.watch_quotes("RELIANCE")
    trade = await venue.rec.wait_for(_of("RELIANCE", TradeTick))
    quote = await venue.rec.wait_for(_of("RELIANCE", QuoteTick))
    tick = (await venue.instruments())["RELIANCE"].tick_size
    assert isinstance(trade.price, Decimal) and trade.price > 0 and trade.qty > 0 and trade.price % tick == 0
    assert 0 < quote.bid < quote.ask and quote.bid_qty > 0 and quote.ask_qty > 0
    assert (await venue.quote("RELIANCE")).bid > 0  # served from the stream while watched


async def test_quote_and_ticker_of_an_unwatched_symbol_come_over_rest(venue: Any, server: PaperServer) -> None:
    q = await venue.quote("TCS")
    assert 0 < q.bid < q.ask and q.symbol == "TCS"
    t = await venue.ticker("TCS")
    assert t.low <= t.last <= t.high and t.volume > 0
    assert any(line.startswith("GET /getlastnticks?symbol=TCS") for line in server.request_log)


async def test_depth_and_the_watched_book_have_five_sorted_uncrossed_levels(venue: Any) -> None:
    update_id, bids, asks = await venue.depth("INFY", 5)
    assert isinstance(update_id, int) and len(bids) == len(asks) == 5
    assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
    assert [p for p, _ in asks] == sorted(p for p, _ in asks) and bids[0][0] < asks[0][0]
    assert "INFY" not in venue.stream.wanted  # borrowed for the snapshot, then given back
    book = await venue.watch_book("INFY")
    update = await venue.rec.wait_for(_of("INFY", BookUpdated))
    assert len(update.bids) == 5 and book.best_bid() is not None and book.best_bid()[0] < book.best_ask()[0]


async def test_bars_the_forming_one_from_trades_then_truedatas_completed_bar1min() -> None:
    """On a simulated clock (Monday 10:00:30 IST): trades make the forming 10:00 bar, and at 10:01 TrueData's
    ``bar1min`` for 10:00 arrives, closed, with the server's figures."""
    start = int(datetime(2026, 12, 7, 10, 0, 30, tzinfo=IST).timestamp() * 1000)
    clock = SimClock(start)
    server = PaperServer("127.0.0.1", 0, heartbeat_s=0.2, clock=clock)
    server.start()
    venue = make(server)
    rec = Recorder()
    venue.bus.subscribe(Bar, rec)
    try:
        await venue.start()
        await venue.watch_bars("SBIN", Interval.M1)
        clock.set(start + 15_000)
        forming = await rec.wait_for(lambda e: e.symbol == "SBIN" and not e.closed)
        assert forming.interval is Interval.M1 and forming.open_time == start - 30_000
        assert forming.low <= forming.close <= forming.high
        clock.set(start + 30_000)
        done = await rec.wait_for(lambda e: e.symbol == "SBIN" and e.closed)
        row = server.call(lambda: server.exchange.store("SBIN").bar(Interval.M1, start - 30_000))
        assert (done.open_time, done.open, done.high, done.low, done.close, done.volume) == (
            start - 30_000, row.open, row.high, row.low, row.close, row.volume)
        with pytest.raises(Rejected, match="1m and 5m"):
            await venue.watch_bars("SBIN", Interval.M15)
    finally:
        await venue.close()
        server.stop()


async def test_history_pages_a_range_in_ist_and_continues_without_overlap(venue: Any, server: PaperServer) -> None:
    step = 60_000
    end = (venue.now_ms() // step - 2) * step
    start = end - 2400 * step
    first = await venue.klines("RELIANCE", Interval.M1, start, end, 1000)
    second = await venue.klines("RELIANCE", Interval.M1, first[-1].open_time + step, end, 1000)
    times = [b.open_time for b in first + second]
    assert len(first) == len(second) == 1000 and times == list(range(start, start + 2000 * step, step))
    assert all(b.low <= b.open <= b.high and b.closed for b in first + second)
    asked = [line for line in server.request_log if line.startswith("GET /getbars")]
    assert asked and "from=" in asked[0] and "T" in asked[0].split("from=")[1][:9]  # YYMMDDTHH:MM:SS
    newest = await venue.klines("RELIANCE", Interval.M5, end_ms=end, limit=20)
    assert len(newest) == 20 and newest[-1].open_time <= end
    ticks = await venue.ticks("RELIANCE", venue.now_ms() - 3_600_000, venue.now_ms())
    assert ticks and all(t.bid is not None and t.bid < t.ask for t in ticks[-5:])


async def test_history_failures_become_the_ports_outcomes(venue: Any, server: PaperServer) -> None:
    end = venue.now_ms() - 120_000
    server.fail_history_next(1, 500)
    with pytest.raises(TemporaryError):
        await venue.klines("TCS", Interval.M1, end - 600_000, end, 10)
    server.fail_history_next(1, 429)
    with pytest.raises(RateLimited, match="API request quota exceeded"):
        await venue.klines("TCS", Interval.M1, end - 600_000, end, 10)
    assert len(await venue.klines("TCS", Interval.M1, end - 600_000, end, 10)) == 10
    with pytest.raises(Rejected, match="no symbol"):
        await venue.klines("NOPE", Interval.M1, end - 600_000, end, 10)


async def test_a_malformed_frame_is_counted_and_dropped_and_the_stream_goes_on(venue: Any,
                                                                              server: PaperServer) -> None:
    await venue.watch_quotes("RELIANCE")
    await venue.rec.wait_for(_of("RELIANCE", TradeTick))
    server.send_malformed_next()
    while venue.health()["market"].dropped == 0:
        await venue.rec.wait_for(_of("RELIANCE", TradeTick, QuoteTick), past=False)
    mark = len(venue.rec.events)
    await venue.rec.wait_for(_of("RELIANCE", TradeTick), past=False)
    assert venue.health()["market"].dropped == 1 and venue.health()["market"].errors == 1
    assert not [e for e in venue.rec.events[mark:] if isinstance(e, ConnectionChanged)]


async def test_after_drop_connections_the_adapter_reconnects_and_resubscribes(venue: Any,
                                                                             server: PaperServer) -> None:
    await venue.watch_quotes("RELIANCE")
    await venue.watch_book("INFY")
    await venue.rec.wait_for(_of("RELIANCE", TradeTick))
    server.drop_connections()
    await venue.rec.wait_for(_link(False))
    up = await venue.rec.wait_for(_link(True), past=False)
    mark = venue.rec.events.index(up)
    await venue.rec.wait_for(lambda e: venue.rec.events.index(e) > mark and _of("RELIANCE", TradeTick)(e))
    await venue.rec.wait_for(lambda e: venue.rec.events.index(e) > mark and _of("INFY", BookUpdated)(e))
    resent = [line for line in server.request_log if "addsymbol" in line]
    assert len(resent) == 3 and "RELIANCE" in resent[-1] and "INFY" in resent[-1]  # both, in one message
    assert venue.health()["market"].reconnects == 1


async def test_a_socket_that_answers_pings_but_sends_no_heartbeat_is_closed_and_dialled_again(
        server: PaperServer) -> None:
    venue = make(server, heartbeat_timeout_s=1.0)
    links: list[ConnectionChanged] = []
    venue.bus.subscribe(ConnectionChanged, links.append)
    await venue.start()
    try:
        await venue.watch_quotes("TCS")
        server.silence_streams()  # still connected and answering pings: only the heartbeats stop
        got: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        venue.bus.subscribe(ConnectionChanged, lambda e: e.connected and e.reconnects and not got.done()
                            and got.set_result(None))
        await asyncio.wait_for(got, 15)
        assert [(c.connected, c.reason) for c in links][:3] == [(True, "connected"), (False, "silent"),
                                                                (True, "reconnected")]
    finally:
        await venue.close()


async def test_a_refused_login_stops_with_auth_error_and_no_retry(server: PaperServer) -> None:
    venue = make(server)
    server.refuse_login_next()
    with pytest.raises(AuthError, match="Invalid user or password"):
        await venue.start()
    assert venue.stream.state is LinkState.FAILED
    await venue.close()
    wrong = make(server, credentials={"username": "tdsandbox", "password": "wrong"})
    with pytest.raises(AuthError):
        await wrong.start()  # the symbol master refuses it before the stream is dialled
    await wrong.close()
    assert sum(1 for line in server.request_log if line.startswith("WS login")) == 1


async def test_trading_calls_are_refused_in_words(venue: Any) -> None:
    assert venue.info.capabilities.trading is False
    from terminal.model import OrderRequest, OrderType, Side
    with pytest.raises(Rejected, match="market data only"):
        await venue.submit(OrderRequest("RELIANCE", Side.BUY, OrderType.MARKET, quantity=Decimal(1)))
    assert await venue.open_orders() == [] and await venue.balances() == []


async def test_history_walks_back_over_nights_and_a_weekend_to_the_bars_asked_for() -> None:
    """In NSE hours TrueData has bars of the sessions only: on Monday 10:00 IST the last 1000 minutes of bars reach
    back over the weekend to Thursday, one request window after another (an empty window is not the end)."""
    now = int(datetime(2026, 12, 7, 10, 0, tzinfo=IST).timestamp() * 1000)
    clock = SimClock(now)
    server = PaperServer("127.0.0.1", 0, heartbeat_s=0.2, clock=clock)
    server.start()
    venue = make(server, clock=clock)
    try:
        await venue.start()
        bars = await venue.klines("RELIANCE", Interval.M1, end_ms=now - 60_000, limit=1000)
        times = [b.open_time for b in bars]
        assert len(bars) == 1000 and times == sorted(set(times)) and times[-1] == now - 60_000
        days = sorted({datetime.fromtimestamp(t / 1000, IST).strftime("%a") for t in times})
        assert days == ["Fri", "Mon", "Thu", "Wed"]  # 45 on Monday, 375 a day, Wednesday's last 205
        assert all(datetime.fromtimestamp(t / 1000, IST).strftime("%H:%M") < "15:30" for t in times)
        friday_close = int(datetime(2026, 12, 4, 15, 0, tzinfo=IST).timestamp() * 1000)
        forward = await venue.klines("RELIANCE", Interval.M1, friday_close, now - 60_000, 1000)
        assert len(forward) == 30 + 45 and forward[0].open_time == friday_close and forward[-1].open_time == now - 60_000
    finally:
        await venue.close()
        server.stop()

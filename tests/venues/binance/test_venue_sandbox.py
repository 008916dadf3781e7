"""BinanceVenue against a private sandbox: streams survive dropped sockets, bars are backfilled, account events."""
from __future__ import annotations

import socket
import time
from decimal import Decimal

import pytest

from terminal.bus import Bus

from terminal.market.bars import missing_open_times
from terminal.model import (BalancesUpdated, Bar, ConnectionChanged, Environment, Fill, Interval, OrderRequest,
                            OrderStatus, OrderType, OrderUpdated, QuoteTick, Side, Ticker24h, TradeTick)
from terminal.venues.ports import AuthError
from terminal.venues.binance.signing import HmacSigner
from terminal.venues.binance.stream import MarketStream
from terminal.venues.binance.venue import BinanceVenue

from .recorder import Recorder


def up(stream: str, reconnects: int):  # type: ignore[no-untyped-def]
    return lambda e: isinstance(e, ConnectionChanged) and e.stream == stream and e.connected and \
        e.reconnects == reconnects


def down(stream: str):  # type: ignore[no-untyped-def]
    return lambda e: isinstance(e, ConnectionChanged) and e.stream == stream and not e.connected


async def test_streams_reconnect_and_resubscribe_after_drop_websockets(venue: tuple[BinanceVenue, Recorder],
                                                                       fresh_sandbox: object) -> None:
    v, rec = venue
    await v.watch_quotes("BTCUSDT")
    await v.start_user_stream()
    await rec.wait_for(lambda e: isinstance(e, TradeTick) and e.symbol == "BTCUSDT")
    await rec.wait_for(lambda e: isinstance(e, QuoteTick))
    await rec.wait_for(lambda e: isinstance(e, Ticker24h))
    user_reconnected: list[bool] = []
    assert v.user is not None
    v.user.add_connect_listener(user_reconnected.append)
    fresh_sandbox.faults.drop_websockets()  # type: ignore[attr-defined]
    await rec.wait_for(down("market"), past=False)
    await rec.wait_for(up("market", 1), past=False)
    await rec.wait_for(up("user", 1))
    since_up = time.monotonic()
    t_up = int(time.time() * 1000)
    await rec.wait_for(lambda e: isinstance(e, TradeTick) and e.ts_recv > t_up, past=False)
    await rec.wait_for(lambda e: isinstance(e, QuoteTick) and e.ts_recv > t_up, past=False)
    assert user_reconnected == [True]
    health = v.health()
    assert health["market"].reconnects == 1 and health["btcusdt@trade"].reconnects == 1
    age_s = health["btcusdt@trade"].age_s
    assert age_s is not None and age_s <= time.monotonic() - since_up  # its last message came after the reconnect
    assert health["user"].reconnects == 1 and health["market"].extra["weight_used"] > 0
    await v.unwatch_quotes("BTCUSDT")
    assert not v.market.subscriptions


async def test_kline_backfill_after_reconnect_leaves_no_missing_bar(venue: tuple[BinanceVenue, Recorder],
                                                                    fresh_sandbox: object) -> None:
    """The outage lasts until a whole bar has passed that the venue never saw live (watched on a second connection),
    not for a wall-clock time: that bar can only reach the venue through the REST backfill."""
    v, rec = venue
    seen = Recorder()
    watcher = MarketStream(fresh_sandbox.ws_url, seen)  # type: ignore[attr-defined]
    refused = socket.socket()  # bound, never listening: every connection attempt is refused
    refused.bind(("127.0.0.1", 0))
    try:
        await watcher.start()
        await watcher.subscribe(["btcusdt@kline_1s"])
        await v.watch_bars("BTCUSDT", Interval.S1)
        await rec.wait_for(lambda e: isinstance(e, Bar) and e.interval is Interval.S1)
        live_url = v.market.url
        v.market.url = "ws://127.0.0.1:%d/stream" % refused.getsockname()[1]  # the exchange is unreachable
        v.market.backoff_initial_s = v.market.backoff_max_s = 0.05
        fresh_sandbox.faults.drop_websockets()  # type: ignore[attr-defined]
        await rec.wait_for(down("market"), past=False)
        last_live = max(b.open_time for b in rec.of(Bar) if b.interval is Interval.S1)
        step = Interval.S1.ms
        # the exchange moves on: bar last_live + step closes while the venue is away
        await seen.wait_for(lambda e: isinstance(e, Bar) and e.open_time >= last_live + 2 * step, timeout=15)
        v.market.url = live_url
        await rec.wait_for(up("market", 1), past=False)
        await rec.wait_for(lambda e: isinstance(e, Bar) and e.interval is Interval.S1 and
                           e.open_time >= last_live + 2 * step)
        bars = [b for b in rec.of(Bar) if b.interval is Interval.S1]
        assert last_live + step in {b.open_time for b in bars}  # never live on the venue: backfilled
        assert v.backfilled_bars >= 2
        assert missing_open_times(bars, Interval.S1) == []
    finally:
        refused.close()
        await watcher.close()


async def test_user_stream_reports_order_fill_and_balances(venue: tuple[BinanceVenue, Recorder]) -> None:
    v, rec = venue
    await v.start_user_stream()
    req = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"))
    order, fills = await v.submit(req)
    assert order.status is OrderStatus.FILLED and fills
    done = await rec.wait_for(lambda e: isinstance(e, OrderUpdated) and e.order.client_order_id ==
                              req.client_order_id and e.order.status is OrderStatus.FILLED)
    assert done.order.filled_qty == Decimal("0.001")
    fill = await rec.wait_for(lambda e: isinstance(e, Fill) and e.client_order_id == req.client_order_id)
    assert fill.trade_id in {f.trade_id for f in fills}
    bal = await rec.wait_for(lambda e: isinstance(e, BalancesUpdated) and
                             any(b.asset == "BTC" for b in e.balances))
    assert all(b.free >= 0 for b in bal.balances)


async def test_user_stream_with_unknown_key_raises_auth_error(fresh_sandbox: object) -> None:
    url = fresh_sandbox.url  # type: ignore[attr-defined]
    v = BinanceVenue(Environment.SANDBOX, url, url.replace("http", "ws"), url.replace("http", "ws") + "/ws-api/v3",
                     "unknown" * 9, HmacSigner("s" * 64), Bus())
    try:
        with pytest.raises(AuthError):
            await v.start_user_stream()
        assert v.user is None
    finally:
        await v.close()

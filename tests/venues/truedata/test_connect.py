"""``terminal.connect("truedata")`` offline: the adapter on its paper server started for the connection, with its
built-in login; market data through the session, orders refused in words, the server stopped with the session."""
from __future__ import annotations

from decimal import Decimal

import pytest

import terminal
from terminal.model import Interval, QuoteTick, TradeTick
from terminal.venues.ports import Rejected

from ..binance.recorder import Recorder


async def test_connect_truedata_offline_gives_the_market_data_half_and_refuses_orders() -> None:
    session = await terminal.connect("truedata", always_open=True)
    server = session.server
    try:
        assert session.provider == "truedata" and session.trading is False and server is not None
        assert {"RELIANCE", "NIFTY 50", "NIFTY-I", "BANKNIFTY-I"} <= set(session.instruments)
        rec = Recorder()
        session.bus.subscribe(None, rec)
        await session.watch("NIFTY-I")
        tick = await rec.wait_for(lambda e: isinstance(e, (TradeTick, QuoteTick)) and e.symbol == "NIFTY-I")
        assert tick.ts_recv > 0
        end = (session.venue.now_ms() // 300_000 - 1) * 300_000
        bars = await session.bars("RELIANCE", Interval.M5, end - 50 * 300_000, end)
        assert [b.open_time for b in bars] == list(range(end - 50 * 300_000, end + 1, 300_000))
        with pytest.raises(Rejected, match="market data only"):
            await session.buy("RELIANCE", Decimal(1))
    finally:
        await session.close()
    assert server._thread is None  # the paper server started for the connection stopped with it

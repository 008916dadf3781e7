"""The kline history store: paged, resumable downloads from sync or async fetchers; CSV import; backtest frames."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.backtest.data import DataError
from terminal.backtest.engine import run_backtest
from terminal.backtest.history import HistoryStore
from terminal.model import Bar, Interval
from terminal.strategy.builtin import SmaCross

H = Interval.H1.ms
T0 = 1_700_000_000_000 - 1_700_000_000_000 % H


def venue_bars(n: int, symbol: str = "BTCUSDT") -> list[Bar]:
    out = []
    for i in range(n):
        px = Decimal(100 + (i * 7) % 23) + Decimal("0.01") * i
        out.append(Bar(symbol, Interval.H1, T0 + i * H, px, px + 2, px - 2, px + 1, Decimal("1.5")))
    return out


class Fetcher:
    """Serves pages of at most ``limit`` bars, like a venue's klines endpoint; can fail after N calls."""

    def __init__(self, bars: list[Bar], fail_after: int | None = None) -> None:
        self.bars, self.fail_after, self.calls = bars, fail_after, []

    def __call__(self, symbol, interval, start_ms, end_ms, limit):
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise ConnectionError("network down")
        self.calls.append(start_ms)
        return [b for b in self.bars if start_ms <= b.open_time <= end_ms][:limit]


def test_download_pages_and_resumes_after_an_interruption(tmp_path):
    bars = venue_bars(250)
    store = HistoryStore(tmp_path)
    broken = Fetcher(bars, fail_after=2)
    with pytest.raises(ConnectionError):
        store.download_sync(broken, "BTCUSDT", Interval.H1, T0, T0 + 249 * H, limit=100)
    assert store.span("BTCUSDT", Interval.H1) == (T0, T0 + 199 * H, 200)  # two pages committed
    progress = []
    fetcher = Fetcher(bars)
    written = store.download_sync(fetcher, "BTCUSDT", Interval.H1, T0, T0 + 249 * H,
                                  lambda done, total: progress.append((done, total)), limit=100)
    assert written == 50 and fetcher.calls[0] == T0 + 200 * H  # resumed after the last stored bar
    assert progress[-1] == (250, 250)
    assert store.bars("BTCUSDT", Interval.H1) == bars


async def test_download_accepts_an_async_fetcher(tmp_path):
    bars = venue_bars(30)
    sync = Fetcher(bars)

    async def fetch(symbol, interval, start_ms, end_ms, limit):
        return sync(symbol, interval, start_ms, end_ms, limit)

    store = HistoryStore(tmp_path)
    assert await store.download(fetch, "BTCUSDT", Interval.H1, T0, T0 + 29 * H, limit=7) == 30
    assert len(sync.calls) == 5


def test_frame_feeds_the_backtester_and_csv_import_round_trips(tmp_path):
    store = HistoryStore(tmp_path / "a")
    store.write(venue_bars(120))
    df = store.frame("BTCUSDT", Interval.H1)
    assert list(df.columns) == ["Open", "High", "Low", "Close", "Volume"] and len(df) == 120
    assert run_backtest(df, SmaCross(fast=3, slow=9)).stats["# Trades"] > 0
    csv = tmp_path / "bars.csv"
    df.rename_axis("date").to_csv(csv)
    other = HistoryStore(tmp_path / "b")
    assert other.import_csv(csv, "BTCUSDT", Interval.H1) == 120
    assert other.bars("BTCUSDT", Interval.H1) == store.bars("BTCUSDT", Interval.H1)
    with pytest.raises(DataError, match="no stored 1h bars for ETHUSDT"):
        store.frame("ETHUSDT", Interval.H1)

"""A local kline history store: one SQLite file under the data dir, bars keyed by (symbol, interval, open_time).

Prices and volumes are stored as decimal text (exact). ``download`` pages through any fetcher
``fetch_page(symbol, interval, start_ms, end_ms, limit) -> list[Bar]`` (sync or async, e.g. a venue's
``klines``), commits every page, and resumes after the last stored bar when run again, so an interrupted download
loses at most one page. ``import_csv`` loads a CSV checked by ``backtest.data``. ``frame`` returns bars in the
backtester's DataFrame layout.
"""
from __future__ import annotations

import asyncio
import inspect
import os
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from ..model import Bar, Interval
from .data import DataError, load_csv, prepare, to_ms

FetchPage = Callable[[str, Interval, int, int, int], Any]  # -> list[Bar] or an awaitable of it
Progress = Callable[[int, int], None]  # (bars stored so far in this download, estimated total)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS klines (
    symbol TEXT NOT NULL, interval TEXT NOT NULL, open_time INTEGER NOT NULL,
    open TEXT NOT NULL, high TEXT NOT NULL, low TEXT NOT NULL, close TEXT NOT NULL, volume TEXT NOT NULL,
    PRIMARY KEY (symbol, interval, open_time)
) WITHOUT ROWID
"""


def default_data_dir() -> Path:
    env = os.environ.get("TRADING_TERMINAL_DATA")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "trading-terminal"


class HistoryStore:
    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_data_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = self.root / "klines.sqlite"
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "HistoryStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing -----------------------------------------------------------------------------------------------
    def write(self, bars: Iterable[Bar]) -> int:
        """Insert or replace bars (one transaction). Returns how many were written."""
        rows = [(b.symbol, b.interval.value, b.open_time, format(b.open, "f"), format(b.high, "f"),
                 format(b.low, "f"), format(b.close, "f"), format(b.volume, "f")) for b in bars if b.closed]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO klines VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def import_csv(self, path: str | Path, symbol: str, interval: Interval) -> int:
        df = load_csv(path)
        times = to_ms(pd.DatetimeIndex(df.index))
        bars = [Bar(symbol, interval, int(t), Decimal(repr(o)), Decimal(repr(h)), Decimal(repr(low)),
                    Decimal(repr(c)), Decimal(repr(v)))
                for t, o, h, low, c, v in zip(times, df["Open"], df["High"], df["Low"], df["Close"], df["Volume"])]
        return self.write(bars)

    # ---- reading -----------------------------------------------------------------------------------------------
    def span(self, symbol: str, interval: Interval) -> tuple[int, int, int] | None:
        """(first open_time, last open_time, count) or None when nothing is stored."""
        row = self._db.execute("SELECT MIN(open_time), MAX(open_time), COUNT(*) FROM klines "
                               "WHERE symbol = ? AND interval = ?", (symbol, interval.value)).fetchone()
        return None if row[2] == 0 else (int(row[0]), int(row[1]), int(row[2]))

    def bars(self, symbol: str, interval: Interval, start_ms: int | None = None,
             end_ms: int | None = None) -> list[Bar]:
        return [Bar(symbol, interval, t, Decimal(o), Decimal(h), Decimal(low), Decimal(c), Decimal(v))
                for t, o, h, low, c, v in self._rows(symbol, interval, start_ms, end_ms)]

    def frame(self, symbol: str, interval: Interval, start_ms: int | None = None,
              end_ms: int | None = None) -> pd.DataFrame:
        """Stored bars as the backtester's DataFrame (Open..Volume floats, DatetimeIndex); DataError if none."""
        rows = self._rows(symbol, interval, start_ms, end_ms)
        if not rows:
            raise DataError(f"no stored {interval.value} bars for {symbol} in the requested range")
        df = pd.DataFrame(rows, columns=["open_time", "open", "high", "low", "close", "volume"])
        return prepare(df, source=f"history {symbol} {interval.value}")

    def _rows(self, symbol: str, interval: Interval, start_ms: int | None, end_ms: int | None) -> list[tuple]:
        return self._db.execute(
            "SELECT open_time, open, high, low, close, volume FROM klines WHERE symbol = ? AND interval = ? "
            "AND open_time >= ? AND open_time <= ? ORDER BY open_time",
            (symbol, interval.value, start_ms if start_ms is not None else -2**62,
             end_ms if end_ms is not None else 2**62)).fetchall()

    # ---- downloading ---------------------------------------------------------------------------------------------
    async def download(self, fetch_page: FetchPage, symbol: str, interval: Interval, start_ms: int, end_ms: int,
                       progress: Progress | None = None, limit: int = 1000) -> int:
        """Fetch [start_ms, end_ms] page by page, resuming after what is already stored. Returns bars written.

        A sync ``fetch_page`` runs on a worker thread so the event loop stays free.
        """
        if end_ms < start_ms:
            raise ValueError("end is before start")
        step = interval.ms
        cursor = start_ms
        span = self.span(symbol, interval)
        if span is not None and span[0] <= start_ms <= span[1] + step:
            cursor = span[1] + step  # resume after the last stored bar
        total = max(1, (end_ms - start_ms) // step + 1)
        written = 0
        while cursor <= end_ms:
            if inspect.iscoroutinefunction(fetch_page):
                page = await fetch_page(symbol, interval, cursor, end_ms, limit)
            else:
                page = await asyncio.to_thread(fetch_page, symbol, interval, cursor, end_ms, limit)
                if inspect.isawaitable(page):
                    page = await page
            page = [b for b in page if cursor <= b.open_time <= end_ms]
            if not page:
                break
            written += self.write(page)
            last = max(b.open_time for b in page)
            if progress is not None:
                progress(min(total, (last - start_ms) // step + 1), total)
            cursor = last + step
        return written

    def download_sync(self, fetch_page: FetchPage, symbol: str, interval: Interval, start_ms: int, end_ms: int,
                      progress: Progress | None = None, limit: int = 1000) -> int:
        return asyncio.run(self.download(fetch_page, symbol, interval, start_ms, end_ms, progress, limit))

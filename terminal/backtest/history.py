"""The backtester's view of the kline history cache (``market.history_cache``): frames in its DataFrame layout, CSV
import, and ``--data`` specs (``binance:BTCUSDT:1m:2025-01-01..2025-06-30``) read through the cache.

``HistoryStore(root)`` is the cache in ``root/klines.sqlite`` (the store's original place) with ``frame`` and
``import_csv``; ``cached_frame`` reads a spec from the cache of a venue and environment in the data dir.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ..market.history import to_ms as time_ms
from ..market.history_cache import FetchPage, HistoryCache, Progress, cache_files
from ..model import Bar, Interval
from .data import DataError, load_csv, prepare, to_ms

__all__ = ["DataSpec", "FetchPage", "HistoryStore", "Progress", "cached_frame", "default_data_dir", "frame",
           "parse_spec"]


def default_data_dir() -> Path:
    env = os.environ.get("TRADING_TERMINAL_DATA")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "trading-terminal"


def frame(cache: HistoryCache, symbol: str, interval: Interval, start_ms: int | None = None,
          end_ms: int | None = None) -> pd.DataFrame:
    """Stored bars as the backtester's DataFrame (Open..Volume floats, DatetimeIndex); DataError if none."""
    rows = cache.rows(symbol, interval, start_ms, end_ms)
    if not rows:
        raise DataError(f"no stored {interval.value} bars for {symbol} in the requested range")
    df = pd.DataFrame(rows, columns=["open_time", "open", "high", "low", "close", "volume"])
    return prepare(df, source=f"history {symbol} {interval.value}")


class HistoryStore(HistoryCache):
    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_data_dir()
        super().__init__(self.root / "klines.sqlite")

    def import_csv(self, path: str | Path, symbol: str, interval: Interval) -> int:
        return import_csv(self, path, symbol, interval)

    def frame(self, symbol: str, interval: Interval, start_ms: int | None = None,
              end_ms: int | None = None) -> pd.DataFrame:
        return frame(self, symbol, interval, start_ms, end_ms)


def import_csv(cache: HistoryCache, path: str | Path, symbol: str, interval: Interval) -> int:
    """Load a CSV checked by ``backtest.data`` into the cache (its bars, not a coverage: the venue was not asked)."""
    df = load_csv(path)
    times = to_ms(pd.DatetimeIndex(df.index))
    bars = [Bar(symbol, interval, int(t), Decimal(repr(o)), Decimal(repr(h)), Decimal(repr(low)),
                Decimal(repr(c)), Decimal(repr(v)))
            for t, o, h, low, c, v in zip(times, df["Open"], df["High"], df["Low"], df["Close"], df["Volume"])]
    return cache.write(bars)


@dataclass(frozen=True, slots=True)
class DataSpec:
    """``venue:SYMBOL:interval:from..to`` (``to`` optional: up to what is cached)."""

    venue: str
    symbol: str
    interval: Interval
    start_ms: int
    end_ms: int | None


def parse_spec(text: str) -> DataSpec | None:
    """A ``--data`` value naming cached history, or None when it is a file path."""
    parts = text.split(":", 3)  # the range may hold times (2025-01-01T12:00..)
    if len(parts) != 4 or Path(text).exists() or "/" in parts[0] or "\\" in parts[0] or "." in parts[0]:
        return None
    venue, symbol, iv, span = parts
    try:
        interval = Interval(iv)
    except ValueError:
        raise DataError(f"--data {text!r}: unknown interval {iv!r} (e.g. 1m, 1h, 1d)") from None
    start, sep, end = span.partition("..")
    if not sep or not start:
        raise DataError(f"--data {text!r}: the range must be FROM..TO or FROM.. (dates, e.g. 2025-01-01..2025-06-30)")
    try:
        start_ms = time_ms(start, "from")
        end_ms = time_ms(end, "to") if end else None
    except ValueError as exc:
        raise DataError(f"--data {text!r}: {exc}") from None
    assert start_ms is not None
    if end_ms is not None and len(end) <= 10:  # a date: the whole day
        end_ms += 86_400_000 - 1
    return DataSpec(venue.lower(), symbol.upper(), interval, start_ms, end_ms)


def cached_frame(spec: DataSpec, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The backtest frame of a spec from the cache in the data dir (``trading-terminal data download`` fills it).
    The venue is ``provider-env`` (``binance-live``) or a provider alone when it has one cache."""
    from ..storage.settings import data_dir as settings_data_dir
    base = Path(data_dir) if data_dir is not None else settings_data_dir()
    files = cache_files(base)
    names = [spec.venue] if spec.venue in files else [n for n in files if n.startswith(spec.venue + "-")]
    if not names:
        raise DataError(f"no cached history for {spec.venue} in {base} (run 'trading-terminal data download "
                        f"{spec.venue}:{spec.symbol} {spec.interval.value} --from ...')")
    if len(names) > 1:
        raise DataError(f"{spec.venue} has caches for several environments ({', '.join(names)}): name one, "
                        f"e.g. {names[0]}:{spec.symbol}:{spec.interval.value}:...")
    with HistoryCache(files[names[0]]) as cache:
        return frame(cache, spec.symbol, spec.interval, spec.start_ms, spec.end_ms)

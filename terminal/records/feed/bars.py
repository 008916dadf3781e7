"""Bars built from the trades of a recorded feed, for the backtester (``--data DIR`` of ``trading-terminal backtest``).

Each recorded ``<symbol>@trade`` (or ``@aggTrade`` when no trade stream was recorded) frame is one trade (price ``p``,
quantity ``q``, trade time ``T``); bars are bucketed by trade time at the interval asked for (open = first trade's
price, close = last's, volume = the sum of quantities; exact in Decimal, floats only in the returned frame, which is
what the backtester reads). Intervals without a trade get no bar (as Binance's klines). Corrupt lines are skipped
(``ReadStats``); duplicate trade ids (a frame recorded twice) are counted once.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from ...backtest.data import prepare
from ...model import Interval
from .files import ReadStats, files, read_recording


class RecordingError(ValueError):
    """The folder is not a recording, or holds no trades of the symbol asked for."""


def recorded_symbols(folder: str | Path) -> list[str]:
    return sorted({p.parent.name for p in files(folder)})


def bars_from_recording(folder: str | Path, symbol: str | None = None, interval: str | Interval = "1m",
                        stats: ReadStats | None = None) -> pd.DataFrame:
    """OHLCV bars as the backtester takes them (``backtest.data.prepare``: a DatetimeIndex of open times in UTC, float
    columns open, high, low, close, volume)."""
    iv = interval if isinstance(interval, Interval) else Interval(interval)
    symbols = recorded_symbols(folder)
    if not symbols:
        raise RecordingError(f"{folder}: no recorded feed here (expected <venue>/<SYMBOL>/<day>.jsonl.gz)")
    if symbol is None:
        if len(symbols) != 1:
            raise RecordingError(f"{folder}: the recording holds {', '.join(symbols)}: say which symbol")
        symbol = symbols[0]
    symbol = symbol.upper()
    period = iv.ms
    trades: dict[str, list[tuple[int, Decimal, Decimal]]] = {"trade": [], "aggTrade": []}
    seen: dict[str, set[Any]] = {"trade": set(), "aggTrade": set()}
    for rec in read_recording(folder, stats, symbols=[symbol]):
        kind = rec.stream.partition("@")[2]
        if kind not in trades or not isinstance(rec.data, dict):
            continue
        d = rec.data
        tid = d.get("t" if kind == "trade" else "a")
        try:
            row = (int(d["T"]), Decimal(str(d["p"])), Decimal(str(d["q"])))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            if stats is not None:
                stats.corrupt += 1
            continue
        if tid is not None:
            if tid in seen[kind]:
                continue
            seen[kind].add(tid)
        trades[kind].append(row)
    rows = trades["trade"] or trades["aggTrade"]
    if not rows:
        raise RecordingError(f"{folder}: no recorded trades of {symbol}")
    rows.sort(key=lambda r: r[0])  # trade time order (stable: equal times keep their recorded order)
    out: list[tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]] = []
    for t, p, q in rows:
        start = t // period * period
        if out and out[-1][0] == start:
            o, h, lo, _, v = out[-1][1:]
            out[-1] = (start, o, max(h, p), min(lo, p), p, v + q)
        else:
            out.append((start, p, p, p, p, q))
    index = pd.DatetimeIndex(pd.to_datetime([r[0] for r in out], unit="ms", utc=True), name="open_time")
    return prepare(pd.DataFrame({"open": [float(r[1]) for r in out], "high": [float(r[2]) for r in out],
                         "low": [float(r[3]) for r in out], "close": [float(r[4]) for r in out],
                         "volume": [float(r[5]) for r in out]}, index=index), source=f"{folder} {symbol}")

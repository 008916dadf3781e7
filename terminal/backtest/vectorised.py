"""A fast numpy path for signal strategies (enter on one signal, exit or reverse on another), e.g. SmaCross.

It reproduces the event-driven engine's decisions and conventions exactly (fills at the next bar's open, all-in
whole-lot sizing at the fill price, commission per side, finalize_trades), so the trades are the same and the
equity the same to float rounding: signals are found with numpy, and only the trades (not the bars) are walked
in Python, in floats. Edge case not reproduced: in long-only mode, an entry the cash cannot pay for (size 0) is
skipped together with its exit; the event path would retry on a repeated entry signal before the exit.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..strategy.indicators import sma
from .engine import BacktestResult, equity_curve
from .metrics import compute_stats, trades_frame


def crosses(fast: np.ndarray, slow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean arrays: fast crossed above / below slow at bar i (strict, NaN never crosses)."""
    up = np.zeros(len(fast), dtype=bool)
    down = np.zeros(len(fast), dtype=bool)
    with np.errstate(invalid="ignore"):
        up[1:] = (fast[:-1] < slow[:-1]) & (fast[1:] > slow[1:])
        down[1:] = (fast[:-1] > slow[:-1]) & (fast[1:] < slow[1:])
    return up, down


def simulate(open_: np.ndarray, entries: np.ndarray, exits: np.ndarray, *, long_short: bool = False,
             cash: float = 10_000.0, commission: float = 0.0, lot_size: float = 1.0,
             finalize_trades: bool = True) -> tuple[list[tuple], list[tuple[int, float, float]]]:
    """Walk the signals; returns (closed trades as metrics.trades_frame rows, (bar, cash, position) marks).

    Signals at bar i fill at bar i + 1's open; with ``finalize_trades`` a signal on the last bar fills at the last
    bar's open and whatever is open is closed there too.
    """
    n = len(open_)
    last = n - 1
    c = commission
    one_c = 1.0 + c
    rows: list[tuple] = []
    marks: list[tuple[int, float, float]] = []
    opens = open_.tolist()
    if long_short:
        sig_bars = np.flatnonzero(entries | exits)
        directions = np.where(entries[sig_bars], 1, -1).tolist()
        sig_bars = sig_bars.tolist()
    else:
        # long-only: only state changes matter (an entry while long, or an exit while flat, does nothing)
        sig = np.zeros(n, dtype=np.int8)
        sig[exits] = -1
        sig[entries] = 1
        idx = np.flatnonzero(sig)
        vals = sig[idx]
        change = np.r_[vals[:1] == 1, vals[1:] != vals[:-1]] if len(vals) else np.zeros(0, bool)
        sig_bars = idx[change].tolist()
        directions = vals[change].tolist()
    pos = 0.0
    entry_price = 0.0
    entry_bar = 0
    for i, d in zip(sig_bars, directions):
        if i >= last:
            if i > last or not finalize_trades:
                break
            fb = last
        else:
            fb = i + 1
        p = opens[fb]
        if pos:  # close (long-only: this is the exit; long/short: close before reversing)
            q = abs(pos)
            comm = q * p * c + q * entry_price * c
            direction = 1.0 if pos > 0 else -1.0
            rows.append((pos, entry_bar, fb, entry_price, p, pos * (p - entry_price) - comm, comm,
                         direction * (p / entry_price - 1) - comm / (q * entry_price)))
            cash += pos * p - q * p * c
            pos = 0.0
        if long_short or d > 0:
            q = math.floor(cash / (p * one_c) / lot_size) * lot_size
            if q > 0:
                pos = q if d > 0 else -q
                cash -= pos * p + q * p * c
                entry_price, entry_bar = p, fb
        marks.append((fb, cash, pos))
    if finalize_trades and pos and n:
        p = opens[last]
        q = abs(pos)
        comm = q * p * c + q * entry_price * c
        direction = 1.0 if pos > 0 else -1.0
        rows.append((pos, entry_bar, last, entry_price, p, pos * (p - entry_price) - comm, comm,
                     direction * (p / entry_price - 1) - comm / (q * entry_price)))
        cash += pos * p - q * p * c
        marks.append((last, cash, 0.0))
    return rows, marks


def run_signals(df: pd.DataFrame, entries: np.ndarray, exits: np.ndarray, *, long_short: bool = False,
                cash: float = 10_000.0, commission: float = 0.0, lot_size: float = 1.0,
                finalize_trades: bool = True, warmup: int = 0, stats: bool = True) -> BacktestResult:
    open_ = df["Open"].to_numpy(dtype=np.float64)
    close = df["Close"].to_numpy(dtype=np.float64)
    rows, marks = simulate(open_, entries, exits, long_short=long_short, cash=float(cash),
                           commission=float(commission), lot_size=float(lot_size), finalize_trades=finalize_trades)
    equity = equity_curve(marks, float(cash), close)
    index = pd.DatetimeIndex(df.index)
    trades = trades_frame(rows, index)
    s = compute_stats(equity, trades, index, close, warmup) if stats else pd.Series(dtype=object)
    return BacktestResult(s, pd.Series(equity, index=index, name="Equity"), trades)


def run_sma_cross(df: pd.DataFrame, fast: int = 10, slow: int = 20, *, long_short: bool = False,
                  cash: float = 10_000.0, commission: float = 0.0, lot_size: float = 1.0,
                  finalize_trades: bool = True, stats: bool = True) -> BacktestResult:
    """SmaCross(fast, slow, long_short) without the event loop: same trades as ``run_backtest``."""
    from ..strategy.builtin import SmaCross
    SmaCross.validate({"fast": fast, "slow": slow, "long_short": long_short})
    close = df["Close"].to_numpy(dtype=np.float64)
    f, s = sma(close, fast), sma(close, slow)
    up, down = crosses(f, s)
    warmup = min(slow - 1, len(close) - 1) if len(close) >= slow else 0
    return run_signals(df, up, down, long_short=long_short, cash=cash, commission=commission, lot_size=lot_size,
                       finalize_trades=finalize_trades, warmup=warmup, stats=stats)

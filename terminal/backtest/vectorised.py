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
from .engine import BacktestResult, equity_from_marks
from .metrics import StatsPlan, trades_from_columns


def crosses(fast: np.ndarray, slow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean arrays: fast crossed above / below slow at bar i (strict, NaN never crosses)."""
    up = np.zeros(len(fast), dtype=bool)
    down = np.zeros(len(fast), dtype=bool)
    with np.errstate(invalid="ignore"):
        up[1:] = (fast[:-1] < slow[:-1]) & (fast[1:] > slow[1:])
        down[1:] = (fast[:-1] > slow[:-1]) & (fast[1:] < slow[1:])
    return up, down


def _signal_plan(entries: np.ndarray, exits: np.ndarray, long_short: bool) -> tuple[np.ndarray, np.ndarray]:
    """(signal bars, directions) that change something. Long-only: only state changes matter (an entry while
    long, or an exit while flat, does nothing). Long/short: every signal closes and reopens."""
    if long_short:
        bars = np.flatnonzero(entries | exits)
        return bars, np.where(entries[bars], 1, -1)
    sig = np.zeros(len(entries), dtype=np.int8)
    sig[exits] = -1
    sig[entries] = 1
    idx = np.flatnonzero(sig)
    vals = sig[idx]
    if not len(vals):
        return idx, vals.astype(np.int64)
    change = np.empty(len(vals), dtype=bool)
    change[0] = vals[0] == 1
    change[1:] = vals[1:] != vals[:-1]
    return idx[change], vals[change].astype(np.int64)


def simulate(open_: np.ndarray, entries: np.ndarray, exits: np.ndarray, *, long_short: bool = False,
             cash: float = 10_000.0, commission: float = 0.0, lot_size: float = 1.0,
             finalize_trades: bool = True) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Walk the signals; returns (closed trades as columns, (bars, cash, position) marks after fills).

    Signals at bar i fill at bar i + 1's open; with ``finalize_trades`` a signal on the last bar fills at the last
    bar's open and whatever is open is closed there too.
    """
    n = len(open_)
    last = n - 1
    c = commission
    one_c = 1.0 + c
    sig_bars, dirs = _signal_plan(entries, exits, long_short)
    if not finalize_trades:
        keep = sig_bars < last
        sig_bars, dirs = sig_bars[keep], dirs[keep]
    fill_bars = np.minimum(sig_bars + 1, last)
    prices = open_[fill_bars].tolist()
    fbs = fill_bars.tolist()
    d_list = dirs.tolist()
    sizes: list[float] = []
    e_bar: list[int] = []
    x_bar: list[int] = []
    e_px: list[float] = []
    x_px: list[float] = []
    m_bar: list[int] = []
    m_cash: list[float] = []
    m_pos: list[float] = []
    pos = 0.0
    entry_price = 0.0
    entry_bar = 0
    floor = math.floor
    for fb, p, d in zip(fbs, prices, d_list):
        if pos:  # close (long-only: the exit; long/short: the close before reversing)
            sizes.append(pos); e_bar.append(entry_bar); x_bar.append(fb); e_px.append(entry_price); x_px.append(p)
            cash += pos * p - abs(pos) * p * c
            pos = 0.0
        if long_short or d > 0:
            q = floor(cash / (p * one_c) / lot_size) * lot_size
            if q > 0:
                pos = q if d > 0 else -q
                cash -= pos * p + q * p * c
                entry_price, entry_bar = p, fb
        m_bar.append(fb); m_cash.append(cash); m_pos.append(pos)
    if finalize_trades and pos and n:
        p = float(open_[last])
        sizes.append(pos); e_bar.append(entry_bar); x_bar.append(last); e_px.append(entry_price); x_px.append(p)
        cash += pos * p - abs(pos) * p * c
        m_bar.append(last); m_cash.append(cash); m_pos.append(0.0)
    size = np.asarray(sizes, dtype=np.float64)
    pin = np.asarray(e_px, dtype=np.float64)
    pout = np.asarray(x_px, dtype=np.float64)
    q = np.abs(size)
    comm = q * pout * c + q * pin * c
    with np.errstate(divide="ignore", invalid="ignore"):
        ret = np.sign(size) * (pout / pin - 1) - comm / (q * pin)
    trades = {"Size": size, "EntryBar": np.asarray(e_bar, dtype=np.int64), "ExitBar": np.asarray(x_bar, dtype=np.int64),
              "EntryPrice": pin, "ExitPrice": pout, "PnL": size * (pout - pin) - comm, "Commission": comm,
              "ReturnPct": ret}
    marks = (np.asarray(m_bar, dtype=np.int64), np.asarray(m_cash), np.asarray(m_pos))
    return trades, marks


def run_signals(df: pd.DataFrame, entries: np.ndarray, exits: np.ndarray, *, long_short: bool = False,
                cash: float = 10_000.0, commission: float = 0.0, lot_size: float = 1.0,
                finalize_trades: bool = True, warmup: int = 0, stats: bool = True,
                plan: StatsPlan | None = None) -> BacktestResult:
    """Backtest boolean ``entries``/``exits`` signal arrays (a signal at bar i fills at bar i + 1's open)."""
    open_ = df["Open"].to_numpy(dtype=np.float64)
    close = df["Close"].to_numpy(dtype=np.float64)
    cols, (m_bar, m_cash, m_pos) = simulate(open_, entries, exits, long_short=long_short, cash=float(cash),
                                            commission=float(commission), lot_size=float(lot_size),
                                            finalize_trades=finalize_trades)
    equity = equity_from_marks(m_bar, m_cash, m_pos, float(cash), close)
    index = pd.DatetimeIndex(df.index)
    trades = trades_from_columns(cols, index)
    if stats:
        s = (plan or StatsPlan(index, close)).compute(equity, trades, warmup)
    else:
        s = pd.Series(dtype=object)
    return BacktestResult(s, pd.Series(equity, index=index, name="Equity"), trades)


def run_sma_cross(df: pd.DataFrame, fast: int = 10, slow: int = 20, *, long_short: bool = False,
                  cash: float = 10_000.0, commission: float = 0.0, lot_size: float = 1.0,
                  finalize_trades: bool = True, stats: bool = True, plan: StatsPlan | None = None,
                  sma_cache: dict[int, np.ndarray] | None = None) -> BacktestResult:
    """SmaCross(fast, slow, long_short) without the event loop: same trades as ``run_backtest``.

    ``sma_cache`` (window -> SMA of the closes) lets an optimiser compute each window once."""
    from ..strategy.builtin import SmaCross
    SmaCross.validate({"fast": fast, "slow": slow, "long_short": long_short})
    close = df["Close"].to_numpy(dtype=np.float64)
    if sma_cache is None:
        f, s = sma(close, fast), sma(close, slow)
    else:
        for w in (fast, slow):
            if w not in sma_cache:
                sma_cache[w] = sma(close, w)
        f, s = sma_cache[fast], sma_cache[slow]
    up, down = crosses(f, s)
    warmup = min(slow - 1, len(close) - 1) if len(close) >= slow else 0
    return run_signals(df, up, down, long_short=long_short, cash=cash, commission=commission, lot_size=lot_size,
                       finalize_trades=finalize_trades, warmup=warmup, stats=stats, plan=plan)

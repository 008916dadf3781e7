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
from .metrics import StatsPlan


def crosses(fast: np.ndarray, slow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean arrays: fast crossed above / below slow at bar i (strict, NaN never crosses)."""
    up = np.zeros(len(fast), dtype=bool)
    down = np.zeros(len(fast), dtype=bool)
    with np.errstate(invalid="ignore"):
        above = fast > slow
        below = fast < slow
    np.logical_and(below[:-1], above[1:], out=up[1:])
    np.logical_and(above[:-1], below[1:], out=down[1:])
    return up, down


def _signal_plan(entries: np.ndarray, exits: np.ndarray, long_short: bool) -> tuple[np.ndarray, np.ndarray]:
    """(signal bars, directions) that change something. Long-only: only state changes matter (an entry while
    long, or an exit while flat, does nothing). Long/short: every signal closes and reopens."""
    bars = np.flatnonzero(entries | exits)
    dirs = np.where(entries[bars], 1, -1)  # an entry wins over an exit on the same bar
    if long_short:
        return bars, dirs
    idx, vals = bars, dirs
    if not len(vals):
        return idx, vals
    change = np.empty(len(vals), dtype=bool)
    change[0] = vals[0] == 1
    change[1:] = vals[1:] != vals[:-1]
    return idx[change], vals[change]


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
    if not long_short:
        return _simulate_long_only(open_, fill_bars, cash, c, lot_size, finalize_trades)
    prices = open_[fill_bars].tolist()
    # the only sequential part: each fill closes what is open and opens a position sized from the cash (the same
    # float operations, in the same order, as a loop that also collects the trades: those are numpy below)
    positions: list[float] = []
    cashes: list[float] = []
    pos = held = 0.0  # held = abs(pos): the q it was opened with
    floor = math.floor
    add_position, add_cash = positions.append, cashes.append
    for p, d in zip(prices, dirs.tolist()):
        if pos:  # the close before reversing
            cash += pos * p - held * p * c
            pos = 0.0
        q = floor(cash / (p * one_c) / lot_size) * lot_size
        if q > 0:
            pos = q if d > 0 else -q
            held = q
            cash -= pos * p + q * p * c
        add_position(pos)
        add_cash(cash)
    m_pos = np.asarray(positions, dtype=np.float64)
    m_cash = np.asarray(cashes, dtype=np.float64)
    m_bar = fill_bars.astype(np.int64)
    k = len(m_pos)
    # a position opened at fill j is closed at fill j + 1; the one open after the last fill at the last bar's open
    exit_bar = np.empty(k, dtype=np.int64)
    exit_px = np.empty(k, dtype=np.float64)
    exit_bar[:-1], exit_px[:-1] = m_bar[1:], open_[fill_bars[1:]]
    opened = m_pos != 0
    if k and (not finalize_trades or not pos or not n):
        opened[-1] = False  # still open (or nothing to close): not a closed trade
    elif k:
        exit_bar[-1], exit_px[-1] = last, float(open_[last])
        cash += pos * exit_px[-1] - abs(pos) * exit_px[-1] * c
        m_bar, m_cash, m_pos = np.r_[m_bar, last], np.r_[m_cash, cash], np.r_[m_pos, 0.0]
    size = m_pos[:k][opened]
    pin = np.asarray(prices, dtype=np.float64)[opened]
    pout = exit_px[opened]
    q = np.abs(size)
    comm = q * pout * c + q * pin * c
    with np.errstate(divide="ignore", invalid="ignore"):
        ret = np.sign(size) * (pout / pin - 1) - comm / (q * pin)
    trades = {"Size": size, "EntryBar": fill_bars[opened].astype(np.int64), "ExitBar": exit_bar[opened],
              "EntryPrice": pin, "ExitPrice": pout, "PnL": size * (pout - pin) - comm, "Commission": comm,
              "ReturnPct": ret}
    return trades, (m_bar, m_cash, m_pos)


def _simulate_long_only(open_: np.ndarray, fill_bars: np.ndarray, cash: float, c: float, lot_size: float,
                       finalize_trades: bool) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Long-only: fills alternate entry, exit, entry... Only the compounding of whole-lot sizes is sequential;
    the loop runs once per trade (same float operations as the general loop), the rest is numpy."""
    last = len(open_) - 1
    in_bars = fill_bars[0::2]
    out_bars = fill_bars[1::2]
    if finalize_trades and len(in_bars) > len(out_bars):
        out_bars = np.r_[out_bars, last]  # the open trade is closed at the last bar's open
    p_in = open_[in_bars]
    p_out = open_[out_bars]
    n_in, n_out = len(p_in), len(p_out)
    one_c = 1.0 + c
    qs: list[float] = []
    ce: list[float] = []
    cx: list[float] = []
    floor = math.floor
    outs = p_out.tolist()
    for k, pin in enumerate(p_in.tolist()):
        q = floor(cash / (pin * one_c) / lot_size) * lot_size
        if q > 0:
            cash -= q * pin + q * pin * c
            ce.append(cash)
            if k < n_out:
                pout = outs[k]
                cash += q * pout - q * pout * c
        else:
            q = 0.0
            ce.append(cash)
        qs.append(q)
        cx.append(cash)
    q = np.asarray(qs, dtype=np.float64)
    valid = q > 0
    exited = np.arange(n_in) < n_out
    keep = valid & exited
    size, pin_k, pout_k = q[keep], p_in[keep], p_out[keep[:n_out]]
    comm = size * pout_k * c + size * pin_k * c
    trades = {"Size": size, "EntryBar": in_bars[keep], "ExitBar": out_bars[keep[:n_out]],
              "EntryPrice": pin_k, "ExitPrice": pout_k, "PnL": size * (pout_k - pin_k) - comm, "Commission": comm,
              "ReturnPct": (pout_k / pin_k - 1) - comm / (size * pin_k)}
    m_bar = np.empty(2 * n_in, dtype=np.int64)
    m_cash = np.empty(2 * n_in)
    m_pos = np.zeros(2 * n_in)
    m_bar[0::2] = in_bars
    m_bar[1::2][:n_out] = out_bars
    m_cash[0::2] = ce
    m_cash[1::2] = cx
    m_pos[0::2] = q
    mask = np.empty(2 * n_in, dtype=bool)
    mask[0::2] = valid
    mask[1::2] = keep
    return trades, (m_bar[mask], m_cash[mask], m_pos[mask])


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
    if stats:
        s = (plan or StatsPlan(index, close)).compute(equity, cols, warmup)  # the frame's columns, as arrays
    else:
        s = pd.Series(dtype=object)
    # the trades frame is made when it is first read (the statistics come from the columns)
    return BacktestResult(s, pd.Series(equity, index=index, name="Equity"), (cols, index))


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


def sma_cross_arrays(open_: np.ndarray, close: np.ndarray, fast: int, slow: int, *, long_short: bool = False,
                     cash: float = 10_000.0, commission: float = 0.0, lot_size: float = 1.0,
                     finalize_trades: bool = True) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The numpy core of ``run_sma_cross``: (equity per bar, trade columns), no pandas, no validation."""
    up, down = crosses(sma(close, fast), sma(close, slow))
    cols, (bars, cash_v, pos_v) = simulate(open_, up, down, long_short=long_short, cash=cash, commission=commission,
                                           lot_size=lot_size, finalize_trades=finalize_trades)
    return equity_from_marks(bars, cash_v, pos_v, cash, close), cols

"""Vectorised 1m kline history for a simulated symbol, consistent with its price process.

The closes follow ``path.minute_log_returns`` and are shifted so the last close equals the spec's start
price (where the live market begins). Highs and lows extend the open/close by a random fraction of the
minute's volatility, volumes grow with the size of the move, trade counts follow the volume.
"""
from __future__ import annotations

import math
import zlib

import numpy as np

from .bars import C, FID, H, L, LID, N, NCOLS, O, OT, Q, TBQ, TBV, V
from .path import minute_log_returns, rng_for
from .symbols import SymbolSpec

MINUTE_MS = 60_000
STREAM_HISTORY_FLOW = 12


def history_rows(spec: SymbolSpec, seed: int, end_ms: int, days: int = 28, symbol_index: int | None = None,
                 first_trade_id: int = 1) -> np.ndarray:
    """``days`` of closed 1m bars (int64 rows, see ``bars``) ending at the minute before ``end_ms``'s.

    ``symbol_index`` picks the symbol's random stream (default: derived from the symbol's name).
    """
    if symbol_index is None:
        symbol_index = zlib.crc32(spec.symbol.encode()) & 0xFFFF
    minutes = int(days * 1440)
    if minutes <= 0:
        return np.empty((0, NCOLS), dtype=np.int64)
    inst = spec.instrument
    step = float(inst.step_size)
    live_minute = end_ms // MINUTE_MS * MINUTE_MS
    first_open = live_minute - minutes * MINUTE_MS
    first_minute_of_day = (first_open // MINUTE_MS) % 1440
    returns, sigma = minute_log_returns(seed, symbol_index, spec.volatility, minutes, first_minute_of_day)
    start_ticks = int((spec.start_price / inst.tick_size).to_integral_value())
    log_close = np.cumsum(returns)
    log_close += math.log(start_ticks) - log_close[-1]
    close = np.maximum(np.rint(np.exp(log_close)), 1).astype(np.int64)
    close[-1] = start_ticks
    first_open_ticks = max(1, int(round(math.exp(log_close[0] - returns[0]))))
    open_ = np.concatenate(([first_open_ticks], close[:-1]))
    price = np.exp(log_close)  # in ticks

    rng = rng_for(seed, symbol_index, STREAM_HISTORY_FLOW)
    ext_hi = np.rint(np.abs(rng.standard_normal(minutes)) * sigma * price * 0.7).astype(np.int64)
    ext_lo = np.rint(np.abs(rng.standard_normal(minutes)) * sigma * price * 0.7).astype(np.int64)
    high = np.maximum(open_, close) + ext_hi
    low = np.maximum(np.minimum(open_, close) - ext_lo, 1)

    # Volume: lognormal noise, busier when volatility is high and on big moves.
    base_steps = float(spec.base_volume) / step
    activity = sigma / np.median(sigma)
    move = np.abs(returns) / sigma
    raw = rng.lognormal(mean=-0.125, sigma=0.5, size=minutes) * activity * (0.6 + 0.4 * move)
    volume = np.maximum(np.rint(base_steps * raw), 1).astype(np.int64)
    trades_per_min = spec.trade_rate * 60.0
    trades = np.rint(trades_per_min * raw * rng.uniform(0.7, 1.3, minutes)).astype(np.int64)
    trades = np.clip(trades, 1, volume)

    vwap = np.clip(np.rint((open_ + high + low + close) / 4.0).astype(np.int64), low, high)
    quote = volume * vwap
    buy_share = np.clip(0.5 + 0.25 * np.tanh(returns / sigma) + 0.05 * rng.standard_normal(minutes), 0.05, 0.95)
    taker_base = np.rint(volume * buy_share).astype(np.int64)

    rows = np.empty((minutes, NCOLS), dtype=np.int64)
    rows[:, OT] = first_open + np.arange(minutes, dtype=np.int64) * MINUTE_MS
    rows[:, O], rows[:, H], rows[:, L], rows[:, C] = open_, high, low, close
    rows[:, V], rows[:, Q], rows[:, N] = volume, quote, trades
    rows[:, TBV], rows[:, TBQ] = taker_base, taker_base * vwap
    last_ids = np.cumsum(trades) + (first_trade_id - 1)
    rows[:, LID] = last_ids
    rows[:, FID] = last_ids - trades + 1
    return rows

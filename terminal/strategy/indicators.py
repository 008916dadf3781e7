"""Classic indicators on float arrays (analytics, not money). NaN where the window is not full."""
from __future__ import annotations

import numpy as np


def sma(values: np.ndarray, window: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    if window <= 0 or len(values) < window:
        return out
    c = np.empty(len(values) + 1)  # the running sums 0, v0, v0 + v1, ... (cumsum of values with a 0 in front)
    c[0] = 0.0
    np.cumsum(values, out=c[1:])
    if c[1] == 0.0:  # 0.0 + v0 in front turns a -0.0 first value (and the zero sums after it) into 0.0: the same here
        c[1:] += 0.0
    tail = out[window - 1:]  # (c[window:] - c[:-window]) / window, in place
    np.subtract(c[window:], c[:-window], out=tail)
    tail /= window
    return out


def ema(values: np.ndarray, window: int) -> np.ndarray:
    """Exponential moving average with alpha = 2/(window+1), seeded with the first SMA (as pandas adjust=False)."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    if window <= 0 or len(values) < window:
        return out
    alpha = 2.0 / (window + 1.0)
    seed = values[:window].mean()
    out[window - 1] = seed
    # closed form via lfilter would need scipy; this loop is fine for chart-sized arrays
    prev = seed
    for i in range(window, len(values)):
        prev = alpha * values[i] + (1 - alpha) * prev
        out[i] = prev
    return out


def bollinger(values: np.ndarray, window: int = 20, k: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(middle, upper, lower) with the population standard deviation over ``window``."""
    values = np.asarray(values, dtype=np.float64)
    mid = sma(values, window)
    sq = sma(values * values, window)
    std = np.sqrt(np.maximum(sq - mid * mid, 0.0))
    return mid, mid + k * std, mid - k * std


def rsi(values: np.ndarray, window: int = 14) -> np.ndarray:
    """Wilder's relative strength index (0..100); NaN for the first ``window`` bars."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    if window <= 0 or len(values) <= window:
        return out
    delta = np.diff(values)
    gains = np.clip(delta, 0, None).tolist()
    losses = np.clip(-delta, 0, None).tolist()
    avg_g = sum(gains[:window]) / window
    avg_l = sum(losses[:window]) / window
    res = [np.nan] * len(values)
    res[window] = 100.0 if avg_l == 0 else 100.0 - 100.0 / (1.0 + avg_g / avg_l)
    for i in range(window, len(delta)):
        avg_g = (avg_g * (window - 1) + gains[i]) / window
        avg_l = (avg_l * (window - 1) + losses[i]) / window
        res[i + 1] = 100.0 if avg_l == 0 else 100.0 - 100.0 / (1.0 + avg_g / avg_l)
    out[:] = res
    return out


def rolling_max(values: np.ndarray, window: int) -> np.ndarray:
    """Highest value over the last ``window`` bars (including the current one)."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    if window <= 0 or len(values) < window:
        return out
    out[window - 1:] = np.lib.stride_tricks.sliding_window_view(values, window).max(axis=1)
    return out


def rolling_min(values: np.ndarray, window: int) -> np.ndarray:
    """Lowest value over the last ``window`` bars (including the current one)."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    if window <= 0 or len(values) < window:
        return out
    out[window - 1:] = np.lib.stride_tricks.sliding_window_view(values, window).min(axis=1)
    return out


def cross_sign(values: np.ndarray, fast: int, slow: int) -> np.ndarray:
    """+1 where sma(fast) crossed above sma(slow) on this bar, -1 where it crossed below, else 0 (strict, like
    backtesting.lib.crossover: previous fast < previous slow and fast > slow)."""
    return crossings(values, sma(values, fast), sma(values, slow))


def crossings(values: np.ndarray, f: np.ndarray, s: np.ndarray) -> np.ndarray:
    """+1 where ``f`` crossed above ``s`` on this bar, -1 where it crossed below, else 0 (``cross_sign`` of two
    series already computed, e.g. two indicators: ``ctx.indicator(crossings, fast, slow)``; ``values``, the
    source, is not read)."""
    out = np.zeros(len(f))
    with np.errstate(invalid="ignore"):
        up = (f[:-1] < s[:-1]) & (f[1:] > s[1:])
        down = (f[:-1] > s[:-1]) & (f[1:] < s[1:])
    after = out[1:]  # 1.0 - 0.0, 0.0 - 1.0 and 0.0 - 0.0 as the values: set where they go, without the arrays
    after[up] = 1.0
    after[down] = -1.0
    return out

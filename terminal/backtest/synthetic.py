"""Deterministic synthetic OHLCV bars (a seeded geometric random walk) for tests, benchmarks and demos."""
from __future__ import annotations

import numpy as np
import pandas as pd


def random_walk(n: int, seed: int = 1, start: str = "2020-01-01", freq: str = "h", drift: float = 0.0003,
                vol: float = 0.01, price: float = 100.0, decimals: int | None = None) -> pd.DataFrame:
    """``n`` bars with columns Open, High, Low, Close, Volume and a DatetimeIndex.

    Prices are left unrounded by default: rounded prices make exact SMA ties, where the last bit of a float
    decides whether a cross happened and two correct implementations may disagree."""
    rng = np.random.default_rng(seed)
    close = price * np.exp(np.cumsum(rng.normal(drift, vol, n)))
    open_ = np.r_[close[0], close[:-1]] * (1 + rng.normal(0, 0.002, n))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.003, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.003, n)))
    if decimals is not None:
        open_, high, low, close = (np.round(a, decimals) for a in (open_, high, low, close))
    volume = np.round(rng.uniform(100, 1000, n), 3)
    index = pd.date_range(start, periods=n, freq=freq)
    return pd.DataFrame({"Open": open_, "High": high, "Low": low, "Close": close, "Volume": volume}, index=index)

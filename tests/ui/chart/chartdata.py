"""Deterministic chart data: a random walk of 1-minute candles."""
from __future__ import annotations

import numpy as np

T0_MS = 1_764_000_000_000  # 2025-11-24 16:00 UTC


def random_walk(n: int, seed: int = 1, start: float = 43_000.0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    c = start + np.cumsum(rng.normal(0, 20, n))
    o = np.concatenate(([start], c[:-1]))
    h = np.maximum(o, c) + rng.exponential(10, n)
    l = np.minimum(o, c) - rng.exponential(10, n)  # noqa: E741
    v = rng.exponential(50, n)
    t = (T0_MS + np.arange(n, dtype=np.int64) * 60_000).astype(np.int64)
    return t, o, h, l, c, v

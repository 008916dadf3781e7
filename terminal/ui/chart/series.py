"""OHLCV candles in growing float64 arrays, with a min/max pyramid for level-of-detail drawing.

x is the candle's open time in epoch seconds (float64), so pan/zoom and the date axis work in real time units.
Appending is O(1) amortised (capacity doubles), replacing the live candle is O(1), and every pyramid level
is repaired only from the first changed candle, so a live update costs O(levels), not O(history).
This module is plain numpy (no Qt) so it is testable and reusable without a QApplication.
"""
from __future__ import annotations

import numpy as np

FIELDS = ("t", "o", "h", "l", "c", "v")


class _Level:
    """One pyramid level: block j covers raw candles [j * 2**k, (j + 1) * 2**k)."""

    __slots__ = ("arrays", "valid", "size", "version")

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {f: np.empty(0) for f in FIELDS}
        self.valid = 0  # blocks [0, valid) are up to date
        self.size = 0
        self.version = -1  # the series' version it was repaired at


class OhlcvSeries:
    """Candles sorted by time. Use ``upsert`` for live data; read the ``t o h l c v`` views."""

    def __init__(self, capacity: int = 1024) -> None:
        self._cap = max(16, capacity)
        self._a: dict[str, np.ndarray] = {f: np.empty(self._cap) for f in FIELDS}
        self._n = 0
        self.interval = 60.0  # seconds between candles
        self.version = 0  # bumps on every change (caches key on it)
        self.generation = 0  # bumps when the whole history is replaced by ``set``
        self._levels: list[_Level] = []
        self._lo = np.inf
        self._hi = -np.inf
        self._vmax = 0.0
        self._extremes_dirty = False

    # ---- data access -------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def _view(self, f: str) -> np.ndarray:
        return self._a[f][: self._n]

    t = property(lambda self: self._view("t"))
    o = property(lambda self: self._view("o"))
    h = property(lambda self: self._view("h"))
    l = property(lambda self: self._view("l"))  # noqa: E741
    c = property(lambda self: self._view("c"))
    v = property(lambda self: self._view("v"))

    def row(self, i: int) -> tuple[float, float, float, float, float, float]:
        a = self._a
        return (float(a["t"][i]), float(a["o"][i]), float(a["h"][i]), float(a["l"][i]), float(a["c"][i]),
                float(a["v"][i]))

    # ---- mutation ----------------------------------------------------------------------------------------------
    def set(self, t: np.ndarray, o: np.ndarray, h: np.ndarray, l: np.ndarray, c: np.ndarray,  # noqa: E741
            v: np.ndarray, interval: float | None = None) -> None:
        cols = [np.asarray(x, dtype=np.float64) for x in (t, o, h, l, c, v)]
        n = len(cols[0])
        if any(len(x) != n for x in cols):
            raise ValueError("OHLCV arrays must have the same length")
        if n > 1 and np.any(cols[0][1:] <= cols[0][:-1]):  # no np.diff: one byte a candle, not eight
            raise ValueError("candle times must be strictly increasing")
        self._cap = max(16, 1 << int(np.ceil(np.log2(max(n, 1) * 1.25 + 1))))
        self._a = {}
        for f, col in zip(FIELDS, cols):
            arr = np.empty(self._cap)
            arr[:n] = col
            self._a[f] = arr
        self._n = n
        if interval is not None:
            self.interval = float(interval)
        elif n > 1:
            self.interval = float(np.min(np.diff(cols[0][-min(n, 200):])))
        self._levels = []
        self._extremes_dirty = True
        self.version += 1
        self.generation += 1

    def upsert(self, t: float, o: float, h: float, l: float, c: float, v: float) -> bool:  # noqa: E741
        """Append if ``t`` is newer than the last candle, replace the last one if equal. True if appended."""
        n = self._n
        if n and t < self._a["t"][n - 1]:
            raise ValueError("candle is older than the last one")
        appended = bool(not n or t > self._a["t"][n - 1])
        if appended:
            if n == self._cap:
                self._grow()
            i = n
            self._n = n + 1
        else:
            i = n - 1
            old_h, old_l, old_v = self._a["h"][i], self._a["l"][i], self._a["v"][i]
            if (old_h >= self._hi and h < old_h) or (old_l <= self._lo and l > old_l) or (
                    old_v >= self._vmax and v < old_v):
                self._extremes_dirty = True
        for f, val in zip(FIELDS, (t, o, h, l, c, v)):
            self._a[f][i] = val
        if not self._extremes_dirty:
            self._lo = min(self._lo, l)
            self._hi = max(self._hi, h)
            self._vmax = max(self._vmax, v)
        for k, lv in enumerate(self._levels, start=1):
            lv.valid = min(lv.valid, i >> k)
        self.version += 1
        return appended

    def _grow(self) -> None:
        self._cap *= 2
        for f in FIELDS:
            arr = np.empty(self._cap)
            arr[: self._n] = self._a[f][: self._n]
            self._a[f] = arr

    # ---- queries -----------------------------------------------------------------------------------------------
    def _extremes(self) -> None:
        if self._extremes_dirty:
            if self._n:
                self._lo = float(self.l.min())
                self._hi = float(self.h.max())
                self._vmax = float(self.v.max())
            else:
                self._lo, self._hi, self._vmax = np.inf, -np.inf, 0.0
            self._extremes_dirty = False

    def price_range(self) -> tuple[float, float]:
        """Global (low, high), cached and kept up to date incrementally."""
        self._extremes()
        return self._lo, self._hi

    def volume_max(self) -> float:
        self._extremes()
        return self._vmax

    def visible_slice(self, x0: float, x1: float) -> tuple[int, int]:
        """Index range [i0, i1) of candles whose body may intersect [x0, x1] (one candle of margin each side)."""
        t = self.t
        i0 = int(np.searchsorted(t, x0 - self.interval, side="left"))
        i1 = int(np.searchsorted(t, x1 + self.interval, side="right"))
        return i0, i1

    def index_at(self, x: float) -> int:
        """Index of the candle nearest to time ``x`` (-1 when empty)."""
        n = self._n
        if not n:
            return -1
        t = self.t
        i = int(np.searchsorted(t, x))
        if i >= n:
            return n - 1
        if i > 0 and x - t[i - 1] < t[i] - x:
            return i - 1
        return i

    def level(self, k: int) -> dict[str, np.ndarray]:
        """Arrays for blocks of 2**k candles: t/o of the first, h max, l min, c of the last, v max. k=0 is raw."""
        if k <= 0:
            return {f: self._view(f) for f in FIELDS}
        while len(self._levels) < k:
            self._levels.append(_Level())
        for j in range(1, k + 1):
            lv = self._levels[j - 1]
            if lv.version != self.version:  # (its last, partial block was repaired again at every read)
                self._repair(j)
                lv.version = self.version
        lv = self._levels[k - 1]
        return {f: lv.arrays[f][: lv.size] for f in FIELDS}

    def _repair(self, k: int) -> None:
        lv = self._levels[k - 1]
        prev = self.level(0) if k == 1 else {f: a[: self._levels[k - 2].size]
                                              for f, a in self._levels[k - 2].arrays.items()}
        m = len(prev["t"])
        size = (m + 1) // 2
        j0 = min(lv.valid, size)
        if j0 == size and lv.size == size:
            return
        if len(lv.arrays["t"]) < size:
            cap = max(16, size * 2)
            for f in FIELDS:
                arr = np.empty(cap)
                arr[:j0] = lv.arrays[f][:j0]
                lv.arrays[f] = arr
        s = 2 * j0
        starts = np.arange(0, m - s, 2)
        last = np.minimum(starts + 1, m - s - 1) + s
        a = lv.arrays
        a["t"][j0:size] = prev["t"][s::2]
        a["o"][j0:size] = prev["o"][s::2]
        a["c"][j0:size] = prev["c"][last]
        a["h"][j0:size] = np.maximum.reduceat(prev["h"][s:], starts)
        a["l"][j0:size] = np.minimum.reduceat(prev["l"][s:], starts)
        a["v"][j0:size] = np.maximum.reduceat(prev["v"][s:], starts)
        # the last block may be partial (or the live candle): it stays dirty so the next change repairs it
        lv.size = size
        lv.valid = max(size - 1, 0)

"""A columnar series of fixed-length bars (1s or 1m) in exact integer units, plus the live bar.

Prices are in ticks, quantities in steps, quote amounts in tick*step units, so aggregation is exact.
One row is an int64 vector indexed by the column constants below.
"""
from __future__ import annotations

import numpy as np

OT, O, H, L, C, V, Q, N, TBV, TBQ, FID, LID = range(12)
NCOLS = 12


def flat_rows(first_open: int, count: int, bucket_ms: int, close: int) -> np.ndarray:
    """``count`` bars without trades: every price at ``close``, no volume, no trade ids."""
    rows = np.zeros((count, NCOLS), dtype=np.int64)
    rows[:, OT] = first_open + np.arange(count, dtype=np.int64) * bucket_ms
    rows[:, O:C + 1] = close
    rows[:, FID] = -1
    rows[:, LID] = -1
    return rows


class BarSeries:
    """Closed bars in a growable int64 array, and the bar of the current bucket (never None once started)."""

    __slots__ = ("bucket_ms", "max_rows", "_arr", "_n", "live", "last_time")

    def __init__(self, bucket_ms: int, max_rows: int | None = None) -> None:
        self.bucket_ms = bucket_ms
        self.max_rows = max_rows
        self._arr = np.zeros((1024, NCOLS), dtype=np.int64)
        self._n = 0
        self.live: np.ndarray | None = None
        self.last_time = 0

    # ---- reading -----------------------------------------------------------------------------------
    @property
    def closed(self) -> np.ndarray:
        """A read-only view of the closed bars, oldest first."""
        view = self._arr[:self._n]
        view.flags.writeable = False
        return view

    def __len__(self) -> int:
        return self._n

    @property
    def last_close(self) -> int | None:
        if self.live is not None:
            return int(self.live[C])
        return int(self._arr[self._n - 1, C]) if self._n else None

    # ---- writing -----------------------------------------------------------------------------------
    def extend(self, rows: np.ndarray) -> None:
        """Append closed bars (must continue the series without overlap)."""
        if len(rows) == 0:
            return
        need = self._n + len(rows)
        if need > len(self._arr):
            cap = need + max(need // 8, 1024)  # modest headroom: 28 days of 1m bars are ~4 MB
            grown = np.zeros((cap, NCOLS), dtype=np.int64)
            grown[:self._n] = self._arr[:self._n]
            self._arr = grown
        self._arr[self._n:need] = rows
        self._n = need
        if self.max_rows is not None and self._n > 2 * self.max_rows:
            keep = self._arr[self._n - self.max_rows:self._n].copy()
            self._arr[:self.max_rows] = keep
            self._n = self.max_rows

    def start(self, now_ms: int, close: int) -> None:
        """Open the live bar of ``now_ms``'s bucket, flat at ``close`` (used once history is loaded)."""
        open_ms = now_ms // self.bucket_ms * self.bucket_ms
        self.live = flat_rows(open_ms, 1, self.bucket_ms, close)[0]
        self.last_time = max(self.last_time, now_ms)

    def roll(self, now_ms: int) -> None:
        """Close the live bar if ``now_ms`` is past it, filling bars without trades up to now."""
        if now_ms > self.last_time:
            self.last_time = now_ms
        live = self.live
        if live is None:
            return
        bucket = self.bucket_ms
        open_ms = now_ms // bucket * bucket
        live_open = int(live[OT])
        if open_ms <= live_open:
            return
        close = int(live[C])
        self.extend(live[None, :])
        gap = (open_ms - live_open) // bucket - 1
        if gap > 0:
            self.extend(flat_rows(live_open + bucket, gap, bucket, close))
        self.live = flat_rows(open_ms, 1, bucket, close)[0]

    def add_trade(self, time_ms: int, price: int, qty: int, quote: int, trade_id: int, taker_buy: bool) -> None:
        if self.live is None:
            self.start(time_ms, price)
        self.roll(time_ms)
        live = self.live
        assert live is not None
        if live[N] == 0:
            live[O] = live[H] = live[L] = price
            live[FID] = trade_id
        else:
            if price > live[H]:
                live[H] = price
            if price < live[L]:
                live[L] = price
        live[C] = price
        live[V] += qty
        live[Q] += quote
        live[N] += 1
        if taker_buy:
            live[TBV] += qty
            live[TBQ] += quote
        if trade_id > live[LID]:
            live[LID] = trade_id

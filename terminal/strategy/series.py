"""Bars a strategy can see, and indicators over them.

In a backtest the whole history is loaded up front and ``n`` (the number of visible bars) advances one bar at a
time; indicators are computed once over the whole history and read at the cursor, so indicator functions must be
causal (the value at bar i depends only on bars <= i; sma/ema/bollinger/rsi are). Live, bars are appended and an
indicator is recomputed lazily the first time it is read after a new bar: the same strategy code sees the same
numbers both ways.
"""
from __future__ import annotations

from array import array
from decimal import Decimal
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..model import Interval

COLUMNS = ("open", "high", "low", "close", "volume")


class BarSeries:
    """OHLCV columns as float64 arrays plus ``open_time`` (epoch ms, int64). Bars ``[0, n)`` are visible."""

    __slots__ = ("open_time", "cols", "size", "n")

    def __init__(self, capacity: int = 1024) -> None:
        self.open_time = np.zeros(capacity, np.int64)
        self.cols: dict[str, np.ndarray] = {c: np.zeros(capacity) for c in COLUMNS}
        self.size = 0  # bars stored
        self.n = 0  # bars visible

    @classmethod
    def from_arrays(cls, open_time: np.ndarray, open_: np.ndarray, high: np.ndarray, low: np.ndarray,
                    close: np.ndarray, volume: np.ndarray) -> "BarSeries":
        s = cls(0)
        s.open_time = np.ascontiguousarray(open_time, dtype=np.int64)
        s.cols = {c: np.ascontiguousarray(a, dtype=np.float64)
                  for c, a in zip(COLUMNS, (open_, high, low, close, volume))}
        s.size = len(s.open_time)
        return s

    def append(self, open_time: int, open_: float, high: float, low: float, close: float, volume: float) -> None:
        """Add a bar at the end and make everything visible (live use)."""
        if self.size and open_time <= int(self.open_time[self.size - 1]):
            raise ValueError(f"bar at {open_time} is not after the last bar ({int(self.open_time[self.size - 1])})")
        if self.size == len(self.open_time):
            cap = max(16, 2 * self.size)
            self.open_time = np.resize(self.open_time, cap)
            self.cols = {c: np.resize(a, cap) for c, a in self.cols.items()}
        i = self.size
        self.open_time[i] = open_time
        for c, v in zip(COLUMNS, (open_, high, low, close, volume)):
            self.cols[c][i] = v
        self.size = self.n = i + 1

    def column(self, name: str, full: bool = False) -> np.ndarray:
        try:
            arr = self.cols[name]
        except KeyError:
            raise KeyError(f"no column {name!r}; columns: {', '.join(COLUMNS)}") from None
        return arr[: self.size if full else self.n]

    def frame(self, last: int | None = None) -> pd.DataFrame:
        lo = 0 if last is None else max(0, self.n - last)
        idx = pd.to_datetime(self.open_time[lo:self.n], unit="ms")
        return pd.DataFrame({c: self.cols[c][lo:self.n] for c in COLUMNS}, index=idx)


class Indicator:
    """An indicator read at the current bar: ``ind[-1]`` is the current value, ``ind[-2]`` the previous one."""

    __slots__ = ("name", "_fn", "_args", "_source", "_series", "_values", "_list", "_upto")

    def __init__(self, name: str, fn: Callable[..., Any], args: tuple[Any, ...], source: str,
                 series: BarSeries) -> None:
        self.name = name
        self._fn = fn
        self._args = args
        self._source = source
        self._series = series
        self._values = np.empty(0)
        # the values for reading one at a time, made on the first read: a memoryview of the values' array (its
        # items read as Python floats, as an array('d')'s do, without copying the array: 8 MB at a million bars)
        # instead of a list of float objects, which is built many times slower and, as a container of a million
        # objects, is walked by every full garbage collection while it lives
        self._list: "array[float] | memoryview | None" = array("d")
        self._upto = -1

    def compute(self, full: bool = False) -> None:
        """(Re)compute over the visible bars, or over every stored bar (backtests, causal functions only).

        An argument that is an ``Indicator`` (of the same series) is passed as its values over the same bars:
        an indicator of indicators reuses their arrays instead of computing them again."""
        src = self._series.column(self._source, full=full)
        args = self._args
        if any(type(a) is Indicator for a in args):
            args = tuple(a._over(len(src), full) if type(a) is Indicator else a for a in args)
        values = np.asarray(self._fn(src, *args), dtype=np.float64)
        if values.shape != src.shape:
            raise ValueError(f"indicator {self.name} returned shape {values.shape}, expected {src.shape}")
        self._values = values
        self._list = None  # built on the first read: many indicators only feed others or are never read
        self._upto = len(src)

    def _over(self, length: int, full: bool) -> np.ndarray:
        """The values over the first ``length`` bars (computed now if they are not)."""
        if self._upto != length:
            self.compute(full)
        return self._values[:length]

    def __getitem__(self, k: int) -> float:  # read once per bar by most strategies: keep it lean
        n = self._series.n
        if self._upto < n:
            self.compute()
        if k < 0:
            j = n + k
            if j >= 0:
                try:
                    return self._list[j]  # type: ignore[index]
                except TypeError:  # not built yet
                    return self._floats()[j]
        raise IndexError(f"indicator {self.name}: index {k} (use -1 for the current bar, -2 for the previous...)")

    def _floats(self) -> "array[float] | memoryview":
        if self._list is None:
            # compute() replaces the array, never writes into it: the view reads what was computed
            self._list = memoryview(np.ascontiguousarray(self._values, dtype=np.float64))  # type: ignore[arg-type]
        return self._list

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        state = {name: getattr(self, name) for name in self.__slots__}
        state["_list"] = None  # a memoryview does not pickle: made again on the first read
        return None, state

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        for name, value in state[1].items():
            setattr(self, name, value)

    @property
    def values(self) -> np.ndarray:
        n = self._series.n
        if self._upto < n:
            self.compute()
        return self._values[:n]

    @property
    def warmup(self) -> int:
        """Index of the first non-NaN value (backtesting.py's warm-up rule), over what has been computed."""
        values = self._values
        if not len(values):
            return 0
        # the first non-NaN value is almost always near the start: look there before reading the whole array (the
        # first False of isnan over a prefix that has one is the first False over the whole; all NaN gives 0)
        head = np.isnan(values[:4096])
        return int(head.argmin()) if not head.all() else int(np.isnan(values).argmin())

    def crossed_above(self, other: "Indicator | float") -> bool:
        """True when this was below ``other`` on the previous bar and is above it now (strict, as backtesting.py)."""
        return self._crossed(other, up=True)

    def crossed_below(self, other: "Indicator | float") -> bool:
        """True when this was above ``other`` on the previous bar and is below it now (strict)."""
        return self._crossed(other, up=False)

    def _crossed(self, other: "Indicator | float", up: bool) -> bool:
        n = self._series.n
        if n < 2:
            return False
        if self._upto < n:
            self.compute()
        a = self._floats()
        if isinstance(other, Indicator):
            if other._upto < n:
                other.compute()
            b = other._floats()
            before, now = b[n - 2], b[n - 1]
        else:
            before = now = other
        if up:
            return a[n - 2] < before and a[n - 1] > now
        return a[n - 2] > before and a[n - 1] < now


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


class BarView:
    """The current bar of a backtest, read lazily (a Bar-like object reused bar after bar: no per-bar allocation).

    Exposes the fields of ``terminal.model.Bar`` (Decimal prices); live, strategies get real ``Bar`` events.
    """

    __slots__ = ("symbol", "interval", "_s")

    def __init__(self, symbol: str, interval: Interval | None, series: BarSeries) -> None:
        self.symbol = symbol
        self.interval = interval
        self._s = series

    @property
    def i(self) -> int:
        """Index of the current bar: the last visible one (the engine only moves the series' cursor)."""
        return self._s.n - 1

    open_time = property(lambda self: int(self._s.open_time[self.i]))
    open = property(lambda self: _dec(self._s.cols["open"][self.i]))
    high = property(lambda self: _dec(self._s.cols["high"][self.i]))
    low = property(lambda self: _dec(self._s.cols["low"][self.i]))
    close = property(lambda self: _dec(self._s.cols["close"][self.i]))
    volume = property(lambda self: _dec(self._s.cols["volume"][self.i]))
    closed = True

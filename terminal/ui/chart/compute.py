"""Indicator values over a growing series, repaired incrementally (plain numpy, no Qt).

``IndicatorCache.get(kind, output)`` computes an indicator over the whole history once, then recomputes only the
candles that changed since the last call: the live candle (replaced many times a second) or the ones appended.
Recursive indicators (EMA, RSI's Wilder averages, MACD) keep the state they need in extra arrays, so a live update
costs O(window) at most, never O(history). Values equal the full computations of ``terminal.strategy.indicators``.
"""
from __future__ import annotations

import numpy as np

from terminal.strategy import indicators
from terminal.ui.chart.indicator import IndicatorSpec, source_values
from terminal.ui.chart.series import OhlcvSeries

OUTPUTS: dict[str, tuple[str, ...]] = {"sma": ("value",), "ema": ("value",), "bb": ("mid", "upper", "lower"),
                                       "rsi": ("value",), "macd": ("macd", "signal", "hist")}
_NAN = float("nan")


def _ema_step(a: np.ndarray, x: np.ndarray, base: int, j: int, w: int, start: int = 0) -> None:
    """EMA of ``x`` (x[i - base] is the value at candle i) whose first value is at candle ``start + w - 1``."""
    first = start + w - 1
    if j == first:
        a[j] = x[start - base: j + 1 - base].mean()
    elif j > first and np.isfinite(a[j - 1]):
        alpha = 2.0 / (w + 1.0)
        a[j] = alpha * x[j - base] + (1 - alpha) * a[j - 1]
    else:
        a[j] = _NAN


def full(spec: IndicatorSpec, series: OhlcvSeries) -> dict[str, np.ndarray]:
    """Every output (and internal state array, named ``_...``) over the whole series."""
    x = source_values(series, spec.source)
    if spec.kind == "sma":
        return {"value": indicators.sma(x, spec.period)}
    if spec.kind == "ema":
        return {"value": indicators.ema(x, spec.period)}
    if spec.kind == "bb":
        mid, upper, lower = indicators.bollinger(x, spec.period, spec.k)
        return {"mid": mid, "upper": upper, "lower": lower}
    if spec.kind == "rsi":
        return _rsi_full(x, spec.period)
    if spec.kind == "macd":
        fast, slow = indicators.ema(x, spec.fast), indicators.ema(x, spec.slow)
        line = fast - slow
        signal = np.full(len(x), np.nan)
        if len(x) >= spec.slow:
            signal[spec.slow - 1:] = indicators.ema(line[spec.slow - 1:], spec.signal)
        return {"macd": line, "signal": signal, "hist": line - signal, "_fast": fast, "_slow": slow}
    raise ValueError(f"unknown indicator {spec.kind!r}")


def _rsi_full(x: np.ndarray, w: int) -> dict[str, np.ndarray]:
    n = len(x)
    out, ag, al = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    if n > w:
        delta = np.diff(x)
        gains, losses = np.clip(delta, 0, None), np.clip(-delta, 0, None)
        g, lo = float(gains[:w].mean()), float(losses[:w].mean())
        ag[w], al[w] = g, lo
        gl, ll = gains.tolist(), losses.tolist()
        for i in range(w + 1, n):
            g = (g * (w - 1) + gl[i - 1]) / w
            lo = (lo * (w - 1) + ll[i - 1]) / w
            ag[i], al[i] = g, lo
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(al == 0, 100.0, 100.0 - 100.0 / (1.0 + ag / al))
        out[:w] = np.nan
    return {"value": out, "_gain": ag, "_loss": al}


def lookback(spec: IndicatorSpec) -> int:
    """Candles before ``j`` that a tail update of candle ``j`` reads."""
    return (spec.slow + spec.signal if spec.kind == "macd" else spec.period) + 1


def tail(spec: IndicatorSpec, a: dict[str, np.ndarray], series: OhlcvSeries, j0: int, n: int) -> None:
    """Recompute candles ``[j0, n)`` from the source and the final values before ``j0``."""
    base = max(0, j0 - lookback(spec))
    x = source_values(series, spec.source, base)
    w = spec.period
    for j in range(j0, n):
        if spec.kind == "sma":
            a["value"][j] = x[j - w + 1 - base: j + 1 - base].mean() if j >= w - 1 else _NAN
        elif spec.kind == "ema":
            _ema_step(a["value"], x, base, j, w)
        elif spec.kind == "bb":
            if j >= w - 1:
                win = x[j - w + 1 - base: j + 1 - base]
                m, sd = win.mean(), win.std()
                a["mid"][j], a["upper"][j], a["lower"][j] = m, m + spec.k * sd, m - spec.k * sd
            else:
                a["mid"][j] = a["upper"][j] = a["lower"][j] = _NAN
        elif spec.kind == "rsi":
            _rsi_step(a, x, base, j, w)
        elif spec.kind == "macd":
            _ema_step(a["_fast"], x, base, j, spec.fast)
            _ema_step(a["_slow"], x, base, j, spec.slow)
            a["macd"][j] = a["_fast"][j] - a["_slow"][j]
            line = a["macd"][: j + 1]
            _ema_step(a["signal"], line, 0, j, spec.signal, start=spec.slow - 1)
            a["hist"][j] = a["macd"][j] - a["signal"][j]


def _rsi_step(a: dict[str, np.ndarray], x: np.ndarray, base: int, j: int, w: int) -> None:
    ag, al = a["_gain"], a["_loss"]
    if j < w:
        ag[j] = al[j] = a["value"][j] = _NAN
        return
    if j == w:
        delta = np.diff(x[: w + 1])  # j0 <= w, so the source starts at candle 0 (base 0)
        ag[j], al[j] = np.clip(delta, 0, None).mean(), np.clip(-delta, 0, None).mean()
    else:
        d = x[j - base] - x[j - 1 - base]
        ag[j] = (ag[j - 1] * (w - 1) + max(d, 0.0)) / w
        al[j] = (al[j - 1] * (w - 1) + max(-d, 0.0)) / w
    a["value"][j] = 100.0 if al[j] == 0 else 100.0 - 100.0 / (1.0 + ag[j] / al[j])


class _Entry:
    __slots__ = ("spec", "arrays", "generation", "version", "valid")

    def __init__(self, spec: IndicatorSpec) -> None:
        self.spec = spec
        self.arrays: dict[str, np.ndarray] = {}
        self.generation = -1
        self.version = -1
        self.valid = 0  # values [0, valid) are final (the last candle is always recomputed)


class IndicatorCache:
    """Values for the active specs (one per kind), kept in step with the series on demand."""

    def __init__(self, series: OhlcvSeries) -> None:
        self.series = series
        self._entries: dict[str, _Entry] = {}

    def set_specs(self, specs: list[IndicatorSpec]) -> None:
        """Keep the values of unchanged specs; changed or new ones are computed at the next ``get``."""
        entries = {}
        for spec in specs:
            old = self._entries.get(spec.kind)
            entries[spec.kind] = old if old is not None and _same_values(old.spec, spec) else _Entry(spec)
            entries[spec.kind].spec = spec
        self._entries = entries

    def get(self, kind: str, output: str) -> np.ndarray:
        """Output ``output`` of the ``kind`` indicator (see ``OUTPUTS``), as long as the series."""
        e = self._entries[kind]
        self._sync(e)
        return e.arrays[output][: len(self.series)]

    def has(self, kind: str) -> bool:
        return kind in self._entries

    def _sync(self, e: _Entry) -> None:
        s = self.series
        if s.generation != e.generation:
            cols = full(e.spec, s)
            cap = max(16, 2 * len(s))
            e.arrays = {}
            for name, col in cols.items():
                arr = np.full(cap, np.nan)
                arr[: len(col)] = col
                e.arrays[name] = arr
            e.generation = s.generation
            e.valid = max(len(s) - 1, 0)
        elif s.version != e.version:
            n = len(s)
            if n > len(next(iter(e.arrays.values()))):
                for name, arr in e.arrays.items():
                    grown = np.full(max(16, 2 * n), np.nan)
                    grown[: len(arr)] = arr
                    e.arrays[name] = grown
            tail(e.spec, e.arrays, s, min(e.valid, n), n)
            e.valid = max(n - 1, 0)
        e.version = s.version


def _same_values(a: IndicatorSpec, b: IndicatorSpec) -> bool:
    """Specs that differ only in colour share their values."""
    return (a.kind, a.period, a.source, a.k, a.fast, a.slow, a.signal) == (b.kind, b.period, b.source, b.k, b.fast,
                                                                           b.slow, b.signal)

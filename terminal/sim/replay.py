"""Replay klines from a CSV file: the first bars become the history, the rest drive the fair price live.

Accepted columns (case-insensitive, any order, extra columns ignored): a time column named ``open_time``,
``date``, ``time`` or ``timestamp`` (epoch s, ms or µs, or an ISO date/time, UTC when naive), and ``open``,
``high``, ``low``, ``close``, ``volume``. Bars must be strictly increasing in time, at a period that is a
whole number of minutes (1m, 5m, 1h, 1d...). Bars longer than a minute are expanded into 1m bars that keep
the bar's open, high, low, close and volume exactly.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from .bars import C, FID, H, L, LID, N, NCOLS, O, OT, Q, TBQ, TBV, V, flat_rows
from .path import PricePath
from .symbols import SymbolSpec

MINUTE_MS = 60_000
TIME_COLUMNS = ("open_time", "date", "time", "timestamp", "datetime")
PRICE_COLUMNS = ("open", "high", "low", "close", "volume")


class ReplayError(ValueError):
    """A CSV file that cannot be replayed; the message says which file, line and column."""


@dataclass(frozen=True, slots=True)
class CsvBar:
    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


def _parse_time(text: str, where: str) -> int:
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        try:
            stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ReplayError(f"{where}: {text!r} is neither an epoch time nor an ISO date/time") from None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.timezone.utc)
        return int(stamp.timestamp() * 1000)
    if value > 1e14:  # microseconds
        return int(value // 1000)
    if value > 1e11:  # milliseconds
        return int(value)
    return int(value * 1000)  # seconds


def load_kline_csv(path: str | Path) -> list[CsvBar]:
    """Read and check a kline CSV. Raises ``ReplayError`` with a precise message for a bad file."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ReplayError(f"{path}: cannot open ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise ReplayError(f"{path}: the file is empty (expected a header line)")
        names = [h.strip().lower() for h in header]
        time_col = next((names.index(c) for c in TIME_COLUMNS if c in names), None)
        missing = [c for c in PRICE_COLUMNS if c not in names]
        if time_col is None:
            missing.insert(0, "open_time (or date/time/timestamp)")
        if missing or time_col is None:
            raise ReplayError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(names)}")
        cols = [names.index(c) for c in PRICE_COLUMNS]
        bars: list[CsvBar] = []
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            where = f"{path}:{line_no}"
            if len(row) < len(names):
                raise ReplayError(f"{where}: {len(row)} fields, the header has {len(names)}")
            t = _parse_time(row[time_col], where)
            values = []
            for name, i in zip(PRICE_COLUMNS, cols):
                try:
                    d = Decimal(row[i].strip())
                except InvalidOperation:
                    raise ReplayError(f"{where}: {name} {row[i]!r} is not a number") from None
                if not d.is_finite() or d < 0 or (name != "volume" and d == 0):
                    raise ReplayError(f"{where}: {name} {row[i]!r} must be a positive number")
                values.append(d)
            o, h, lo, c, v = values
            if h < max(o, c, lo) or lo > min(o, c):
                raise ReplayError(f"{where}: inconsistent bar (high {h}, low {lo} must enclose open {o} and close {c})")
            if bars and t <= bars[-1].open_time:
                raise ReplayError(f"{where}: time {row[time_col].strip()} is not after the previous bar's; "
                                  "sort the file by time and remove duplicates")
            bars.append(CsvBar(t, o, h, lo, c, v))
    if not bars:
        raise ReplayError(f"{path}: no bars after the header")
    return bars


def bar_period_ms(bars: list[CsvBar]) -> int:
    """The bar length: the smallest gap between bars, which must be a whole number of minutes."""
    if len(bars) < 2:
        return MINUTE_MS
    period = int(np.diff(np.array([b.open_time for b in bars], dtype=np.int64)).min())
    if period < MINUTE_MS or period % MINUTE_MS:
        raise ReplayError(f"bars are {period} ms apart; replay needs a whole number of minutes (1m, 5m, 1h, ...)")
    return period


def _waypoints(o: float, h: float, lo: float, c: float) -> tuple[float, float, float, float]:
    """The in-bar route: open, first extreme, second extreme, close (the low first on an up bar)."""
    return (o, lo, h, c) if c >= o else (o, h, lo, c)


def _route(o: float, h: float, lo: float, c: float, f: float) -> float:
    pts = _waypoints(o, h, lo, c)
    x = min(max(f, 0.0), 1.0) * 3.0
    i = min(int(x), 2)
    return pts[i] + (pts[i + 1] - pts[i]) * (x - i)


def expand_bars(ticks: np.ndarray, steps: np.ndarray, times: np.ndarray, period_ms: int,
                trade_steps: float) -> np.ndarray:
    """1m rows from bars (OHLC in ticks, volume in steps), exact in OHLC and volume per bar; gaps are flat."""
    m = period_ms // MINUTE_MS
    if m == 1 and len(times) and bool((np.diff(times // MINUTE_MS) == 1).all()):
        return _minute_bars(ticks, steps, times, trade_steps)  # the common case, vectorised
    out: list[np.ndarray] = []
    prev_close: int | None = None
    for j in range(len(ticks)):
        o, h, lo, c = (int(x) for x in ticks[j])
        t0 = int(times[j]) // MINUTE_MS * MINUTE_MS
        if out and prev_close is not None:
            expected = int(out[-1][-1, OT]) + MINUTE_MS
            if t0 > expected:
                out.append(flat_rows(expected, (t0 - expected) // MINUTE_MS, MINUTE_MS, prev_close))
        rows = np.zeros((m, NCOLS), dtype=np.int64)
        rows[:, OT] = t0 + np.arange(m, dtype=np.int64) * MINUTE_MS
        if m == 1:
            rows[0, O:C + 1] = (o, h, lo, c)
        else:
            f = np.arange(1, m + 1) / m
            closes = np.array([round(_route(o, h, lo, c, x)) for x in f], dtype=np.int64)
            closes[-1] = c
            opens = np.concatenate(([o], closes[:-1]))
            rows[:, O], rows[:, C] = opens, closes
            rows[:, H] = np.maximum(opens, closes)
            rows[:, L] = np.minimum(opens, closes)
            first, second = (lo, h) if c >= o else (h, lo)
            for value, frac in ((first, 1 / 3), (second, 2 / 3)):
                k = min(m - 1, int(frac * m))
                rows[k, H] = max(rows[k, H], value)
                rows[k, L] = min(rows[k, L], value)
        vol = int(steps[j])
        share = np.full(m, vol // m, dtype=np.int64)
        share[:vol % m] += 1
        rows[:, V] = share
        vwap = np.clip((rows[:, O] + rows[:, H] + rows[:, L] + rows[:, C]) // 4, rows[:, L], rows[:, H])
        rows[:, Q] = share * vwap
        rows[:, N] = np.where(share > 0, np.clip(np.rint(share / trade_steps), 1, None), 0)
        rows[:, TBV] = share // 2
        rows[:, TBQ] = rows[:, TBV] * vwap
        rows[:, FID] = -1
        rows[:, LID] = -1
        out.append(rows)
        prev_close = c
    return np.concatenate(out) if out else np.empty((0, NCOLS), dtype=np.int64)


def _minute_bars(ticks: np.ndarray, steps: np.ndarray, times: np.ndarray, trade_steps: float) -> np.ndarray:
    rows = np.zeros((len(ticks), NCOLS), dtype=np.int64)
    rows[:, OT] = times // MINUTE_MS * MINUTE_MS
    rows[:, O:C + 1] = ticks
    rows[:, V] = steps
    vwap = np.clip((rows[:, O] + rows[:, H] + rows[:, L] + rows[:, C]) // 4, rows[:, L], rows[:, H])
    rows[:, Q] = steps * vwap
    rows[:, N] = np.where(steps > 0, np.clip(np.rint(steps / trade_steps), 1, None), 0)
    rows[:, TBV] = steps // 2
    rows[:, TBQ] = rows[:, TBV] * vwap
    rows[:, FID] = -1
    rows[:, LID] = -1
    return rows


class ReplayPath:
    """A fair price that walks through bars (open -> extremes -> close) at ``speed`` x real time.

    After the last bar it continues as a ``PricePath`` from the last close.
    """

    def __init__(self, bars: list[tuple[float, float, float, float]], period_ms: int, speed: float,
                 spec: SymbolSpec, seed: int, index: int, start: float) -> None:
        if speed <= 0:
            raise ValueError("replay speed must be positive")
        self._bars = bars
        self._period = period_ms
        self._speed = speed
        self._t = 0.0
        self._price = start
        self._impact = 0.0
        self._tail = PricePath(seed, index, Decimal(repr(bars[-1][3] if bars else start)), spec.volatility)

    @property
    def finished(self) -> bool:
        return self._t >= len(self._bars) * self._period

    @property
    def price(self) -> float:
        return self._price * math.exp(self._impact)

    def advance(self, dt_ms: int) -> float:
        if dt_ms > 0:
            self._t += dt_ms * self._speed
            self._impact *= math.exp(-dt_ms / 30_000)
        i = int(self._t // self._period)
        if i < len(self._bars):
            self._price = _route(*self._bars[i], (self._t - i * self._period) / self._period)
        else:
            self._price = self._tail.advance(dt_ms)
        return self.price

    def nudge(self, target: float, weight: float) -> float:
        if target > 0 and 0 < weight <= 1:
            self._impact += weight * (math.log(target) - math.log(self.price))
        return self.price


def replay_history(spec: SymbolSpec, bars: list[CsvBar], now_ms: int, speed: float, fraction: float,
                   seed: int, index: int) -> tuple[np.ndarray, ReplayPath]:
    """1m history rows from the first ``fraction`` of ``bars`` (moved to end at ``now_ms``) and the live path."""
    inst = spec.instrument
    period = bar_period_ms(bars)
    count = min(len(bars), max(1, int(round(len(bars) * fraction))))
    hist, rest = bars[:count], bars[count:]
    tick, step = inst.tick_size, inst.step_size

    def snap(x: Decimal) -> int:
        return max(1, int((x / tick).to_integral_value()))

    def ticks(b: CsvBar) -> tuple[int, int, int, int]:
        return snap(b.open), snap(b.high), snap(b.low), snap(b.close)

    tk = np.array([ticks(b) for b in hist], dtype=np.int64)
    st = np.array([int((b.volume / step).to_integral_value()) for b in hist], dtype=np.int64)
    live_minute = now_ms // MINUTE_MS * MINUTE_MS
    end = live_minute // period * period  # keep the bars aligned to their own period
    times = np.array([b.open_time for b in hist], dtype=np.int64)
    times = times - times[-1] - period + end
    trade_steps = max(1.0, float(spec.base_volume) / max(spec.trade_rate * 60.0, 1e-9) / float(step))
    rows = expand_bars(tk, st, times, period, trade_steps)
    if end < live_minute:  # the minutes since the last bar ended: quiet
        rows = np.concatenate((rows, flat_rows(end, (live_minute - end) // MINUTE_MS, MINUTE_MS, int(tk[-1, 3]))))
    tf = float(tick)
    live = [tuple(float(x) * tf for x in ticks(b)) for b in rest]
    path = ReplayPath(live, period, speed, spec, seed, index, start=float(tk[-1, 3]) * tf)  # type: ignore[arg-type]
    return rows, path

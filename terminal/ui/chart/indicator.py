"""Indicator settings: which indicator, its parameters, its source and colour (plain data, no Qt).

One spec per kind: SMA, EMA and Bollinger bands draw over the candles; RSI and MACD get a pane each below the
volume. Specs round-trip through plain dicts (``to_dict``/``from_dict``) so the choice can be saved per symbol;
anything unreadable in a saved dict falls back to the default rather than failing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from terminal.ui.chart.series import OhlcvSeries

KINDS: tuple[str, ...] = ("sma", "ema", "bb", "rsi", "macd")
PANE_KINDS = frozenset({"rsi", "macd"})  # drawn in a pane of their own; the others over the candles
SOURCES: tuple[str, ...] = ("close", "open", "high", "low", "hl2", "hlc3", "ohlc4")
NAMES = {"sma": "SMA", "ema": "EMA", "bb": "BB", "rsi": "RSI", "macd": "MACD"}
MAX_PERIOD = 500
# colours a user can pick (the theme's own colour is the default: ``color`` None)
SWATCHES: tuple[str, ...] = ("#f7c948", "#ff9800", "#ef5350", "#e91e63", "#9c6ade", "#2962ff", "#00bcd4",
                             "#26a69a", "#8bc34a", "#b2b5be")


@dataclass(frozen=True)
class IndicatorSpec:
    kind: str
    period: int = 20  # SMA/EMA/BB/RSI window
    source: str = "close"
    color: str | None = None  # None: the theme's colour for the kind
    k: float = 2.0  # Bollinger width in standard deviations
    fast: int = 12  # MACD
    slow: int = 26
    signal: int = 9

    @property
    def pane(self) -> bool:
        return self.kind in PANE_KINDS

    def title(self) -> str:
        """``SMA 20``, ``BB 20,2``, ``MACD 12,26,9``; the source is named when it is not the close."""
        name = NAMES[self.kind]
        if self.kind == "macd":
            text = f"{name} {self.fast},{self.slow},{self.signal}"
        elif self.kind == "bb":
            text = f"{name} {self.period},{self.k:g}"
        else:
            text = f"{name} {self.period}"
        return text if self.source == "close" else f"{text} {self.source}"

    def warmup(self) -> int:
        """Candles before the first value (the line is skipped when they are too thin to see)."""
        return self.slow + self.signal if self.kind == "macd" else self.period

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "source": self.source}
        if self.color is not None:
            out["color"] = self.color
        if self.kind == "macd":
            out.update(fast=self.fast, slow=self.slow, signal=self.signal)
        else:
            out["period"] = self.period
        if self.kind == "bb":
            out["k"] = self.k
        return out

    @classmethod
    def from_dict(cls, data: Any) -> "IndicatorSpec | None":
        """A spec from saved data, or None when the kind is unknown. Bad fields take their defaults."""
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            return None
        d = DEFAULTS[data["kind"]]
        period, fast, slow, signal = (_whole(data.get(name), getattr(d, name))
                                      for name in ("period", "fast", "slow", "signal"))
        if fast >= slow:
            fast, slow = d.fast, d.slow
        k = data.get("k", d.k)
        k = float(k) if isinstance(k, (int, float)) and not isinstance(k, bool) and 0 < k <= 10 else d.k
        source: str = data["source"] if data.get("source") in SOURCES else d.source
        color = data.get("color")
        color = color if isinstance(color, str) and _is_hex(color) else None
        return replace(d, period=period, fast=fast, slow=slow, signal=signal, k=k, source=source, color=color)


def _whole(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_PERIOD:
        return value
    return default


def _is_hex(text: str) -> bool:
    return len(text) == 7 and text[0] == "#" and all(ch in "0123456789abcdefABCDEF" for ch in text[1:])


DEFAULTS: dict[str, IndicatorSpec] = {
    "sma": IndicatorSpec("sma", period=20),
    "ema": IndicatorSpec("ema", period=50),
    "bb": IndicatorSpec("bb", period=20, k=2.0),
    "rsi": IndicatorSpec("rsi", period=14),
    "macd": IndicatorSpec("macd"),
}
DEFAULT_ON: tuple[str, ...] = ("sma", "ema")  # what a symbol without a saved choice shows


def default_specs() -> list[IndicatorSpec]:
    return [DEFAULTS[k] for k in DEFAULT_ON]


def specs_to_data(specs: list[IndicatorSpec]) -> list[dict[str, Any]]:
    return [s.to_dict() for s in specs]


def specs_from_data(data: Any) -> list[IndicatorSpec] | None:
    """Saved specs (one per kind, in the order of ``KINDS``), or None when ``data`` is not a list."""
    if not isinstance(data, list):
        return None
    by_kind: dict[str, IndicatorSpec] = {}
    for item in data:
        spec = IndicatorSpec.from_dict(item)
        if spec is not None:
            by_kind.setdefault(spec.kind, spec)
    return [by_kind[k] for k in KINDS if k in by_kind]


def source_values(series: OhlcvSeries, source: str, start: int = 0) -> np.ndarray:
    """The price an indicator reads, for candles ``[start, len)``."""
    o, h, l, c = (a[start:] for a in (series.o, series.h, series.l, series.c))  # noqa: E741
    if source == "close":
        return c
    if source == "open":
        return o
    if source == "high":
        return h
    if source == "low":
        return l
    if source == "hl2":
        return (h + l) / 2.0
    if source == "hlc3":
        return (h + l + c) / 3.0
    if source == "ohlc4":
        return (o + h + l + c) / 4.0
    raise ValueError(f"unknown source {source!r}")

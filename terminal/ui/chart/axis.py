"""Axes: prices at the instrument's decimals (no SI prefixes), times as dates (local time).

The price axis can be dragged to rescale the prices (down squeezes, up stretches, around the middle of the view;
the view stops fitting the candles by itself) and double-clicked to fit the visible candles again.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QGraphicsItem

from terminal.ui.chart.axispaint import LeanAxisPaint
from terminal.ui.chart.datetick import LeanDateTicks


def format_price(value: float, decimals: int) -> str:
    return f"{value:,.{max(decimals, 0)}f}"


def format_volume(value: float) -> str:
    """Compact volume: 1,234 / 12.3K / 4.56M (volume is a count, not a price, so a suffix is fine here)."""
    a = abs(value)
    if a >= 1e9:
        return f"{value / 1e9:.2f}B"
    if a >= 1e6:
        return f"{value / 1e6:.2f}M"
    if a >= 1e4:
        return f"{value / 1e3:.1f}K"
    if a >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def format_time(t_seconds: float, interval_s: float) -> str:
    """Candle open time in local time; seconds shown only for sub-minute candles, no clock for daily candles."""
    t = dt.datetime.fromtimestamp(t_seconds)
    if interval_s >= 86400:
        return t.strftime("%Y-%m-%d")
    if interval_s < 60:
        return t.strftime("%Y-%m-%d %H:%M:%S")
    return t.strftime("%Y-%m-%d %H:%M")


class _TickMemo(LeanAxisPaint):
    """``tickValues`` is asked by the axis and by the grids (their plot widths differ from the axis' length by a
    few pixels): the last few ranges' ticks are kept.

    The axis is also kept as a pixmap (``DeviceCoordinateCache``): pyqtgraph replays its QPicture (every tick
    label) at every frame, so a live candle that leaves the range alone paid the labels again; a changed range,
    style or size calls ``update()``, which drops the pixmap, and ``LeanAxisPaint`` redraws it."""

    _MEMO_KEPT = 4
    _memo: dict[tuple[float, float, float], Any]

    def _cache_pixmap(self) -> None:
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # type: ignore[attr-defined]

    def tickValues(self, minVal: float, maxVal: float, size: float) -> Any:
        key = (minVal, maxVal, size)
        memo: dict[tuple[float, float, float], Any] | None = self.__dict__.get("_memo")
        if memo is None:
            memo = {}
            self._memo = memo
        entry = memo.get(key)
        axis: Any = self
        dated = isinstance(self, pg.DateAxisItem)
        if entry is None:
            if dated or axis.logMode:
                levels = super().tickValues(minVal, maxVal, size)  # type: ignore[misc]
            else:
                levels = self._linear_ticks(minVal, maxVal, size)
            if len(memo) >= self._MEMO_KEPT:
                del memo[next(iter(memo))]
            # a date axis labels its ticks by the zoom level its tickValues chose: kept with them, and set again
            # when they are answered from here (else a range seen before another zoom level was labelled by that
            # level's formats, or not at all: its tickStrings finds no format for the spacing)
            entry = memo[key] = (levels, (axis.zoomLevel, axis.minSpacing) if dated else None)
        elif dated:
            axis.zoomLevel, axis.minSpacing = entry[1]
            axis.zoomLevel.utcOffset = axis.utcOffset
        return entry[0]

    def _linear_ticks(self, lo: float, hi: float, size: float) -> list[tuple[float, list[float]]]:
        """pyqtgraph's ``AxisItem.tickValues`` for a linear axis, with its ``np.isclose`` (rtol 0: ``|a - b| <=
        atol``) written out: isclose cost ~25 us per tick level, three levels per axis per changed range."""
        scale = self.scale  # type: ignore[attr-defined]
        lo, hi = sorted((lo, hi))
        lo *= scale
        hi *= scale
        ticks = []
        seen = np.array([])
        for spacing, offset in self.tickSpacing(lo, hi, size):  # type: ignore[attr-defined]
            start = (math.ceil((lo - offset) / spacing) * spacing) + offset
            num = int((hi - start) / spacing) + 1
            values = (np.arange(num) * spacing + start) / scale
            if len(seen):
                values = values[~(np.abs(seen - values[:, np.newaxis]) <= spacing / scale * 0.01).any(axis=-1)]
            seen = np.concatenate([seen, values])
            ticks.append((spacing / scale, values.tolist()))
        return ticks


SCALE_PER_PX = 0.006  # a 100 px drag on the price axis scales the range by e^0.6 (about 1.8x)


class PriceAxis(_TickMemo, pg.AxisItem):
    """Price ticks at ``decimals`` places with thousands separators and no SI prefix; drag to rescale, double-click
    to fit."""

    def __init__(self, orientation: str = "right", decimals: int = 2, **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.decimals = decimals
        self.enableAutoSIPrefix(False)
        self._cache_pixmap()

    def set_decimals(self, decimals: int) -> None:
        self.decimals = decimals
        self.picture = None
        self.update()

    def mouseDragEvent(self, ev: Any) -> None:
        vb = self.linkedView()
        if vb is None or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        if ev.isStart():
            self._drag_range = vb.viewRange()[1]
        start = getattr(self, "_drag_range", None)
        if start is None:
            return
        dy = ev.pos().y() - ev.buttonDownPos().y()
        factor = math.exp(dy * SCALE_PER_PX)  # dragging down shows more prices: the candles get shorter
        mid, half = (start[0] + start[1]) / 2, (start[1] - start[0]) / 2 * factor
        vb.enableAutoRange(y=False)
        vb.setYRange(mid - half, mid + half, padding=0)
        if ev.isFinish():
            self._drag_range = None

    def mouseClickEvent(self, ev: Any) -> None:
        vb = self.linkedView()
        if vb is not None and ev.button() == Qt.MouseButton.LeftButton and ev.double():
            ev.accept()
            vb.enableAutoRange(y=True)  # fit the visible candles again, and keep fitting them
            return
        ev.ignore()

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        # show at least the digits the tick spacing needs, at most the instrument's decimals + 2
        need = 0
        if spacing > 0:
            while spacing * 10 ** need < 1 - 1e-9 and need < self.decimals + 2:
                need += 1
        places = max(self.decimals, need)
        return [format_price(v * scale, places) for v in values]


class VolumeAxis(_TickMemo, pg.AxisItem):
    def __init__(self, orientation: str = "right", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self._cache_pixmap()

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [format_volume(v * scale) for v in values]


class TimeAxis(_TickMemo, LeanDateTicks, pg.DateAxisItem):
    """Date axis (local time). ``tickValues`` works before the first paint (the grid asks for ticks too); ticks and
    labels are pyqtgraph's, kept per tick value between frames (``LeanDateTicks``)."""

    def __init__(self, orientation: str = "bottom", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        # DateAxisItem only sets fontMetrics while painting; without it tickValues raises AttributeError
        self.fontMetrics = QFontMetrics(self.font())
        self._cache_pixmap()

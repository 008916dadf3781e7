"""SMA / EMA / Bollinger overlays: values cached over the whole history, repaired incrementally for the live candle,
and drawn for the visible slice only (decimated to about two points per pixel when zoomed out)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from terminal.strategy import indicators
from terminal.ui.chart.series import OhlcvSeries


class IndicatorCache:
    """Close-price indicators aligned with the series. ``sync()`` recomputes only what changed since the last call:
    everything after ``set``, or just the last candle after ``upsert`` (append or live replace)."""

    def __init__(self, series: OhlcvSeries, sma_window: int = 20, ema_window: int = 50, bb_window: int = 20,
                 bb_k: float = 2.0) -> None:
        self.series = series
        self.sma_window, self.ema_window, self.bb_window, self.bb_k = sma_window, ema_window, bb_window, bb_k
        self._arrays: dict[str, np.ndarray] = {}
        self._generation = -1
        self._version = -1
        self._valid = 0  # values [0, valid) are final (the last candle is always recomputed)

    def get(self, name: str) -> np.ndarray:
        """``sma``, ``ema``, ``bb_mid``, ``bb_upper`` or ``bb_lower``, as long as the series."""
        self.sync()
        return self._arrays[name][: len(self.series)]

    def sync(self) -> None:
        s = self.series
        if s.generation != self._generation:
            self._full()
        elif s.version != self._version:
            self._tail()
        self._version = s.version

    def _full(self) -> None:
        s = self.series
        c = s.c
        mid, upper, lower = indicators.bollinger(c, self.bb_window, self.bb_k)
        cols = {"sma": indicators.sma(c, self.sma_window), "ema": indicators.ema(c, self.ema_window),
                "bb_mid": mid, "bb_upper": upper, "bb_lower": lower}
        cap = max(16, 2 * len(c))
        self._arrays = {}
        for name, col in cols.items():
            arr = np.full(cap, np.nan)
            arr[: len(col)] = col
            self._arrays[name] = arr
        self._generation = s.generation
        self._valid = max(len(c) - 1, 0)

    def _tail(self) -> None:
        s = self.series
        n = len(s)
        if n > len(self._arrays["sma"]):
            for name, arr in self._arrays.items():
                grown = np.full(max(16, 2 * n), np.nan)
                grown[: len(arr)] = arr
                self._arrays[name] = grown
        c = s.c
        a = self._arrays
        alpha = 2.0 / (self.ema_window + 1.0)
        for j in range(min(self._valid, n), n):
            w = self.sma_window
            a["sma"][j] = c[j - w + 1: j + 1].mean() if j >= w - 1 else np.nan
            w = self.ema_window
            if j == w - 1:
                a["ema"][j] = c[:w].mean()
            elif j >= w and np.isfinite(a["ema"][j - 1]):
                a["ema"][j] = alpha * c[j] + (1 - alpha) * a["ema"][j - 1]
            else:
                a["ema"][j] = np.nan
            w = self.bb_window
            if j >= w - 1:
                win = c[j - w + 1: j + 1]
                m, sd = win.mean(), win.std()
                a["bb_mid"][j], a["bb_upper"][j], a["bb_lower"][j] = m, m + self.bb_k * sd, m - self.bb_k * sd
            else:
                a["bb_mid"][j] = a["bb_upper"][j] = a["bb_lower"][j] = np.nan
        self._valid = max(n - 1, 0)


class OverlayCurve(pg.GraphicsObject):
    """A line over the series' times, painted for the visible slice in device pixels."""

    def __init__(self, series: OhlcvSeries, values: Callable[[], np.ndarray], color: str, width: float = 1.0,
                 style: Qt.PenStyle = Qt.PenStyle.SolidLine, window: int = 1) -> None:
        super().__init__()
        self.window = window  # candles averaged: below 2 px on screen the line would only retrace the candles
        self.series = series
        self._values = values
        # width 1 keeps Qt on its cosmetic stroker; wider pens are 100x slower on long zigzag paths
        self._pen = QPen(QColor(color), width)
        self._pen.setStyle(style)
        self._pen.setCosmetic(True)
        self.drawn_points = 0

    def set_color(self, color: str) -> None:
        self._pen.setColor(QColor(color))
        self.update()

    def boundingRect(self) -> QRectF:
        # the candles define the data bounds; this rect only has to cover what is painted
        s = self.series
        if not len(s):
            return QRectF()
        lo, hi = s.price_range()
        pad = (hi - lo) * 0.5 + 1e-9
        t0, t1 = float(s.t[0]), float(s.t[-1])
        return QRectF(t0 - s.interval, lo - pad, t1 - t0 + 2 * s.interval, hi - lo + 2 * pad)

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: Any = None) -> None:
        return None  # never drive auto-range

    def data_changed(self) -> None:
        self.prepareGeometryChange()
        self.update()

    def paint(self, p: QPainter, *args: Any) -> None:
        s = self.series
        vb = self.getViewBox()
        self.drawn_points = 0
        if not len(s) or vb is None or not self.isVisible():
            return
        (x0, x1), _ = vb.viewRange()
        i0, i1 = s.visible_slice(x0, x1)
        if i1 - i0 < 2:
            return
        tr = p.transform()
        if self.window * s.interval * abs(tr.m11()) < 2.0:
            return
        width_px = max(abs(tr.m11()) * (x1 - x0), 1.0)
        step = max(1, int((i1 - i0) / (2 * width_px)))
        y = self._values()[i0:i1]
        t = s.t[i0:i1]
        if step > 1:  # about two points per pixel: block means (stride sampling would alias noise into zigzags)
            m = len(y) // step
            y = y[: m * step].reshape(m, step).mean(axis=1)
            t = t[: m * step: step] + (step - 1) * s.interval / 2
        px = t * tr.m11() + tr.dx()
        py = y * tr.m22() + tr.dy()
        p.save()
        try:
            p.resetTransform()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, len(px) < 1200)
            p.setPen(self._pen)
            p.drawPath(pg.arrayToQPath(px, py, connect="finite"))
        finally:
            p.restore()
        self.drawn_points = len(px)

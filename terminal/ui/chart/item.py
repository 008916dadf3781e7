"""Base GraphicsObject for items drawn from an OhlcvSeries, culled to the visible x-range, painted in device pixels."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

from terminal.ui.chart.lod import Mapping, PaintInfo
from terminal.ui.chart.series import OhlcvSeries


class SeriesItem(pg.GraphicsObject):
    """Subclasses implement ``_y_bounds`` (global), ``_visible_y`` (for a slice) and ``_paint_device``."""

    #: which candles a paint draws: "all", or one of the two parts of a frame the chart's view paints apart
    #: (livelayer.py): "settled" (all but the live candle, the last) and "live" (the live candle alone)
    part = "all"

    def __init__(self, series: OhlcvSeries) -> None:
        super().__init__()
        self.series = series
        self.last_paint = PaintInfo("empty", 0, 0, 0, 0)
        self._settled_paint = self.last_paint  # the "settled" part's paint (see ``part``)
        self._bounds = QRectF()
        # the last y extent given for a slice: (i0, i1, candles, generation, lo, hi, the live candle's lo and hi)
        self._y_memo: tuple[int, int, int, int, float, float, float, float] | None = None
        self.bounds_told = 0  # times the view was told to fit again (tests)
        self._refresh_bounds()

    # ---- geometry ----------------------------------------------------------------------------------------------
    def _y_bounds(self) -> tuple[float, float]:
        raise NotImplementedError

    def _visible_y(self, i0: int, i1: int) -> tuple[float, float]:
        raise NotImplementedError

    def _candle_y(self, i: int) -> tuple[float, float]:
        """The y extent of candle ``i`` alone (what it adds to ``_visible_y``)."""
        raise NotImplementedError

    def _refresh_bounds(self) -> bool:
        s = self.series
        if not len(s):
            rect = QRectF()
        else:
            lo, hi = self._y_bounds()
            t0, t1 = float(s.t[0]), float(s.t[-1])
            rect = QRectF(t0 - s.interval, lo, t1 - t0 + 2 * s.interval, max(hi - lo, 1e-12))
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = rect
            return True
        return False

    def data_changed(self) -> None:
        """Call after the series changed: bounds from the cached extremes, then a repaint. The view is told to fit
        again only when the y extent it was last given can have changed: a live candle that stays inside it (and
        did not make one of its ends) leaves it as it was, and the view's auto-range is not computed again."""
        self._refresh_bounds()
        if not self._extent_kept():
            self.bounds_told += 1
            self.informViewBoundsChanged()
        self.update()

    def _extent_kept(self) -> bool:
        memo, s = self._y_memo, self.series
        n = len(s)
        if memo is None or memo[2] != n or memo[3] != s.generation or not n:
            return False
        vb = self.getViewBox()
        if vb is None:
            return False
        x0, x1 = vb.viewRange()[0]
        i0, i1, _, _, lo, hi, live_lo, live_hi = memo
        if s.visible_slice(x0, x1) != (i0, i1):
            return False
        if i1 < n:  # the live candle is not in the slice
            return True
        new_lo, new_hi = self._candle_y(n - 1)
        if not (lo <= new_lo and (live_lo > lo or new_lo == live_lo)
                and new_hi <= hi and (live_hi < hi or new_hi == live_hi)):
            return False
        self._y_memo = (i0, i1, n, s.generation, lo, hi, new_lo, new_hi)
        return True

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def pixelPadding(self) -> float:
        return 0.0

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: Any = None) -> tuple[float, float] | None:
        s = self.series
        if not len(s):
            return None
        if ax == 0:
            return float(s.t[0]) - s.interval / 2, float(s.t[-1]) + s.interval / 2
        if orthoRange is None:
            return self._y_bounds()
        i0, i1 = s.visible_slice(float(orthoRange[0]), float(orthoRange[1]))
        if i1 <= i0:
            self._y_memo = None
            return None
        lo, hi = self._visible_y(i0, i1)
        n = len(s)
        live = self._candle_y(n - 1) if i1 == n else (lo, hi)
        self._y_memo = (i0, i1, n, s.generation, lo, hi, live[0], live[1])
        return lo, hi

    # ---- painting ----------------------------------------------------------------------------------------------
    def paint(self, p: QPainter, *args: Any) -> None:
        s = self.series
        vb = self.getViewBox()
        if not len(s) or vb is None:
            self.last_paint = PaintInfo("empty", 0, 0, 0, 0)
            return
        tr = p.transform()
        (x0, x1), (y0, y1) = vb.viewRange()
        py0, py1 = y0 * tr.m22() + tr.dy(), y1 * tr.m22() + tr.dy()
        m = Mapping(tr.m11(), tr.dx(), tr.m22(), tr.dy(), min(py0, py1) - 4, max(py0, py1) + 4)
        i0, i1 = s.visible_slice(x0, x1)
        part, n = self.part, len(s)
        if part == "settled":
            i1 = min(i1, n - 1)
        elif part == "live":
            if i1 < n:  # the live candle is out of view: the settled paint was the frame's
                return
            i0 = max(i0, n - 1)
        if i1 <= i0:
            self.last_paint = self._settled_paint = PaintInfo("empty", i0, i1, 0, 0)
            return
        p.save()
        try:
            p.resetTransform()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            info = self._paint_device(p, m, i0, i1, x0, x1)
        finally:
            p.restore()
        if part == "settled":
            self._settled_paint = info
        elif part == "live":  # the frame's paint: the settled candles in the picture and this one
            kept = self._settled_paint
            if kept.mode == info.mode and kept.primitives:
                info = PaintInfo(info.mode, kept.first, info.last, info.level, kept.primitives + info.primitives)
        self.last_paint = info

    def _paint_device(self, p: QPainter, m: Mapping, i0: int, i1: int, x0: float, x1: float) -> PaintInfo:
        raise NotImplementedError

    def _level_slice(self, k: int, x0: float, x1: float) -> tuple[dict[str, np.ndarray], int, int]:
        """Pyramid level ``k`` and the block range covering [x0, x1]."""
        lv = self.series.level(k)
        margin = self.series.interval * (1 << k)
        j0 = int(np.searchsorted(lv["t"], x0 - margin, side="left"))
        j1 = int(np.searchsorted(lv["t"], x1 + margin, side="right"))
        return lv, j0, j1

"""The candlestick item: bodies and wicks when candles are wide, min/max per pixel column when they are thin."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from terminal.ui.chart.item import SeriesItem
from terminal.ui.chart.lod import (Mapping, PaintInfo, bar_pen, body_width, column_reduce, level_for,
                                   vlines_path)
from terminal.ui.chart.series import OhlcvSeries

# below this many pixels per candle, draw one vertical line per pixel column instead of bodies and wicks
LOD_SPACING_PX = 3.0


class CandleItem(SeriesItem):
    def __init__(self, series: OhlcvSeries, up: str = "#26a69a", down: str = "#ef5350") -> None:
        self._up = QColor(up)
        self._down = QColor(down)
        super().__init__(series)

    def set_colors(self, up: str, down: str) -> None:
        self._up, self._down = QColor(up), QColor(down)
        self.update()

    def _y_bounds(self) -> tuple[float, float]:
        return self.series.price_range()

    def _visible_y(self, i0: int, i1: int) -> tuple[float, float]:
        s = self.series
        return float(s.l[i0:i1].min()), float(s.h[i0:i1].max())

    def _candle_y(self, i: int) -> tuple[float, float]:
        return float(self.series.l[i]), float(self.series.h[i])

    def _paint_device(self, p: QPainter, m: Mapping, i0: int, i1: int, x0: float, x1: float) -> PaintInfo:
        s = self.series
        spacing = s.interval * m.sx
        if spacing >= LOD_SPACING_PX:
            return self._paint_bodies(p, m, i0, i1, spacing)
        return self._paint_columns(p, m, level_for(spacing), x0, x1)

    def _paint_bodies(self, p: QPainter, m: Mapping, i0: int, i1: int, spacing: float) -> PaintInfo:
        s = self.series
        if i1 - i0 == 1:
            return self._paint_one(p, m, i0, spacing)
        o, h, l, c = s.o[i0:i1], s.h[i0:i1], s.l[i0:i1], s.c[i0:i1]  # noqa: E741
        xc = np.floor(m.x(s.t[i0:i1]))
        yo, yc = m.y(o), m.y(c)
        top = np.floor(np.minimum(yo, yc))
        bottom = np.maximum(np.floor(np.maximum(yo, yc)), top + 1)
        yh, yl = np.floor(m.y(h)), np.floor(m.y(l))
        wick_top = np.minimum(yh, yl)
        wick_bottom = np.maximum(np.maximum(yh, yl), wick_top + 1)
        bw = body_width(spacing)
        up = c >= o
        for mask, color in ((up, self._up), (~up, self._down)):
            if not mask.any():
                continue
            p.setPen(QPen(color, 1))
            p.drawPath(vlines_path(xc[mask] + 0.5, wick_top[mask], wick_bottom[mask]))
            if bw > 1:
                p.setPen(bar_pen(color, bw))
                p.drawPath(vlines_path(xc[mask] + 0.5, top[mask], bottom[mask]))
        return PaintInfo("bodies", i0, i1, 0, i1 - i0)

    def _paint_one(self, p: QPainter, m: Mapping, i: int, spacing: float) -> PaintInfo:
        """One candle (the live one over the chart's picture): what ``_paint_bodies`` draws for it, in floats
        (numpy's per-call costs were most of a live frame's candle)."""
        s = self.series
        o, h, l, c = float(s.o[i]), float(s.h[i]), float(s.l[i]), float(s.c[i])  # noqa: E741

        def y(v: float) -> float:
            return min(max(v * m.sy + m.dy, m.y_min), m.y_max)

        x = math.floor(float(s.t[i]) * m.sx + m.dx) + 0.5
        yo, yc = y(o), y(c)
        top = math.floor(min(yo, yc))
        bottom = max(math.floor(max(yo, yc)), top + 1)
        yh, yl = math.floor(y(h)), math.floor(y(l))
        wick_top = min(yh, yl)
        wick_bottom = max(max(yh, yl), wick_top + 1)
        color = self._up if c >= o else self._down
        p.setPen(QPen(color, 1))
        p.drawPath(_segment(x, wick_top, wick_bottom))
        bw = body_width(spacing)
        if bw > 1:
            p.setPen(bar_pen(color, bw))
            p.drawPath(_segment(x, top, bottom))
        return PaintInfo("bodies", i, i + 1, 0, 1)

    def _paint_columns(self, p: QPainter, m: Mapping, k: int, x0: float, x1: float) -> PaintInfo:
        lv, j0, j1 = self._level_slice(k, x0, x1)
        if j1 <= j0:
            return PaintInfo("columns", 0, 0, k, 0)
        col, hi, lo, up = column_reduce(m.x(lv["t"][j0:j1]), lv["o"][j0:j1], lv["h"][j0:j1], lv["l"][j0:j1],
                                        lv["c"][j0:j1])
        y_hi, y_lo = np.floor(m.y(hi)), np.floor(m.y(lo))
        top = np.minimum(y_hi, y_lo)
        bottom = np.maximum(np.maximum(y_hi, y_lo), top + 1)
        for mask, color in ((up, self._up), (~up, self._down)):
            if mask.any():
                p.setPen(QPen(color, 1))
                p.drawPath(vlines_path(col[mask] + 0.5, top[mask], bottom[mask]))
        first = j0 << k
        last = min(j1 << k, len(self.series))
        return PaintInfo("columns", first, last, k, len(col))


def _segment(x: float, top: float, bottom: float) -> QPainterPath:
    """What ``vlines_path`` makes of one segment."""
    path = QPainterPath()
    path.moveTo(x, top)
    path.lineTo(x, bottom)
    return path

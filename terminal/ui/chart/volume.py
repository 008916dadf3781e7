"""Volume bars for the linked sub-plot: bars when wide, max volume per pixel column when thin."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QPainter

from terminal.ui.chart.candles import LOD_SPACING_PX
from terminal.ui.chart.item import SeriesItem
from terminal.ui.chart.lod import Mapping, PaintInfo, body_width, column_max, level_for, vlines_path, bar_pen
from terminal.ui.chart.series import OhlcvSeries


class VolumeItem(SeriesItem):
    def __init__(self, series: OhlcvSeries, up: str = "#26a69a", down: str = "#ef5350", alpha: int = 110) -> None:
        self._up, self._down = QColor(up), QColor(down)
        self._up.setAlpha(alpha)
        self._down.setAlpha(alpha)
        super().__init__(series)

    def set_colors(self, up: str, down: str, alpha: int) -> None:
        self._up, self._down = QColor(up), QColor(down)
        self._up.setAlpha(alpha)
        self._down.setAlpha(alpha)
        self.update()

    def _y_bounds(self) -> tuple[float, float]:
        return 0.0, max(self.series.volume_max(), 1e-12)

    def _visible_y(self, i0: int, i1: int) -> tuple[float, float]:
        return 0.0, max(float(self.series.v[i0:i1].max()), 1e-12)

    def _paint_device(self, p: QPainter, m: Mapping, i0: int, i1: int, x0: float, x1: float) -> PaintInfo:
        s = self.series
        spacing = s.interval * m.sx
        base = float(np.floor(m.y(np.zeros(1))[0]))
        if spacing >= LOD_SPACING_PX:
            bw = body_width(spacing)
            xc = np.floor(m.x(s.t[i0:i1]))
            vy = np.floor(m.y(s.v[i0:i1]))
            up = s.c[i0:i1] >= s.o[i0:i1]
            info = PaintInfo("bodies", i0, i1, 0, i1 - i0)
        else:
            k = level_for(spacing)
            lv, j0, j1 = self._level_slice(k, x0, x1)
            col, vmax, up = column_max(m.x(lv["t"][j0:j1]), lv["v"][j0:j1], lv["o"][j0:j1], lv["c"][j0:j1])
            xc = col.astype(np.float64)
            bw = 1
            vy = np.floor(m.y(vmax))
            info = PaintInfo("columns", j0 << k, min(j1 << k, len(s)), k, len(col))
        top = np.minimum(vy, base)
        bottom = np.maximum(np.maximum(vy, base), top + 1)
        for mask, color in ((up, self._up), (~up, self._down)):
            if mask.any():
                p.setPen(bar_pen(color, bw))
                p.drawPath(vlines_path(xc[mask] + 0.5, top[mask], bottom[mask]))
        return info

"""Volume bars for the linked sub-plot: bars when wide, max volume per pixel column when thin."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from terminal.ui.chart.barfill import fill_bars
from terminal.ui.chart.candles import LOD_SPACING_PX
from terminal.ui.chart.item import SeriesItem
from terminal.ui.chart.lod import Mapping, PaintInfo, body_width, column_max, level_for, vlines_path, bar_pen
from terminal.ui.chart.series import OhlcvSeries


FILL_MIN_BARS = 32  # bars written as pixels from this many on (fewer: stroked, cheaper; measured crossover 16-64)


class VolumeItem(SeriesItem):
    LAYERED = True  # translucent bars through an opaque layer (False: stroked straight at their alpha)
    BAR_COLUMNS = True  # a bar alone (the live one) from a kept column of its colour (False: drawn into its layer)

    def __init__(self, series: OhlcvSeries, up: str = "#26a69a", down: str = "#ef5350", alpha: int = 110) -> None:
        # the settled bars, the live bar (or a few), and an up and a down bar alone (a column of solid colour: a bar
        # alone is the part of it the bar covers; ``_column``)
        self._layers: list[QImage | None] = [None, None, None, None]
        self._settled: tuple[tuple[object, ...], tuple[QPointF, QRectF, int] | None] | None = None
        self.layers_built = 0  # times the settled bars were drawn again (tests)
        self._set_colors(up, down, alpha)
        super().__init__(series)

    def _set_colors(self, up: str, down: str, alpha: int) -> None:
        self._up_solid, self._down_solid = QColor(up), QColor(down)
        self._up_solid.setAlpha(255)
        self._down_solid.setAlpha(255)
        self._up, self._down = QColor(up), QColor(down)
        self._up.setAlpha(alpha)
        self._down.setAlpha(alpha)

    def set_colors(self, up: str, down: str, alpha: int) -> None:
        self._set_colors(up, down, alpha)
        self._layers[2] = self._layers[3] = None
        self.update()

    def _y_bounds(self) -> tuple[float, float]:
        return 0.0, max(self.series.volume_max(), 1e-12)

    def _visible_y(self, i0: int, i1: int) -> tuple[float, float]:
        return 0.0, max(float(self.series.v[i0:i1].max()), 1e-12)

    def _candle_y(self, i: int) -> tuple[float, float]:
        return 0.0, max(float(self.series.v[i]), 1e-12)

    def _layered(self) -> bool:
        alpha = self._up.alpha()
        return alpha != 255 and alpha == self._down.alpha() and self.LAYERED

    def _paint_device(self, p: QPainter, m: Mapping, i0: int, i1: int, x0: float, x1: float) -> PaintInfo:
        s = self.series
        spacing = s.interval * m.sx
        base = float(np.floor(m.y(np.zeros(1))[0]))
        key: tuple[object, ...] | None = None
        if spacing >= LOD_SPACING_PX:
            bw = body_width(spacing)
            info = PaintInfo("bodies", i0, i1, 0, i1 - i0)
            live = 1 if i1 == len(s) else 0
            key = self._settled_key(m, bw, info, (i1 - i0) - live)
            # with the settled bars in their layer, only the live bar is computed
            a = i1 - live if self._layered() and self._settled is not None and self._settled[0] == key else i0
            xc = np.floor(m.x(s.t[a:i1]))
            vy = np.floor(m.y(s.v[a:i1]))
            up = s.c[a:i1] >= s.o[a:i1]
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
        if not self._layered():
            if len(xc):
                self._draw_bars(p, xc + 0.5, top, bottom, up, bw, self._up, self._down)
            return info
        # Translucent bars stroked straight onto the frame take Qt's slow blending path (~1.5 ms for 200 bars);
        # drawn opaque into a layer that is then blended once at the bars' alpha, the same pixels cost ~0.25 ms.
        # The bars before the live one are kept in their layer while the view, the history and the candle count
        # stay the same (a live candle only changes the last bar, or the last pixel column); the live bar gets a
        # small layer of its own at each frame. Bars never overlap, so two layers blend to the same pixels as one.
        live = 1 if info.last == len(s) else 0
        settled = len(xc) - live
        if key is None:
            key = self._settled_key(m, bw, info, settled)
        kept = None
        # (with its layer kept, xc holds the live bar alone, or nothing when the live bar is out of view)
        others = (i1 - i0 - live) if info.mode == "bodies" else settled
        if not len(xc) and others <= 0:
            return info
        if others > 0:  # (none when the live bar is painted alone: the chart's settled picture has the others)
            if self._settled is None or self._settled[0] != key:
                placed = self._into_layer(0, xc[:settled], top[:settled], bottom[:settled], up[:settled], bw)
                self._settled = (key, placed)
                self.layers_built += 1
            kept = self._settled[1]
        p.setOpacity(p.opacity() * self._up.alpha() / 255.0)
        n = len(xc)
        for placed in (kept, self._into_layer(1, xc[n - live:], top[n - live:], bottom[n - live:],
                                                           up[n - live:], bw)):
            layer = self._layers[placed[2]] if placed is not None else None
            if placed is not None and layer is not None:
                p.drawImage(placed[0], layer, placed[1])
        return info

    def _settled_key(self, m: Mapping, bw: int, info: PaintInfo, settled: int) -> tuple[object, ...]:
        """What the settled bars' layer depends on: the view's mapping, the bars' width and level, which bars
        (first, how many), the history (its length and generation) and the colours."""
        s = self.series
        return (m, bw, info.mode, info.level, info.first, settled, len(s), s.generation, self._up_solid.rgba(),
                self._down_solid.rgba())

    def _into_layer(self, which: int, xc: np.ndarray, top: np.ndarray, bottom: np.ndarray, up: np.ndarray,
                    bw: int) -> tuple[QPointF, QRectF, int] | None:
        """Draw bars opaque into layer ``which`` (0 the settled bars, 1 the live one): where to put it and the
        part of it drawn, or None without bars."""
        if not len(xc):
            return None
        if len(xc) == 1 and bw % 2 and self.BAR_COLUMNS:
            return self._column(float(xc[0]), float(top[0]), float(bottom[0]), bool(up[0]), bw)
        x0, y0 = int(np.floor(xc.min())) - bw, int(np.floor(top.min()))
        width, height = int(np.ceil(xc.max())) + bw + 2 - x0, int(np.ceil(bottom.max())) + 1 - y0
        layer = self._layer_of(which, width, height, clear=False)
        colors = np.where(up, np.uint32(self._up_solid.rgba()), np.uint32(self._down_solid.rgba()))
        # written: the whole width x height corner (the part drawn from) is set, bars and the clear pixels around;
        # a few bars (the live one alone) are cheaper stroked than numpy's fixed cost (~40 us)
        if len(xc) < FILL_MIN_BARS or not fill_bars(layer, xc - x0, top - y0, bottom - y0, colors, bw, width,
                                                    height):  # (barfill.py)
            layer.fill(0)
            q = QPainter(layer)
            try:
                q.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                self._draw_bars(q, xc + 0.5 - x0, top - y0, bottom - y0, up, bw, self._up_solid, self._down_solid)
            finally:
                q.end()
        return QPointF(x0, y0), QRectF(0, 0, width, height), which

    def _column(self, x: float, top: float, bottom: float, up: bool, bw: int) -> tuple[QPointF, QRectF, int]:
        """A bar alone (the live one, at each frame): the ``bw`` x ``bottom - top`` corner of a kept image of its
        solid colour, put where the bar's stroke would cover (columns ``x - bw // 2 .. x + bw // 2``, rows ``top ..
        bottom - 1``: ``fill_bars``). Blended as the layers are, so the same pixels as the bar drawn into a layer
        with clear pixels around it, without the layer's clearing, painter and path (~0.1 ms a live frame)."""
        which = 2 if up else 3
        width, height = bw, max(int(bottom - top), 1)
        image = self._layers[which]
        if image is None or image.width() < width or image.height() < height:
            image = QImage(max(width, 32), max(height, 256), QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(self._up_solid if up else self._down_solid)
            self._layers[which] = image
        return QPointF(x - bw // 2, top), QRectF(0, 0, width, height), which

    @staticmethod
    def _draw_bars(p: QPainter, x: np.ndarray, top: np.ndarray, bottom: np.ndarray, up: np.ndarray, bw: int,
                   up_color: QColor, down_color: QColor) -> None:
        for mask, color in ((up, up_color), (~up, down_color)):
            if mask.any():
                p.setPen(bar_pen(color, bw))
                p.drawPath(vlines_path(x[mask], top[mask], bottom[mask]))

    def _layer_of(self, which: int, width: int, height: int, clear: bool = True) -> QImage:
        """Layer ``which`` of at least ``width`` x ``height`` (kept between frames), cleared unless ``clear`` is
        False (the caller sets every pixel it draws from)."""
        layer = self._layers[which]
        if layer is None or layer.width() < width or layer.height() < height:
            layer = QImage(max(width, 16), max(height, 16), QImage.Format.Format_ARGB32_Premultiplied)
            self._layers[which] = layer
        if clear:
            layer.fill(0)
        return layer

"""Indicator lines and histograms, drawn for the visible slice only (decimated to about two points per pixel when
zoomed out). Their values come from ``compute.IndicatorCache``."""
from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QTransform

from terminal.ui.chart.lod import bar_pen, body_width, vlines_path
from terminal.ui.chart.series import OhlcvSeries


_FAR = 1e7  # px: the open side of a clip
CUT_MARGIN_PX = 3  # the cut is this far left of the second-to-last point (a 1-px line's joint reaches ~2 px)
TAIL_MARGIN_PX = 8  # the live part starts this far left of the cut (its first point is drawn with a cap)


def polyline_path(px: np.ndarray, py: np.ndarray) -> QPainterPath:
    """``pg.arrayToQPath(px, py, connect="finite")`` (the times are finite): for finite values the same path, one
    polygon, without its checks and branches (~5 us of ~10 per line per frame); gaps go to pyqtgraph."""
    n = len(px)
    if n < 2 or not np.isfinite(py).all():
        return pg.arrayToQPath(px, py, connect="finite")
    poly = pg.functions.create_qpolygonf(n)
    points = pg.functions.ndarray_from_qpolygonf(poly)
    points[:, 0] = px
    points[:, 1] = py
    path = QPainterPath()
    path.reserve(n)
    path.addPolygon(poly)
    return path


class _TailPlan(NamedTuple):
    """The live part of a cut line, as its settled part found it with the picture: valid while ``key`` holds."""
    key: tuple[object, ...]  # the view's x range, the device transform, the candle count and generation
    i0: int  # the visible candles [i0, i1)
    i1: int
    cut: int  # device column of the cut
    first: int  # the live part's first point
    xs: list[float]  # its points' x in device pixels


class OverlayCurve(pg.GraphicsObject):
    """A line over the series' times, painted for the visible slice in device pixels."""

    #: which part a paint draws (chart/livelayer.py): "all"; "settled", what the live candle cannot change, left of
    #: a device column a few pixels before the second-to-last point (the cut), and "live", the rest right of it:
    #: the last points alone, clipped at the cut. Each segment of a 1-px cosmetic line is drawn on its own, so the
    #: two parts together are the pixels of the whole line. A line that cannot be cut (dashed: the dashes run from
    #: its start; one point per several candles; gaps before the end) is all "live".
    part = "all"

    def __init__(self, series: OhlcvSeries, values: Callable[[int], np.ndarray], color: str, width: float = 1.0,
                 style: Qt.PenStyle = Qt.PenStyle.SolidLine, window: int = 1,
                 bounds: tuple[float, float] | None = None) -> None:
        super().__init__()
        self.bounds = bounds  # fixed y extent (a pane's indicator); None: around the candles
        self.window = window  # candles averaged: below 2 px on screen the line would only retrace the candles
        self.series = series
        self._values = values
        # width 1 keeps Qt on its cosmetic stroker; wider pens are 100x slower on long zigzag paths
        self._pen = QPen(QColor(color), width)
        self._pen.setStyle(style)
        self._pen.setCosmetic(True)
        self.drawn_points = 0
        # the last path drawn: (what it depends on, path, candles [i0, i1) in it, its last point finite)
        self._path: tuple[tuple[object, ...], QPainterPath, int, bool] | None = None
        self.rebuilt = 0  # paths built from the arrays (not extended in place)
        self._tail: _TailPlan | None = None  # the live part's plan, made by the settled part's paint

    def set_color(self, color: str) -> None:
        self._pen.setColor(QColor(color))
        self.update()

    def boundingRect(self) -> QRectF:
        # the candles define the data bounds; this rect only has to cover what is painted
        s = self.series
        if not len(s):
            return QRectF()
        lo, hi = s.price_range() if self.bounds is None else self.bounds
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
        if self.part == "live" and self._tail is not None:
            tr = p.transform()
            if self._tail.key == self._tail_key(x0, x1, tr):
                self._paint_planned(p, tr, self._tail)
                return
        if self.part != "live":
            self._tail = None  # (made again below by a settled part that has a cut)
        i0, i1 = s.visible_slice(x0, x1)
        if i1 - i0 < 2:
            return
        tr = p.transform()
        if self.window * s.interval * abs(tr.m11()) < 2.0:
            return
        width_px = max(abs(tr.m11()) * (x1 - x0), 1.0)
        step = max(1, int((i1 - i0) / (2 * width_px)))
        values = self._values(i0)
        part = self.part
        cut = None if part == "all" else self._cut(values, tr, i0, i1, step)
        if part == "settled" and cut is None:
            return  # drawn whole over the picture
        if part == "settled" and cut is not None:  # the live part's plan while the picture is shown
            xs = (s.t[cut[1]:i1] * tr.m11() + tr.dx()).tolist()
            self._tail = _TailPlan(self._tail_key(x0, x1, tr), i0, i1, cut[0], cut[1], xs)
        if part == "live" and cut is not None:
            self._paint_tail(p, values, tr, i0, i1, cut[0], cut[1])
            return
        path, points = self._extended(values, tr, i0, i1, step)
        if path is None:
            y = values[i0:i1]
            t = s.t[i0:i1]
            if step > 1:  # about two points per pixel: block means (stride sampling would alias noise into zigzags)
                m = len(y) // step
                y = y[: m * step].reshape(m, step).mean(axis=1)
                t = t[: m * step: step] + (step - 1) * s.interval / 2
            px = t * tr.m11() + tr.dx()
            py = y * tr.m22() + tr.dy()
            path, points = polyline_path(px, py), len(px)
            self.rebuilt += 1
            self._path = (self._path_key(values, tr, i0, step), path, i1, bool(len(y)) and bool(np.isfinite(y[-1])))
        p.save()
        try:
            p.resetTransform()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, points < 1200)
            p.setPen(self._pen)
            if cut is not None:  # the settled part: left of the cut
                p.setClipRect(QRectF(-_FAR, -_FAR, _FAR + cut[0], 2 * _FAR), Qt.ClipOperation.IntersectClip)
            p.drawPath(path)
        finally:
            p.restore()
        self.drawn_points = points

    def _cut(self, values: np.ndarray, tr: QTransform, i0: int, i1: int, step: int) -> tuple[int, int] | None:
        """(device column of the cut, first point of the live part), or None when the line cannot be cut. It
        depends only on what a live candle leaves alone: the view, the times, the values before the last."""
        s = self.series
        n = len(s)
        if step != 1 or i1 != n or self._pen.style() != Qt.PenStyle.SolidLine or i1 - i0 < 4:
            return None
        spacing = s.interval * tr.m11()
        if spacing <= 0:
            return None
        cut = int(np.floor(float(s.t[n - 2]) * tr.m11() + tr.dx())) - CUT_MARGIN_PX
        first = max(i0, n - 2 - int(np.ceil((CUT_MARGIN_PX + TAIL_MARGIN_PX) / spacing)) - 1)
        if first <= i0 or not np.isfinite(values[first:n - 1]).all():
            return None
        return cut, first

    def _paint_tail(self, p: QPainter, values: np.ndarray, tr: QTransform, i0: int, i1: int, cut: int,
                    first: int) -> None:
        """The live part: the last points, clipped right of the cut, as the whole line would draw them."""
        px = self.series.t[first:i1] * tr.m11() + tr.dx()
        py = values[first:i1] * tr.m22() + tr.dy()
        self._draw_live(p, polyline_path(px, py), i1 - i0 < 1200, cut)  # (antialiased as the whole line)
        self.drawn_points = i1 - first

    def _draw_live(self, p: QPainter, path: QPainterPath, antialias: bool, cut: int) -> None:
        """The live part's path (device pixels), right of the cut."""
        p.save()
        try:
            p.resetTransform()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, antialias)
            p.setPen(self._pen)
            p.setClipRect(QRectF(cut, -_FAR, 2 * _FAR, 2 * _FAR), Qt.ClipOperation.IntersectClip)
            p.drawPath(path)
        finally:
            p.restore()

    def _tail_key(self, x0: float, x1: float, tr: QTransform) -> tuple[object, ...]:
        s = self.series
        return (x0, x1, tr.m11(), tr.dx(), tr.m22(), tr.dy(), len(s), s.generation)

    def _paint_planned(self, p: QPainter, tr: QTransform, plan: _TailPlan) -> None:
        """The live part as ``_paint_tail`` draws it, from the plan its settled part made (same view, same candles:
        only the values can have changed), without the slice lookups and the arrays: a path of a few points."""
        _, i0, i1, cut, first, px = plan
        values = self._values(i0)
        m22, dy = tr.m22(), tr.dy()
        ys = values[first:i1].tolist()
        if len(ys) != len(px) or not all(math.isfinite(y) for y in ys):
            self._tail = None  # (values not yet there: the arrays' way, which knows gaps)
            self._paint_tail(p, values, tr, i0, i1, cut, first)
            return
        path = QPainterPath()
        path.moveTo(px[0], ys[0] * m22 + dy)
        for x, y in zip(px[1:], ys[1:]):
            path.lineTo(x, y * m22 + dy)
        self._draw_live(p, path, i1 - i0 < 1200, cut)
        self.drawn_points = i1 - first

    def _path_key(self, values: np.ndarray, tr: QTransform, i0: int, step: int) -> tuple[object, ...]:
        base = values.base if values.base is not None else values  # another array: values recomputed
        return (base, self.series.generation, tr.m11(), tr.dx(), tr.m22(), tr.dy(), i0, step)

    def _extended(self, values: np.ndarray, tr: QTransform, i0: int, i1: int,
                  step: int) -> tuple[QPainterPath | None, int]:
        """The last path with the live candle's point moved and a new candle's added, when nothing else can have
        changed (same view, same values array, one point a candle, finite ends); else (None, 0)."""
        if self._path is None or step != 1:
            return None, 0
        key, path, j1, last_finite = self._path
        if not last_finite or not j1 - 1 <= i1 - 1 <= j1 or key[1:] != self._path_key(values, tr, i0, step)[1:] \
                or key[0] is not (values.base if values.base is not None else values) \
                or path.elementCount() != j1 - i0:
            return None, 0
        y = values[j1 - 1:i1]
        if not np.isfinite(y).all():
            return None, 0
        px = (self.series.t[j1 - 1:i1] * tr.m11() + tr.dx()).tolist()
        py = (y * tr.m22() + tr.dy()).tolist()
        path.setElementPositionAt(j1 - 1 - i0, px[0], py[0])  # the live candle (its value may have changed)
        if len(px) > 1:
            path.lineTo(px[1], py[1])  # a new candle
        self._path = (key, path, i1, True)
        return path, i1 - i0


class HistogramItem(pg.GraphicsObject):
    """Bars from zero (MACD histogram), coloured by sign; one bar per pixel column at most when zoomed out."""

    def __init__(self, series: OhlcvSeries, values: Callable[[int], np.ndarray], up: str, down: str,
                 bounds: tuple[float, float] = (-1e12, 1e12)) -> None:
        super().__init__()
        self.series = series
        self._values = values
        self.bounds = bounds
        self._colors = (QColor(up), QColor(down))
        self.drawn_bars = 0

    def set_colors(self, up: str, down: str, alpha: int = 150) -> None:
        self._colors = (QColor(up), QColor(down))
        for c in self._colors:
            c.setAlpha(alpha)
        self.update()

    def boundingRect(self) -> QRectF:
        s = self.series
        if not len(s):
            return QRectF()
        lo, hi = self.bounds
        t0, t1 = float(s.t[0]), float(s.t[-1])
        return QRectF(t0 - s.interval, lo, t1 - t0 + 2 * s.interval, hi - lo)

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: Any = None) -> None:
        return None

    def paint(self, p: QPainter, *args: Any) -> None:
        s = self.series
        vb = self.getViewBox()
        self.drawn_bars = 0
        if not len(s) or vb is None:
            return
        (x0, x1), _ = vb.viewRange()
        i0, i1 = s.visible_slice(x0, x1)
        if i1 <= i0:
            return
        tr = p.transform()
        y = self._values(i0)[i0:i1]
        t = s.t[i0:i1]
        width_px = max(abs(tr.m11()) * (x1 - x0), 1.0)
        step = max(1, int(np.ceil((i1 - i0) / width_px)))
        if step > 1:  # the bar of largest magnitude in each block
            m = len(y) // step
            blocks = y[: m * step].reshape(m, step)
            pick = np.nanargmax(np.where(np.isfinite(blocks), np.abs(blocks), -1.0), axis=1)
            y = blocks[np.arange(m), pick]
            t = t[: m * step: step]
        ok = np.isfinite(y)
        y, t = y[ok], t[ok]
        if not len(y):
            return
        px = np.floor(t * tr.m11() + tr.dx()) + 0.5
        py = y * tr.m22() + tr.dy()
        zero = tr.dy()
        bw = body_width(s.interval * step * abs(tr.m11()))
        p.save()
        try:
            p.resetTransform()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            for mask, color in ((y >= 0, self._colors[0]), (y < 0, self._colors[1])):
                if mask.any():
                    p.setPen(bar_pen(color, bw))
                    p.drawPath(vlines_path(px[mask], np.minimum(py[mask], zero), np.maximum(py[mask], zero)))
        finally:
            p.restore()
        self.drawn_bars = len(y)

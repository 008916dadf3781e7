"""Level-of-detail helpers: per-pixel-column reduction and vectorised device-space paths.

Everything here works on the visible slice only, so the cost of a frame depends on the pixels, not on history.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainterPath, QPen

@dataclass(frozen=True)
class Mapping:
    """Item (time s, price) -> device pixel: px = sx * t + dx, py = sy * y + dy."""
    sx: float
    dx: float
    sy: float
    dy: float
    y_min: float = -1e6  # device rows outside the plot are clipped to this band before stroking,
    y_max: float = 1e6  # so a bar reaching far off-screen (volume base, a spike) stays cheap

    def x(self, t: np.ndarray) -> np.ndarray:
        return t * self.sx + self.dx

    def y(self, v: np.ndarray) -> np.ndarray:
        return np.clip(v * self.sy + self.dy, self.y_min, self.y_max)


@dataclass(frozen=True)
class PaintInfo:
    """What the last paint did (for tests and benchmarks)."""
    mode: str  # "bodies" | "columns" | "empty"
    first: int  # first raw candle index considered
    last: int  # one past the last
    level: int  # pyramid level used (0 = raw)
    primitives: int  # number of bodies or columns drawn


def level_for(spacing_px: float) -> int:
    """Pyramid level whose blocks are at most one pixel column wide (spacing = px per candle)."""
    if spacing_px >= 1.0 or spacing_px <= 0:
        return 0
    return max(0, int(np.floor(np.log2(1.0 / spacing_px))))


def column_reduce(px: np.ndarray, o: np.ndarray, h: np.ndarray, l: np.ndarray,  # noqa: E741
                  c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bin candles by integer pixel column: (column, max high, min low, up?) with up = last close >= first open."""
    col = np.floor(px).astype(np.int64)
    if len(col) == 0:
        e = np.empty(0)
        return col, e, e, np.empty(0, dtype=bool)
    starts = np.flatnonzero(np.concatenate(([True], col[1:] != col[:-1])))
    ends = np.concatenate((starts[1:], [len(col)])) - 1
    hi = np.maximum.reduceat(h, starts)
    lo = np.minimum.reduceat(l, starts)
    up = c[ends] >= o[starts]
    return col[starts], hi, lo, up


def column_max(px: np.ndarray, v: np.ndarray, o: np.ndarray,
               c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bin by pixel column: (column, max v, up?)."""
    col = np.floor(px).astype(np.int64)
    if len(col) == 0:
        return col, np.empty(0), np.empty(0, dtype=bool)
    starts = np.flatnonzero(np.concatenate(([True], col[1:] != col[:-1])))
    ends = np.concatenate((starts[1:], [len(col)])) - 1
    return col[starts], np.maximum.reduceat(v, starts), c[ends] >= o[starts]


def vlines_path(x: np.ndarray, top: np.ndarray, bottom: np.ndarray) -> QPainterPath:
    """Vertical segments (device pixels) for a 1-px pen."""
    n = len(x)
    if n == 0:
        return QPainterPath()
    if n == 1:  # a live candle or bar alone: the same two elements without numpy's per-call costs
        path = QPainterPath()
        x0 = float(x[0])
        path.moveTo(x0, float(top[0]))
        path.lineTo(x0, float(bottom[0]))
        return path
    xs = np.repeat(x, 2)
    ys = np.empty(2 * n)
    ys[0::2] = top
    ys[1::2] = bottom
    return pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)


def body_width(spacing_px: float) -> int:
    """Odd body width in pixels (so the 1-px wick is centred), about 70 % of the candle spacing."""
    w = max(1, int(spacing_px * 0.72))
    if w > 1 and w % 2 == 0:
        w -= 1
    return w


def bar_pen(color: QColor, width_px: int) -> QPen:
    """A pen that turns a vertical segment into a filled bar ``width_px`` wide (flat caps, exact length).

    Stroking thick vertical lines is the raster engine's fast path: much faster than ``fillPath`` over many
    rectangles (200 ms for 800 rects here) and than a Python loop of ``fillRect``."""
    pen = QPen(color, width_px)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen

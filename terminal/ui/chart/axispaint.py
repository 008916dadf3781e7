"""The axes' drawing, without pyqtgraph's per-frame overhead and with the same result.

``pg.AxisItem.paint`` records the axis into a QPicture (``generateDrawSpecs`` + ``drawPicture``) and replays it.
At every range change (a pan, a zoom, a new candle followed) that cost ~1 ms per axis here: a ``QPainter
.boundingRect`` per tick label, a pyqtgraph ``Point`` per coordinate, one ``drawLine`` per tick and the QPicture
round trip. ``LeanAxisPaint`` computes the same specs (same ticks, labels, text boxes, crowding rules) with label
sizes cached per string and font, draws them straight into the painter (the axis is a pixmap-cached item: ``paint``
runs only when the range, style or size changed), and strokes each tick level's lines in one call.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

_CENTER = Qt.AlignmentFlag.AlignCenter
_TEXT_FLAGS = {
    "left": int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip),
    "right": int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip),
    "top": int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextDontClip),
    "bottom": int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextDontClip),
}
_SIZES_KEPT = 4096  # label sizes remembered per axis (a day of minute labels is ~1,500)


class LeanAxisPaint:
    """Mixin for ``pg.AxisItem`` subclasses (put it first): ``paint`` and ``generateDrawSpecs`` as pyqtgraph's,
    cheaper. The axis keeps no QPicture; ``paint`` draws what ``generateDrawSpecs`` returns."""

    _text_sizes: dict[tuple[str, str], tuple[float, float]]

    def paint(self, p: QPainter, *args: Any) -> None:
        axis: Any = self
        p.save()
        try:
            if axis.style["tickFont"]:
                p.setFont(axis.style["tickFont"])
            specs = self.generateDrawSpecs(p)
            if specs is not None:
                self.drawPicture(p, *specs)
        finally:
            p.restore()
        axis.picture = None  # nothing recorded: pyqtgraph's own paint would replay a stale picture

    def _text_size(self, p: QPainter, font_key: str, text: str) -> tuple[float, float]:
        """Width and height of ``text`` as pyqtgraph measures it (``boundingRect`` in a 100x100 box, height * 0.8)."""
        sizes = self.__dict__.get("_text_sizes")
        if sizes is None:
            sizes = self._text_sizes = {}
        key = (font_key, text)
        size = sizes.get(key)
        if size is None:
            br = p.boundingRect(QRectF(0, 0, 100, 100), _CENTER, text)
            size = (br.width(), br.height() * 0.8)
            if len(sizes) >= _SIZES_KEPT:
                sizes.clear()
            sizes[key] = size
        return size

    def _span(self, bounds: QRectF, tick_bounds: QRectF) -> tuple[list[QPointF], float, float, int, int]:
        """The axis line's ends (a pixel past the plot each way), where ticks start and stop, their direction
        and the axis' dimension (0 vertical, 1 horizontal), as pyqtgraph places them."""
        orientation = self.orientation  # type: ignore[attr-defined]
        if orientation == "left":
            return ([bounds.topRight() + QPointF(-1.0, -1.0), bounds.bottomRight() + QPointF(-1.0, 1.0)],
                    tick_bounds.right(), bounds.right(), -1, 0)
        if orientation == "right":
            return ([bounds.topLeft() + QPointF(1.0, -1.0), bounds.bottomLeft() + QPointF(1.0, 1.0)],
                    tick_bounds.left(), bounds.left(), 1, 0)
        if orientation == "top":
            return ([bounds.bottomLeft() + QPointF(-1.0, -1.0), bounds.bottomRight() + QPointF(1.0, -1.0)],
                    tick_bounds.bottom(), bounds.bottom(), -1, 1)
        if orientation == "bottom":
            return ([bounds.topLeft() + QPointF(-1.0, 1.0), bounds.topRight() + QPointF(1.0, 1.0)],
                    tick_bounds.top(), bounds.top(), 1, 1)
        raise ValueError("self.orientation must be in {'left', 'right', 'top', 'bottom'}")

    def _device_length(self, span: list[QPointF]) -> float | None:
        axis: Any = self
        dt = axis.deviceTransform_()  # what mapToDevice maps with, found once for both ends (it walks to the view)
        if dt is None:
            return None
        d0, d1 = dt.map(span[0]), dt.map(span[1])
        length = float(np.hypot(d1.x() - d0.x(), d1.y() - d0.y()))
        return length or None

    def length_px(self) -> float | None:
        """The length the axis asks ``tickValues`` for (the grid asks for the same ticks with it)."""
        axis: Any = self
        bounds = axis.mapRectFromParent(axis.geometry())
        return self._device_length(self._span(bounds, bounds)[0])

    def generateDrawSpecs(self, p: QPainter) -> Any:  # noqa: C901 (pyqtgraph's algorithm, step by step)
        axis: Any = self
        style = axis.style
        if style["tickFont"] is not None:
            p.setFont(style["tickFont"])
        bounds = axis.mapRectFromParent(axis.geometry())
        linked = axis.linkedView()
        tick_bounds = bounds if linked is None or axis.grid is False else linked.mapRectToItem(
            axis, linked.boundingRect())
        orientation = axis.orientation
        span, tick_start, tick_stop, tick_dir, ax = self._span(bounds, tick_bounds)
        length_px = self._device_length(span)
        if length_px is None:
            return None

        if axis._tickLevels is None:
            tick_levels = axis.tickValues(axis.range[0], axis.range[1], length_px)
            tick_strings = None
        else:
            tick_levels, tick_strings = [], []
            for level in axis._tickLevels:
                tick_levels.append((None, [v for v, _ in level]))
                tick_strings.append([s for _, s in level])

        lo, hi = axis.range[0], axis.range[1]
        dif = hi - lo
        if dif == 0:
            x_scale, offset = 1.0, 0.0
        elif ax == 0:
            x_scale = -bounds.height() / dif
            offset = lo * x_scale - bounds.height()
        else:
            x_scale = bounds.width() / dif
            offset = lo * x_scale
        x_min, x_max = sorted((lo * x_scale - offset, hi * x_scale - offset))

        tick_positions: list[list[float | None]] = []
        tick_specs: list[tuple[QPen, QLineF]] = []  # (pen, line): pyqtgraph's (pen, p1, p2) made the line later
        for i, (_, ticks) in enumerate(tick_levels):
            tick_length = style["tickLength"] / ((i * 0.5) + 1.0)
            pen = self._level_pen(i, len(ticks), length_px)
            end = tick_stop + (0.0 if axis.grid is not False else tick_length * tick_dir)
            positions: list[float | None] = [None if x < x_min or x > x_max else x
                                             for x in [v * x_scale - offset for v in ticks]]
            tick_positions.append(positions)
            if ax == 0:
                tick_specs += [(pen, QLineF(tick_start, x, end, x)) for x in positions if x is not None]
            else:
                tick_specs += [(pen, QLineF(x, tick_start, x, end)) for x in positions if x is not None]

        if style["stopAxisAtTick"][0] is True:  # as pyqtgraph (which has no answer for skipped ticks either)
            stop: float = min(map(min, tick_positions))  # type: ignore[type-var, assignment, arg-type]
            span[0] = QPointF(span[0].x(), max(span[0].y(), stop)) if ax == 0 else QPointF(
                max(span[0].x(), stop), span[0].y())
        if style["stopAxisAtTick"][1] is True:
            stop = max(map(max, tick_positions))  # type: ignore[type-var, assignment, arg-type]
            span[1] = QPointF(span[1].x(), min(span[1].y(), stop)) if ax == 0 else QPointF(
                min(span[1].x(), stop), span[1].y())
        axis_spec = (axis.pen(), span[0], span[1])

        text_offset = style["tickTextOffset"][ax]
        text_size2 = last_text_size2 = 0.0
        text_sizes: list[tuple[float, float]] = []
        text_specs: list[tuple[QRectF, int, str]] = []
        if not style["showValues"]:
            return axis_spec, tick_specs, text_specs
        font_key = p.font().key()
        br_all = axis.boundingRect()
        # a label strictly inside the axis' rect is kept without asking Qt (its intersection is the label itself)
        in_l, in_t, in_r, in_b = br_all.left(), br_all.top(), br_all.right(), br_all.bottom()
        flags = _TEXT_FLAGS[orientation]
        known = self.__dict__.get("_text_sizes")
        if known is None:
            known = self._text_sizes = {}
        for i in range(min(len(tick_levels), style["maxTextLevel"] + 1)):
            if tick_strings is None:
                spacing, values = tick_levels[i]
                strings = list(axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing))
            else:
                strings = list(tick_strings[i])
            if not strings:
                continue
            sizes: list[tuple[float, float] | None] = []
            for s, x in zip(strings, tick_positions[i]):
                if x is None:
                    sizes.append(None)
                    continue
                size = known.get((font_key, s)) or self._text_size(p, font_key, s)
                sizes.append(size)
                text_sizes.append(size)
            if text_sizes:
                if ax == 0:
                    text_size = sum(h for _, h in text_sizes)
                    text_size2 = max(w for w, _ in text_sizes)
                else:
                    text_size = sum(w for w, _ in text_sizes)
                    text_size2 = max(h for _, h in text_sizes)
            else:
                text_size = text_size2 = 0.0
            if i > 0:  # always draw the top level; below it stop when the labels get crowded
                fill = float(text_size) / length_px
                if any(len(text_specs) >= n and fill >= limit for n, limit in style["textFillLimits"]):
                    break
            last_text_size2 = text_size2
            gap = max(0, style["tickLength"]) + text_offset
            for s, placed, x in zip(strings, sizes, tick_positions[i]):
                if placed is None or x is None:
                    continue
                width, height = placed
                if orientation == "left":
                    left, top = tick_stop - gap - width, x - height / 2
                elif orientation == "right":
                    left, top = tick_stop + gap, x - height / 2
                elif orientation == "top":
                    left, top = x - width / 2.0, tick_stop - gap - height
                else:
                    left, top = x - width / 2.0, tick_stop + gap
                rect = QRectF(left, top, width, height)
                if not (width > 0 and height > 0 and in_l < left and left + width < in_r and in_t < top
                        and top + height < in_b) and br_all & rect != rect:
                    continue
                text_specs.append((rect, flags, s))
        axis._updateMaxTextSize(last_text_size2)
        return axis_spec, tick_specs, text_specs

    def _level_pen(self, i: int, n_ticks: int, length_px: float) -> QPen:
        axis: Any = self
        alpha = axis.style["tickAlpha"]
        if alpha is None:
            alpha = 255 / (i + 1)
            if axis.grid is not False:
                alpha *= axis.grid / 255.0 * pg.functions.clip_scalar((0.05 * length_px / (n_ticks + 1)), 0.0, 1.0)
        elif isinstance(alpha, float):
            alpha = min(255, max(0, int(round(alpha * 255))))
        elif isinstance(alpha, int):
            if alpha > 255 or alpha < 0:
                raise ValueError("lineAlpha should be [0..255]")
        else:
            raise TypeError("Line Alpha should be of type None, float or int")
        pen = axis.tickPen()
        if pen.brush().style() == Qt.BrushStyle.SolidPattern:
            pen = QPen(pen)
            color = QColor(pen.color())
            color.setAlpha(int(alpha))
            pen.setColor(color)
        return pen

    def drawPicture(self, p: QPainter, axis_spec: Any, tick_specs: Any, text_specs: Any) -> None:
        axis: Any = self
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        pen, p1, p2 = axis_spec
        p.setPen(pen)
        p.drawLine(p1, p2)
        k = 0
        while k < len(tick_specs):  # one drawLines per run of ticks sharing a pen (a tick level)
            pen = tick_specs[k][0]
            lines = []
            while k < len(tick_specs) and tick_specs[k][0] is pen:
                lines.append(tick_specs[k][1])
                k += 1
            p.setPen(pen)
            p.drawLines(lines)
        if axis.style["tickFont"] is not None:
            p.setFont(axis.style["tickFont"])
        p.setPen(axis.textPen())
        p.setClipRect(axis.boundingRect().toAlignedRect())
        for rect, flags, text in text_specs:
            p.drawText(rect, flags, text)

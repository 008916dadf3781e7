"""Live frames drawn over a picture of what a live candle leaves unchanged.

A live candle changes the last candle and volume bar, the indicators' last values, the last-price line and the
legend. The grid, the axes and every other candle and bar stay as they were, yet a whole paint draws them again at
every tick (~2 ms of a 1600x900 frame). ``LayeredView`` keeps them in a picture, the settled layer, and paints a
frame as that picture plus, in each ViewBox, what is stacked from its data up: the live candle or bar (the series
items paint their last candle alone), the indicator lines' last points (a solid line is in the picture left of a
cut just before its second-to-last point: ``OverlayCurve.part``) and every other item above the candles (last
price, fills, order lines, crosshair, dashed lines), each painted as the scene would (its device transform, its
ViewBox's clip, its opacity, its children in stacking order). The frame has the pixels of a whole paint
(tests/ui/chart/test_live_layer.py).

The picture is drawn again when anything it shows may have changed: the viewport's size, a ViewBox's range or
place, the history (its length or generation), or ``invalidate()`` (theme, symbol, indicators, styles); a view
that changes at every frame (a pan, a zoom) is painted whole until a frame repeats it. A frame that cannot be split
is painted whole: no candles, candles thin enough to be drawn as pixel columns (the live candle shares its column),
or an item stacked under the candles in their ViewBox.
"""
from __future__ import annotations

from typing import Any, Callable

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QStyleOptionGraphicsItem, QWidget

from terminal.ui.chart.item import SeriesItem

_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
_BEHIND = QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent
_NO_CACHE = QGraphicsItem.CacheMode.NoCache


class PlotArea(pg.ViewBox):
    """A ViewBox whose bounds (and so the clip of what it shows) are its geometry. pyqtgraph's reach half a pixel
    further right and down, for a border the chart does not draw: the plot's last pixel column (row) was shared
    with the axis beside it, whose antialiased line was drawn over the plot's lines there in a whole paint and
    under them over the settled picture."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._border_contents()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self.mapRectFromParent(self.geometry()).normalized()

    def setBorder(self, *args: Any, **kwargs: Any) -> None:  # noqa: N802
        super().setBorder(*args, **kwargs)
        self._border_contents()

    def _border_contents(self) -> None:
        """pyqtgraph's border is an item over the plot, painted at each frame with no pen when there is no border
        (the chart's): an item without contents then, which Qt (and the live layer) do not paint."""
        self.borderRect.setFlag(_NO_CONTENTS, self.borderRect.pen().style() == Qt.PenStyle.NoPen)


class LayeredView(pg.GraphicsLayoutWidget):
    """The chart's GraphicsLayoutWidget; with a ``layer`` set it paints through it. Its plots' ViewBoxes are
    ``PlotArea``s."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer: SettledLayer | None = None
        self.addPlot = self._add_plot  # (pyqtgraph sets its layout's addPlot on the instance)
        # every pixel is painted (the background brush, or the picture): Qt need not fill the viewport first
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def _add_plot(self, *args: Any, **kwargs: Any) -> pg.PlotItem:
        kwargs.setdefault("viewBox", PlotArea())
        return self.ci.addPlot(*args, **kwargs)

    def paintEvent(self, ev: QPaintEvent) -> None:  # noqa: N802
        layer = self.layer
        if layer is None:
            super().paintEvent(ev)
            return
        self.scene().prepareForPaint()  # what pyqtgraph's paintEvent does first: ranges and matrices made current
        if not layer.paint(ev):
            QGraphicsView.paintEvent(self, ev)


class SettledLayer:
    """The settled picture of a ``LayeredView`` and how a frame is split. ``series_items`` are the items drawn
    from the series (candles, volume): they paint their last candle alone over the picture; ``plots()`` lists the
    PlotItems of the layout, top to bottom; ``min_spacing`` is the candle width (px) below which candles are drawn
    as pixel columns."""

    def __init__(self, view: LayeredView, series_items: list[SeriesItem], plots: Callable[[], list[Any]],
                 min_spacing: float) -> None:
        self.view = view
        self.series_items = series_items
        self.series = series_items[0].series
        self._series_ids = {id(item) for item in series_items}
        self.plots = plots
        self.min_spacing = min_spacing
        self.enabled = True
        self.epoch = 0
        self._key: tuple[object, ...] | None = None  # the picture's
        self._seen: tuple[object, ...] | None = None  # the last frame's
        self._live = False  # the last frame was painted over the picture it found (a live candle's)
        self._parted: set[int] = set()  # items of this frame drawn in two parts (``part``: settled, live)
        self._option = QStyleOptionGraphicsItem()  # (one, filled in for each item painted)
        self._image: QImage | None = None
        # frames painted over the picture, pictures drawn, frames painted whole (tests, benchmarks)
        self.layered_frames = 0
        self.pictures = 0
        self.whole_frames = 0
        view.layer = self
        # Qt repaints an item's change where the view last painted it; the items painted over the picture are
        # painted here, not by the view, so it would not know where they are (their changes went unseen: a new
        # last-price text stayed off the screen). Listening to the scene's ``changed`` makes Qt report every
        # change in scene coordinates instead; a frame over the picture costs little, so the whole viewport.
        view.scene().changed.connect(self._on_scene_changed)

    def _on_scene_changed(self, *_: object) -> None:
        self.view.viewport().update()

    def invalidate(self) -> None:
        """Something the picture shows changed in a way the key does not see (theme, decimals, styles, panes)."""
        self.epoch += 1

    # ---- the split ---------------------------------------------------------------------------------------------
    def _frame_key(self) -> tuple[tuple[object, ...], list[tuple[pg.ViewBox, float, float, float]]] | None:
        """What the picture depends on, and the ViewBoxes shown with their x range and width; None: no candles."""
        s = self.series
        n = len(s)
        if not self.enabled or not n:
            return None
        vp = self.view.viewport()
        key: list[object] = [self.epoch, vp.width(), vp.height(), vp.devicePixelRatioF(), n, s.generation]
        shown: list[tuple[pg.ViewBox, float, float, float]] = []
        for plot in self.plots():
            if not plot.isVisible():
                key.append(None)
                continue
            vb = plot.vb
            (x0, x1), (y0, y1) = vb.viewRange()
            r = vb.sceneBoundingRect()
            key += [x0, x1, y0, y1, r.x(), r.y(), r.width(), r.height()]
            shown.append((vb, x0, x1, r.width()))
        return tuple(key), shown

    def _live_items(self, vb: pg.ViewBox, x0: float, x1: float, width: float) -> list[QGraphicsItem] | None:
        """What is painted over the picture in ``vb``, in stacking order; None when it cannot be split. In the
        ViewBox's data group the series items must come first (an item under the candles would be covered by
        them); the items after them, and the ViewBox's own children above its data group, are painted over."""
        out: list[QGraphicsItem] = []
        after_group = False
        for child in vb.childItems():
            if child is vb.childGroup:
                after_group = True
                items = [item for item in child.childItems() if item.isVisible()]
                ours = [k for k, item in enumerate(items) if id(item) in self._series_ids]
                if ours != list(range(len(ours))):
                    return None
                if ours and ((x1 - x0) <= 0 or self.series.interval * width / (x1 - x0) < self.min_spacing):
                    return None  # pixel columns: the live candle shares its column with settled ones
                for item in items:  # the leading items that draw in two parts (``part``): candles, then lines
                    if not hasattr(item, "part"):
                        break
                    self._parted.add(id(item))
                out += items
            elif after_group and child.isVisible():
                out.append(child)
        return out

    # ---- painting ----------------------------------------------------------------------------------------------
    def paint(self, ev: QPaintEvent) -> bool:
        """Paint the frame over the settled picture; False when it must be painted whole."""
        frame = self._frame_key()
        if frame is None:
            self.whole_frames += 1
            self._live = False
            return False
        key, shown = frame
        first, self._seen = key != self._seen, key
        if key != self._key and first and not self._live:
            # a view that changes at every frame (a pan, a zoom) is painted whole: a picture is drawn when a
            # second frame shows the same (the live candles after it). Live frames that move the view (a new
            # candle) get their new picture at once: the next ones are live too.
            self.whole_frames += 1
            return False
        self._live = False
        live: list[tuple[pg.ViewBox, list[QGraphicsItem]]] = []
        self._parted = set()
        for vb, x0, x1, width in shown:
            items = self._live_items(vb, x0, x1, width)
            if items is None:
                self.whole_frames += 1
                self._live = False
                return False
            live.append((vb, items))
        reused = key == self._key and self._image is not None
        if not reused:
            self._draw_picture(key, live)
        image = self._image
        if image is None:
            return False
        vp = self.view.viewport()
        p = QPainter(vp)
        try:
            p.drawImage(QPoint(0, 0), image)
            p.setRenderHints(self.view.renderHints())
            vt = self.view.viewportTransform()
            self._viewport_rect = QRectF(vp.rect()).adjusted(-2, -2, 2, 2)
            for vb, items in live:
                self._paint_over(p, vb, items, vt, vp)
        finally:
            p.end()
        self.layered_frames += 1
        self._live = reused
        return True

    def _draw_picture(self, key: tuple[object, ...], live: list[tuple[pg.ViewBox, list[QGraphicsItem]]]) -> None:
        """Everything but what is painted over it (``live``), as a whole paint would draw it."""
        vp = self.view.viewport()
        dpr = vp.devicePixelRatioF()
        w, h = vp.width(), vp.height()
        image = self._image
        if image is None or image.width() != round(w * dpr) or image.height() != round(h * dpr):
            image = QImage(round(w * dpr), round(h * dpr), QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(dpr)
        image.fill(0)
        hidden: list[tuple[QGraphicsItem, float]] = []
        parted: list[Any] = []
        for _, items in live:
            for item in items:
                if id(item) in self._parted:
                    item.part = "settled"
                    parted.append(item)
                elif item.opacity() > 0:
                    hidden.append((item, item.opacity()))
                    item.setOpacity(0.0)
        # items kept as pixmaps (the axes) keep one per device and repaint it when marked changed, and the mark
        # is taken by the first device that paints them: marked before this render (its own pixmap may be stale
        # since the view painted them) and after it (the view's would be)
        cached = [item for item in self.view.scene().items() if item.cacheMode() != _NO_CACHE]
        for item in cached:
            item.update()
        p = QPainter(image)
        try:
            self.view.render(p, QRectF(0, 0, w, h), QRect(0, 0, w, h), Qt.AspectRatioMode.IgnoreAspectRatio)
        finally:
            p.end()
            for item in cached:
                item.update()
            for item, opacity in hidden:
                item.setOpacity(opacity)
            for item in parted:
                item.part = "all"
        self._image = image
        self._key = key
        self.pictures += 1

    def _paint_over(self, p: QPainter, vb: pg.ViewBox, items: list[QGraphicsItem], vt: Any, vp: QWidget) -> None:
        p.save()
        try:
            # the ViewBox clips its children to its shape, as the scene does it (a rectangle: a clip rectangle)
            p.setTransform(vb.deviceTransform(vt))
            p.setClipPath(vb.shape(), Qt.ClipOperation.IntersectClip)
            for item in items:
                if id(item) in self._parted:
                    item.part = "live"
                    try:
                        self._paint_tree(p, item, vt, vp, 1.0)
                    finally:
                        item.part = "all"
                else:
                    self._paint_tree(p, item, vt, vp, 1.0)
        finally:
            p.restore()

    def _paint_tree(self, p: QPainter, item: QGraphicsItem, vt: Any, vp: QWidget, parent_opacity: float) -> None:
        if not item.isVisible():
            return
        opacity = parent_opacity * item.opacity()
        if opacity <= 0.0:
            return
        children = item.childItems()
        behind = [child for child in children if child.flags() & _BEHIND] if children else children
        for child in behind:
            self._paint_tree(p, child, vt, vp, opacity)
        if not item.flags() & _NO_CONTENTS:
            rect = item.boundingRect()
            transform = item.deviceTransform(vt)
            # as the scene: an item with nothing in its bounds, or out of the viewport, is not painted
            if not rect.isEmpty() and transform.mapRect(rect).intersects(self._viewport_rect):
                p.save()
                try:
                    p.setTransform(transform)
                    if opacity != 1.0:
                        p.setOpacity(opacity)
                    option = self._option
                    option.exposedRect = rect
                    option.rect = rect.toAlignedRect()
                    item.paint(p, option, vp)
                finally:
                    p.restore()
        for child in children:
            if not behind or child not in behind:
                self._paint_tree(p, child, vt, vp, opacity)

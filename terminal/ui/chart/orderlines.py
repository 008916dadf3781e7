"""Open orders on the chart: a line and a tag per order, dragged to a new price, cancelled with the tag's x.

One item, a child of the price ViewBox (its coordinates are the plot's pixels), draws every order: a dashed line
across the plot with a tag ("BUY 0.01000  43,100.00  x") near the right edge. An order whose price is outside the
visible range shows as an edge marker (an arrow, the label and the price) at the top or the bottom instead.

Dragging a line shows the price it would take, snapped to the instrument's tick, in its tag; on release the item
emits ``moved(key, Decimal)`` and keeps the line at the new price, marked pending, until the owner calls
``end_move`` (the order was replaced, or the user declined, or the venue refused). A right click during a drag puts
the line back. ``cancel_requested(key)`` comes from a click on the x.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable, NamedTuple

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from terminal.ui.chart.theme import ChartPalette

TAG_H = 18.0  # tag height, px
PAD = 6.0  # text padding inside a tag
X_W = 18.0  # width of the x box
RIGHT_GAP = 96.0  # room right of the tags for the last-price label
BAND = 4.0  # half-height of a line's grab band
EDGE_GAP = 3.0  # space between stacked edge markers


class OrderLine(NamedTuple):
    """``label`` is what the tag says before the price ("BUY 0.01000", "SL SELL 0.02000")."""
    key: object
    price: float
    side: str  # "buy" | "sell"
    label: str
    kind: str = "limit"  # "limit" | "stop" | "take_profit"
    movable: bool = True
    color: str = ""  # a colour of its own (a protective group's legs); else by kind and side
    dashed: bool | None = None  # solid (False) or dashed (True); None: by kind


def _check(line: OrderLine) -> OrderLine:
    if line.side not in ("buy", "sell"):
        raise ValueError(f"side must be 'buy' or 'sell', not {line.side!r}")
    if line.kind not in ("limit", "stop", "take_profit"):
        raise ValueError(f"kind must be 'limit', 'stop' or 'take_profit', not {line.kind!r}")
    return line


def decimal_snapper(decimals: int) -> Callable[[float], Decimal]:
    """Round a chart price to ``decimals`` places (when the instrument's own snapping is not given)."""
    q = Decimal(1).scaleb(-max(decimals, 0))
    return lambda value: Decimal(repr(float(value))).quantize(q, ROUND_HALF_UP)


@dataclass
class Tag:
    """Where one order is drawn: its line's y (None for an edge marker), its tag and the tag's x box."""
    key: object
    line: OrderLine
    price: float  # drawn at (the drag or pending price when there is one)
    y: float | None
    rect: QRectF
    x_rect: QRectF
    edge: str  # "" | "top" | "bottom"
    text: str


class OrderOverlay(pg.GraphicsObject):
    moved = Signal(object, object)  # key, Decimal price (snapped)
    cancel_requested = Signal(object)  # key

    def __init__(self, vb: pg.ViewBox, palette: ChartPalette, decimals: int = 2) -> None:
        super().__init__()
        self._vb = vb
        self._palette = palette
        self.decimals = decimals
        self.snap: Callable[[float], Decimal] = decimal_snapper(decimals)
        self.lines: dict[object, OrderLine] = {}
        self.pending: dict[object, Decimal] = {}  # dropped at a new price, waiting for the owner
        self.drag: tuple[object, Decimal] | None = None  # key, snapped price under the pointer
        self.hover: tuple[object, str] | None = None  # key, part ("x" | "tag" | "line")
        self.top_inset = 2.0  # px kept free at the top (the legend), for the top edge markers
        self.font = QFont()
        self.font.setPixelSize(11)
        self._fm = QFontMetricsF(self.font)
        self.setParentItem(vb)
        self.setZValue(25)
        # without orders it paints nothing: an item without contents, skipped by Qt and the chart's live frames
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        vb.sigResized.connect(self._on_resized)
        vb.sigRangeChanged.connect(self._on_range_changed)

    # ---- public API ------------------------------------------------------------------------------------------
    def set(self, lines: Iterable[Any]) -> None:
        """Replace the orders: ``OrderLine``s or ``(key, price, side, label)`` tuples."""
        wanted: dict[object, OrderLine] = {}
        for item in lines:
            line = _check(item if isinstance(item, OrderLine) else OrderLine(*item))
            wanted[line.key] = line._replace(price=float(line.price))
        self.lines = wanted
        self.pending = {k: v for k, v in self.pending.items() if k in wanted}
        if self.drag is not None and self.drag[0] not in wanted:
            self.drag = None
        if self.hover is not None and self.hover[0] not in wanted:
            self.hover = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, not wanted)
        self.update()

    def set_top_inset(self, px: float) -> None:
        if px != self.top_inset:
            self.top_inset = px
            if self.lines:
                self.update()

    def end_move(self, key: object) -> None:
        """The move of ``key`` is over, whatever its outcome: draw it at its order's price again."""
        if self.pending.pop(key, None) is not None:
            self.update()

    def set_decimals(self, decimals: int, snap: Callable[[float], Decimal] | None = None) -> None:
        self.decimals = decimals
        self.snap = snap or decimal_snapper(decimals)
        self.update()

    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        self.update()

    def price_text(self, price: float | Decimal) -> str:
        return f"{price:,.{max(self.decimals, 0)}f}"

    def price_at(self, y_px: float) -> float:
        (_, _), (y0, y1) = self._vb.viewRange()
        h = self._vb.height() or 1.0
        return y1 - y_px / h * (y1 - y0)

    def y_of(self, price: float) -> float:
        (_, _), (y0, y1) = self._vb.viewRange()
        return (y1 - price) / ((y1 - y0) or 1.0) * self._vb.height()

    # ---- geometry --------------------------------------------------------------------------------------------
    def _on_resized(self, *_: object) -> None:
        self.prepareGeometryChange()

    def _on_range_changed(self, *_: object) -> None:
        if self.lines:
            self.update()

    def boundingRect(self) -> QRectF:
        return self._vb.boundingRect()

    def drawn_price(self, key: object) -> float:
        line = self.lines[key]
        if self.drag is not None and self.drag[0] == key:
            return float(self.drag[1])
        if key in self.pending:
            return float(self.pending[key])
        return line.price

    def tags(self) -> list[Tag]:
        """The layout of every order for the current view; edge markers stack from the edge inwards (the highest
        price at the very top, the lowest at the very bottom)."""
        w, h = self._vb.width(), self._vb.height()
        inside: list[tuple[OrderLine, float, float]] = []
        above: list[tuple[OrderLine, float, float]] = []
        below: list[tuple[OrderLine, float, float]] = []
        for line in self.lines.values():
            price = self.drawn_price(line.key)
            y = self.y_of(price)
            (above if y < 0 else below if y > h else inside).append((line, price, y))
        above.sort(key=lambda e: -e[1])
        below.sort(key=lambda e: e[1])
        out: list[Tag] = []
        for edge, group in (("", inside), ("top", above), ("bottom", below)):
            for k, (line, price, y) in enumerate(group):
                text = self._text(line, price)
                tw = self._fm.horizontalAdvance(text) + 2 * PAD
                right = max(w - RIGHT_GAP, tw + X_W + 4)
                if edge == "top":
                    top = self.top_inset + k * (TAG_H + EDGE_GAP)
                elif edge == "bottom":
                    top = h - 2 - (k + 1) * TAG_H - k * EDGE_GAP
                else:
                    top = y - TAG_H / 2
                rect = QRectF(right - X_W - tw, top, tw, TAG_H)
                out.append(Tag(line.key, line, price, None if edge else y, rect,
                               QRectF(right - X_W, top, X_W, TAG_H), edge, text))
        return out

    def _text(self, line: OrderLine, price: float) -> str:
        key = line.key
        if self.drag is not None and self.drag[0] == key:
            new = self.drag[1]
            pct = (float(new) - line.price) / line.price * 100 if line.price else 0.0
            return f"{line.label}  {self.price_text(new)}  ({pct:+.2f}%)"
        shown = self.price_text(self.pending[key]) + " …" if key in self.pending else self.price_text(line.price)
        y = self.y_of(price)
        arrow = "▲ " if y < 0 else "▼ " if y > self._vb.height() else ""
        return f"{arrow}{line.label}  {shown}"

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.WindingFill)  # overlapping rects stay inside (odd-even would cut holes)
        w = self._vb.width()
        for tag in self.tags():
            path.addRect(tag.rect.united(tag.x_rect))
            if tag.y is not None:
                path.addRect(QRectF(0, tag.y - BAND, w, 2 * BAND))
        return path

    def hit(self, pos: QPointF) -> tuple[object, str] | None:
        """(key, "x" | "tag" | "line") under ``pos`` (item pixels), the topmost tag first."""
        tags = self.tags()
        for tag in reversed(tags):
            if tag.x_rect.contains(pos):
                return tag.key, "x"
            if tag.rect.contains(pos):
                return tag.key, "tag"
        for tag in reversed(tags):
            if tag.y is not None and abs(pos.y() - tag.y) <= BAND:
                return tag.key, "line"
        return None

    def _draggable(self, key: object, part: str) -> bool:
        line = self.lines.get(key)
        return (line is not None and line.movable and part != "x" and key not in self.pending
                and 0 <= self.y_of(line.price) <= self._vb.height())

    # ---- painting --------------------------------------------------------------------------------------------
    def _color(self, line: OrderLine) -> QColor:
        p = self._palette
        if line.color:
            return QColor(line.color)
        if line.kind == "stop":
            return QColor(p.stop)
        return QColor(p.buy if line.side == "buy" else p.sell)

    def paint(self, p: QPainter, *args: Any) -> None:
        if not self.lines:
            return
        w = self._vb.width()
        p.setFont(self.font)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for tag in self.tags():
            line = tag.line
            color = self._color(line)
            hovered = self.hover is not None and self.hover[0] == tag.key
            dragging = self.drag is not None and self.drag[0] == tag.key
            pending = tag.key in self.pending
            if dragging or pending:  # where the order still is
                ghost = QColor(color)
                ghost.setAlpha(110)
                y0 = self.y_of(line.price)
                if 0 <= y0 <= self._vb.height():
                    pen = QPen(ghost, 1, Qt.PenStyle.DotLine)
                    p.setPen(pen)
                    p.drawLine(QPointF(0, round(y0) + 0.5), QPointF(w, round(y0) + 0.5))
            if tag.y is not None:
                style = {"limit": Qt.PenStyle.DashLine, "stop": Qt.PenStyle.DashDotLine,
                         "take_profit": Qt.PenStyle.DashDotLine}[line.kind]
                if line.dashed is not None:
                    style = Qt.PenStyle.DashLine if line.dashed else Qt.PenStyle.SolidLine
                pen = QPen(color, 2 if (hovered or dragging) else 1, Qt.PenStyle.DotLine if pending else style)
                p.setPen(pen)
                yy = round(tag.y) + 0.5
                p.drawLine(QPointF(0, yy), QPointF(tag.rect.left(), yy))
                p.drawLine(QPointF(tag.x_rect.right(), yy), QPointF(w, yy))
            fill = QColor(color)
            fill.setAlpha(140 if pending else 255)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(fill)
            p.drawRect(tag.rect)
            p.setPen(QColor("#ffffff"))
            p.drawText(tag.rect, Qt.AlignmentFlag.AlignCenter, tag.text)
            x_hover = self.hover == (tag.key, "x")
            p.setBrush(fill if x_hover else QColor(self._palette.background))
            p.setPen(QPen(color, 1))
            p.drawRect(tag.x_rect.adjusted(0.5, 0.5, -0.5, -0.5))
            p.setPen(QPen(QColor("#ffffff") if x_hover else color, 1.6))
            c = tag.x_rect.center()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for dx in (-1, 1):
                p.drawLine(QPointF(c.x() - 3.5, c.y() - 3.5 * dx), QPointF(c.x() + 3.5, c.y() + 3.5 * dx))
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    # ---- mouse (pyqtgraph's scene events) --------------------------------------------------------------------
    def hoverEvent(self, ev: Any) -> None:
        hit = None if ev.isExit() else self.hit(ev.pos())
        if hit is not None:
            ev.acceptClicks(Qt.MouseButton.LeftButton)
            if self._draggable(*hit):
                ev.acceptDrags(Qt.MouseButton.LeftButton)
        if hit != self.hover:
            self.hover = hit
            if hit is None:
                self.unsetCursor()
            elif hit[1] == "x":
                self.setCursor(Qt.CursorShape.PointingHandCursor)
            elif self._draggable(*hit):
                self.setCursor(Qt.CursorShape.SizeVerCursor)
            else:
                self.unsetCursor()
            self.update()

    def mouseClickEvent(self, ev: Any) -> None:
        if self.drag is not None and ev.button() == Qt.MouseButton.RightButton:
            self.drag = None  # a right click during a drag puts the line back
            ev.accept()
            self.update()
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        hit = self.hit(ev.pos())
        if hit is None:
            ev.ignore()
            return
        ev.accept()
        if hit[1] == "x":
            self.cancel_requested.emit(hit[0])

    def mouseDragEvent(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            hit = self.hit(ev.buttonDownPos())
            if hit is None or not self._draggable(*hit):
                ev.ignore()
                return
            self.drag = (hit[0], self.snap(self.lines[hit[0]].price))
        if self.drag is None:
            ev.ignore()
            return
        ev.accept()
        key = self.drag[0]
        h = self._vb.height()
        y = min(max(ev.pos().y(), 0.0), h)  # a drag ends inside the visible range
        self.drag = (key, self.snap(self.price_at(y)))
        if ev.isFinish():
            price = self.drag[1]
            self.drag = None
            if key in self.lines and price != self.snap(self.lines[key].price) and price > 0:
                self.pending[key] = price
                self.update()
                self.moved.emit(key, price)
        self.update()

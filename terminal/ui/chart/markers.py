"""Open-order price lines (keyed, coloured by side, labelled qty@price) and fill markers (triangles)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from terminal.ui.chart.theme import ChartPalette

OrderLine = tuple[object, float, str, str]  # (key, price, "buy" | "sell", label)
Fill = tuple[float, float, str]  # (t_seconds, price, "buy" | "sell")


def _check_side(side: str) -> str:
    if side not in ("buy", "sell"):
        raise ValueError(f"side must be 'buy' or 'sell', not {side!r}")
    return side


class OrderLines:
    """Horizontal dashed lines on a plot, one per open order key; ``set`` adds, moves and removes them."""

    def __init__(self, plot: pg.PlotItem, palette: ChartPalette) -> None:
        self._plot = plot
        self._palette = palette
        self.lines: dict[object, tuple[pg.InfiniteLine, str]] = {}

    def _style(self, line: pg.InfiniteLine, side: str, label: str) -> None:
        color = QColor(self._palette.buy if side == "buy" else self._palette.sell)
        line.setPen(pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine))
        fill = QColor(color)
        fill.setAlpha(220)
        line.label.setText(label)
        line.label.setColor(QColor("#ffffff"))
        line.label.fill = pg.mkBrush(fill)
        line.label.update()

    def set(self, orders: Iterable[OrderLine]) -> None:
        wanted = {}
        for key, price, side, label in orders:
            wanted[key] = (float(price), _check_side(side), label)
        for key in list(self.lines):
            if key not in wanted:
                line, _ = self.lines.pop(key)
                self._plot.removeItem(line)
        for key, (price, side, label) in wanted.items():
            if key in self.lines:
                line, _ = self.lines[key]
                line.setPos(price)
            else:
                line = pg.InfiniteLine(pos=price, angle=0, movable=False, label=label,
                                       labelOpts={"position": 0.06, "anchors": [(0, 1), (0, 1)]})
                line.setZValue(20)
                self._plot.addItem(line, ignoreBounds=True)
            self.lines[key] = (line, side)
            self._style(line, side, label)

    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        for line, side in self.lines.values():
            self._style(line, side, line.label.toPlainText())


class FillMarkers:
    """Triangles at fills: up (below the price) for buys, down for sells, in one scatter item."""

    def __init__(self, plot: pg.PlotItem, palette: ChartPalette) -> None:
        self._palette = palette
        self.item = pg.ScatterPlotItem(pxMode=True, size=11)
        self.item.setZValue(15)
        plot.addItem(self.item, ignoreBounds=True)
        self.fills: list[tuple[float, float, str]] = []

    def add(self, fills: Iterable[Fill]) -> None:
        self.fills.extend((float(t), float(p), _check_side(s)) for t, p, s in fills)
        self._refresh()

    def clear(self) -> None:
        self.fills.clear()
        self._refresh()

    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        self._refresh()

    def _refresh(self) -> None:
        if not self.fills:
            self.item.setData([], [])
            return
        arr = np.array([(t, p) for t, p, _ in self.fills], dtype=np.float64)
        buys = [s == "buy" for _, _, s in self.fills]
        brushes = [pg.mkBrush(self._palette.buy if b else self._palette.sell) for b in buys]
        symbols = ["t1" if b else "t" for b in buys]
        pen = pg.mkPen(self._palette.background, width=1)
        self.item.setData(x=arr[:, 0], y=arr[:, 1], brush=brushes, symbol=symbols, pen=pen)

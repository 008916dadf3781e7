"""Fill markers: a triangle per fill, up below the price for buys, down for sells (order lines: orderlines.py)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg

from terminal.ui.chart.theme import ChartPalette

Fill = tuple[float, float, str]  # (t_seconds, price, "buy" | "sell")


def _check_side(side: str) -> str:
    if side not in ("buy", "sell"):
        raise ValueError(f"side must be 'buy' or 'sell', not {side!r}")
    return side


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

"""Crosshair over the price and volume plots, snapping to the candle under the mouse, and the OHLCV readout."""
from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.GraphicsItem import GraphicsItem
from pyqtgraph.graphicsItems.InfiniteLine import InfLineLabel
from PySide6.QtCore import QObject, QPointF, Qt, Signal

from terminal.ui.chart.axis import format_price, format_time, format_volume
from terminal.ui.chart.legend import SPACE, SPACE2, Run
from terminal.ui.chart.series import OhlcvSeries
from terminal.ui.chart.theme import ChartPalette


def readout_text(series: OhlcvSeries, index: int, decimals: int) -> str:
    """``2026-11-24 11:49  O 43,100.00  H ...  C ...  V 12.3K`` for candle ``index`` ('' when out of range)."""
    if not 0 <= index < len(series):
        return ""
    t, o, h, l, c, v = series.row(index)  # noqa: E741
    f = format_price
    return (f"{format_time(t, series.interval)}  O {f(o, decimals)}  H {f(h, decimals)}  L {f(l, decimals)}  "
            f"C {f(c, decimals)}  V {format_volume(v)}")


def readout_runs(series: OhlcvSeries, index: int, decimals: int, palette: ChartPalette) -> list[Run]:
    """The legend's runs of candle ``index``: time, O/H/L/C, change and volume ([] when out of range)."""
    if not 0 <= index < len(series):
        return []
    t, o, h, l, c, v = series.row(index)  # noqa: E741
    color = palette.up if c >= o else palette.down
    dim = palette.text_dim
    chg = (c - o) / o * 100 if o else 0.0
    f = format_price
    return [Run(_time_text(t, series.interval), palette.text), SPACE2,
            Run("O", dim), SPACE, Run(f(o, decimals), color), SPACE2,
            Run("H", dim), SPACE, Run(f(h, decimals), color), SPACE2,
            Run("L", dim), SPACE, Run(f(l, decimals), color), SPACE2,
            Run("C", dim), SPACE, Run(f(c, decimals), color), SPACE2,
            Run(f"{chg:+.2f}%", color), SPACE2,
            Run("V", dim), SPACE, Run(format_volume(v), color)]


_times: dict[tuple[float, float], str] = {}  # (open time, interval) -> its text: a live candle keeps its time


def _time_text(t: float, interval: float) -> str:
    text = _times.get((t, interval))
    if text is None:
        if len(_times) >= 64:
            _times.clear()
        text = _times[(t, interval)] = format_time(t, interval)
    return text


class PriceLabel(InfLineLabel):
    """The crosshair's price label. The crosshair is hidden whenever the pointer is off the price plot, and a hidden
    label that placed itself along its line at every change of the view (``updatePosition``: the line's bounds
    computed again, a geometry change) cost every pan and zoom frame ~0.1 ms for nothing. While its line is hidden
    a change of the view only marks it; ``catch_up()`` places it when the line is shown."""

    def __init__(self, line: pg.InfiniteLine, **opts: object) -> None:
        self._pending = False
        super().__init__(line, **opts)

    def viewTransformChanged(self) -> None:
        if self.line.isVisible():
            super().viewTransformChanged()
            return
        GraphicsItem.viewTransformChanged(self)  # the cached view rect, at least
        self._pending = True

    def catch_up(self) -> None:
        """The line is shown: the view changes it missed, at once."""
        if self._pending:
            self._pending = False
            super().viewTransformChanged()


class Crosshair(QObject):
    """Emits ``hovered(index)`` with the candle under the mouse, or -1 when the mouse leaves the plots.

    The vertical line runs through the price plot and every plot below it (volume, indicator panes); the
    horizontal line and its price label only over the price plot. ``hide()`` when the pointer leaves the chart."""

    hovered = Signal(int)

    def __init__(self, price_plot: pg.PlotItem, volume_plot: pg.PlotItem, series: OhlcvSeries,
                 palette: ChartPalette, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._price_plot = price_plot
        self._series = series
        self._palette = palette
        self.index = -1
        self.vline = pg.InfiniteLine(angle=90, movable=False)
        self.hline = pg.InfiniteLine(angle=0, movable=False)
        self.hline.label = PriceLabel(self.hline, text="{value:.2f}", position=0.985, anchors=[(1, 0.5), (1, 0.5)])
        for line in (self.vline, self.hline):
            line.setZValue(30)
            line.hide()
            price_plot.addItem(line, ignoreBounds=True)
        self._lower: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self.set_lower_plots([volume_plot])
        self.set_palette(palette)
        price_plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

    @property
    def vline_volume(self) -> pg.InfiniteLine:
        return self._lower[0][1]

    def lines(self) -> list[pg.InfiniteLine]:
        return [self.vline, self.hline] + [line for _, line in self._lower]

    def set_lower_plots(self, plots: list[pg.PlotItem]) -> None:
        """The plots under the price plot, top to bottom (the volume first)."""
        keep = {id(plot): line for plot, line in self._lower}
        for plot, line in self._lower:
            if plot not in plots:
                try:
                    plot.removeItem(line)
                except RuntimeError:  # the plot went first
                    pass
        self._lower = []
        for plot in plots:
            line = keep.get(id(plot))
            if line is None:
                line = pg.InfiniteLine(angle=90, movable=False)
                line.setZValue(30)
                line.hide()
                line.setPen(pg.mkPen(self._palette.crosshair, width=1, style=Qt.PenStyle.DashLine))
                plot.addItem(line, ignoreBounds=True)
            self._lower.append((plot, line))

    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        pen = pg.mkPen(palette.crosshair, width=1, style=Qt.PenStyle.DashLine)
        for line in self.lines():
            line.setPen(pen)
        self.hline.label.fill = pg.mkBrush(palette.axis)
        self.hline.label.setColor(palette.text)

    def set_decimals(self, decimals: int) -> None:
        """Price label on the horizontal line, at the instrument's decimals."""
        self.hline.label.setFormat("{value:,.%df}" % max(decimals, 0))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        plots = [self._price_plot] + [plot for plot, _ in self._lower]
        under = next((plot for plot in plots if plot.vb.sceneBoundingRect().contains(scene_pos)), None)
        if under is None or not len(self._series):
            self.hide()
            return
        in_price = under is self._price_plot
        point = under.vb.mapSceneToView(scene_pos)
        i = self._series.index_at(point.x())
        x = float(self._series.t[i])
        for line in [self.vline] + [line for _, line in self._lower]:
            line.setPos(x)
            line.show()
        self.hline.setVisible(in_price)
        if in_price:
            self.hline.label.catch_up()
            self.hline.setPos(point.y())
        if i != self.index:
            self.index = i
            self.hovered.emit(i)

    def hide(self) -> None:
        for line in self.lines():
            line.hide()
        if self.index != -1:
            self.index = -1
            self.hovered.emit(-1)

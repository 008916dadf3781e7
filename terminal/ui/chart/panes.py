"""Indicator panes below the volume (RSI, MACD): a plot each, x-linked to the candles, with a title and values."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsTextItem

from terminal.ui.chart.axis import TimeAxis
from terminal.ui.chart.compute import IndicatorCache
from terminal.ui.chart.grid import GridItem
from terminal.ui.chart.indicator import IndicatorSpec
from terminal.ui.chart.overlays import HistogramItem, OverlayCurve
from terminal.ui.chart.series import OhlcvSeries
from terminal.ui.chart.theme import ChartPalette
from terminal.ui.plotmenu import own_menus

RSI_LEVELS = (30.0, 70.0)


class ValueAxis(pg.AxisItem):
    """An indicator's axis: plain numbers, no SI prefix."""

    def __init__(self, orientation: str = "right", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)


class IndicatorPane:
    """One RSI or MACD pane in ``view``'s layout at ``row``; ``remove()`` takes it out again."""

    def __init__(self, view: pg.GraphicsLayoutWidget, row: int, price_plot: pg.PlotItem, time_axis: pg.AxisItem,
                 series: OhlcvSeries, cache: IndicatorCache, spec: IndicatorSpec, palette: ChartPalette,
                 axis_width: int) -> None:
        self.view, self.series, self.cache, self.spec = view, series, cache, spec
        self.kind = spec.kind
        self.plot: pg.PlotItem = view.addPlot(row=row, col=0, axisItems={"right": ValueAxis("right"),
                                                                         "bottom": TimeAxis("bottom")})
        plot = self.plot
        plot.hideAxis("left")
        plot.showAxis("right")
        for hidden in ("left", "top"):  # hidden axes set their label's HTML at each range change with the prefix on
            plot.getAxis(hidden).enableAutoSIPrefix(False)
        plot.setMenuEnabled(False)
        own_menus(plot, view)  # pyqtgraph's parentless options menu: the view's, and gone with the pane
        plot.hideButtons()
        plot.getAxis("right").setWidth(axis_width)
        plot.getAxis("right").setStyle(maxTickLevel=0)
        plot.vb.setMouseEnabled(x=True, y=False)
        plot.vb.enableAutoRange(x=False, y=False)
        plot.vb.setDefaultPadding(0.0)
        plot.setXLink(price_plot)
        self.grid = GridItem(plot.vb, time_axis, plot.getAxis("right"))
        self.items: list[Any] = []
        self.levels: list[pg.InfiniteLine] = []
        if self.kind == "rsi":
            self.line = OverlayCurve(series, lambda start: cache.get("rsi", "value", start), "#ffffff",
                                     bounds=(0.0, 100.0))
            self.items = [self.line]
            for level in RSI_LEVELS:
                guide = pg.InfiniteLine(pos=level, angle=0, movable=False)
                self.levels.append(guide)
                plot.addItem(guide, ignoreBounds=True)
            plot.vb.setYRange(0.0, 100.0, padding=0.08)
        else:
            self.hist = HistogramItem(series, lambda start: cache.get("macd", "hist", start), "#ffffff", "#ffffff")
            self.line = OverlayCurve(series, lambda start: cache.get("macd", "macd", start), "#ffffff",
                                     bounds=(-1e12, 1e12))
            self.signal = OverlayCurve(series, lambda start: cache.get("macd", "signal", start), "#ffffff",
                                       bounds=(-1e12, 1e12))
            self.items = [self.hist, self.line, self.signal]
        for z, item in enumerate(self.items):
            item.setZValue(5 + z)
            plot.addItem(item, ignoreBounds=True)
        self.title = QGraphicsTextItem(plot.vb)
        self.title.setPos(6, 0)
        self.title.setZValue(40)
        self._palette = palette
        self.set_palette(palette)
        self._price_vb = price_plot.vb
        self._price_vb.sigXRangeChanged.connect(self._on_x_range)

    def set_spec(self, spec: IndicatorSpec) -> None:
        self.spec = spec
        self.set_palette(self._palette)
        self.refit()

    def color(self) -> str:
        return self.spec.color or self._palette.indicator(self.kind)

    def set_palette(self, p: ChartPalette) -> None:
        self._palette = p
        self.grid.set_color(p.grid)
        self.grid.top_border = pg.mkColor(p.axis)
        for side in ("right", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setPen(pg.mkPen(p.axis))
            axis.setTextPen(pg.mkPen(p.text_dim))
            axis.setStyle(tickLength=0, tickTextOffset=6)
        self.line.set_color(self.color())
        if self.kind == "macd":
            self.signal.set_color(p.signal)
            self.hist.set_colors(p.up, p.down)
        for guide in self.levels:
            guide.setPen(pg.mkPen(p.text_dim, width=1, style=Qt.PenStyle.DashLine))
        self.show_values(-1)

    def data_changed(self) -> None:
        for item in self.items:
            item.update()
        self.refit()

    def _on_x_range(self, *_: object) -> None:
        self.refit()

    def refit(self) -> None:
        """MACD: fit the visible values (RSI keeps 0..100)."""
        if self.kind != "macd" or not len(self.series):
            return
        (x0, x1), _ = self.plot.vb.viewRange()
        i0, i1 = self.series.visible_slice(x0, x1)
        if i1 <= i0:
            return
        parts = [self.cache.get("macd", name, i0)[i0:i1] for name in ("macd", "signal", "hist")]
        values = np.concatenate(parts)
        values = values[np.isfinite(values)]
        if len(values):
            lo, hi = float(values.min()), float(values.max())
            if hi <= lo:
                lo, hi = lo - 1.0, hi + 1.0
            self.plot.vb.setYRange(lo, hi, padding=0.1)

    def values_at(self, index: int) -> list[float]:
        if not 0 <= index < len(self.series):
            return []
        names = ("value",) if self.kind == "rsi" else ("macd", "signal", "hist")
        return [float(self.cache.get(self.kind, name, index)[index]) for name in names]

    def show_values(self, index: int) -> None:
        """Title and the values at candle ``index`` (the last one when -1)."""
        p = self._palette
        if index < 0:
            index = len(self.series) - 1
        vals = self.values_at(index)
        colors = [self.color()] if self.kind == "rsi" else [self.color(), p.signal, p.text]
        text = " ".join(f"<span style='color:{c}'>{v:,.2f}</span>" if np.isfinite(v) else "—"
                        for v, c in zip(vals, colors))
        self.title.setHtml(f"<span style='color:{p.text_dim}'>{self.spec.title()}</span>&nbsp;&nbsp;{text}")

    def remove(self) -> None:
        self._price_vb.sigXRangeChanged.disconnect(self._on_x_range)
        self.plot.setXLink(None)
        self.view.ci.removeItem(self.plot)  # out of the layout and the scene; Python frees it with this pane

"""The chart's indicators: lines over the candles (SMA, EMA, Bollinger) and panes below (RSI, MACD).

``Studies`` owns the active specs (one per kind), their values (``IndicatorCache``), their curves and panes. The
widget asks it to ``apply`` a set of specs (a symbol's saved choice, or a user's edit) and tells it when the data
or the theme changed; ``panes_changed`` says that the plots under the candles changed.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from terminal.ui.chart.axis import format_price
from terminal.ui.chart.compute import IndicatorCache
from terminal.ui.chart.indicator import DEFAULTS, KINDS, IndicatorSpec
from terminal.ui.chart.legend import SPACE, SPACE3, Run
from terminal.ui.chart.overlays import OverlayCurve
from terminal.ui.chart.panes import IndicatorPane
from terminal.ui.chart.series import OhlcvSeries
from terminal.ui.chart.theme import ChartPalette

PANE_ROWS = {"rsi": 2, "macd": 3}  # layout rows (0 candles, 1 volume)
PANE_STRETCH = 1


class Studies(QObject):
    panes_changed = Signal()

    def __init__(self, view: pg.GraphicsLayoutWidget, price_plot: pg.PlotItem, time_axis: pg.AxisItem,
                 series: OhlcvSeries, palette: ChartPalette, axis_width: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view, self._price_plot, self._time_axis = view, price_plot, time_axis
        self.series = series
        self._palette = palette
        self._axis_width = axis_width
        self.cache = IndicatorCache(series)
        self.active: dict[str, IndicatorSpec] = {}
        self.params: dict[str, IndicatorSpec] = dict(DEFAULTS)  # the last settings of every kind, on or off
        self.curves: dict[str, list[OverlayCurve]] = {}
        self.panes: dict[str, IndicatorPane] = {}
        # a new history's values are computed for the candles on screen first; the rest once the frame is out
        self._complete = QTimer(self)
        self._complete.setSingleShot(True)
        self._complete.setInterval(100)
        self._complete.timeout.connect(self.cache.complete)
        self._generation = series.generation

    # ---- the choice ------------------------------------------------------------------------------------------
    def specs(self) -> list[IndicatorSpec]:
        """The active specs in the order of ``KINDS``."""
        return [self.active[k] for k in KINDS if k in self.active]

    def apply(self, specs: list[IndicatorSpec]) -> None:
        """Show exactly ``specs`` (one per kind)."""
        wanted = {s.kind: s for s in specs}
        for spec in specs:
            self.params[spec.kind] = spec
        self.cache.set_specs(list(wanted.values()))
        self._complete.start()  # a new spec's older values, after the frame that shows it
        panes_before = set(self.panes)
        for kind in KINDS:
            old, new = self.active.get(kind), wanted.get(kind)
            if old == new:
                continue
            if old is not None and new is None:
                self._remove(kind)
            if new is not None:
                if kind in self.panes:
                    self.panes[kind].set_spec(new)
                elif kind in self.curves:
                    self._restyle(kind, new)
                else:
                    self._add(new)
        self.active = wanted
        if set(self.panes) != panes_before:
            self.panes_changed.emit()

    def with_kind(self, kind: str, on: bool) -> list[IndicatorSpec]:
        """The active specs with ``kind`` switched on (at its last settings) or off."""
        specs = {s.kind: s for s in self.specs()}
        if on:
            specs[kind] = self.params[kind]
        else:
            specs.pop(kind, None)
        return [specs[k] for k in KINDS if k in specs]

    def with_spec(self, spec: IndicatorSpec) -> list[IndicatorSpec]:
        """The active specs with ``spec``'s kind set to it (switched on)."""
        self.params[spec.kind] = spec
        return self.with_kind(spec.kind, True)

    # ---- drawing ---------------------------------------------------------------------------------------------
    def color(self, spec: IndicatorSpec) -> str:
        return spec.color or self._palette.indicator(spec.kind)

    def _add(self, spec: IndicatorSpec) -> None:
        if spec.pane:
            self.panes[spec.kind] = IndicatorPane(self._view, PANE_ROWS[spec.kind], self._price_plot,
                                                  self._time_axis, self.series, self.cache, spec, self._palette,
                                                  self._axis_width)
            self._view.ci.layout.setRowStretchFactor(PANE_ROWS[spec.kind], PANE_STRETCH)
            return
        cache, kind, color, w = self.cache, spec.kind, self.color(spec), spec.warmup()
        value: Callable[[str], Callable[[int], np.ndarray]] = (  # noqa: E731
            lambda out: (lambda start: cache.get(kind, out, start)))
        if kind == "bb":
            curves = [OverlayCurve(self.series, value("upper"), color, window=w),
                      OverlayCurve(self.series, value("lower"), color, window=w),
                      OverlayCurve(self.series, value("mid"), color, 1.0, Qt.PenStyle.DashLine, w)]
        else:
            curves = [OverlayCurve(self.series, value("value"), color, window=w)]
        for curve in curves:
            curve.setZValue(5)
            self._price_plot.addItem(curve, ignoreBounds=True)
        self.curves[kind] = curves

    def _restyle(self, kind: str, spec: IndicatorSpec) -> None:
        for curve in self.curves[kind]:
            curve.set_color(self.color(spec))
            curve.window = spec.warmup()
            curve.update()

    def _remove(self, kind: str) -> None:
        for curve in self.curves.pop(kind, []):
            self._price_plot.removeItem(curve)
        pane = self.panes.pop(kind, None)
        if pane is not None:
            pane.remove()
            self._view.ci.layout.setRowStretchFactor(PANE_ROWS[kind], 0)

    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        for kind, curves in self.curves.items():
            for curve in curves:
                curve.set_color(self.color(self.active[kind]))
        for pane in self.panes.values():
            pane.set_palette(palette)

    def data_changed(self) -> None:
        if self.series.generation != self._generation:
            self._generation = self.series.generation
            self._complete.start()
        for curves in self.curves.values():
            for curve in curves:
                curve.update()
        for pane in self.panes.values():
            pane.data_changed()

    def show_values(self, index: int) -> None:
        for pane in self.panes.values():
            pane.show_values(index)

    def legend_runs(self, index: int, decimals: int) -> list[Run]:
        """The overlays over the candles with their values at candle ``index``, as the legend's runs."""
        if not 0 <= index < len(self.series):
            return []
        p = self._palette
        runs: list[Run] = []
        for kind in KINDS:
            spec = self.active.get(kind)
            if spec is None or spec.pane:
                continue
            outs = ("upper", "mid", "lower") if kind == "bb" else ("value",)
            vals = [float(self.cache.get(kind, o, index)[index]) for o in outs]
            shown = " ".join(format_price(v, decimals) if math.isfinite(v) else "—" for v in vals)
            if runs:
                runs.append(SPACE3)
            runs += (Run(spec.title(), p.text_dim), SPACE, Run(shown, self.color(spec)))
        return runs

    def pane_plots(self) -> list[pg.PlotItem]:
        return [self.panes[k].plot for k in KINDS if k in self.panes]

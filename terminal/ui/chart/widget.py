"""ChartWidget: live candles, volume, overlays, crosshair readout, order lines and fills, fed by the window.

It knows nothing about sessions: the window calls ``set_symbol``, ``set_bars``, ``update_bar``, ``set_order_lines``
and ``add_fill_markers``, and listens to ``timeframe_changed``, ``price_clicked`` and ``range_requested``.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from terminal.ui.chart.axis import PriceAxis, TimeAxis, VolumeAxis, format_price
from terminal.ui.chart.candles import CandleItem
from terminal.ui.chart.crosshair import Crosshair, readout_html, readout_text
from terminal.ui.chart.grid import GridItem
from terminal.ui.chart.markers import Fill, FillMarkers, OrderLine, OrderLines
from terminal.ui.chart.navigation import Navigator
from terminal.ui.chart.overlays import IndicatorCache, OverlayCurve
from terminal.ui.chart.series import OhlcvSeries
from terminal.ui.chart.theme import palette
from terminal.ui.chart.toolbar import TIMEFRAMES, ChartToolbar
from terminal.ui.chart.volume import VolumeItem

AXIS_WIDTH = 84
log = logging.getLogger(__name__)


class ChartWidget(QWidget):
    timeframe_changed = Signal(str)
    price_clicked = Signal(float)
    range_requested = Signal(object)  # int; left edge of the view (epoch ms) when the user pans past the loaded history

    def __init__(self, parent: QWidget | None = None, theme: str = "dark") -> None:
        super().__init__(parent)
        self.series = OhlcvSeries()
        self.symbol = ""
        self.price_decimals = 2
        self._palette = palette(theme)

        self.toolbar = ChartToolbar(self)
        self.view = pg.GraphicsLayoutWidget(self)
        self.view.ci.layout.setContentsMargins(0, 0, 0, 0)
        self.view.ci.layout.setSpacing(0)
        self.price_axis = PriceAxis("right", decimals=self.price_decimals)
        self.price_plot: pg.PlotItem = self.view.addPlot(row=0, col=0, axisItems={
            "right": self.price_axis, "bottom": TimeAxis("bottom")})
        self.volume_plot: pg.PlotItem = self.view.addPlot(row=1, col=0, axisItems={
            "right": VolumeAxis("right"), "bottom": TimeAxis("bottom")})
        self.view.ci.layout.setRowStretchFactor(0, 4)
        self.view.ci.layout.setRowStretchFactor(1, 1)
        self._setup_plots()

        self.candles = CandleItem(self.series)
        self.volume = VolumeItem(self.series)
        self.price_plot.addItem(self.candles)
        self.volume_plot.addItem(self.volume)
        self.indicators = IndicatorCache(self.series)
        self.overlays: dict[str, list[OverlayCurve]] = {"sma": [], "ema": [], "bb": []}
        self._make_overlays()
        self.last_price_line = pg.InfiniteLine(angle=0, movable=False, label="",
                                               labelOpts={"position": 0.985, "anchors": [(1, 0.5), (1, 0.5)]})
        self.last_price_line.setZValue(12)
        self.last_price_line.hide()
        self.price_plot.addItem(self.last_price_line, ignoreBounds=True)
        self.order_lines = OrderLines(self.price_plot, self._palette)
        self.fills = FillMarkers(self.price_plot, self._palette)
        self.crosshair = Crosshair(self.price_plot, self.volume_plot, self.series, self._palette)
        self.crosshair.hovered.connect(self._on_hovered)
        self.crosshair.set_decimals(self.price_decimals)
        self.readout = QLabel(self.view)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.readout.move(10, 6)
        self.navigator = Navigator(self.price_plot.vb, self.series)
        self.navigator.follow_changed.connect(self._on_follow_changed)
        self.navigator.history_needed.connect(self.range_requested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.view, 1)
        self.toolbar.timeframe_clicked.connect(self._on_timeframe_clicked)
        self.toolbar.overlay_toggled.connect(self.set_overlay_visible)
        self.toolbar.follow_toggled.connect(self.navigator.set_follow)
        self.view.scene().sigMouseClicked.connect(self._on_scene_clicked)
        for key in ("sma", "ema"):
            self.toolbar.overlay_buttons[key].setChecked(True)
        self.toolbar.follow_button.setChecked(True)
        self.set_theme(theme)

    # ---- construction ------------------------------------------------------------------------------------------
    def _setup_plots(self) -> None:
        for plot in (self.price_plot, self.volume_plot):
            plot.hideAxis("left")
            plot.showAxis("right")
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.getAxis("right").setWidth(AXIS_WIDTH)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.vb.setMouseEnabled(x=True, y=False)
            plot.vb.enableAutoRange(x=False, y=True)
            plot.vb.setAutoVisible(y=True)
            plot.vb.setDefaultPadding(0.0)
        time_axis = self.volume_plot.getAxis("bottom")
        self.grids = [GridItem(self.price_plot.vb, time_axis, self.price_axis),
                      GridItem(self.volume_plot.vb, time_axis, self.volume_plot.getAxis("right"))]
        self.price_plot.hideAxis("bottom")
        self.price_plot.vb.setDefaultPadding(0.06)
        self.volume_plot.setXLink(self.price_plot)
        self.volume_plot.getAxis("right").setStyle(maxTickLevel=0)

    def _make_overlays(self) -> None:
        p, ind = self._palette, self.indicators
        dash = Qt.PenStyle.DashLine
        bb = ind.bb_window
        self.overlays["sma"] = [OverlayCurve(self.series, lambda: ind.get("sma"), p.sma, window=ind.sma_window)]
        self.overlays["ema"] = [OverlayCurve(self.series, lambda: ind.get("ema"), p.ema, window=ind.ema_window)]
        self.overlays["bb"] = [OverlayCurve(self.series, lambda: ind.get("bb_upper"), p.bollinger, window=bb),
                               OverlayCurve(self.series, lambda: ind.get("bb_lower"), p.bollinger, window=bb),
                               OverlayCurve(self.series, lambda: ind.get("bb_mid"), p.bollinger, 1.0, dash, bb)]
        for curves in self.overlays.values():
            for curve in curves:
                curve.setZValue(5)
                curve.hide()
                self.price_plot.addItem(curve, ignoreBounds=True)

    # ---- public API --------------------------------------------------------------------------------------------
    def set_symbol(self, symbol: str, price_decimals: int) -> None:
        self.symbol = symbol
        self.price_decimals = int(price_decimals)
        self.price_axis.set_decimals(self.price_decimals)
        self.crosshair.set_decimals(self.price_decimals)
        self._refresh_last_price()
        self._show_readout(self.crosshair.index)

    def set_timeframe(self, timeframe: str) -> None:
        """Check the timeframe's button without emitting ``timeframe_changed``."""
        self.toolbar.set_timeframe(timeframe)

    def set_bars(self, times_ms: np.ndarray, open: np.ndarray, high: np.ndarray, low: np.ndarray,  # noqa: A002
                 close: np.ndarray, volume: np.ndarray) -> None:
        t = np.asarray(times_ms, dtype=np.int64).astype(np.float64) / 1000.0
        interval = None if len(t) > 1 else float(TIMEFRAMES[self.toolbar.timeframe()])
        self.series.set(t, open, high, low, close, volume, interval=interval)
        self._data_changed()
        self.navigator.reset_view()

    def prepend_bars(self, times_ms: np.ndarray, open: np.ndarray, high: np.ndarray, low: np.ndarray,  # noqa: A002
                     close: np.ndarray, volume: np.ndarray) -> int:
        """Put older candles before the loaded history (the answer to ``range_requested``) and keep the view where it
        is. Candles not older than the first loaded one are ignored. Returns how many were added."""
        s = self.series
        if not len(s):
            self.set_bars(times_ms, open, high, low, close, volume)
            return len(s)
        t = np.asarray(times_ms, dtype=np.int64).astype(np.float64) / 1000.0
        older = t < s.t[0]
        n = int(np.count_nonzero(older))
        if n:
            new = (t, open, high, low, close, volume)
            cols = [np.concatenate([np.asarray(a, dtype=np.float64)[older], b]) for a, b in zip(new, (s.t, s.o, s.h, s.l, s.c, s.v))]
            s.set(*cols, interval=s.interval)
            self._data_changed()
        return n

    def update_bar(self, time_ms: int, o: float, h: float, l: float, c: float, v: float) -> bool:  # noqa: E741
        """Append the candle if it is newer than the last one, replace the last one if it has the same time.
        A candle older than the last one is ignored (False): a late stream message must not break the chart."""
        if not len(self.series):
            self.series.interval = float(TIMEFRAMES[self.toolbar.timeframe()])
        elif time_ms / 1000.0 < self.series.t[-1]:
            log.debug("ignored a candle older than the last one: %s", time_ms)
            return False
        appended = self.series.upsert(time_ms / 1000.0, o, h, l, c, v)
        self._data_changed()
        if appended:
            self.navigator.on_appended()
        return True

    def set_order_lines(self, orders: Iterable[OrderLine]) -> None:
        """Replace the open-order lines: ``(key, price, "buy" | "sell", label)`` each, e.g. label "0.5@43,100.00"."""
        self.order_lines.set(orders)

    def add_fill_markers(self, fills: Iterable[Fill]) -> None:
        """Add triangles for fills: ``(t_seconds, price, "buy" | "sell")`` each."""
        self.fills.add(fills)

    def clear_markers(self) -> None:
        self.fills.clear()

    def set_overlay_visible(self, key: str, visible: bool) -> None:
        """``key`` is "sma", "ema" or "bb"."""
        for curve in self.overlays[key]:
            curve.setVisible(visible)
        if self.toolbar.overlay_buttons[key].isChecked() != visible:
            self.toolbar.overlay_buttons[key].setChecked(visible)

    @property
    def follow_latest(self) -> bool:
        return self.navigator.follow

    def set_follow_latest(self, on: bool) -> None:
        self.navigator.set_follow(on)

    def readout_text(self) -> str:
        """The OHLCV readout as plain text (the hovered candle, else the last one)."""
        i = self.crosshair.index if self.crosshair.index >= 0 else len(self.series) - 1
        return readout_text(self.series, i, self.price_decimals)

    def set_theme(self, name: str) -> None:
        p = self._palette = palette(name)
        self.view.setBackground(p.background)
        self.toolbar.apply_palette(p)
        self.setStyleSheet(f"ChartWidget {{ background: {p.background}; }}")
        for plot in (self.price_plot, self.volume_plot):
            for side in ("right", "bottom"):
                axis = plot.getAxis(side)
                axis.setPen(pg.mkPen(p.axis))
                axis.setTextPen(pg.mkPen(p.text_dim))
                axis.setStyle(tickLength=0, tickTextOffset=6)
        for grid in self.grids:
            grid.set_color(p.grid)
        self.grids[1].top_border = QColor(p.axis)
        self.candles.set_colors(p.up, p.down)
        self.volume.set_colors(p.up, p.down, p.volume_alpha)
        for key, color in (("sma", p.sma), ("ema", p.ema), ("bb", p.bollinger)):
            for curve in self.overlays[key]:
                curve.set_color(color)
        self.order_lines.set_palette(p)
        self.fills.set_palette(p)
        self.crosshair.set_palette(p)
        self._refresh_last_price()
        self._show_readout(self.crosshair.index)

    # ---- internals ---------------------------------------------------------------------------------------------
    def _data_changed(self) -> None:
        self.candles.data_changed()
        self.volume.data_changed()
        for curves in self.overlays.values():
            for curve in curves:
                curve.update()
        self._refresh_last_price()
        if self.crosshair.index < 0 or self.crosshair.index >= len(self.series) - 1:
            self._show_readout(self.crosshair.index)

    def _refresh_last_price(self) -> None:
        if not len(self.series):
            self.last_price_line.hide()
            return
        o, c = float(self.series.o[-1]), float(self.series.c[-1])
        color = QColor(self._palette.up if c >= o else self._palette.down)
        self.last_price_line.setPen(pg.mkPen(color, width=1, style=Qt.PenStyle.DotLine))
        self.last_price_line.setPos(c)
        label = self.last_price_line.label
        label.setText(format_price(c, self.price_decimals))
        label.setColor(QColor("#ffffff"))
        label.fill = pg.mkBrush(color)
        label.update()
        self.last_price_line.show()

    def _show_readout(self, index: int) -> None:
        if index < 0:
            index = len(self.series) - 1
        head = f"<b style='color:{self._palette.text}'>{self.symbol}</b>&nbsp;&nbsp;" if self.symbol else ""
        self.readout.setText(head + readout_html(self.series, index, self.price_decimals, self._palette))
        self.readout.adjustSize()

    def _on_hovered(self, index: int) -> None:
        self._show_readout(index)

    def _on_follow_changed(self, on: bool) -> None:
        b = self.toolbar.follow_button
        if b.isChecked() != on:
            b.blockSignals(True)
            b.setChecked(on)
            b.blockSignals(False)

    def _on_timeframe_clicked(self, timeframe: str) -> None:
        self.timeframe_changed.emit(timeframe)

    def _on_scene_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        pos = event.scenePos()  # type: ignore[attr-defined]
        vb = self.price_plot.vb
        if vb.sceneBoundingRect().contains(pos):
            self.price_clicked.emit(float(vb.mapSceneToView(pos).y()))

"""ChartWidget: live candles, volume, indicators, crosshair readout, order lines and fills, fed by the window.

It knows nothing about sessions: the window calls ``set_symbol``, ``set_bars``, ``update_bar``, ``set_order_lines``
and ``add_fill_markers``, and listens to ``timeframe_changed``, ``price_clicked``, ``range_requested`` and the order
gestures (``order_moved``, ``order_cancel_requested``, ``order_requested``; ``trading.ChartTrading`` turns them
into session calls).

The chart never shows one symbol's data under another's name: a new symbol or timeframe clears it and shows
"loading…" until ``set_bars`` brings that symbol's history; data passed with another ``symbol``/``timeframe`` than
the one shown is dropped, and live candles that come before the history are kept until it arrives.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPainter, QPaintEvent, QRegion
from PySide6.QtWidgets import QLabel, QMenu, QVBoxLayout, QWidget

from terminal.ui.chart.axis import PriceAxis, TimeAxis, VolumeAxis, format_price
from terminal.ui.chart.candles import LOD_SPACING_PX, CandleItem
from terminal.ui.chart.crosshair import Crosshair, readout_runs, readout_text
from terminal.ui.chart.editor import IndicatorPanel
from terminal.ui.chart.grid import GridItem
from terminal.ui.chart.indicator import IndicatorSpec, default_specs, specs_from_data, specs_to_data
from terminal.ui.chart.lastprice import LastPriceLine
from terminal.ui.chart.legend import SPACE, SPACE2, Legend, Run
from terminal.ui.chart.livelayer import LayeredView, SettledLayer
from terminal.ui.chart.markers import Fill, FillMarkers
from terminal.ui.chart.navigation import Navigator
from terminal.ui.chart.orderlines import OrderLine, OrderOverlay, decimal_snapper
from terminal.ui.chart.series import OhlcvSeries
from terminal.ui.chart.store import IndicatorStore, MemoryStore
from terminal.ui.chart.studies import Studies
from terminal.ui.chart.theme import palette
from terminal.ui.plotmenu import own_menus
from terminal.ui.chart.toolbar import TIMEFRAMES, ChartToolbar
from terminal.ui.chart.volume import VolumeItem

AXIS_WIDTH = 84
log = logging.getLogger(__name__)
ORDER_KINDS = ("buy_limit", "sell_limit", "buy_stop", "sell_stop")


class ChartWidget(QWidget):
    timeframe_changed = Signal(str)
    price_clicked = Signal(float)
    range_requested = Signal(object)  # int; left edge of the view (epoch ms) when the user pans past the loaded history
    order_moved = Signal(object, object)  # key, Decimal: an order line was dragged to a new (snapped) price
    order_cancel_requested = Signal(object)  # key: the x of an order line was clicked
    order_requested = Signal(str, object)  # one of ORDER_KINDS, Decimal price (the chart's right-click menu)
    #: a protective group's line: dragged to a new price ((group_id, role), Decimal) / its x clicked ((group_id, role))
    protection_moved = Signal(object, object)
    protection_cancel_requested = Signal(object)
    alert_requested = Signal(object)  # a price (Decimal): the right-click "Alert when the price crosses"

    def __init__(self, parent: QWidget | None = None, theme: str = "dark",
                 store: IndicatorStore | None = None) -> None:
        super().__init__(parent)
        self.series = OhlcvSeries()
        self.symbol = ""
        self.timeframe = "1m"
        self.price_decimals = 2
        self.loading = False
        self._early: list[tuple[int, float, float, float, float, float]] = []  # live candles before the history
        self.trading_enabled = True
        self.trading_reason = ""
        self.order_size_text: Callable[[], str] | None = None  # "0.01000 BTC" for the order menu, from the ticket
        self.store: IndicatorStore = store if store is not None else MemoryStore()
        self._palette = palette(theme)

        # every pixel is painted (the toolbar, the view, paintEvent around them): nothing to clear first (a grab
        # of the whole chart filled its 1600x900 pixmap transparent before painting over all of it)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.toolbar = ChartToolbar(self)
        self.view = LayeredView(self)
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
        # the chart's QObjects are its children: deleted with it, on the GUI thread. Left to Python they went with
        # the garbage collector, on whichever thread ran it (a sandbox or executor thread), where Qt cannot stop
        # their timers: the indicators' 100 ms timer then fired at a deleted object (a segfault; tests/ui/chart/
        # test_chart_ownership.py)
        self.studies = Studies(self.view, self.price_plot, self.volume_plot.getAxis("bottom"), self.series,
                               self._palette, AXIS_WIDTH, parent=self)
        self.studies.panes_changed.connect(self._on_panes_changed)
        # live frames: the candles, grid and axes a live candle leaves as they were kept in a picture
        self.layer = SettledLayer(self.view, [self.candles, self.volume],
                                  lambda: [self.price_plot, self.volume_plot, *self.studies.pane_plots()],
                                  LOD_SPACING_PX)
        self.last_price_line = LastPriceLine()
        self.last_price_line.setZValue(16)  # over the fill markers (15): a fill at the live candle hid its last digit
        self.last_price_line.hide()
        self.price_plot.addItem(self.last_price_line, ignoreBounds=True)
        self.order_lines = OrderOverlay(self.price_plot.vb, self._palette, self.price_decimals)
        self.order_lines.moved.connect(self.order_moved)
        self.order_lines.cancel_requested.connect(self.order_cancel_requested)
        self.protection_lines = OrderOverlay(self.price_plot.vb, self._palette, self.price_decimals)  # chart/protection
        self.protection_lines.moved.connect(self.protection_moved)
        self.protection_lines.cancel_requested.connect(self.protection_cancel_requested)
        self.fills = FillMarkers(self.price_plot, self._palette)
        self.crosshair = Crosshair(self.price_plot, self.volume_plot, self.series, self._palette, parent=self)
        self.crosshair.hovered.connect(self._on_hovered)
        self.crosshair.set_decimals(self.price_decimals)
        self.readout = Legend(self.view)  # the legend: symbol, OHLCV readout, indicator values (markup)
        self.readout.move(10, 6)
        from .notice import ChartNotice  # market notes ("market closed, opens 09:30 ET · delayed") over the pane
        self.notice = ChartNotice(self.view, self.readout, AXIS_WIDTH)
        self.notice_label = self.notice.label
        self.loading_label = QLabel(self.view)
        self.loading_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.loading_label.hide()
        self.navigator = Navigator(self.price_plot.vb, self.series, parent=self)
        self.navigator.follow_changed.connect(self._on_follow_changed)
        self.navigator.history_needed.connect(self.range_requested)
        self.indicator_panel = IndicatorPanel(self)
        self.indicator_panel.toggled.connect(self._on_indicator_toggled)
        self.indicator_panel.edited.connect(self._on_indicator_edited)
        self.order_menu: QMenu | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.view, 1)
        self.toolbar.timeframe_clicked.connect(self._on_timeframe_clicked)
        self.toolbar.indicators_clicked.connect(self.open_indicator_panel)
        self.toolbar.follow_toggled.connect(self.navigator.set_follow)
        self.view.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.view.viewport().installEventFilter(self)
        self.toolbar.follow_button.setChecked(True)
        self.studies.apply(default_specs())
        self.set_theme(theme)

    # ---- construction ------------------------------------------------------------------------------------------
    def _setup_plots(self) -> None:
        for plot in (self.price_plot, self.volume_plot):
            plot.hideAxis("left")
            plot.showAxis("right")
            plot.setMenuEnabled(False)
            own_menus(plot, self)  # pyqtgraph's parentless options menu: the chart's (see plotmenu.py)
            plot.hideButtons()
            plot.getAxis("right").setWidth(AXIS_WIDTH)
            for hidden in ("left", "top"):  # never shown, but linked to the view: with the SI prefix on, each
                # range change set their (hidden) label's HTML and re-sized them (~0.1 ms a pan or zoom frame)
                plot.getAxis(hidden).enableAutoSIPrefix(False)
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

    def set_notice(self, text: str) -> None:
        """Market notes in the header ("market closed, opens 09:30 ET", "delayed"); "" hides them."""
        self.notice.set_text(text)

    # ---- symbol and data ---------------------------------------------------------------------------------------
    def set_symbol(self, symbol: str, price_decimals: int, snap: Callable[[Decimal], Decimal] | None = None) -> None:
        """Show ``symbol``; ``snap`` rounds a price to the instrument's tick (dragged lines, the order menu). A new
        symbol clears the chart until its history comes, and brings back its saved indicators."""
        changed = symbol != self.symbol
        self.symbol = symbol
        self.layer.invalidate()  # the price axis' decimals
        self.price_decimals = int(price_decimals)
        self.price_axis.set_decimals(self.price_decimals)
        self.crosshair.set_decimals(self.price_decimals)
        by_decimals = decimal_snapper(self.price_decimals)
        self.order_lines.set_decimals(self.price_decimals, (lambda v: snap(by_decimals(v))) if snap else None)
        self.protection_lines.set_decimals(self.price_decimals, self.order_lines.snap)
        if changed:
            self._begin_loading()
            saved = specs_from_data(self.store.get(symbol)) if symbol else None
            self.studies.apply(saved if saved is not None else default_specs())
        self._refresh_last_price()
        self._show_readout(self.crosshair.index)

    def set_timeframe(self, timeframe: str) -> None:
        """Check the timeframe's button without emitting ``timeframe_changed``; another timeframe than the one shown
        clears the chart until its history comes."""
        self.toolbar.set_timeframe(timeframe)
        if timeframe != self.timeframe:
            self.timeframe = timeframe
            self._begin_loading(keep_orders=True)
            self._show_readout(-1)

    def _is_current(self, symbol: str | None, timeframe: str | None) -> bool:
        return (symbol is None or symbol == self.symbol) and (timeframe is None or timeframe == self.timeframe)

    def _begin_loading(self, keep_orders: bool = False) -> None:
        """Forget the candles shown (they belong to another symbol or timeframe) and say that the new ones are
        coming. The orders and fills stay for a new timeframe of the same symbol."""
        self.loading = True
        self._early.clear()
        empty = np.empty(0)
        self.series.set(empty, empty, empty, empty, empty, empty)
        if not keep_orders:
            self.fills.clear()
            self.order_lines.set([])
            self.protection_lines.set([])
        self.crosshair.hide()
        self.price_plot.vb.enableAutoRange(y=True)
        self._data_changed()
        self.loading_label.setText(f"Loading {self.symbol} · {self.timeframe}…" if self.symbol else "Loading…")
        self._place_loading_label()
        self.loading_label.show()

    def set_bars(self, times_ms: np.ndarray, open: np.ndarray, high: np.ndarray, low: np.ndarray,  # noqa: A002
                 close: np.ndarray, volume: np.ndarray, *, symbol: str | None = None,
                 timeframe: str | None = None) -> bool:
        """The history of the symbol and timeframe shown. Data of another ``symbol``/``timeframe`` (a late answer
        for what was shown before) is dropped: False."""
        if not self._is_current(symbol, timeframe):
            log.debug("dropped history of %s %s (showing %s %s)", symbol, timeframe, self.symbol, self.timeframe)
            return False
        t = np.asarray(times_ms, dtype=np.int64).astype(np.float64) / 1000.0
        interval = None if len(t) > 1 else float(TIMEFRAMES.get(self.timeframe, 60))
        self.series.set(t, open, high, low, close, volume, interval=interval)
        early, self._early = self._early, []
        for bar in early:  # live candles that came while the history was on its way
            if not len(self.series) or bar[0] / 1000.0 >= self.series.t[-1]:
                self.series.upsert(bar[0] / 1000.0, *bar[1:])
        self.loading = False
        self.loading_label.hide()
        self._data_changed()
        self.navigator.reset_view()
        return True

    def prepend_bars(self, times_ms: np.ndarray, open: np.ndarray, high: np.ndarray, low: np.ndarray,  # noqa: A002
                     close: np.ndarray, volume: np.ndarray, *, symbol: str | None = None,
                     timeframe: str | None = None) -> int:
        """Put older candles before the loaded history (the answer to ``range_requested``) and keep the view where it
        is. Candles not older than the first loaded one are ignored, and so is another symbol's or timeframe's
        page. Returns how many were added."""
        if not self._is_current(symbol, timeframe) or self.loading:
            return 0
        s = self.series
        if not len(s):
            self.set_bars(times_ms, open, high, low, close, volume)
            return len(s)
        t = np.asarray(times_ms, dtype=np.int64).astype(np.float64) / 1000.0
        older = t < s.t[0]
        n = int(np.count_nonzero(older))
        if n:
            new = (t, open, high, low, close, volume)
            cols = [np.concatenate([np.asarray(a, dtype=np.float64)[older], b])
                    for a, b in zip(new, (s.t, s.o, s.h, s.l, s.c, s.v))]
            s.set(cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], interval=s.interval)
            self._data_changed()
        return n

    def update_bar(self, time_ms: int, o: float, h: float, l: float, c: float, v: float,  # noqa: E741
                   *, symbol: str | None = None, timeframe: str | None = None) -> bool:
        """Append the candle if it is newer than the last one, replace the last one if it has the same time.
        A candle older than the last one is ignored (False): a late stream message must not break the chart; so
        is another symbol's or timeframe's. While the history is loading the candle waits for it."""
        if not self._is_current(symbol, timeframe):
            return False
        if self.loading:
            self._early.append((int(time_ms), o, h, l, c, v))
            return True
        if not len(self.series):
            self.series.interval = float(TIMEFRAMES.get(self.timeframe, 60))
        elif time_ms / 1000.0 < self.series.t[-1]:
            log.debug("ignored a candle older than the last one: %s", time_ms)
            return False
        appended = self.series.upsert(time_ms / 1000.0, o, h, l, c, v)
        self._data_changed()
        if appended:
            self.navigator.on_appended()
        return True

    # ---- orders ------------------------------------------------------------------------------------------------
    def set_order_lines(self, orders: Iterable[OrderLine | tuple[Any, ...]]) -> None:
        """Replace the open-order lines: ``OrderLine(key, price, side, label, kind, movable)`` or
        ``(key, price, "buy" | "sell", label)`` each, e.g. label "BUY 0.50000"."""
        self.order_lines.set(orders)

    def end_order_move(self, key: object) -> None:
        """A dragged order's move is over (replaced, declined or refused): draw it at its order's price."""
        self.order_lines.end_move(key)

    def set_trading_enabled(self, enabled: bool, reason: str = "") -> None:
        """Without trading (no keys) the order menu's entries are disabled, with ``reason`` shown."""
        self.trading_enabled, self.trading_reason = enabled, reason

    def add_fill_markers(self, fills: Iterable[Fill]) -> None:
        """Add triangles for fills: ``(t_seconds, price, "buy" | "sell")`` each."""
        self.fills.add(fills)

    def clear_markers(self) -> None:
        self.fills.clear()

    def order_menu_at(self, scene_pos: QPointF) -> QMenu | None:
        """The right-click menu for the price under ``scene_pos``: buy limit, sell limit, and a stop on the side
        the price is of the last one (a buy stop above the market, a sell stop below). None off the candles."""
        vb = self.price_plot.vb
        if self.loading or not len(self.series) or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        price = self.order_lines.snap(float(vb.mapSceneToView(scene_pos).y()))
        if price <= 0:
            return None
        text = self.order_lines.price_text(price)
        last = float(self.series.c[-1])
        stop = "buy_stop" if float(price) > last else "sell_stop"
        menu = QMenu(self)
        size = self.order_size_text() if self.order_size_text is not None else ""
        head = menu.addAction(f"{size} at {text}".strip() if size else text)
        head.setEnabled(False)
        menu.addSeparator()
        titles = {"buy_limit": "Buy limit here", "sell_limit": "Sell limit here", "buy_stop": "Buy stop here",
                  "sell_stop": "Sell stop here"}
        for kind in ("buy_limit", "sell_limit", stop):
            act = QAction(f"{titles[kind]}  ({text})", menu)
            act.setData(kind)
            act.setEnabled(self.trading_enabled)
            act.triggered.connect(lambda _=False, k=kind, p=price: self.order_requested.emit(k, p))
            menu.addAction(act)
        if not self.trading_enabled and self.trading_reason:
            menu.addSeparator()
            menu.addAction(f"Trading disabled: {self.trading_reason}").setEnabled(False)
        menu.addSeparator()
        alert = QAction(f"Alert when the price crosses {text}", menu)  # alerts need no keys
        alert.setData("alert")
        alert.triggered.connect(lambda _=False, p=price: self.alert_requested.emit(p))
        menu.addAction(alert)
        return menu

    # ---- indicators --------------------------------------------------------------------------------------------
    def indicator_specs(self) -> list[IndicatorSpec]:
        return self.studies.specs()

    def set_indicators(self, specs: list[IndicatorSpec]) -> None:
        """Show ``specs`` and save them as this symbol's choice."""
        self.layer.invalidate()
        self.studies.apply(specs)
        if self.symbol:
            self.store.put(self.symbol, specs_to_data(self.studies.specs()))
        self._show_readout(self.crosshair.index)

    def set_indicator_store(self, store: IndicatorStore) -> None:
        """Where each symbol's choice is kept (the window's settings); the current symbol's is shown."""
        self.store = store
        self.layer.invalidate()
        saved = specs_from_data(store.get(self.symbol)) if self.symbol else None
        self.studies.apply(saved if saved is not None else default_specs())

    def set_overlay_visible(self, kind: str, visible: bool) -> None:
        """Switch an indicator ("sma", "ema", "bb", "rsi", "macd") on or off at its last settings."""
        self.set_indicators(self.studies.with_kind(kind, visible))

    def open_indicator_panel(self) -> IndicatorPanel:
        b = self.toolbar.indicators_button
        self.indicator_panel.show_for(self.studies.params, set(self.studies.active), self._palette,
                                      b.mapToGlobal(QPoint(0, b.height())))
        return self.indicator_panel

    def _on_indicator_toggled(self, kind: str, on: bool) -> None:
        self.set_overlay_visible(kind, on)

    def _on_indicator_edited(self, spec: IndicatorSpec) -> None:
        self.set_indicators(self.studies.with_spec(spec))

    def _on_panes_changed(self) -> None:
        """Panes came or went: the time axis goes under the lowest plot, the crosshair runs through all."""
        self.layer.invalidate()
        plots = [self.volume_plot, *self.studies.pane_plots()]
        for plot in plots:
            if plot is plots[-1]:
                plot.showAxis("bottom")
            else:
                plot.hideAxis("bottom")
        self.crosshair.set_lower_plots(plots)

    # ---- view state --------------------------------------------------------------------------------------------
    @property
    def follow_latest(self) -> bool:
        return self.navigator.follow

    def set_follow_latest(self, on: bool) -> None:
        self.navigator.set_follow(on)

    @property
    def price_autoscale(self) -> bool:
        """True while the price range fits the visible candles (False after the price axis was dragged)."""
        return bool(self.price_plot.vb.autoRangeEnabled()[1])

    def readout_text(self) -> str:
        """The OHLCV readout as plain text (the hovered candle, else the last one)."""
        i = self.crosshair.index if self.crosshair.index >= 0 else len(self.series) - 1
        return readout_text(self.series, i, self.price_decimals)

    def legend_text(self) -> str:
        """What the legend says, as plain text."""
        return self.readout.plain_text()

    def set_theme(self, name: str) -> None:
        p = self._palette = palette(name)
        self.layer.invalidate()
        self.view.setBackground(p.background)
        self.toolbar.apply_palette(p)
        # the background painted in paintEvent: a style sheet here sent every child's painting through Qt's
        # style-sheet style (~0.4 ms of each 1600x900 frame)
        self._background = QColor(p.background)
        self.update()
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
        self.studies.set_palette(p)
        self.order_lines.set_palette(p)
        self.protection_lines.set_palette(p)
        self.fills.set_palette(p)
        self.crosshair.set_palette(p)
        self.loading_label.setStyleSheet(f"color: {p.text_dim}; font-size: 14px; background: transparent;")
        self._refresh_last_price()
        self._show_readout(self.crosshair.index)

    # ---- internals ---------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        # only what the view does not cover (the view paints its own opaque background: filling under it too cost
        # a whole-widget fill, ~0.1 ms of each 1600x900 frame)
        region = event.region() if self.view.isHidden() else event.region().subtracted(QRegion(self.view.geometry()))
        if region.isEmpty():
            return
        painter = QPainter(self)
        for rect in region:
            painter.fillRect(rect, self._background)
        painter.end()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # called for every event of the view's viewport (its paint at every frame): the event type first
        kind = event.type()
        if (kind == QEvent.Type.Leave or kind == QEvent.Type.Resize) and obj is self.view.viewport():
            if kind == QEvent.Type.Leave:
                self.crosshair.hide()  # the pointer left the chart: no crosshair left behind
            else:
                self._place_loading_label()
                self._size_readout(2 if "<br>" in self.readout.text() else 1)
                self.notice.place()
        return False

    def _place_loading_label(self) -> None:
        self.loading_label.resize(self.view.width(), 30)
        self.loading_label.move(0, max(self.view.height() // 2 - 15, 30))

    def _data_changed(self) -> None:
        self.candles.data_changed()
        self.volume.data_changed()
        self.studies.data_changed()
        self._refresh_last_price()
        if self.crosshair.index < 0 or self.crosshair.index >= len(self.series) - 1:
            self._show_readout(self.crosshair.index)

    def _refresh_last_price(self) -> None:
        if not len(self.series):
            self.last_price_line.hide()
            return
        o, c = float(self.series.o[-1]), float(self.series.c[-1])
        self.last_price_line.set_price(c, format_price(c, self.price_decimals),
                                       self._palette.up if c >= o else self._palette.down)
        if not self.last_price_line.isVisible():
            self.last_price_line.show()

    def _show_readout(self, index: int) -> None:
        """The legend's lines (handed over as runs: markup made and parsed back at every live candle cost more than
        drawing what changed)."""
        if index < 0:
            index = len(self.series) - 1
        p = self._palette
        head = [Run(self.symbol, p.text, True), SPACE, Run(f"·\xa0{self.timeframe}", p.text_dim), SPACE2] \
            if self.symbol else []
        if self.loading:
            lines = [head + [Run("loading…", p.text_dim)]]
        else:
            legend = self.studies.legend_runs(index, self.price_decimals)
            lines = [head + readout_runs(self.series, index, self.price_decimals, p)]
            if legend:
                lines.append(legend)
        self.readout.set_lines(lines)
        self._size_readout(len(lines))
        self.studies.show_values(index)

    def _size_readout(self, lines: int) -> None:
        """A fixed box for the legend (``adjustSize`` on rich text at every live candle cost ~1 ms); the top edge
        markers start below it."""
        height = lines * self.readout.line_spacing() + 4
        width = max(self.view.width() - AXIS_WIDTH - 16, 100)
        if (self.readout.width(), self.readout.height()) != (width, height):
            self.readout.resize(width, height)
            vb_top = self.view.mapFromScene(self.price_plot.vb.sceneBoundingRect().topLeft()).y()
            self.order_lines.set_top_inset(float(self.readout.geometry().bottom() + 4 - vb_top))
            self.protection_lines.set_top_inset(self.order_lines.top_inset)

    def _on_hovered(self, index: int) -> None:
        self._show_readout(index)

    def _on_follow_changed(self, on: bool) -> None:
        b = self.toolbar.follow_button
        if b.isChecked() != on:
            b.blockSignals(True)
            b.setChecked(on)
            b.blockSignals(False)

    def _on_timeframe_clicked(self, timeframe: str) -> None:
        if timeframe != self.timeframe:
            self.timeframe = timeframe
            self._begin_loading(keep_orders=True)
            self._show_readout(-1)
        self.timeframe_changed.emit(timeframe)

    def _on_scene_clicked(self, event: Any) -> None:
        if event.isAccepted():  # an order line's x or tag took it
            return
        pos = event.scenePos()
        vb = self.price_plot.vb
        if event.button() == Qt.MouseButton.RightButton:
            menu = self.order_menu_at(pos)
            if menu is not None:
                if self.order_menu is not None:
                    self.order_menu.deleteLater()
                self.order_menu = menu
                menu.popup(event.screenPos().toPoint())  # non-blocking
            return
        if event.button() == Qt.MouseButton.LeftButton and vb.sceneBoundingRect().contains(pos):
            self.price_clicked.emit(float(vb.mapSceneToView(pos).y()))

"""Backtest result plots: price with entry/exit markers, equity, drawdown; x axes linked, times in UTC."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .. import theme
from ..chart.theme import palette
from ..plotmenu import own_menus


def epoch_s(index: pd.DatetimeIndex) -> np.ndarray:
    return pd.DatetimeIndex(index).as_unit("ns").asi8 / 1e9


def drawdown_pct(equity: np.ndarray) -> np.ndarray:
    peak = np.maximum.accumulate(equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(peak > 0, (equity / peak - 1.0) * 100.0, 0.0)


class ResultPlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.ci.layout.setSpacing(2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        self.price_plot = self._plot(0, "Price")
        self.equity_plot = self._plot(1, "Equity")
        self.dd_plot = self._plot(2, "Drawdown %")
        self.view.ci.layout.setRowStretchFactor(0, 5)
        self.view.ci.layout.setRowStretchFactor(1, 3)
        self.view.ci.layout.setRowStretchFactor(2, 2)
        for p in (self.equity_plot, self.dd_plot):
            p.setXLink(self.price_plot)
        for p in (self.price_plot, self.equity_plot):
            p.getAxis("bottom").setStyle(showValues=False)
            p.getAxis("bottom").setHeight(0)
        self.price_curve = self.price_plot.plot()
        self.entries = pg.ScatterPlotItem(symbol="t1", size=11)
        self.short_entries = pg.ScatterPlotItem(symbol="t", size=11)
        self.exits = pg.ScatterPlotItem(symbol="x", size=9)
        for item in (self.entries, self.short_entries, self.exits):
            self.price_plot.addItem(item)
        self.legend = self.price_plot.addLegend(offset=(8, 4))
        self.legend.addItem(self.price_curve, "Close")
        self.legend.addItem(self.entries, "Long entry")
        self.legend.addItem(self.short_entries, "Short entry")
        self.legend.addItem(self.exits, "Exit")
        self.trade_lines = pg.PlotDataItem(connect="pairs")
        self.price_plot.addItem(self.trade_lines)
        self.equity_curve = self.equity_plot.plot()
        self.cash_line = pg.InfiniteLine(angle=0)
        self.equity_plot.addItem(self.cash_line)
        self.dd_curve = self.dd_plot.plot(fillLevel=0)
        self.theme_name = ""
        self.set_theme(theme.colors().name)

    def set_theme(self, name: str) -> None:
        """Colours from the chart palette of ``name`` (dark or light)."""
        if name == self.theme_name:
            return
        self.theme_name = name
        pal = self.pal = palette(name)
        dash, dot = pg.QtCore.Qt.PenStyle.DashLine, pg.QtCore.Qt.PenStyle.DotLine
        self.view.setBackground(pal.background)
        for p in (self.price_plot, self.equity_plot, self.dd_plot):
            for axis_name in ("left", "bottom"):
                ax = p.getAxis(axis_name)
                ax.setPen(pg.mkPen(pal.axis))
                ax.setTextPen(pg.mkPen(pal.text_dim))
            ax = p.getAxis("left")
            ax.setLabel(ax.labelText, color=pal.text_dim)
        self.price_curve.setPen(pg.mkPen(pal.text_dim, width=1))
        self.entries.setPen(pg.mkPen(None))
        self.entries.setBrush(pg.mkBrush(pal.buy))
        self.short_entries.setPen(pg.mkPen(None))
        self.short_entries.setBrush(pg.mkBrush(pal.sell))
        self.exits.setPen(pg.mkPen(pal.sma, width=1.5))
        self.exits.setBrush(pg.mkBrush(pal.sma))
        self.legend.setLabelTextColor(pal.text_dim)
        self.legend.setBrush(pg.mkBrush(pal.panel))
        self.trade_lines.setPen(pg.mkPen(pal.text_dim, width=1, style=dash))
        self.equity_curve.setPen(pg.mkPen(pal.ema, width=1.6))
        self.cash_line.setPen(pg.mkPen(pal.text_dim, width=1, style=dot))
        down = QColor(pal.down)
        down.setAlpha(90)
        self.dd_curve.setPen(pg.mkPen(pal.down, width=1))
        self.dd_curve.setBrush(pg.mkBrush(down))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):  # theme.apply() set a new application palette
            self.set_theme(theme.colors().name)

    def _plot(self, row: int, label: str) -> pg.PlotItem:
        axis = pg.DateAxisItem(orientation="bottom", utcOffset=0)
        p = self.view.addPlot(row=row, col=0, axisItems={"bottom": axis})
        p.showGrid(x=True, y=True, alpha=0.15)
        p.setMenuEnabled(False)
        own_menus(p, self)  # pyqtgraph's parentless options menu: ours (see plotmenu.py)
        p.hideButtons()
        left = p.getAxis("left")
        left.enableAutoSIPrefix(False)
        left.setWidth(64)
        p.setLabel("left", label)
        p.getViewBox().setMouseEnabled(x=True, y=False)
        return p

    def clear(self) -> None:
        for item in (self.price_curve, self.equity_curve, self.dd_curve, self.trade_lines):
            item.setData([], [])
        for item in (self.entries, self.short_entries, self.exits):
            item.setData([], [])

    def show_result(self, bars: pd.DataFrame, equity: pd.Series, trades: pd.DataFrame, cash: float) -> None:
        x = epoch_s(pd.DatetimeIndex(bars.index))
        self.price_curve.setData(x, bars["Close"].to_numpy(dtype=np.float64))
        eq = equity.to_numpy(dtype=np.float64)
        self.equity_curve.setData(epoch_s(pd.DatetimeIndex(equity.index)), eq)
        self.cash_line.setValue(cash)
        self.dd_curve.setData(epoch_s(pd.DatetimeIndex(equity.index)), drawdown_pct(eq))
        if len(trades):
            ex = x[trades["EntryBar"].to_numpy()]
            xx = x[trades["ExitBar"].to_numpy()]
            ep, xp = trades["EntryPrice"].to_numpy(), trades["ExitPrice"].to_numpy()
            long = trades["Size"].to_numpy() > 0
            self.entries.setData(ex[long], ep[long])
            self.short_entries.setData(ex[~long], ep[~long])
            self.exits.setData(xx, xp)
            lx = np.empty(2 * len(ex))
            ly = np.empty(2 * len(ex))
            lx[0::2], lx[1::2], ly[0::2], ly[1::2] = ex, xx, ep, xp
            self.trade_lines.setData(lx, ly)
        else:
            for item in (self.entries, self.short_entries, self.exits, self.trade_lines):
                item.setData([], [])
        self.price_plot.enableAutoRange()
        self.equity_plot.enableAutoRange()
        self.dd_plot.enableAutoRange()

    def focus(self, entry_bar: int, exit_bar: int) -> None:
        """Zoom the x axes on one trade (with some bars either side)."""
        xs, _ = self.price_curve.getData()
        if xs is None or not len(xs):
            return
        pad = max(5, (exit_bar - entry_bar) // 2)
        lo, hi = max(0, entry_bar - pad), min(len(xs) - 1, exit_bar + pad)
        self.price_plot.setXRange(float(xs[lo]), float(xs[hi]), padding=0)
        vb = self.price_plot.getViewBox()
        vb.enableAutoRange(axis=pg.ViewBox.YAxis)
        vb.setAutoVisible(y=True)

    def equity_points(self) -> int:
        xs, _ = self.equity_curve.getData()
        return 0 if xs is None else len(xs)

    def marker_count(self) -> int:
        return len(self.entries.data) + len(self.short_entries.data) + len(self.exits.data)

"""Backtest result plots: price with entry/exit markers, equity, drawdown; x axes linked, times in UTC."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .. import theme
from ..chart.theme import palette


def epoch_s(index: pd.DatetimeIndex) -> np.ndarray:
    return pd.DatetimeIndex(index).as_unit("ns").asi8 / 1e9


def drawdown_pct(equity: np.ndarray) -> np.ndarray:
    peak = np.maximum.accumulate(equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(peak > 0, (equity / peak - 1.0) * 100.0, 0.0)


class ResultPlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pal = palette(theme.colors().name)
        self.pal = pal
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(pal.background)
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
        self.price_curve = self.price_plot.plot(pen=pg.mkPen(pal.text_dim, width=1))
        self.entries = pg.ScatterPlotItem(symbol="t1", size=11, pen=pg.mkPen(None), brush=pg.mkBrush(pal.buy))
        self.short_entries = pg.ScatterPlotItem(symbol="t", size=11, pen=pg.mkPen(None), brush=pg.mkBrush(pal.sell))
        self.exits = pg.ScatterPlotItem(symbol="x", size=9, pen=pg.mkPen(pal.sma, width=1.5), brush=pg.mkBrush(pal.sma))
        for item in (self.entries, self.short_entries, self.exits):
            self.price_plot.addItem(item)
        legend = self.price_plot.addLegend(offset=(8, 4), labelTextColor=pal.text_dim, brush=pg.mkBrush(pal.panel))
        legend.addItem(self.price_curve, "Close")
        legend.addItem(self.entries, "Long entry")
        legend.addItem(self.short_entries, "Short entry")
        legend.addItem(self.exits, "Exit")
        self.trade_lines = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(pal.text_dim, width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.price_plot.addItem(self.trade_lines)
        up = QColor(pal.up)
        self.equity_curve = self.equity_plot.plot(pen=pg.mkPen(pal.ema, width=1.6))
        fill = QColor(pal.ema)
        fill.setAlpha(40)
        self.equity_curve.setFillLevel(None)
        self.cash_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(pal.text_dim, width=1, style=pg.QtCore.Qt.PenStyle.DotLine))
        self.equity_plot.addItem(self.cash_line)
        down = QColor(pal.down)
        down.setAlpha(90)
        self.dd_curve = self.dd_plot.plot(pen=pg.mkPen(pal.down, width=1), fillLevel=0, brush=pg.mkBrush(down))
        self._up = up

    def _plot(self, row: int, label: str) -> pg.PlotItem:
        pal = self.pal
        axis = pg.DateAxisItem(orientation="bottom", utcOffset=0)
        p = self.view.addPlot(row=row, col=0, axisItems={"bottom": axis})
        p.showGrid(x=True, y=True, alpha=0.15)
        p.setMenuEnabled(False)
        p.hideButtons()
        left = p.getAxis("left")
        left.enableAutoSIPrefix(False)
        left.setWidth(64)
        for name in ("left", "bottom"):
            ax = p.getAxis(name)
            ax.setPen(pg.mkPen(pal.axis))
            ax.setTextPen(pg.mkPen(pal.text_dim))
        p.setLabel("left", label, color=pal.text_dim)
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

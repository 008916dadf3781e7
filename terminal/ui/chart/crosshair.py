"""Crosshair over the price and volume plots, snapping to the candle under the mouse, and the OHLCV readout."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Signal

from terminal.ui.chart.axis import format_price, format_time, format_volume
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


def readout_html(series: OhlcvSeries, index: int, decimals: int, palette: ChartPalette) -> str:
    if not 0 <= index < len(series):
        return ""
    t, o, h, l, c, v = series.row(index)  # noqa: E741
    color = palette.up if c >= o else palette.down
    chg = (c - o) / o * 100 if o else 0.0

    def field(name: str, text: str) -> str:
        return f"<span style='color:{palette.text_dim}'>{name}</span>&nbsp;<span style='color:{color}'>{text}</span>"

    parts = [f"<span style='color:{palette.text}'>{format_time(t, series.interval)}</span>",
             field("O", format_price(o, decimals)), field("H", format_price(h, decimals)),
             field("L", format_price(l, decimals)), field("C", format_price(c, decimals)),
             f"<span style='color:{color}'>{chg:+.2f}%</span>", field("V", format_volume(v))]
    return "&nbsp;&nbsp;".join(parts)


class Crosshair(QObject):
    """Emits ``hovered(index)`` with the candle under the mouse, or -1 when the mouse leaves the plots."""

    hovered = Signal(int)

    def __init__(self, price_plot: pg.PlotItem, volume_plot: pg.PlotItem, series: OhlcvSeries,
                 palette: ChartPalette) -> None:
        super().__init__()
        self._price_plot = price_plot
        self._volume_plot = volume_plot
        self._series = series
        self.index = -1
        self.vline = pg.InfiniteLine(angle=90, movable=False)
        self.hline = pg.InfiniteLine(angle=0, movable=False, label="{value:.2f}",
                                     labelOpts={"position": 0.985, "anchors": [(1, 0.5), (1, 0.5)]})
        self.vline_volume = pg.InfiniteLine(angle=90, movable=False)
        for line, plot in ((self.vline, price_plot), (self.hline, price_plot), (self.vline_volume, volume_plot)):
            line.setZValue(30)
            line.hide()
            plot.addItem(line, ignoreBounds=True)
        self.set_palette(palette)
        price_plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def set_palette(self, palette: ChartPalette) -> None:
        pen = pg.mkPen(palette.crosshair, width=1, style=Qt.PenStyle.DashLine)
        for line in (self.vline, self.hline, self.vline_volume):
            line.setPen(pen)
        self.hline.label.fill = pg.mkBrush(palette.axis)
        self.hline.label.setColor(palette.text)

    def set_decimals(self, decimals: int) -> None:
        """Price label on the horizontal line, at the instrument's decimals."""
        self.hline.label.setFormat("{value:,.%df}" % max(decimals, 0))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        in_price = self._price_plot.vb.sceneBoundingRect().contains(scene_pos)
        in_volume = self._volume_plot.vb.sceneBoundingRect().contains(scene_pos)
        if not (in_price or in_volume) or not len(self._series):
            self._hide()
            return
        vb = self._price_plot.vb if in_price else self._volume_plot.vb
        point = vb.mapSceneToView(scene_pos)
        i = self._series.index_at(point.x())
        x = float(self._series.t[i])
        self.vline.setPos(x)
        self.vline_volume.setPos(x)
        self.vline.show()
        self.vline_volume.show()
        self.hline.setVisible(in_price)
        if in_price:
            self.hline.setPos(point.y())
        if i != self.index:
            self.index = i
            self.hovered.emit(i)

    def _hide(self) -> None:
        for line in (self.vline, self.hline, self.vline_volume):
            line.hide()
        if self.index != -1:
            self.index = -1
            self.hovered.emit(-1)

"""The live candlestick chart: ``ChartWidget`` (fed by the window, no session access).

Modules: series (growing OHLCV arrays + min/max pyramid, no Qt), lod (pixel-column reduction), item/candles/volume
(culled level-of-detail items), overlays (SMA/EMA/Bollinger), grid, axis, crosshair, markers (order lines, fills),
navigation (follow latest, history requests), toolbar, theme, widget.
"""
from terminal.ui.chart.widget import ChartWidget

__all__ = ["ChartWidget"]

"""The live candlestick chart: ``ChartWidget`` (fed by the window, no session access).

Modules: series (growing OHLCV arrays + min/max pyramid, no Qt), lod (pixel-column reduction), item/candles/volume
(culled level-of-detail items), indicator (specs, no Qt), compute (incremental indicator values, no Qt), overlays
(indicator lines and histograms), studies (the active indicators, their curves and panes), panes (RSI/MACD plots),
editor (the Indicators popup), store (each symbol's indicators), grid, axis (price axis drag/double-click),
crosshair, orderlines (draggable order lines, x, edge markers), markers (fills), navigation (follow latest, history
requests), toolbar, theme, widget; trading (the chart's order gestures -> session calls; the only module here that
sees a session).
"""
from terminal.ui.chart.widget import ChartWidget

__all__ = ["ChartWidget"]

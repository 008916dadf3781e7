"""Follow-latest and history requests: keeps the live candle at the right edge until the user pans away."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal

from terminal.ui.chart.series import OhlcvSeries

INITIAL_CANDLES = 150  # candles shown after set_bars
RIGHT_MARGIN = 6  # empty candle slots right of the live candle when following


class Navigator(QObject):
    follow_changed = Signal(bool)
    history_needed = Signal(object)  # epoch ms of the view's left edge, once per loaded history

    def __init__(self, vb: pg.ViewBox, series: OhlcvSeries, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._vb = vb
        self._series = series
        self.follow = True
        self._requested_for: float | None = None
        vb.sigRangeChangedManually.connect(self._on_user_range)
        vb.sigXRangeChanged.connect(self._on_x_range)

    def reset_view(self) -> None:
        """Show the latest candles after new history and follow them."""
        s = self._series
        self._requested_for = None
        if not len(s):
            return
        iv = s.interval
        right = float(s.t[-1]) + RIGHT_MARGIN * iv
        self._vb.setXRange(right - (INITIAL_CANDLES + RIGHT_MARGIN) * iv, right, padding=0)
        self._set_follow(True)

    def on_appended(self) -> None:
        if self.follow:
            self.scroll_to_latest()

    def scroll_to_latest(self) -> None:
        s = self._series
        if not len(s):
            return
        (x0, x1), _ = self._vb.viewRange()
        right = float(s.t[-1]) + RIGHT_MARGIN * s.interval
        span = x1 - x0
        self._vb.setXRange(right - span, right, padding=0)

    def set_follow(self, on: bool) -> None:
        self._set_follow(on)
        if on:
            self.scroll_to_latest()

    def _set_follow(self, on: bool) -> None:
        if on != self.follow:
            self.follow = on
            self.follow_changed.emit(on)

    def _on_user_range(self, *_: object) -> None:
        s = self._series
        if not len(s):
            return
        (x0, x1), _ = self._vb.viewRange()
        last = float(s.t[-1])
        self._set_follow(x0 <= last <= x1)

    def _on_x_range(self, _vb: object, x_range: tuple[float, float]) -> None:
        s = self._series
        if not len(s):
            return
        first = float(s.t[0])
        if x_range[0] < first and self._requested_for != first:
            self._requested_for = first
            self.history_needed.emit(int(x_range[0] * 1000))

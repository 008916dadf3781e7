"""The GUI benchmarks' lag probe: a precise 5 ms ``QTimer`` recording how late each of its ticks fires (the lag a
click or a keystroke would see while the loop is busy)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

TICK_MS = 5


class LagProbe:
    def __init__(self) -> None:
        self.lags: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self._last = 0

    def start(self) -> None:
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> np.ndarray:
        """Stop; the lags in ms (one zero when none was recorded)."""
        self.timer.stop()
        return np.array(self.lags) if self.lags else np.zeros(1)

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.lags.append(max(0.0, (now - self._last) / 1e6 - TICK_MS))
        self._last = now

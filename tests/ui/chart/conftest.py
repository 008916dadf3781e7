"""Chart fixtures."""
from __future__ import annotations

import numpy as np
import pytest

from chartdata import random_walk


@pytest.fixture
def bars() -> tuple[np.ndarray, ...]:
    return random_walk(2000)


@pytest.fixture
def chart(qtbot, bars):
    from terminal.ui.chart.widget import ChartWidget

    w = ChartWidget()
    qtbot.addWidget(w)
    w.resize(900, 560)
    w.set_symbol("BTCUSDT", 2)
    w.set_bars(*bars)
    return w

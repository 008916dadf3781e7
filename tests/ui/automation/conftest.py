"""Fixtures for the automation docks: synthetic bars on disk, the dark theme applied."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def bars():
    from terminal.backtest.synthetic import random_walk
    return random_walk(1500, seed=5)


@pytest.fixture
def bars_csv(tmp_path, bars):
    path = tmp_path / "bars.csv"
    bars.to_csv(path, index_label="time")
    return path


@pytest.fixture
def themed(qapp):
    from terminal.ui import theme
    theme.apply(qapp, "dark")
    return theme.colors()

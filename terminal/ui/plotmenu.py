"""pyqtgraph's plot menus owned by Qt: deleted with the plot's owner, on the GUI thread.

``pg.PlotItem`` makes its options menu (``ctrlMenu``, a ``QMenu`` with six sub-menus) and the ``WidgetGroup`` that
saves its state (``stateGroup``, a ``QObject``) without a Qt parent, and keeps them only in Python attributes. Python
then deletes them when the plot's wrapper is collected: wrappers in reference cycles (a plot's are) go with the
cyclic garbage collector, on whichever thread it runs (the sandbox's, an executor's, a dask worker's). Qt cannot
stop a timer or touch the application's widget lists from there (the chart's segfault:
tests/ui/chart/test_chart_ownership.py). ``own_menus`` gives them Qt owners instead (tests/ui/test_qobject_ownership.py).
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget


def own_menus(plot: pg.PlotItem, owner: QWidget) -> None:
    """Make ``plot``'s options menu a child of ``owner`` (still a popup) that also goes when the plot goes (a pane
    removed from a chart), and its state group a child of the plot. Call it after ``setMenuEnabled(False)``, which
    drops the view box's menu (while the plot is new, freed there and then on the GUI thread)."""
    menu = plot.ctrlMenu
    if menu is not None:
        menu.setParent(owner, menu.windowFlags())  # (the one-argument setParent would make it a child widget)
        plot.destroyed.connect(menu.deleteLater)
    plot.stateGroup.setParent(plot)

"""The window's dock arrangements ("presets") and their default proportions.

Trading::

    watchlist | chart                 | book & trades | order entry
              |-----------------------|               |-------------
              | orders & positions    |               | log · feed health
              | (strategies, backtest)|               |

Automation (the book and the ticket hidden; the automation docks tall and wide)::

    watchlist | chart                             | log · feed health
              |-----------------------------------------------------
              | strategies · backtest · orders & positions

News and Data (the history cache) are tabbed with the blotters, Fundamentals with the book (with the log where
the book is hidden).
Docks other packages add (``MainWindow.add_dock``) and that no preset names are tabbed with the blotters.
Proportions are fractions of the window; Qt keeps every dock at least at its minimum size.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

TRADING, AUTOMATION = "Trading", "Automation"
PRESETS = (TRADING, AUTOMATION)
DESCRIPTIONS = {TRADING: "Chart, book, order entry and blotters in front",
                AUTOMATION: "Strategies and backtests in front, with the chart and the log"}
Area = Qt.DockWidgetArea
H, V = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
#: The docks each preset shows; every other known dock is hidden (the View menu brings it back).
SHOWN = {TRADING: {"watchlist", "chart", "book", "order_entry", "blotters", "log", "health", "alerts", "strategies",
                   "backtest", "news", "fundamentals", "data"},
         AUTOMATION: {"watchlist", "chart", "blotters", "log", "health", "alerts", "strategies", "backtest", "news",
                      "data"}}
KNOWN = SHOWN[TRADING] | SHOWN[AUTOMATION]


def arrange(window: Any, preset: str) -> None:
    """Put the window's docks where ``preset`` wants them (floating ones docked again)."""
    d: dict[str, QDockWidget] = window.docks
    size = window.size()  # while the docks are re-added they stack up and a shown window would grow to fit them
    for dock in d.values():
        if dock.isFloating():  # (setFloating(False) on a docked dock is no no-op: ~2 M instructions, re-laid out)
            dock.setFloating(False)
        window.removeDockWidget(dock)
    shown = SHOWN[preset]

    def add(name: str) -> QDockWidget | None:
        dock = d.get(name)
        if dock is not None:
            window.addDockWidget(Area.LeftDockWidgetArea, dock)
            dock.setVisible(name in shown)
        return dock

    def split(a: str, b: str, orientation: Qt.Orientation) -> None:
        if a in d and b in d:
            window.splitDockWidget(d[a], d[b], orientation)

    def tab(a: str, b: str) -> None:
        if a in d and b in d:
            window.tabifyDockWidget(d[a], d[b])

    for name in d:
        add(name)
    if preset == TRADING:
        split("watchlist", "chart", H)
        split("chart", "book", H)
        split("book", "order_entry", H)
        split("chart", "blotters", V)
        split("book", "log", V)  # under the book: the ticket keeps its column's full height (1280x720)
        front = ("blotters", "log", "book")
    else:
        split("watchlist", "chart", H)
        split("chart", "blotters", V)
        split("chart", "log", H)
        if "order_entry" in d:
            split("log", "order_entry", V)
        if "book" in d:
            split("chart", "book", H)
        front = ("strategies", "log")
    tab("log", "health")
    tab("log", "alerts")
    for name in ("strategies", "backtest", "news", "data"):  # headlines and the data table want the width
        tab("blotters", name)
    if "book" in d and "book" in shown:
        tab("book", "fundamentals")  # a narrow column of values, beside the chart
    else:
        tab("log", "fundamentals")
    for name, dock in d.items():  # another package's dock: with the blotters, shown as it was added
        if name not in KNOWN and "blotters" in d:
            window.tabifyDockWidget(d["blotters"], dock)
            dock.show()
    for name in front:
        if name in d:
            d[name].raise_()
    # the window's minimum size was taken while the docks were stacked one above the other (about 800 px tall):
    # recompute it from the arrangement, or the window cannot be made as small as a laptop screen
    window.layout().invalidate()
    window.layout().activate()
    window.resize(size)


def allocate(total: int, minimums: list[int], fractions: list[float]) -> list[int]:
    """Sizes for docks side by side in ``total`` pixels: each its fraction of ``total`` but never under its
    minimum; what the minimums take beyond the fractions comes from the docks above theirs, in proportion."""
    want = [max(lo, int(total * f)) for lo, f in zip(minimums, fractions)]
    excess = sum(want) - total
    if excess > 0:
        room = [w - lo for w, lo in zip(want, minimums)]
        spare = sum(room)
        if spare > 0:
            want = [w - min(r, excess * r // spare + (1 if excess * r % spare else 0)) for w, r in zip(want, room)]
    return want


def size(window: Any, preset: str) -> None:
    """The preset's proportions for the window's current size, within it: a dock never gets more than the window
    can give next to its neighbours' minimums (asking more would make the window grow off a laptop screen)."""
    d: dict[str, QDockWidget] = window.docks
    style = window.style()
    sep = style.pixelMetric(style.PixelMetric.PM_DockWidgetSeparatorExtent, None, window)
    bars = window.menuBar().height() + (window.statusBar().height() if window.statusBar() is not None else 0)
    tabs = 28  # the tab bar under a group of tabbed docks
    width, height = max(800, window.width()), max(480, window.height() - bars)

    def run(names: tuple[str, ...], fractions: tuple[float, ...], orientation: Qt.Orientation, total: int,
            extra: int = 0) -> None:
        pairs = [(d[n], f) for n, f in zip(names, fractions) if n in d and d[n].isVisible()]
        if len(pairs) < 2:
            return
        avail = total - sep * (len(pairs) - 1) - extra
        mins = [(p[0].minimumSizeHint().width() if orientation == H else p[0].minimumSizeHint().height())
                for p in pairs]
        window.resizeDocks([p[0] for p in pairs], allocate(avail, mins, [p[1] for p in pairs]), orientation)

    if preset == TRADING:
        # on a laptop screen the chart and the ticket are at their minimum widths: the book gets what the
        # watchlist can spare (its symbols stay readable, its last prices show from about 1500 px)
        horizontal = (0.18, 0.46, 0.15, 0.21) if width >= 1500 else (0.05, 0.55, 0.20, 0.20)
        run(("watchlist", "chart", "book", "order_entry"), horizontal, H, width)
        run(("chart", "blotters"), (0.64, 0.36), V, height, tabs)
        run(("order_entry", "log"), (0.68, 0.32), V, height, tabs)  # the log starts small
    else:
        run(("watchlist", "chart", "log"), (0.15, 0.55, 0.30), H, width)
        run(("chart", "blotters"), (0.42, 0.58), V, height, tabs)

"""Automation docks: backtests and optimisation (worker processes), and strategies run live on the session.

Mounted by the main window, at the end of ``MainWindow._build_docks()`` (so the saved layout and Reset layout
know the docks)::

    from .automation import install_automation_docks
    install_automation_docks(self, lambda: self.link.session if self.link is not None else None)

and in ``MainWindow.shutdown()`` / before a reconnect closes the old session::

    await self.automation.shutdown()          # window closing: strategies stopped, worker processes ended
    await self.automation.session_closing()   # reconnect: stops the strategies trading on the old session

Importing this package does not import Qt (worker processes import ``tasks`` from it).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .backtest_dock import BacktestDock
    from .strategies_dock import StrategiesDock


class AutomationDocks:
    """The Backtest and Strategies docks. Their content is built on first use: when one of the two docks is first
    shown, or when ``backtest``/``strategies`` is first read (both at once: they share the strategy catalog). Until
    then the window starts without importing the backtester, the strategies or pandas."""

    def __init__(self, window: Any, session_provider: Callable[[], Any] | None, areas: dict[str, Any]) -> None:
        self._window = window
        self._session_provider = session_provider
        self._areas = areas  # dock name -> the (empty) scroll area the content goes into
        self._backtest: "BacktestDock | None" = None
        self._strategies: "StrategiesDock | None" = None

    @property
    def built(self) -> bool:
        return self._backtest is not None

    @property
    def backtest(self) -> "BacktestDock":
        self.build()
        assert self._backtest is not None
        return self._backtest

    @property
    def strategies(self) -> "StrategiesDock":
        self.build()
        assert self._strategies is not None
        return self._strategies

    def build(self) -> None:
        """Create both docks' content (once)."""
        if self._backtest is not None:
            return
        from .backtest_dock import BacktestDock
        from .setup import StrategyCatalog
        from .strategies_dock import StrategiesDock

        window = self._window
        catalog = StrategyCatalog()  # user strategies loaded in one dock appear in the other
        backtest = BacktestDock(self._session_provider, catalog)
        strategies = StrategiesDock(self._session_provider, catalog)

        def chart_symbol() -> str | None:  # the symbol on the window's chart: the default for new runs
            link = getattr(window, "link", None)
            return getattr(link, "symbol", None) or None

        backtest.setup.chart_symbol = chart_symbol
        strategies.chart_symbol = chart_symbol
        backtest.setup.strategy_changed.connect(lambda _: strategies.refresh_strategies())
        strategies.catalog_changed.connect(lambda: backtest.setup.refresh_strategies())
        self._backtest, self._strategies = backtest, strategies
        self._areas["backtest"].setWidget(backtest)
        self._areas["strategies"].setWidget(strategies)

    def _on_visibility(self, visible: bool) -> None:
        if visible:
            self.build()

    async def session_closing(self) -> None:
        """The session is about to close (reconnect, environment switch): stop the strategies trading on it."""
        if self._strategies is not None:
            await self._strategies.host.stop_all()

    def snapshot(self) -> list[dict[str, Any]]:
        """The Strategies dock's instances, for the settings (``persist.snapshot``)."""
        if self._strategies is None:  # never built: no instance was added or restored
            return []
        from .persist import snapshot
        return snapshot(self._strategies.host.instances, self._strategies.catalog.paths)

    async def restore(self, records: list[Any]) -> list[str]:
        """Add the saved instances back (stopped), then start again those that were running (on LIVE through the
        dock's own question, one strategy at a time). Returns the problems, in words."""
        if not records:
            return []
        from .persist import restore
        added, running, problems = restore(self.strategies, records)
        self.strategies.refresh_strategies()
        self.strategies.refresh()
        for inst in running:
            await self.strategies.start(inst)
        if added:
            self.strategies._info(f"restored {len(added)} strateg{'y' if len(added) == 1 else 'ies'} after the "
                                  f"restart ({len(running)} running again)" + (f"; {'; '.join(problems)}"
                                                                                if problems else ""),
                                  error=bool(problems))
        elif problems:
            self.strategies._info("; ".join(problems), error=True)
        return problems

    async def shutdown(self) -> None:
        """The window closes: end running backtests/optimisations and stop every strategy."""
        if self._strategies is None:
            return  # never built: no backtest ran, no strategy was started
        from .jobs import kill_all
        kill_all()
        await self._strategies.shutdown()


def install_automation_docks(window: Any, session_provider: Callable[[], Any] | None = None) -> AutomationDocks:
    """Add the Backtest and Strategies docks with ``window.add_dock``: tabbed with the window's blotters when it has
    them (the blotters stay in front), else in the bottom area. Their content is built when one is first shown (or
    used). Call it before the window restores its saved layout (or restore it again afterwards) so the docks come
    back where the user left them."""
    from PySide6.QtCore import Qt

    area = Qt.DockWidgetArea.BottomDockWidgetArea
    docks = getattr(window, "docks", {})
    anchor = docks.get("blotters")
    areas = {name: scroll_area(None) for name in ("strategies", "backtest")}
    automation = AutomationDocks(window, session_provider, areas)
    for name, title in (("strategies", "Strategies"), ("backtest", "Backtest")):
        dock = window.add_dock(name, areas[name], area, title)
        dock.visibilityChanged.connect(automation._on_visibility)
        if anchor is not None:
            window.tabifyDockWidget(anchor, dock)
    if anchor is not None:
        anchor.raise_()
    window.automation = automation
    return automation


def scroll_area(widget: Any) -> Any:
    """The dock's content in a scroll area: the dock may be narrower than the content's minimum width (the
    window keeps its size; a scroll bar appears instead)."""
    from PySide6.QtWidgets import QFrame, QScrollArea

    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if widget is not None:
        area.setWidget(widget)
    return area


__all__ = ["install_automation_docks", "AutomationDocks", "scroll_area"]

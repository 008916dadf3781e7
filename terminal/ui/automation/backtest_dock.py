"""The backtest dock: inputs on the left; chart, statistics, trades and the optimiser on the right.

A run is a worker process (``jobs.ProcessJob``); the dock awaits it on the event loop and shows progress, a
Cancel button, and any bad input as a message line in the dock (never a traceback dialog).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import pandas as pd
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (QFrame, QGridLayout, QHeaderView, QLabel, QScrollArea, QSizePolicy, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from .. import theme
from .jobs import JobHost, Outcome, ProcessJob
from .look import style, style_tabs
from .models import StatsModel, text, trades_model, trades_view_frame
from .optimize_view import OptimizeView, table_view
from .plots import ResultPlots
from .runbar import RunBar, accent_button
from .setup import SessionProvider, SetupPanel, StrategyCatalog
from .tasks import BacktestOutput

log = logging.getLogger(__name__)
SUMMARY = (("Return [%]", "Return", "%"), ("Buy & Hold Return [%]", "Buy & hold", "%"), ("Sharpe Ratio", "Sharpe", ""),
           ("Max. Drawdown [%]", "Max drawdown", "%"), ("Win Rate [%]", "Win rate", "%"), ("# Trades", "Trades", ""),
           ("Equity Final [$]", "Final equity", ""))


class Summary(QFrame):
    """A strip of headline figures above the chart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        c = theme.colors()
        self.setObjectName("summary")
        self.stats: pd.Series | None = None
        self.currency = ""  # the unit of the equity figures (the symbol's quote currency)
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 6, 10, 6)
        grid.setHorizontalSpacing(22)
        grid.setVerticalSpacing(0)
        self.values: dict[str, QLabel] = {}
        self.titles: list[QLabel] = []
        for col, (key, title, _) in enumerate(SUMMARY):
            t = QLabel(title.upper())
            v = QLabel("—")
            self.titles.append(t)
            grid.addWidget(t, 0, col)
            grid.addWidget(v, 1, col)
            self.values[key] = v
        grid.setColumnStretch(len(SUMMARY), 1)
        # clipped, not a minimum width: the dock must fit the window's bottom area
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.restyle()

    def restyle(self) -> None:
        c = theme.colors()
        self.theme_name = c.name
        self.setStyleSheet(f"QFrame#summary {{ background: {c.panel}; border-bottom: 1px solid {c.border}; }}")
        for t in self.titles:
            t.setStyleSheet(f"color: {c.muted}; font-size: 8pt; font-weight: 600;")
        self.show_stats(self.stats)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # setStyleSheet itself sends a PaletteChange: restyle only when the theme really changed
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and getattr(self, "theme_name", None) not in (None, theme.colors().name):
            self.restyle()

    def show_stats(self, stats: pd.Series | None) -> None:
        self.stats = stats
        c = theme.colors()
        for key, _, unit in SUMMARY:
            label = self.values[key]
            if stats is None or key not in stats.index:
                label.setText("—")
                label.setStyleSheet(f"color: {c.text}; font-size: 12pt; font-weight: 700;")
                continue
            v = stats[key]
            unit = f" {self.currency}" if "[$]" in key and self.currency else unit
            label.setText(text(v) + (unit if text(v) != "—" else ""))
            color = c.text
            if key in ("Return [%]", "Sharpe Ratio"):
                color = c.up if float(v) > 0 else c.down if float(v) < 0 else c.text
            elif key == "Max. Drawdown [%]":
                color = c.down
            label.setStyleSheet(f"color: {color}; font-size: 12pt; font-weight: 700;")


class BacktestDock(JobHost, QWidget):
    def __init__(self, session_provider: SessionProvider | None = None, catalog: StrategyCatalog | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setup = SetupPanel(session_provider, catalog)
        self.runbar = RunBar("Run backtest")
        self.setup.footer.addWidget(self.runbar)
        self.setup.load_message = self.runbar.info  # type: ignore[method-assign]
        self.job: ProcessJob | None = None
        self.task: asyncio.Task[Any] | None = None
        self.output: BacktestOutput | None = None

        style(self.setup)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.setup)
        scroll.setMinimumWidth(220)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.summary = Summary()
        self.plots = ResultPlots()
        chart = QWidget()
        cl = QVBoxLayout(chart)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.summary)
        cl.addWidget(self.plots, 1)
        self.stats_model = StatsModel(self)
        self.stats_view = table_view(self.stats_model, sortable=False)
        self.stats_view.horizontalHeader().setStretchLastSection(False)
        self.trades_model = trades_model(self)
        self.trades_view = table_view(self.trades_model)
        self.trades_view.setToolTip("Double-click a trade to show it on the chart")
        self.trades_view.doubleClicked.connect(self._on_trade_clicked)
        self.optimize = OptimizeView(self.setup)
        self.optimize.params_chosen.connect(self.run_params)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(chart, "Chart")
        self.tabs.addTab(self.stats_view, "Statistics")
        self.tabs.addTab(self.trades_view, "Trades")
        self.tabs.addTab(self.optimize, "Optimize")
        style_tabs(self.tabs)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 900])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.runbar.run_button.clicked.connect(self.start)
        self.runbar.cancel_button.clicked.connect(self.cancel)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_theme()

    def apply_theme(self) -> None:
        """Follow ``theme.apply`` (children inside the tab widget do not all get the palette change)."""
        name = theme.colors().name
        self.plots.set_theme(name)
        if self.summary.theme_name != name:
            self.summary.restyle()
        for bar in (self.runbar, self.optimize.runbar):
            if getattr(bar.run_button, "theme_name", "") != name:
                accent_button(bar.run_button)

    # ---- running -------------------------------------------------------------------------------------------
    async def run(self) -> Outcome | None:
        bar = self.runbar
        try:
            params = self.setup.params.values()
            cash, commission = self.setup.costs()
            bar.busy(True, "loading data…")
            data = await self.setup.data_ref()
        except ValueError as exc:  # ParamError, InputError, bad interval
            bar.busy(False)
            bar.error(str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. the session refused the history request
            bar.busy(False)
            bar.error(f"cannot load the data: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
            return None
        bar.busy(True, "backtesting…")
        self.job = ProcessJob("backtest", strategy=self.setup.strategy_ref(), params=params, data=data, cash=cash,
                              commission=commission)
        try:
            outcome = await self.job.run(bar.report)
        finally:
            self.job = None
        if outcome.status == "done":
            self.show_output(outcome.value, cash)
            bar.finish(True)
            s = outcome.value.stats
            note = outcome.value.note  # why there are no trades, e.g. cash that buys 0 whole units
            bar.info(f"{self.setup.strategy_combo.currentData()} "
                     f"({', '.join(f'{k}={v}' for k, v in outcome.value.params.items())}): "
                     f"{text(s['# Trades'])} trades, return {text(s['Return [%]'])}%" + (f". {note}" if note else ""))
        elif outcome.status == "cancelled":
            bar.finish(False)
            bar.info("cancelled")
        else:
            bar.finish(False)
            bar.error(str(outcome.value))
        return outcome

    def run_params(self, params: dict[str, Any]) -> None:
        """Backtest ``params`` (e.g. an optimisation result) and show the chart."""
        self.setup.params.set_values(params)
        self.tabs.setCurrentIndex(0)
        self.start()

    def _on_trade_clicked(self, index: Any) -> None:
        if self.output is None or not index.isValid():
            return
        entry = self.trades_model.frame.at[index.row(), "Entry time"]
        trades = self.output.trades
        hit = trades.index[trades["EntryTime"] == entry]
        if len(hit):
            row = trades.loc[hit[0]]
            self.plots.focus(int(row["EntryBar"]), int(row["ExitBar"]))
            self.tabs.setCurrentIndex(0)

    def show_output(self, out: BacktestOutput, cash: float) -> None:
        self.output = out
        currency = self.setup.quote_currency()
        self.summary.currency = currency
        self.summary.show_stats(out.stats)
        self.stats_model.set_stats(out.stats, currency)
        for col in (0, 1):
            self.stats_view.resizeColumnToContents(col)
            self.stats_view.setColumnWidth(col, self.stats_view.columnWidth(col) + 24)
        self.trades_model.set_frame(trades_view_frame(out.trades))
        self.trades_view.resizeColumnsToContents()
        self.plots.show_result(out.bars, out.equity, out.trades, cash)

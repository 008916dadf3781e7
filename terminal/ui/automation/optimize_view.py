"""The Optimize tab: a grid per parameter, a statistic to maximise, a run on a Dask cluster (local processes, or
the scheduler named in "Scheduler") with progress and cancel; results as a table, a heatmap over two chosen
parameters, and the walk-forward (out-of-sample) folds."""
from __future__ import annotations

import asyncio
import logging
import math
import os
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QScrollArea, QSizePolicy, QSpinBox, QSplitter, QTableView, QTabWidget, QVBoxLayout, QWidget)

from ...backtest.grid import check_grid
from ...backtest.optimize import NA, STAT_KEYS
from ...strategy.base import Strategy
from .colorbar import ColorBar
from .jobs import JobHost, Outcome, ProcessJob
from .look import style, style_table, style_tabs
from .models import FrameModel, HeatmapModel, with_currency
from .params_form import GridForm
from .runbar import RunBar
from .setup import SetupPanel

log = logging.getLogger(__name__)
SHOWN_STATS = ("Return [%]", "Sharpe Ratio", "Sortino Ratio", "Max. Drawdown [%]", "# Trades", "Win Rate [%]",
               "Profit Factor", "Equity Final [$]")


def table_view(model: Any, sortable: bool = True) -> QTableView:
    v = QTableView()
    v.setModel(model)
    v.setAlternatingRowColors(True)
    v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    v.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    v.verticalHeader().setVisible(False)
    v.verticalHeader().setDefaultSectionSize(22)
    v.horizontalHeader().setHighlightSections(False)
    v.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    v.horizontalHeader().setStretchLastSection(True)
    v.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # keep the model's order until a click
    v.setSortingEnabled(sortable)
    v.setWordWrap(False)
    style_table(v)
    return v


class OptimizeView(JobHost, QWidget):
    #: the parameters of a result row the user double-clicked (the backtest dock runs them)
    params_chosen = Signal(dict)

    def __init__(self, setup: SetupPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setup = setup
        self.job: ProcessJob | None = None
        self.task: asyncio.Task[Any] | None = None
        self.result: Any = None
        self.walk_forward: pd.DataFrame | None = None

        controls = QWidget()
        cl = QVBoxLayout(controls)
        cl.setContentsMargins(6, 6, 6, 6)
        box = QGroupBox("Grid (start:stop:step or a,b,c)")
        bl = QVBoxLayout(box)
        self.grid_form = GridForm()
        bl.addWidget(self.grid_form)
        cl.addWidget(box)
        box = QGroupBox("Search")
        form = QFormLayout(box)
        self.metric_combo = QComboBox()
        for key in STAT_KEYS:
            self.metric_combo.addItem(key, key)  # the text names the currency once it is known
        self.metric_combo.setCurrentText("Sharpe Ratio")
        self.metric_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.metric_combo.setMinimumContentsLength(12)
        self.folds_spin = QSpinBox()
        self.folds_spin.setRange(0, 20)
        self.folds_spin.setSpecialValueText("off")
        self.folds_spin.setToolTip("Rolling walk-forward: optimise on one segment, test the best on the next")
        self.jobs_spin = QSpinBox()
        self.jobs_spin.setRange(1, max(1, os.cpu_count() or 1) * 2)
        self.jobs_spin.setValue(max(1, os.cpu_count() or 1))
        self.jobs_spin.setToolTip("Worker processes of a local Dask cluster (started only for work worth it)")
        self.scheduler_edit = QLineEdit()
        self.scheduler_edit.setPlaceholderText("local (this machine)")
        self.scheduler_edit.setToolTip("A Dask scheduler to run on, e.g. tcp://host:8786; empty: this machine "
                                       "(Processes workers). The strategy must be importable on its workers; a "
                                       "strategy file travels as its source.")
        self.scheduler_edit.textChanged.connect(lambda text: self.jobs_spin.setEnabled(not text.strip()))
        form.addRow("Maximise", self.metric_combo)
        form.addRow("Walk-forward folds", self.folds_spin)
        form.addRow("Processes", self.jobs_spin)
        form.addRow("Scheduler", self.scheduler_edit)
        cl.addWidget(box)
        self.runbar = RunBar("Optimize")
        cl.addWidget(self.runbar)
        cl.addStretch(1)
        style(controls)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(controls)
        scroll.setMinimumWidth(220)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)

        self.results_model = FrameModel(self, signed=("Return [%]", "Sharpe Ratio", "Sortino Ratio"), na=NA)
        self.results_view = table_view(self.results_model)
        self.results_view.setToolTip("Double-click a row to backtest its parameters")
        self.results_view.doubleClicked.connect(self._on_result_clicked)
        self.heat_model = HeatmapModel(self)
        self.heat_view = table_view(self.heat_model, sortable=False)
        self.heat_view.setAlternatingRowColors(False)
        self.heat_view.verticalHeader().setVisible(True)
        self.heat_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.heat_view.horizontalHeader().setStretchLastSection(False)
        self.heat_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        for c in (self.x_combo, self.y_combo):
            c.currentIndexChanged.connect(self._refresh_heatmap)
        heat = QWidget()
        hl = QVBoxLayout(heat)
        hl.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        row.addWidget(QLabel("Columns"))
        row.addWidget(self.x_combo)
        row.addSpacing(12)
        row.addWidget(QLabel("Rows"))
        row.addWidget(self.y_combo)
        self.heat_caption = QLabel()
        self.heat_caption.setObjectName("muted")
        self.heat_caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.heat_caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.heat_caption, 1)
        hl.addLayout(row)
        hl.addWidget(self.heat_view, 1)
        self.color_bar = ColorBar(self.heat_model)
        hl.addWidget(self.color_bar)
        self.wf_model = FrameModel(self, na=NA)
        self.wf_view = table_view(self.wf_model)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.results_view, "Results")
        self.tabs.addTab(heat, "Heatmap")
        self.tabs.addTab(self.wf_view, "Walk-forward")
        style_tabs(self.tabs)
        style(self.heat_caption, "muted")

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setSizes([320, 700])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.runbar.run_button.clicked.connect(self.start)
        self.runbar.cancel_button.clicked.connect(self.cancel)
        setup.strategy_changed.connect(self.set_strategy)
        self.set_strategy(setup.params.strategy)

    def set_strategy(self, cls: type[Strategy] | None) -> None:
        self.grid_form.set_strategy(cls)

    def set_currency(self, currency: str) -> None:
        """Name the account's currency in the statistics ("Equity Final [USDT]") of the list and the table."""
        self.currency = currency
        for i in range(self.metric_combo.count()):
            self.metric_combo.setItemText(i, with_currency(self.metric_combo.itemData(i), currency))
        self.results_model.headers = {k: with_currency(k, currency) for k in STAT_KEYS if "[$]" in k}

    # ---- running -------------------------------------------------------------------------------------------
    def cancel(self) -> None:
        if self.job is not None:
            super().cancel()
            self.runbar.info("cancelling… (stopping the runs in flight)")

    async def run(self) -> Outcome | None:
        bar = self.runbar
        try:
            fixed = self.setup.params.raw()
            grid = self.grid_form.grid(fixed)
            check_grid(grid)  # a grid too large to search is refused before the data is loaded
            cash, commission = self.setup.costs()
            bar.busy(True, "loading data…")
            data = await self.setup.data_ref()
        except ValueError as exc:
            bar.busy(False)
            bar.error(str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. the session refused the history request
            bar.busy(False)
            bar.error(f"cannot load the data: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
            return None
        combos = 1
        for values in grid.values():
            combos *= len(values)
        self.set_currency(self.setup.quote_currency())
        bar.busy(True, f"optimising {combos:,} combinations…")
        self.job = ProcessJob("optimize", strategy=self.setup.strategy_ref(), grid=grid, data=data,
                              maximize=self.metric_combo.currentData(), cash=cash, commission=commission,
                              jobs=self.jobs_spin.value(), folds=self.folds_spin.value(),
                              scheduler=self.scheduler_edit.text().strip())
        try:
            outcome = await self.job.run(bar.report)
        finally:
            self.job = None
        if outcome.status == "error":
            bar.finish(False)
            bar.error(str(outcome.value))
            return outcome
        if outcome.status == "cancelled":
            bar.finish(False)
            bar.info("cancelled")
            return outcome
        self.show_result(outcome.value.result, outcome.value.walk_forward)
        res = outcome.value.result
        bar.finish(not res.cancelled)
        shown = self.grid_form.varied() or list(res.best)
        best = ", ".join(f"{k}={v}" for k, v in res.best.items() if k in shown)
        head = "cancelled: " if res.cancelled else ""
        if res.results.empty:
            bar.info(f"{head}no run finished")
        else:
            value = f"{res.best_value:.4f}" if math.isfinite(res.best_value) else NA
            bar.info(f"{head}best {best}: {res.maximize} = {value} "
                     f"({len(res.results):,} runs, {res.skipped:,} refused by the strategy)")
        return outcome

    # ---- results -------------------------------------------------------------------------------------------
    def show_result(self, result: Any, walk_forward: pd.DataFrame | None) -> None:
        self.result = result
        self.walk_forward = walk_forward
        frame = result.results
        varied = [p for p in result.params if frame[p].nunique() > 1] if len(frame) else []
        cols = [*(varied or result.params), *[s for s in (result.maximize, *SHOWN_STATS) if s in frame.columns]]
        cols = list(dict.fromkeys(cols))
        self.results_model.set_frame(frame[cols] if len(frame) else frame)
        self.results_view.resizeColumnsToContents()
        choices = varied or list(result.params)
        for combo, pick in ((self.x_combo, 0), (self.y_combo, 1)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(choices)
            combo.setCurrentIndex(min(pick, len(choices) - 1))
            combo.blockSignals(False)
        self._refresh_heatmap()
        if walk_forward is not None:
            self.wf_model.set_frame(walk_forward)
            self.wf_view.resizeColumnsToContents()
        else:
            self.wf_model.clear()

    def _on_result_clicked(self, index: Any) -> None:
        if self.result is None or not index.isValid():
            return
        frame = self.results_model.frame
        chosen = {p: frame.at[index.row(), p] for p in self.result.params if p in frame.columns}
        best = self.result.best  # parameters not shown (fixed) are the same in every row
        params = {**best, **chosen}
        self.params_chosen.emit({k: v.item() if hasattr(v, "item") else v for k, v in params.items()})

    def _refresh_heatmap(self) -> None:
        res = self.result
        if res is None or res.results.empty or not self.x_combo.count():
            self.heat_model.set_table(pd.DataFrame())
            return
        x, y = self.x_combo.currentText(), self.y_combo.currentText()
        if x == y:
            groups = res.results.groupby(x)[res.maximize]
            table, runs = groups.max().to_frame().T, groups.size().to_frame().T
            table.index = runs.index = pd.Index([res.maximize], name="")
            table.columns.name = x
        else:
            table, runs = res.heatmap(x, y), res.runs(x, y)
        self.heat_model.set_table(table, runs)  # n/a where runs were made and none has a value
        lo, hi = self.heat_model.range
        name = with_currency(res.maximize, getattr(self, "currency", "$"))
        self.heat_caption.setText(f"{name}  {lo:.4g} … {hi:.4g}")
        centre = "0" if self.heat_model.centred_on_zero else f"the median, {self.heat_model.center:.4g}"
        self.heat_caption.setToolTip(f"green above {centre}, red below, the same strength per unit on both sides; "
                                     "a cell holds the best value over the other parameters")

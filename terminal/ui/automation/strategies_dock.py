"""The strategies dock: add strategy instances, start and stop them on the session, watch their state and log."""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any, Awaitable, Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QScrollArea, QSplitter, QToolButton, QVBoxLayout,
                               QWidget)

from shiboken6 import isValid

from .. import theme
from ..dialogs.ask import CANCEL, NO, YES, YES_NO, Icon, ask
from ..dialogs.pick import pick_folder
from .host import InstanceState, StrategyHost, StrategyInstance
from .look import style
from .optimize_view import table_view
from .params_form import ParamsForm
from .runbar import accent_button
from .symbols import SymbolPicker
from .setup import INTERVALS, InputError, SessionProvider, StrategyCatalog, parse_amount

log = logging.getLogger(__name__)
REFRESH_MS = 250


class StrategiesDock(QWidget):
    catalog_changed = Signal()  # user strategies were loaded into the shared catalog
    def __init__(self, session_provider: SessionProvider | None = None, catalog: StrategyCatalog | None = None,
                 parent: QWidget | None = None, host: StrategyHost | None = None) -> None:
        super().__init__(parent)
        from .strategies_model import StrategiesModel
        self.session_provider = session_provider or (lambda: None)
        self.catalog = catalog or StrategyCatalog()
        self.host = host or StrategyHost(self.session_provider)
        self.model = StrategiesModel(self.host, self)
        self._tasks: set[asyncio.Task[Any]] = set()
        #: asked before a strategy starts on a LIVE session; awaited (a dialog never blocks the event loop)
        self.confirm: Callable[[str], Awaitable[bool]] = self._confirm_live
        #: asked when a strategy with an open position is stopped: YES close it, NO keep it, CANCEL don't stop
        self.ask_position: Callable[[str, str], Awaitable[Any]] = self._ask_position
        #: the chart's symbol (the default for a new strategy), given by the window
        self.chart_symbol: Callable[[], str | None] = lambda: None

        form_box = QWidget()
        fl = QVBoxLayout(form_box)
        fl.setContentsMargins(6, 6, 6, 6)
        box = QGroupBox("New strategy")
        form = QFormLayout(box)
        self.strategy_combo = QComboBox()
        self.folder_button = QToolButton()
        self.folder_button.setText("…")
        self.folder_button.setToolTip("Load user strategies from a folder")
        self.folder_button.clicked.connect(lambda: self._spawn(self.choose_folder()))
        row = QHBoxLayout()
        row.addWidget(self.strategy_combo, 1)
        row.addWidget(self.folder_button)
        form.addRow("Strategy", row)
        self.params = ParamsForm()
        form.addRow(self.params)
        self.symbol_combo = SymbolPicker()
        self.interval_combo = QComboBox()
        self.interval_combo.addItems(("1s", *INTERVALS))
        self.interval_combo.setCurrentText("1m")
        self.cash_edit = QLineEdit("1000")
        self.cash_edit.setToolTip("quote currency the strategy may use (its own budget, not the account)")
        form.addRow("Symbol", self.symbol_combo)
        form.addRow("Interval", self.interval_combo)
        form.addRow("Cash", self.cash_edit)
        self.add_button = QPushButton("Add && start")
        accent_button(self.add_button)
        form.addRow(self.add_button)
        fl.addWidget(box)
        self.message = QLabel()
        self.message.setWordWrap(True)
        fl.addWidget(self.message)
        fl.addStretch(1)
        style(form_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_box)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(220)

        self.table = table_view(self.model, sortable=False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(28)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._on_selection())
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.remove_button = QPushButton("Remove")
        for b in (self.start_button, self.stop_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.status = QLabel()
        style(self.status, "muted")
        buttons.addWidget(self.status)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(4)
        tl.addWidget(self.table, 1)
        bar = QWidget()
        bar.setLayout(buttons)
        buttons.setContentsMargins(4, 0, 4, 2)
        style(bar)
        tl.addWidget(bar)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(2000)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(8.5)
        self.log_view.setFont(mono)
        self.log_view.setPlaceholderText("The selected strategy's log")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(self.log_view)
        right.setSizes([260, 140])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([280, 800])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

        self.strategy_combo.currentIndexChanged.connect(self._on_strategy)
        self.add_button.clicked.connect(lambda: self._spawn(self.add_and_start()))
        self.start_button.clicked.connect(lambda: self._spawn(self.start_selected()))
        self.stop_button.clicked.connect(lambda: self._spawn(self.stop_selected()))
        self.remove_button.clicked.connect(lambda: self._spawn(self.remove_selected()))
        self.refresh_strategies()
        self._log_shown: tuple[int, int] = (0, 0)
        self._last_line: list[str] = []
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)
        self.model.refresh()  # the session provider is first asked at the first tick (the window may be mid-build)
        self.add_button.setEnabled(False)

    # ---- form ----------------------------------------------------------------------------------------------
    def refresh_strategies(self) -> None:
        """List the catalog's strategies (a no-op when the list is unchanged: typed parameters stay)."""
        names = [self.strategy_combo.itemData(i) for i in range(self.strategy_combo.count())]
        if names == list(self.catalog.classes):
            return
        current = self.strategy_combo.currentData()
        self.strategy_combo.blockSignals(True)
        self.strategy_combo.clear()
        for name in self.catalog.classes:
            self.strategy_combo.addItem(name, name)
        i = self.strategy_combo.findData(current)
        self.strategy_combo.setCurrentIndex(max(0, i))
        self.strategy_combo.blockSignals(False)
        self._on_strategy()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and getattr(self.add_button, "theme_name", "") != theme.colors().name:
            accent_button(self.add_button)

    async def choose_folder(self) -> None:
        folder = await pick_folder(self, "Folder of strategy files")
        if folder:
            added = self.catalog.load_folder(folder)
            self.refresh_strategies()
            self.catalog_changed.emit()
            if added:
                self.select_strategy(added[0])
            errors = list(self.catalog.errors.values())
            self._info("; ".join([f"loaded {len(added)} from {folder}", *errors]), error=bool(errors))

    async def _confirm_live(self, text: str) -> bool:
        return await ask(self, "LIVE trading", text, YES_NO, default=NO, icon=Icon.Warning) == YES

    def _on_strategy(self) -> None:
        self.params.set_strategy(self.catalog.classes.get(self.strategy_combo.currentData()))

    def select_strategy(self, name: str) -> None:
        self.strategy_combo.setCurrentIndex(self.strategy_combo.findData(name))

    def refresh_symbols(self) -> None:
        session = self.session_provider()
        if session is None:
            return
        self.symbol_combo.fill_from(session)
        self.symbol_combo.follow(self.chart_symbol())

    def _info(self, text: str, error: bool = False) -> None:
        style(self.message, "down" if error else "muted")
        self.message.setText(text)

    # ---- actions -------------------------------------------------------------------------------------------
    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("strategy action failed: %s: %s", type(exc).__name__, exc)
            self._info(f"{type(exc).__name__}: {exc}", error=True)
        self.refresh()

    def add_instance(self) -> StrategyInstance | None:
        """Check the form and add a stopped instance; a bad value is a message, not an exception."""
        cls = self.catalog.classes.get(self.strategy_combo.currentData())
        if cls is None:
            self._info("choose a strategy", error=True)
            return None
        try:
            parse_amount(self.cash_edit.text(), "cash", positive=True)
            cash = Decimal(self.cash_edit.text().strip())
            session = self.session_provider()
            if session is None:
                raise InputError("not connected: connect a session first")
            self.refresh_symbols()
            symbol = self.symbol_combo.currentText()
            if not symbol:
                raise InputError("choose a symbol")
            if session is not None and getattr(session, "instruments", None) and symbol not in session.instruments:
                raise InputError(f"unknown symbol {symbol!r} on this venue")
            inst = self.host.add(cls, self.params.raw(), symbol, self.interval_combo.currentText(), cash)
        except ValueError as exc:  # ParamError, InputError, interval
            self._info(str(exc), error=True)
            return None
        self._info(f"added #{inst.id} {inst.name} on {inst.symbol} {inst.interval}")
        self.refresh()
        self.table.selectRow(self.model.rowCount() - 1)
        return inst

    async def add_and_start(self) -> StrategyInstance | None:
        inst = self.add_instance()
        if inst is not None:
            await self.start(inst)
        return inst

    async def start(self, inst: StrategyInstance) -> None:
        session = self.session_provider()
        env = getattr(getattr(session, "environment", None), "name", "")
        if env == "LIVE" and not await self.confirm(f"Start {inst.name} on {inst.symbol} with REAL money "
                                                    f"(budget {inst.cash})?"):
            self._info("not started")
            return
        self.refresh()
        await self.host.start(inst)
        if inst.state is InstanceState.ERROR:
            self._info(f"#{inst.id} {inst.name}: {inst.error}", error=True)
        else:
            self._info(f"#{inst.id} {inst.name} running on {inst.symbol} {inst.interval}")
        self.refresh()

    async def stop(self, inst: StrategyInstance) -> None:
        """Stop ``inst``; with an open position, ask first whether to keep it or close it at market."""
        qty = self.host.open_position(inst)
        close = False
        if qty > 0 and inst.state in (InstanceState.RUNNING, InstanceState.ERROR):
            side = "long" if inst.position is not None and inst.position > 0 else "short"
            answer = await self.ask_position(
                f"Stop {inst.name}", f"#{inst.id} {inst.name} holds a {side} position of "
                f"{format(qty.normalize(), 'f')} {inst.symbol}.\n\n"
                f"Close it with a market order, or keep it in the account?")
            if answer == CANCEL:
                self._info(f"#{inst.id} {inst.name} still running")
                return
            close = answer == YES
        await self.host.stop(inst)
        self.refresh()
        if close:
            try:
                order = await self.host.flatten(inst)
            except Exception as exc:  # noqa: BLE001 - the venue refused: the position stays, say so
                self._info(f"#{inst.id} {inst.name} stopped; closing the position failed: "
                           f"{type(exc).__name__}: {getattr(exc, 'message', exc)}", error=True)
            else:
                self._info(f"#{inst.id} {inst.name} stopped; position closed"
                           + (f" ({order.status.name.lower()})" if order is not None else ""))
        elif qty > 0:
            self._info(f"#{inst.id} {inst.name} stopped; its position of {format(qty.normalize(), 'f')} "
                       f"{inst.symbol} is kept")
        self.refresh()

    async def _ask_position(self, title: str, text: str) -> Any:
        return await ask(self, title, text, YES_NO | CANCEL, default=CANCEL, icon=Icon.Question,
                         labels={YES: "Close position", NO: "Keep position", CANCEL: "Don't stop"})

    def selected(self) -> StrategyInstance | None:
        return self.model.instance(self.table.currentIndex().row())

    async def start_selected(self) -> None:
        inst = self.selected()
        if inst is not None and self.host.paused(inst):  # the button says "Resume": a fail-safe paused it
            self.host.resume(inst)
            self.refresh()
        elif inst is not None:
            await self.start(inst)

    async def stop_selected(self) -> None:
        inst = self.selected()
        if inst is not None:
            await self.stop(inst)

    async def remove_selected(self) -> None:
        inst = self.selected()
        if inst is None:
            return
        try:
            await self.host.remove(inst)
        except RuntimeError as exc:
            self._info(str(exc), error=True)
        self.refresh()

    async def shutdown(self) -> None:
        """Stop every running strategy (the window awaits this before closing the session)."""
        self.timer.stop()
        await self.host.stop_all()

    # ---- refresh (timer) -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        if not isValid(self) or not isValid(self.model):  # an action finished after the dock was closed
            return
        self.model.refresh()
        self.refresh_symbols()
        inst = self.selected()
        running = sum(1 for i in self.host.instances if i.state is InstanceState.RUNNING)
        errors = sum(1 for i in self.host.instances if i.state is InstanceState.ERROR)
        self.status.setText(f"{running} running" + (f", {errors} in error" if errors else ""))
        busy = inst is not None and inst.state in (InstanceState.STARTING, InstanceState.STOPPING)
        paused = inst is not None and self.host.paused(inst)
        self.start_button.setText("Resume" if paused else "Start")
        self.start_button.setEnabled(paused or inst is not None and not busy and inst.state in (InstanceState.STOPPED,
                                                                                       InstanceState.ERROR))
        self.stop_button.setEnabled(inst is not None and inst.state in (InstanceState.RUNNING, InstanceState.ERROR))
        self.remove_button.setEnabled(inst is not None and inst.state in (InstanceState.STOPPED, InstanceState.ERROR))
        self.add_button.setEnabled(self.session_provider() is not None)
        self.add_button.setToolTip("" if self.session_provider() is not None else "connect a session first")
        self._show_log()

    def _on_selection(self) -> None:
        self.refresh()
        self._show_log(force=True)

    def _show_log(self, force: bool = False) -> None:
        inst = self.selected()
        if inst is None:
            if self._log_shown != (0, 0):
                self.log_view.clear()
                self._log_shown = (0, 0)
            return
        lines = list(inst.lines)
        key = (inst.id, len(lines))
        full = len(lines) == inst.lines.maxlen
        if force or key[0] != self._log_shown[0] or (full and lines[-1:] != self._last_line):
            self.log_view.setPlainText("\n".join(lines))
        elif key[1] > self._log_shown[1]:
            for line in lines[self._log_shown[1]:]:
                self.log_view.appendPlainText(line)
        self._log_shown = key
        self._last_line = lines[-1:]

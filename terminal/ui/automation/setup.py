"""The inputs shared by a backtest and an optimisation: strategy, data source, cash and commission.

Strategies are the built-ins plus those loaded from a folder (``terminal.strategy.loader``). Bars come from a
CSV file (read in the worker process) or from the session's history (``session.klines``, awaited on the loop);
without a session only the CSV source is offered.
"""
from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable

import pandas as pd
from PySide6.QtCore import QDateTime, Qt, QTimer, QTimeZone, Signal
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QSizePolicy, QStackedWidget, QToolButton, QVBoxLayout, QWidget)
from qasync import asyncSlot

from ...model import Interval
from ...strategy.base import Strategy
from ...strategy.builtin import BUILTIN
from ...strategy.context import lot_step_of
from ...strategy.loader import load_folder
from ..dialogs.pick import pick_file, pick_folder
from .params_form import ParamsForm
from .symbols import SymbolPicker
from .tasks import DataRef, StrategyRef

SessionProvider = Callable[[], Any]
INTERVALS = ("1m", "5m", "15m", "1h", "4h", "1d")
CSV, SESSION = 0, 1


class InputError(ValueError):
    """Bad input in a form; the message is shown in the dock."""


def parse_amount(text: str, name: str, positive: bool = False) -> float:
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(f"{name} must be a number, got {text.strip()!r}") from None
    if not d.is_finite() or d < 0 or (positive and d == 0):
        raise InputError(f"{name} must be a {'positive' if positive else 'non-negative'} number, got {text.strip()!r}")
    return float(d)


class StrategyCatalog:
    """Built-in and user strategies by name, with the file each user strategy came from."""

    def __init__(self) -> None:
        self.classes: dict[str, type[Strategy]] = dict(BUILTIN)
        self.paths: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    def load_folder(self, folder: str | Path) -> list[str]:
        report = load_folder(folder)
        self.errors = dict(report.errors)
        added = []
        for name, cls in report.strategies.items():
            module = sys.modules.get(cls.__module__)
            self.classes[name] = cls
            self.paths[name] = str(getattr(module, "__file__", "") or "")
            added.append(name)
        return added

    def ref(self, name: str) -> StrategyRef:
        return StrategyRef(name, self.paths.get(name, ""))


def _dt(ts: pd.Timestamp) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(int(ts.value // 1_000_000), QTimeZone.utc())


class SetupPanel(QWidget):
    strategy_changed = Signal(object)  # the Strategy class

    def __init__(self, session_provider: SessionProvider | None = None, catalog: StrategyCatalog | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session_provider = session_provider or (lambda: None)
        #: the chart's symbol (the default for session history), given by the window
        self.chart_symbol: Callable[[], str | None] = lambda: None
        self._source_chosen = False  # the user (or a caller) chose the data source: no default applies
        self.catalog = catalog or StrategyCatalog()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(8)

        box = QGroupBox("Strategy")
        form = QFormLayout(box)
        self.strategy_combo = QComboBox()
        self.strategy_combo.setObjectName("strategyCombo")
        self.folder_button = QPushButton("Load folder…")
        self.folder_button.setToolTip("Load user strategies (*.py files defining Strategy subclasses)")
        self.folder_button.clicked.connect(self._on_folder)
        row = QHBoxLayout()
        row.addWidget(self.strategy_combo, 1)
        row.addWidget(self.folder_button)
        form.addRow(row)
        self.params = ParamsForm()
        form.addRow(self.params)
        lay.addWidget(box)

        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.source_combo = QComboBox()
        self.source_combo.addItems(["CSV file", "Session history"])
        form.addRow("Source", self.source_combo)
        self.pages = QStackedWidget()
        csv_page = QWidget()
        row = QHBoxLayout(csv_page)
        row.setContentsMargins(0, 0, 0, 0)
        self.csv_edit = QLineEdit()
        self.csv_edit.setPlaceholderText("bars.csv (time, open, high, low, close, volume)")
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose a CSV file")
        browse.clicked.connect(self._on_browse)
        row.addWidget(self.csv_edit, 1)
        row.addWidget(browse)
        self.pages.addWidget(csv_page)
        sess_page = QWidget()
        sform = QFormLayout(sess_page)
        sform.setContentsMargins(0, 0, 0, 0)
        self.symbol_combo = SymbolPicker()
        self.interval_combo = QComboBox()
        self.interval_combo.addItems(INTERVALS)
        self.interval_combo.setCurrentText("1h")
        now = pd.Timestamp.now(tz="UTC").floor("h").tz_localize(None)
        self.start_edit = QDateTimeEdit(_dt(now - pd.Timedelta(days=30)))
        self.end_edit = QDateTimeEdit(_dt(now))
        for e in (self.start_edit, self.end_edit):
            e.setTimeZone(QTimeZone.utc())
            e.setDisplayFormat("yyyy-MM-dd HH:mm")
            e.setCalendarPopup(True)
        sform.addRow("Symbol", self.symbol_combo)
        sform.addRow("Interval", self.interval_combo)
        sform.addRow("From (UTC)", self.start_edit)
        sform.addRow("To (UTC)", self.end_edit)
        self.pages.addWidget(sess_page)
        form.addRow(self.pages)
        self.source_combo.currentIndexChanged.connect(self._on_source)
        self.source_combo.activated.connect(lambda _: setattr(self, "_source_chosen", True))
        self._on_source(CSV)
        lay.addWidget(box)

        box = QGroupBox("Account")
        form = QFormLayout(box)
        self.cash_edit = QLineEdit("10000")
        self.commission_edit = QLineEdit("0.001")
        self.commission_edit.setToolTip("fraction of traded value paid on every fill, e.g. 0.001 = 0.1%")
        form.addRow("Cash", self.cash_edit)
        form.addRow("Commission", self.commission_edit)
        lay.addWidget(box)
        self.footer = QVBoxLayout()
        lay.addLayout(self.footer)
        lay.addStretch(1)

        self.strategy_combo.currentIndexChanged.connect(self._on_strategy)
        self.refresh_strategies()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start(500)

    # ---- strategies ----------------------------------------------------------------------------------------
    def refresh_strategies(self, select: str | None = None) -> None:
        current = select or self.strategy_combo.currentData()
        self.strategy_combo.blockSignals(True)
        self.strategy_combo.clear()
        for name, cls in self.catalog.classes.items():
            label = name if name in BUILTIN else f"{name}  (user)"
            self.strategy_combo.addItem(label, name)
            self.strategy_combo.setItemData(self.strategy_combo.count() - 1, (cls.__doc__ or "").strip().split("\n")[0],
                                            Qt.ItemDataRole.ToolTipRole)
        i = self.strategy_combo.findData(current)
        self.strategy_combo.setCurrentIndex(i if i >= 0 else 0)
        self.strategy_combo.blockSignals(False)
        self._on_strategy()

    def load_folder(self, folder: str | Path) -> str:
        """Load user strategies; returns a message (what was loaded, and any file that failed)."""
        added = self.catalog.load_folder(folder)
        self.refresh_strategies(added[0] if added else None)
        parts = [f"loaded {len(added)} strateg{'y' if len(added) == 1 else 'ies'} from {folder}"]
        parts += list(self.catalog.errors.values())
        return "; ".join(parts)

    @asyncSlot()
    async def _on_folder(self) -> None:
        folder = await pick_folder(self, "Folder of strategy files")
        if folder:
            self.load_message(self.load_folder(folder))

    def load_message(self, text: str) -> None:  # replaced by the dock to show it
        pass

    def select_strategy(self, name: str) -> None:
        self.strategy_combo.setCurrentIndex(self.strategy_combo.findData(name))

    def strategy_class(self) -> type[Strategy]:
        return self.catalog.classes[self.strategy_combo.currentData()]

    def strategy_ref(self) -> StrategyRef:
        return self.catalog.ref(self.strategy_combo.currentData())

    def _on_strategy(self) -> None:
        name = self.strategy_combo.currentData()
        cls = self.catalog.classes.get(name) if name else None
        self.params.set_strategy(cls)
        self.strategy_changed.emit(cls)

    # ---- data ----------------------------------------------------------------------------------------------
    @asyncSlot()
    async def _on_browse(self) -> None:
        path = await pick_file(self, "Bars (CSV)", "", "CSV (*.csv);;All files (*)")
        if path:
            self.csv_edit.setText(path)

    def _on_source(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        for i in range(self.pages.count()):  # the stack takes the height of the page shown, not the tallest
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page = self.pages.widget(i)
            if page is not None:
                page.setSizePolicy(QSizePolicy.Policy.Preferred, policy)
        if index == SESSION:
            self.refresh_symbols()

    def refresh_symbols(self) -> None:
        """The session's instruments in the symbol list, the chart's symbol chosen until the user picks one; the
        session's history becomes the source the first time a session is there (unless a CSV was chosen)."""
        session = self.session_provider()
        if session is None:
            return
        self.symbol_combo.fill_from(session)
        self.symbol_combo.follow(self.chart_symbol())
        if not self._source_chosen and not self.csv_edit.text().strip():
            self._source_chosen = True
            self.source_combo.setCurrentIndex(SESSION)

    def _on_tick(self) -> None:
        if self.isVisible():  # a session may have come (or gone), the chart may show another symbol
            self.refresh_symbols()

    def quote_currency(self) -> str:
        """The quote currency of the backtested symbol (of the chart's symbol for a CSV), or "cash"."""
        session = self.session_provider()
        symbol = self.symbol_combo.currentText() if self.source_combo.currentIndex() == SESSION else \
            (self.chart_symbol() or "")
        instrument = (getattr(session, "instruments", {}) or {}).get(symbol) if session is not None else None
        return str(getattr(instrument, "quote_asset", "") or "cash")

    def set_csv(self, path: str | Path) -> None:
        self._source_chosen = True
        self.source_combo.setCurrentIndex(CSV)
        self.csv_edit.setText(str(path))

    def set_session_source(self, symbol: str, interval: str, start: pd.Timestamp, end: pd.Timestamp) -> None:
        self._source_chosen = True
        self.source_combo.setCurrentIndex(SESSION)
        self.symbol_combo.choose(symbol)
        self.interval_combo.setCurrentText(interval)
        self.start_edit.setDateTime(_dt(start))
        self.end_edit.setDateTime(_dt(end))

    async def data_ref(self) -> DataRef:
        """The bars to use: a CSV path for the worker, or history fetched from the session now."""
        if self.source_combo.currentIndex() == CSV:
            path = self.csv_edit.text().strip()
            if not path:
                raise InputError("choose a CSV file of bars")
            return DataRef(path=path)
        session = self.session_provider()
        if session is None:
            raise InputError("not connected: session history needs a session (or choose a CSV file)")
        self.refresh_symbols()
        symbol = self.symbol_combo.currentText()
        if not symbol:
            raise InputError("choose a symbol")
        start = self.start_edit.dateTime().toMSecsSinceEpoch()
        end = self.end_edit.dateTime().toMSecsSinceEpoch()
        if end <= start:
            raise InputError("the end of the date range must be after its start")
        interval = self.interval_combo.currentText()
        Interval.parse(interval)
        frame = await session.klines(symbol, interval, start, end)
        if frame is None or not len(frame):
            raise InputError(f"no {interval} bars for {symbol} in that range")
        step = lot_step_of(session.instrument(symbol)) if hasattr(session, "instrument") else None
        return DataRef(frame=frame, label=f"{symbol} {interval}", lot_step=step or Decimal(1))

    def costs(self) -> tuple[float, float]:
        return (parse_amount(self.cash_edit.text(), "cash", positive=True),
                parse_amount(self.commission_edit.text(), "commission"))

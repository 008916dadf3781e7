"""Watchlist: add (with completion over the instruments) and remove symbols; selecting one links the other docks."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QCompleter, QHeaderView, QHBoxLayout, QLineEdit, QMenu, QPushButton, QVBoxLayout,
                               QWidget)

from ... import model as m
from .. import theme
from ..models.watchlist import WatchlistModel
from .table import make_table


class WatchlistWidget(QWidget):
    symbol_selected = Signal(str)
    symbol_added = Signal(str)
    symbol_removed = Signal(str)
    data_source_chosen = Signal(str, str)  # (symbol, venue its market data should come from)
    #: what the user typed matches no listed instrument: ask the venues (IB contract search, Kite's dump...)
    search_requested = Signal(str)
    #: right-click "Alert on SYMBOL…": the Alerts dock's form, filled in
    alert_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = WatchlistModel(self)
        self.instruments: dict[str, m.Instrument] = {}
        self.entry = QLineEdit(self)
        self.entry.setPlaceholderText("Add symbol… (or search: ES, NIFTY FUT, apple)")
        self.entry.setClearButtonEnabled(True)
        self._names = QStringListModel(self)
        self.completer = QCompleter(self._names, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.entry.setCompleter(self.completer)
        self.entry.returnPressed.connect(self._on_add)
        self.add_button = QPushButton("Add", self)
        self.add_button.clicked.connect(self._on_add)
        theme.style(self.entry)
        theme.style(self.add_button)
        self.view = make_table(self, stretch_last=False)
        self.view.setModel(self.model)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        remove = QAction("Remove from watchlist", self.view)
        remove.setShortcut(QKeySequence.StandardKey.Delete)
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self.remove_selected)
        self.view.addAction(remove)
        #: market-data routing (several venues): the venues that can serve a symbol's data, and the current one
        self.data_sources: Callable[[str], list[str]] = lambda symbol: []
        self.data_source_of: Callable[[str], str] = lambda symbol: ""
        #: the venues' answers to the last search, shown under the entry (a popup menu, never a nested loop)
        self.results_menu = QMenu(self)
        self.results_menu.setObjectName("searchResults")
        alert = QAction("Alert on this symbol…", self.view)
        alert.triggered.connect(lambda: self.current_symbol() and self.alert_requested.emit(self.current_symbol()))
        self.view.addAction(alert)
        self.source_menu = QMenu("Market data from", self)
        self.source_menu.aboutToShow.connect(self._fill_sources)
        self.source_action = self.source_menu.menuAction()
        self.view.addAction(self.source_action)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.view.clicked.connect(self._on_current)
        top = QHBoxLayout()
        top.setContentsMargins(6, 6, 6, 2)
        top.addWidget(self.entry, 1)
        top.addWidget(self.add_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        for col, w in enumerate((88, 86, 64, 86, 86, 86, 86, 64)):
            self.view.setColumnWidth(col, w)
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (3, 4, 5, 6):  # bid, ask, high, low: available, hidden by default (header menu to show)
            self.view.setColumnHidden(col, True)
        header = self.view.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for col in range(1, self.model.columnCount()):
            a = QAction(self.model.columns[col].title, header)
            a.setCheckable(True)
            a.setChecked(not self.view.isColumnHidden(col))
            a.toggled.connect(lambda on, c=col: self.view.setColumnHidden(c, not on))
            header.addAction(a)

    def set_instruments(self, instruments: dict[str, m.Instrument]) -> None:
        self.instruments = instruments
        self._names.setStringList(sorted(instruments))
        for sym in self.model.symbols():
            row = self.model.lookup(sym)
            if row is not None and row.instrument is None:
                row.instrument = instruments.get(sym)
                self.model.touch(sym)

    def symbols(self) -> list[str]:
        return self.model.symbols()

    def resolve(self, text: str) -> str:
        """The watchlist key for what the user typed: a listed key (``AAPL@paper``, ``BTCUSDT``), a qualified id
        (``BTCUSDT@binance``), or a bare symbol exactly one venue lists; case does not matter."""
        text = text.strip()
        wanted = text.upper()
        if not self.instruments or text in self.instruments:
            return text.upper() if "@" not in text else text
        by_name: dict[str, str] = {}
        bare: dict[str, list[str]] = {}
        for key, ins in self.instruments.items():
            by_name[key.upper()] = key
            by_name.setdefault(ins.qualified_id.upper(), key)
            bare.setdefault(key.partition("@")[0].upper(), []).append(key)
        if wanted in by_name:
            return by_name[wanted]
        keys = bare.get(wanted, [])
        return keys[0] if len(keys) == 1 else wanted

    def add_symbol(self, symbol: str) -> bool:
        symbol = self.resolve(symbol)
        if not symbol or (self.instruments and symbol not in self.instruments):
            return False
        if not self.model.add(symbol, self.instruments.get(symbol)):
            return False
        self.model.flush()
        self.symbol_added.emit(symbol)
        return True

    def remove_symbol(self, symbol: str) -> None:
        if self.model.lookup(symbol) is not None:
            self.model.remove(symbol)
            self.symbol_removed.emit(symbol)

    def remove_selected(self) -> None:
        idx = self.view.currentIndex()
        if idx.isValid():
            self.remove_symbol(self.model.row_at(idx.row()).symbol)

    def select(self, symbol: str) -> None:
        row = self.model.store.pos.get(symbol)
        if row is not None:
            self.view.selectRow(row)

    def _on_add(self) -> None:
        text = self.entry.text()
        if self.add_symbol(text):
            self.entry.clear()
            self.select(self.resolve(text))
        elif text.strip() and self.resolve(text) in self.model.store.pos:
            self.select(self.resolve(text))
            self.entry.setToolTip(f"{text.strip().upper()} is already watched")
            self.entry.selectAll()
        elif text.strip():
            self.entry.setToolTip(f"Searching for {text.strip()!r}…")
            self.search_requested.emit(text.strip())

    def show_results(self, text: str, results: list[tuple[str, str]]) -> None:
        """The venues' answers to a search: ``(key, title)`` best first. One answer is added at once; several open a
        menu under the entry (choosing one adds it); none says so."""
        self.results_menu.clear()
        if not results:
            self.entry.setToolTip(f"No instrument matches {text!r} on the connected venues")
            self.entry.selectAll()
            return
        if len(results) == 1 and self.add_symbol(results[0][0]):
            self.entry.clear()
            self.select(results[0][0])
            return
        for key, title in results:
            action = self.results_menu.addAction(f"{title}   {key}" if key not in title else title)
            action.setData(key)
            action.triggered.connect(lambda _=False, k=key: self._on_result(k))
        self.results_menu.popup(self.entry.mapToGlobal(self.entry.rect().bottomLeft()))

    def _on_result(self, key: str) -> None:
        if self.add_symbol(key) or key in self.model.store.pos:
            self.entry.clear()
            self.select(key)

    def current_symbol(self) -> str:
        idx = self.view.currentIndex()
        return self.model.row_at(idx.row()).symbol if idx.isValid() and idx.row() < len(self.model.store) else ""

    def _fill_sources(self) -> None:
        """The right-click submenu: one checkable entry per venue that lists the current row's symbol."""
        self.source_menu.clear()
        symbol = self.current_symbol()
        venues = self.data_sources(symbol) if symbol else []
        current = self.data_source_of(symbol) if symbol else ""
        for venue in venues:
            a = self.source_menu.addAction(venue)
            a.setCheckable(True)
            a.setChecked(venue == current)
            a.triggered.connect(lambda _=False, sym=symbol, v=venue: self.data_source_chosen.emit(sym, v))
        if not venues:
            self.source_menu.addAction("only its own venue lists it").setEnabled(False)

    def _on_current(self, current: QModelIndex, *_: object) -> None:
        if current.isValid() and current.row() < len(self.model.store):
            self.symbol_selected.emit(self.model.row_at(current.row()).symbol)

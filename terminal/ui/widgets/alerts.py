"""The Alerts dock: the session's alerts (market.alerts.AlertBook) in a table, a "New alert…" form, what fired lately,
and the notification when one fires (the system tray's balloon where there is a tray, the status bar always; a beep if
"Sound" is ticked).

The form is part of the dock (no dialog): kind, symbol, value, window, repeat, note, then Add. The watchlist's
right-click "Alert on SYMBOL…" fills it in; the chart's right-click "Alert when the price crosses P" adds one at once.
"""
from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                               QPushButton, QSpinBox, QSystemTrayIcon, QTabWidget, QVBoxLayout, QWidget)

from ...market.alerts import Alert, AlertBook, AlertKind, AlertTriggered
from .. import theme
from .table import make_table

KIND_LABELS = {
    AlertKind.CROSSES_ABOVE: "Price crosses above", AlertKind.CROSSES_BELOW: "Price crosses below",
    AlertKind.MOVE_PCT: "Moves % within", AlertKind.SPREAD_WIDER: "Spread wider than %",
    AlertKind.FILL: "Fill received", AlertKind.STRATEGY_STOPPED: "Strategy stopped on error",
    AlertKind.RISK_LIMIT: "Risk limit hit", AlertKind.CONNECTION_LOST: "Connection lost",
}
_Index = QModelIndex | QPersistentModelIndex


class AlertsModel(QAbstractTableModel):
    COLUMNS = ("Alert", "State", "Fired", "Last fired")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Alert] = []

    def reset(self, alerts: list[Alert]) -> None:
        self.beginResetModel()
        self.rows = list(alerts)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        a = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            c = index.column()
            if c == 0:
                return a.describe() + (" (repeats)" if a.repeat else "")
            if c == 1:
                return "armed" if a.active else ("done" if a.times else "off")
            if c == 2:
                return str(a.times)
            return time.strftime("%H:%M:%S", time.localtime(a.triggered_ms / 1000)) if a.triggered_ms else ""
        return None


class AlertsWidget(QWidget):
    #: an alert fired (already shown): its message
    notified = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.book: AlertBook | None = None
        self.status_message: Callable[[str, int], None] = lambda text, ms: None
        self.model = AlertsModel(self)
        self.view = make_table(self)
        self.view.setModel(self.model)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.kind = QComboBox(self)
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind)
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind.setMinimumContentsLength(10)
        self.symbol = QLineEdit(self)
        self.symbol.setPlaceholderText("Symbol (BTCUSDT); empty = any")
        self.symbol.setMinimumWidth(60)
        self.value = QLineEdit(self)
        self.value.setPlaceholderText("Price or %")
        self.value.setMinimumWidth(50)
        self.window = QSpinBox(self)
        self.window.setRange(1, 1440)
        self.window.setValue(5)
        self.window.setSuffix(" min")
        self.repeat = QCheckBox("Repeat", self)
        self.sound = QCheckBox("Sound", self)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("Note (optional)")
        self.note.setMinimumWidth(40)
        self.cancel_button = QPushButton("Close", self)
        self.cancel_button.clicked.connect(self.hide_form)
        self.add_button = QPushButton("Add", self)
        self.add_button.setToolTip("Add the alert described on the left")
        self.remove_button = QPushButton("Remove", self)
        self.toggle_button = QPushButton("On/Off", self)
        for b in (self.add_button, self.remove_button, self.toggle_button):
            b.setMinimumWidth(10)
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.recent = QListWidget(self)
        self.tray: QSystemTrayIcon | None = None
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.view, "Alerts")
        self.tabs.addTab(self.recent, "Fired lately")
        self.view.setMinimumHeight(48)
        self.recent.setMinimumHeight(48)
        #: the form: hidden until "New alert…" (or the watchlist's "Alert on this symbol…") asks for it
        self.form = QWidget(self)
        form_lay = QVBoxLayout(self.form)
        form_lay.setContentsMargins(0, 0, 0, 0)
        form_lay.setSpacing(3)
        row = QHBoxLayout()
        row.addWidget(self.kind, 3)
        row.addWidget(self.symbol, 2)
        values = QHBoxLayout()
        values.addWidget(self.value, 2)
        values.addWidget(self.window, 1)
        values.addWidget(self.note, 3)
        opts = QHBoxLayout()
        opts.addStretch(1)
        opts.addWidget(self.repeat)
        opts.addWidget(self.sound)
        opts.addWidget(self.add_button)
        opts.addWidget(self.cancel_button)
        # on/off and remove: the table's right-click menu (and Delete)
        self.toggle_button.hide()
        self.remove_button.hide()
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        toggle = QAction("Turn on/off", self.view)
        toggle.triggered.connect(self.toggle_selected)
        remove = QAction("Remove alert", self.view)
        remove.setShortcut(QKeySequence.StandardKey.Delete)
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self.remove_selected)
        self.view.addActions([toggle, remove])
        form_lay.addLayout(row)
        form_lay.addLayout(values)
        form_lay.addLayout(opts)
        self.form.hide()
        self.new_button = QPushButton("New alert…", self)
        self.new_button.clicked.connect(self.show_form)
        self.tabs.setCornerWidget(self.new_button, Qt.Corner.TopRightCorner)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(3)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.form)
        lay.addWidget(self.error)
        self.error.hide()
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.add_button.clicked.connect(self.add_from_form)
        self.remove_button.clicked.connect(self.remove_selected)
        self.toggle_button.clicked.connect(self.toggle_selected)
        theme.style(self)
        self._on_kind()

    # ---- the book --------------------------------------------------------------------------------------------
    def set_book(self, book: AlertBook | None) -> None:
        self.book = book
        self.refresh()

    def refresh(self) -> None:
        self.model.reset(self.book.all() if self.book is not None else [])

    def _on_kind(self, *_: object) -> None:
        kind: AlertKind = self.kind.currentData()
        self.value.setEnabled(kind.needs_value)
        self.window.setEnabled(kind is AlertKind.MOVE_PCT)
        self.symbol.setPlaceholderText("Symbol (BTCUSDT)" if kind.needs_symbol else
                                       "Strategy name; empty = any" if kind is AlertKind.STRATEGY_STOPPED else
                                       "Symbol; empty = any" if kind is AlertKind.FILL else "—")
        self.symbol.setEnabled(kind.needs_symbol or kind in (AlertKind.FILL, AlertKind.STRATEGY_STOPPED))

    def show_form(self) -> None:
        self.form.show()
        self.new_button.setEnabled(False)
        self.symbol.setFocus()

    def hide_form(self) -> None:
        self.form.hide()
        self._error("")
        self.new_button.setEnabled(True)

    def prefill(self, symbol: str, price: Decimal | None, above: bool = True) -> None:
        """The watchlist's "Alert on SYMBOL…": the form with the symbol and its last price."""
        self.show_form()
        kind = AlertKind.CROSSES_ABOVE if above else AlertKind.CROSSES_BELOW
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.symbol.setText(symbol)
        self.value.setText(format(price, "f") if price is not None else "")
        self.value.setFocus()
        self.value.selectAll()

    def add_from_form(self) -> Alert | None:
        if self.book is None:
            self._error("Connect first: alerts watch a session's market.")
            return None
        kind: AlertKind = self.kind.currentData()
        value: Any = None
        if kind.needs_value:
            try:
                value = Decimal(self.value.text().strip())
            except InvalidOperation:
                self._error(f"{self.value.text().strip() or 'an empty value'} is not a number")
                return None
        try:
            alert = self.book.add(kind, self.symbol.text(), value, window_s=self.window.value() * 60,
                                  repeat=self.repeat.isChecked(), note=self.note.text())
        except ValueError as exc:
            self._error(str(exc))
            return None
        self.note.clear()
        self.hide_form()
        self.tabs.setCurrentIndex(0)
        self.refresh()
        self.status_message(f"Alert set: {alert.describe()}", 5000)
        return alert

    def _error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def add_price_alert(self, symbol: str, price: Decimal, last: Decimal | None) -> Alert | None:
        """The chart's "Alert when the price crosses P": above the last price -> crosses above, else below."""
        if self.book is None:
            return None
        above = last is None or price > last
        alert = self.book.add(AlertKind.CROSSES_ABOVE if above else AlertKind.CROSSES_BELOW, symbol, price)
        self.refresh()
        self.status_message(f"Alert set: {alert.describe()}", 5000)
        return alert

    def _selected(self) -> Alert | None:
        idx = self.view.currentIndex()
        return self.model.rows[idx.row()] if idx.isValid() and idx.row() < len(self.model.rows) else None

    def remove_selected(self) -> None:
        alert = self._selected()
        if alert is not None and self.book is not None:
            self.book.remove(alert.id)
            self.refresh()

    def toggle_selected(self) -> None:
        alert = self._selected()
        if alert is not None and self.book is not None:
            self.book.set_active(alert.id, not alert.active)
            self.refresh()

    # ---- firing ----------------------------------------------------------------------------------------------
    def on_triggered(self, events: list[AlertTriggered]) -> None:
        """Alerts that fired since the last frame: listed, notified (tray balloon, status bar, beep)."""
        for e in events:
            stamp = time.strftime("%H:%M:%S", time.localtime((e.ts_recv or time.time() * 1000) / 1000))
            self.recent.insertItem(0, f"{stamp}  {e.message}")
            self.tabs.setTabText(1, f"Fired lately ({self.recent.count()})")
            self.notify("Alert", e.message)
        while self.recent.count() > 200:
            self.recent.takeItem(self.recent.count() - 1)
        if events:
            self.refresh()

    def notify(self, title: str, text: str) -> None:
        if self.tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(self.windowIcon(), self)
            self.tray.show()
        if self.tray is not None:
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)
        self.status_message(f"Alert: {text}", 15000)
        if self.sound.isChecked():
            QApplication.beep()
        self.notified.emit(text)

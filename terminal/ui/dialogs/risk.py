"""The Risk dialog: the limits of one venue and environment, edited in a non-modal window.

Every field empty means "no limit". The values are checked by the core's own reader (``risk.limits.from_dict``):
an error names the field and what is wrong, and "Save" stays disabled until every field reads. The line above the
buttons lists what would change. The day's state (``RiskStatus.summary()``: "risk: 34% of daily loss used", or the
halt in red) is shown at the top, with "Resume trading" while a halt holds.

``edit_limits(session, settings, parent)`` opens it for a session (never with ``exec()``: ``run_dialog(...,
modal=False)``), applies the accepted limits (``RiskEngine.set_limits``: logged and audited), stores them for the
session's venue and environment (``risk.config``) and saves the settings.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from ...model.numbers import fmt
from ...risk import config
from ...risk.engine import RiskEngine
from ...risk.limits import RiskLimits, SymbolLimits, changes, from_dict, to_dict
from ...storage import settings as settings_store
from .. import theme
from .run import run_dialog

ACCEPTED = QDialog.DialogCode.Accepted.value
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
WHOLE = {"max_ticks", "orders_per_second", "orders_per_minute", "cancels_per_minute"}
#: (group, path, label, unit): "{ref}" is the reference currency
FIELDS: list[tuple[str, str, str, str]] = [
    ("Orders", "max_order_notional", "Max order value", "quote asset, every symbol"),
    ("Orders", "max_gross_exposure", "Max gross exposure", "{ref}, the account"),
    ("Price band", "band.max_pct", "Limit price from the market", "%"),
    ("Price band", "band.max_ticks", "Limit price from the market", "ticks"),
    ("Price band", "band.max_spread_pct", "Market orders while the spread is at most", "%"),
    ("Throttle", "throttle.orders_per_second", "Orders", "per second"),
    ("Throttle", "throttle.orders_per_minute", "Orders", "per minute"),
    ("Throttle", "throttle.cancels_per_minute", "Cancels", "per minute"),
    ("Day", "loss.max_daily_loss", "Daily loss (realised + unrealised)", "{ref}"),
    ("Day", "loss.max_drawdown", "Drawdown from the day's peak equity", "{ref}"),
    ("Each strategy", "strategy.capital", "Capital", "{ref}"),
    ("Each strategy", "strategy.max_loss", "Max loss", "{ref}"),
    ("Each strategy", "strategy.orders_per_minute", "Orders", "per minute"),
]
SYMBOL_FIELDS = [("max_order_qty", "Max order quantity", "base"), ("max_order_notional", "Max order value", "quote"),
                 ("max_position_qty", "Max position", "base"), ("max_position_notional", "Max position value",
                                                                 "quote")]


def _text(value: Any) -> str:
    return "" if value is None else (fmt(value) if isinstance(value, Decimal) else str(value))


class RiskDialog(QDialog):
    def __init__(self, limits: RiskLimits, title: str, symbols: list[str], engine: RiskEngine | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = limits
        self.engine = engine
        self.setWindowTitle(f"Risk — {title}")
        self.setObjectName("riskDialog")
        ref = limits.reference
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.resume = QPushButton("Resume trading", self)
        self.resume.setToolTip("Lift today's halt (it comes back if a loss limit is still reached)")
        self.resume.clicked.connect(self._resume)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.resume)
        self.edits: dict[str, QLineEdit] = {}
        width = self.fontMetrics().horizontalAdvance("0" * 11)  # 10,000,000 and a margin
        groups: dict[str, QFormLayout] = {}
        grid = QGridLayout()
        for group, path, label, unit in FIELDS:
            form = groups.get(group)
            if form is None:
                box = QGroupBox(group, self)
                form = groups[group] = QFormLayout(box)
                grid.addWidget(box, (len(groups) - 1) // 2, (len(groups) - 1) % 2)
            edit = QLineEdit(self)
            edit.setObjectName(path)
            edit.setPlaceholderText("no limit")
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.setMinimumWidth(width)
            self.edits[path] = edit
            form.addRow(f"{label} ({unit.format(ref=ref)})", edit)
        self.flatten = QCheckBox("When a day limit is reached, also close the positions", self)
        groups["Day"].addRow(self.flatten)
        sym_box = QGroupBox("Per symbol", self)
        sym_form = QFormLayout(sym_box)
        self.symbol = QComboBox(self)
        self.symbol.addItems(sorted(set(symbols) | set(limits.symbols)))
        sym_form.addRow("Symbol", self.symbol)
        self.symbol_edits: dict[str, QLineEdit] = {}
        for name, label, unit in SYMBOL_FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(f"symbol.{name}")
            edit.setPlaceholderText("no limit")
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.setMinimumWidth(width)
            self.symbol_edits[name] = edit
            sym_form.addRow(f"{label} ({unit} asset)", edit)
        grid.addWidget(sym_box, len(groups) // 2, len(groups) % 2)
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.preview = QLabel("", self)
        self.preview.setObjectName("muted")
        self.preview.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(grid)
        lay.addWidget(self.error)
        lay.addWidget(self.preview)
        lay.addWidget(self.buttons)
        theme.style(self)
        # per-symbol texts: kept per symbol as the user moves between them
        self._symbol_texts = {s: {n: _text(getattr(v, n)) for n, _, _ in SYMBOL_FIELDS}
                              for s, v in limits.symbols.items()}
        self._shown_symbol = ""
        self._load(limits)
        self._limits: RiskLimits | None = limits
        for edit in [*self.edits.values(), *self.symbol_edits.values()]:
            edit.textChanged.connect(self.check)
        self.flatten.toggled.connect(self.check)
        self.symbol.currentTextChanged.connect(self._switch_symbol)
        self._switch_symbol(self.symbol.currentText())
        self.refresh_status()
        self.check()

    # ---- fields <-> limits ----------------------------------------------------------------------------------
    def _load(self, limits: RiskLimits) -> None:
        for path, edit in self.edits.items():
            group, _, name = path.rpartition(".")
            owner = getattr(limits, group) if group else limits
            edit.setText(_text(getattr(owner, name)))
        self.flatten.setChecked(limits.loss.flatten)

    def _switch_symbol(self, symbol: str) -> None:
        if self._shown_symbol:
            self._symbol_texts[self._shown_symbol] = {n: e.text() for n, e in self.symbol_edits.items()}
        self._shown_symbol = symbol
        texts = self._symbol_texts.get(symbol, {})
        for n, e in self.symbol_edits.items():
            e.blockSignals(True)
            e.setText(texts.get(n, ""))
            e.blockSignals(False)
        self.check()

    def _read(self) -> RiskLimits:
        """The limits the fields describe (ValueError naming the field)."""
        data: dict[str, Any] = {k: v for k, v in to_dict(self.original).items() if k in ("check_balance", "reference")}
        for path, edit in self.edits.items():
            _put(data, path, edit.text())
        data.setdefault("loss", {})["flatten"] = self.flatten.isChecked()
        data["loss"]["day_start_hour_utc"] = self.original.loss.day_start_hour_utc
        if self.original.strategies:
            data["strategies"] = to_dict(self.original).get("strategies", {})
        if self._shown_symbol:
            self._symbol_texts[self._shown_symbol] = {n: e.text() for n, e in self.symbol_edits.items()}
        symbols: dict[str, Any] = {}
        for symbol, texts in sorted(self._symbol_texts.items()):
            entry: dict[str, Any] = {}
            for name, text in texts.items():
                _put(entry, name, text, where=f"symbols.{symbol}.{name}")
            if entry:
                symbols[symbol] = entry
        if symbols:
            data["symbols"] = symbols
        limits = from_dict(data)
        return limits.replace(symbols={s: v for s, v in limits.symbols.items() if v != SymbolLimits()})

    def check(self) -> bool:
        try:
            self._limits = self._read()
        except ValueError as exc:
            self._limits = None
            self.error.setText(self._in_words(str(exc)))
            self.preview.setText("")
            self.save.setEnabled(False)
            return False
        self.error.setText("")
        diff = changes(self.original, self._limits)
        self.preview.setText("no change" if not diff else f"{len(diff)} change{'s' if len(diff) > 1 else ''}: "
                             + ", ".join(f"{p} {a or 'none'} → {b or 'none'}" for p, a, b in diff))
        self.save.setEnabled(bool(diff))
        return True

    def limits(self) -> RiskLimits | None:
        """The limits entered, once every field reads; None otherwise."""
        return self._limits

    def _in_words(self, message: str) -> str:
        """"band.max_pct: 'x' is not ..." -> "Limit price from the market (%): 'x' is not ..."."""
        path, _, rest = message.partition(": ")
        for _, p, label, unit in FIELDS:
            if p == path:
                return f"{label} ({unit.format(ref=self.original.reference)}): {rest}"
        if path.startswith("symbols.") and path.count(".") == 2:
            _, symbol, name = path.split(".")
            label = next((lbl for n, lbl, _ in SYMBOL_FIELDS if n == name), name)
            return f"{symbol}, {label.lower()}: {rest}"
        return message

    # ---- the day's state --------------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        status = self.engine.status() if self.engine is not None else None
        halted = bool(status and status.halted)
        self.status.setText(status.summary() if status else "")
        self.status.setObjectName("fieldError" if halted else "muted")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.resume.setVisible(halted)

    def _resume(self) -> None:
        if self.engine is not None:
            self.engine.resume("user")
        self.refresh_status()


def _put(data: dict[str, Any], path: str, text: str, where: str = "") -> None:
    text = text.strip()
    if _GROUPED.fullmatch(text):  # "10,000.5": thousands separators; "3,5" stays as typed (and is refused)
        text = text.replace(",", "")
    if not text:
        return
    *groups, name = path.split(".")
    for g in groups:
        data = data.setdefault(g, {})
    if name in WHOLE:
        if not text.isdigit():
            raise ValueError(f"{where or path}: expected a whole number, got {text!r}")
        data[name] = int(text)
    else:
        data[name] = text


async def edit_limits(session: Any, settings: settings_store.Settings, parent: QWidget | None = None,
                      settings_dir: Path | None = None) -> RiskLimits | None:
    """Open the dialog for ``session``'s venue and environment; on Save apply, store and save the limits. Returns
    the new limits, or None when nothing was saved."""
    engine: RiskEngine = session.risk.engine
    dialog = RiskDialog(engine.limits, f"{session.provider} {session.env}", sorted(session.instruments), engine, parent)
    try:
        if await run_dialog(dialog, modal=False) != ACCEPTED:
            return None
        limits = dialog.limits()
        if limits is None:
            return None
        engine.set_limits(limits, actor="user")
        config.store(settings, session.provider, session.env, limits)
        settings_store.save_later(settings, settings_dir)  # on the background writer, not on the loop
        return limits
    finally:
        dialog.deleteLater()

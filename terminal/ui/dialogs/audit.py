"""The Audit view: the session's audit trail in a table, whether its hash chain is intact, export to CSV.

A non-modal window over ``storage.audit.AuditLog``: one row per record (number, time in UTC, who, what, the
details in words), newest last. The line above the table says "chain intact: 12 records" or, in red, the first bad
record and why (``AuditLog.verify``). "Refresh" reads the log again; "Export CSV…" asks where (``pick_save_file``,
awaited, never a nested loop) and writes it on a worker thread (``AuditLog.export_csv``).
"""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Hashable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QDialog, QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout
from PySide6.QtWidgets import QWidget
from qasync import asyncSlot

from ...storage.audit import AuditLog, AuditRecord
from .. import theme
from ..models.table import LEFT, RIGHT, Column, RowTableModel
from .pick import pick_save_file

log = logging.getLogger(__name__)


_FIRST = ("symbol", "side", "type", "quantity", "price", "stop_price", "quote_quantity", "time_in_force", "origin")


def details_text(details: dict[str, Any]) -> str:
    """``{"symbol": "BTCUSDT", "side": "BUY", "price": None}`` -> ``symbol BTCUSDT · side BUY``: an order's fields
    in the order a trader reads them, then the rest; empty values left out."""
    keys = [k for k in _FIRST if k in details] + sorted(k for k in details if k not in _FIRST)
    return " · ".join(f"{k} {details[k]}" for k in keys if details[k] not in (None, "", [], {}))


def _when(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts_ms / 1000))


class AuditModel(RowTableModel[AuditRecord]):
    columns = [
        Column("#", lambda r: str(r.seq), RIGHT, raw=lambda r: r.seq),
        Column("Time (UTC)", lambda r: _when(r.ts_ms), LEFT, raw=lambda r: r.ts_ms),
        Column("Who", lambda r: r.actor, LEFT),
        Column("Action", lambda r: r.action, LEFT),
        Column("Details", lambda r: details_text(r.details), LEFT),
    ]

    def key(self, row: AuditRecord) -> Hashable:
        return row.seq


class AuditDialog(QDialog):
    exported = Signal(str)

    def __init__(self, audit: AuditLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.audit = audit
        self.setWindowTitle(f"Audit trail — {audit.env or audit.path or 'this session'}")
        self.setObjectName("auditDialog")
        self.model = AuditModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.chain = QLabel("", self)
        self.chain.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.clicked.connect(self._on_export)
        buttons = QHBoxLayout()
        buttons.addWidget(self.chain, 1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(self.view)
        self.resize(900, 420)
        theme.style(self)
        self.last_dir = ""
        self.refresh()

    def refresh(self) -> None:
        """Read the log again (it is small enough to read whole; the view shows the newest last)."""
        self.model.reset(self.audit.records())
        result = self.audit.verify()
        ok = result.ok
        self.chain.setText(f"chain intact: {result.records} records" if ok else
                           f"the audit trail was altered: {result}")
        self.chain.setObjectName("muted" if ok else "fieldError")
        self.chain.style().unpolish(self.chain)
        self.chain.style().polish(self.chain)
        self.view.resizeColumnsToContents()
        self.view.scrollToBottom()

    @asyncSlot()
    async def _on_export(self) -> None:
        try:
            await self.export()
        except OSError as exc:
            log.warning("export of the audit trail failed: %s", exc)

    async def export(self) -> str | None:
        start = str(Path(self.last_dir or Path.home()) / f"audit-{self.audit.env or 'session'}.csv")
        path = await pick_save_file(self, "Export the audit trail", start, "CSV (*.csv);;All files (*)", suffix="csv")
        if not path:
            return None
        await asyncio.get_running_loop().run_in_executor(None, self.audit.export_csv, path)
        self.last_dir = str(Path(path).parent)
        self.exported.emit(path)
        return path

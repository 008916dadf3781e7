"""A compact, read-only QTableView with the terminal's defaults; column widths from the model's hints; the
right-click menu of a blotter (Copy row, Export CSV…)."""
from __future__ import annotations

import asyncio
import csv
import re
import logging
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QMenu, QTableView, QWidget
from qasync import asyncSlot

from .. import theme
from ..dialogs.pick import pick_save_file

log = logging.getLogger(__name__)


def make_table(parent: QWidget | None = None, stretch_last: bool = True,
               view_class: type[QTableView] = QTableView) -> QTableView:
    v = view_class(parent)
    v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    v.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    v.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    v.setShowGrid(False)
    v.setAlternatingRowColors(False)
    v.setWordWrap(False)
    v.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    v.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    v.verticalHeader().setVisible(False)
    v.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    v.verticalHeader().setDefaultSectionSize(22)
    h = v.horizontalHeader()
    h.setHighlightSections(False)
    h.setStretchLastSection(stretch_last)
    h.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    h.setMinimumSectionSize(40)
    v.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    v.setFrameShape(QFrame.Shape.NoFrame)
    theme.style(v, "palette")
    theme.style(h, "header")  # the header only: a sheet on the table would slow every cell
    return v


def size_columns(view: QTableView, columns: Sequence[Any]) -> None:
    """Give each column its hinted width (``Column.width`` digits of the view's font, plus padding)."""
    fm = view.fontMetrics()
    digit = fm.horizontalAdvance("0")
    h = view.horizontalHeader()
    for i, col in enumerate(columns):
        if getattr(col, "width", 0):
            title = fm.horizontalAdvance(col.title) + 16
            h.resizeSection(i, max(h.minimumSectionSize(), col.width * digit + 14, title))


def write_csv(path: str | Path, rows: list[list[str]]) -> None:
    """Write ``rows`` (the first is the header) as UTF-8 CSV (runs on a worker thread)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def write_xlsx(path: str, rows: list[list[str]]) -> None:
    """Write ``rows`` (the first is the header) as an Excel sheet (runs on a worker thread); cells that are plain
    numbers as shown ("0.01000", "-12") become numbers, the rest stay text."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for i, row in enumerate(rows):
        sheet.append([float(c) if i and _NUMBER.fullmatch(c) else c for c in row])
    book.save(path)


class RowMenu(QObject):
    """Right-click on a table: "Copy row" (its cells as shown, tab-separated) and "Export CSV…" (the table as shown:
    the rows in their sorted and filtered order, every column but ``skip``). The file is picked with an awaited
    dialog and written off the GUI thread. ``row_actions`` come first, for a row under the pointer
    (("Modify…", fn(view_row)), ...)."""

    exported = Signal(str)  # the path written

    def __init__(self, view: QTableView, name: str, skip: tuple[int, ...] = (),
                 row_actions: Sequence[tuple[str, Callable[[int], object]]] = ()) -> None:
        super().__init__(view)
        self.view = view
        self.name = name
        self.skip = skip
        self.row_actions = list(row_actions)
        self.menu: QMenu | None = None
        self.last_dir = ""
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_menu)

    def _on_menu(self, pos: QPoint) -> None:
        row = self.view.indexAt(pos).row()
        if self.menu is not None:
            self.menu.deleteLater()
        menu = self.menu = QMenu(self.view)
        if row >= 0 and self.row_actions:
            for text, fn in self.row_actions:
                menu.addAction(text).triggered.connect(lambda _=False, fn=fn: fn(row))
            menu.addSeparator()
        copy = menu.addAction("Copy row")
        copy.setEnabled(row >= 0)
        copy.triggered.connect(lambda: self.copy_row(row))
        rows = self.view.model() is not None and self.view.model().rowCount() > 0
        export = menu.addAction("Export CSV…")
        export.setEnabled(rows)
        export.triggered.connect(self._on_export)
        xlsx = menu.addAction("Export XLSX…")
        xlsx.setEnabled(rows)
        xlsx.triggered.connect(self._on_export_xlsx)
        menu.popup(self.view.viewport().mapToGlobal(pos))  # never exec(): no nested event loop

    def _columns(self) -> list[int]:
        model = self.view.model()
        return [c for c in range(model.columnCount()) if c not in self.skip and not self.view.isColumnHidden(c)]

    def row_texts(self, row: int) -> list[str]:
        model = self.view.model()
        return [str(model.index(row, c).data(Qt.ItemDataRole.DisplayRole) or "") for c in self._columns()]

    def table(self) -> list[list[str]]:
        model = self.view.model()
        header = [str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
                  for c in self._columns()]
        return [header] + [self.row_texts(r) for r in range(model.rowCount())]

    def copy_row(self, row: int) -> str:
        text = "\t".join(self.row_texts(row)) if row >= 0 else ""
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    @asyncSlot()
    async def _on_export(self) -> None:
        try:
            await self.export()
        except OSError as exc:
            log.warning("export of %s failed: %s", self.name, exc)

    @asyncSlot()
    async def _on_export_xlsx(self) -> None:
        try:
            await self.export("xlsx")
        except OSError as exc:
            log.warning("export of %s failed: %s", self.name, exc)

    async def export(self, kind: str = "csv") -> str | None:
        start = str(Path(self.last_dir or Path.home()) / f"{self.name}.{kind}")
        filters = "CSV (*.csv);;All files (*)" if kind == "csv" else "Excel (*.xlsx);;All files (*)"
        path = await pick_save_file(self.view, f"Export {self.name.replace('-', ' ')}", start, filters, suffix=kind)
        if not path:
            return None
        rows = self.table()  # read on the GUI thread, written on a worker
        writer = write_csv if kind == "csv" else write_xlsx
        await asyncio.get_running_loop().run_in_executor(None, writer, path, rows)
        self.last_dir = str(Path(path).parent)
        self.exported.emit(path)
        return path

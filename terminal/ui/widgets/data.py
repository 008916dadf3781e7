"""The Data dock: what the kline history cache (``market.history_cache``) holds for the window's venues, and the
ways to fill it or empty it.

One table (venue, symbol, interval, bars, first and last bar, covered range, size of the venue's cache file) under a
one-line form: venue, symbol, interval, from and to (UTC, "to" defaults to the newest closed bar), Download (or
extend: only what the cache does not cover is asked, ``Session.download_history``) with a progress bar fed by the
cache's progress callback and Cancel (a cancelled download resumes after its last page the next time), Import CSV…
(``backtest.history.import_csv``; the file from the awaited picker) and Delete (asks first, without blocking).

Everything is awaited on the loop: the download's pages come from the session's REST client, the table is read and
a CSV parsed on worker threads (``asyncio.to_thread``), so the window stays fluid while a long download runs.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDateTime, QModelIndex, QPersistentModelIndex, Qt, QTimeZone
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)
from qasync import asyncSlot

from ...market.history_cache import HistoryCache, Series, cacheable
from ...model import Interval
from ..dialogs.ask import NO, YES, YES_NO, Icon, ask
from ..dialogs.pick import pick_file
from .table import make_table

log = logging.getLogger(__name__)
_Index = QModelIndex | QPersistentModelIndex
INTERVALS = tuple(i.value for i in Interval if cacheable(i))
UTC = QTimeZone.utc()


@dataclass(frozen=True, slots=True)
class CachedRow:
    venue: str
    series: Series
    file_bytes: int | None  # None: the cache lives in memory (an exchange created for this run)
    path: str


def _when(ms: int | None) -> str:
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")


def _size(n: int | None) -> str:
    if n is None:
        return "in memory"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def file_bytes(cache: HistoryCache) -> int | None:
    """The cache file's size with its WAL and shared-memory files, or None for a cache in memory."""
    if cache.path == ":memory:":
        return None
    path = Path(cache.path)
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


class DataModel(QAbstractTableModel):
    COLUMNS = ("Venue", "Symbol", "Interval", "Bars", "First bar (UTC)", "Last bar (UTC)", "Covered (UTC)",
               "File size")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[CachedRow] = []

    def reset(self, rows: list[CachedRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
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
        r, c = self.rows[index.row()], index.column()
        s = r.series
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.venue, s.symbol, s.interval.value, f"{s.count:,}", _when(s.first_ms), _when(s.last_ms),
                    f"{_when(s.covered_from_ms)} .. {_when(s.covered_to_ms)}" if s.covered_from_ms is not None
                    else "—", _size(r.file_bytes))[c]
        if role == Qt.ItemDataRole.ToolTipRole and c == 7:
            return f"the whole cache file of {r.venue}: {r.path}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            left = c in (0, 1, 2)
            return int((Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight)
                       | Qt.AlignmentFlag.AlignVCenter)
        return None


class DataWidget(QWidget):
    """The Data dock (``bind(link)`` to a SessionLink: its workspace's sessions and their caches)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link: Any = None
        self.task: asyncio.Task[Any] | None = None  # the running download
        self._refreshing: asyncio.Task[Any] | None = None
        self.model = DataModel(self)
        self.venue = QComboBox()
        self.venue.setToolTip("The venue whose history cache to fill")
        self.symbol = QLineEdit()
        self.symbol.setPlaceholderText("Symbol")
        self.symbol.setMaximumWidth(110)
        self.interval = QComboBox()
        self.interval.addItems(INTERVALS)
        self.interval.setCurrentText("1m")
        now = QDateTime.currentDateTimeUtc()
        self.start = self._date_edit(now.addDays(-1))
        self.end = self._date_edit(now)
        self.end.setToolTip("Last bar to download (UTC); never later than the newest closed bar. Until edited it "
                            "follows the clock")
        self._end_follows_clock = True  # until the user edits "to", each download goes up to now
        self.end.dateTimeChanged.connect(self._on_end_edited)
        self.download_button = QPushButton("Download")
        self.download_button.setToolTip("Download or extend: only what the cache does not hold is asked of the venue")
        self.download_button.clicked.connect(self._on_download)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.progress.setMinimumWidth(80)
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Bars from a CSV file (time, open, high, low, close, volume) as the form's "
                                      "symbol and interval")
        self.import_button.clicked.connect(self._on_import)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Forget the selected series (asks first)")
        self.delete_button.clicked.connect(self._on_delete)
        self.message = QLabel("")
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.table = make_table(self)
        self.table.setModel(self.model)

        form = QHBoxLayout()
        form.setSpacing(4)
        for label, w in (("", self.venue), ("", self.symbol), ("", self.interval), ("From", self.start),
                         ("to", self.end)):
            if label:
                form.addWidget(QLabel(label))
            form.addWidget(w)
        form.addStretch(1)
        actions = QHBoxLayout()
        actions.setSpacing(4)
        for w in (self.download_button, self.cancel_button, self.progress, self.import_button, self.delete_button):
            actions.addWidget(w)
        actions.addWidget(self.message, 1)
        root = QVBoxLayout(self)
        root.setContentsMargins(4, 4, 4, 4)
        root.setSpacing(3)
        root.addLayout(form)
        root.addLayout(actions)
        root.addWidget(self.table, 1)

    @staticmethod
    def _date_edit(value: QDateTime) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setTimeZone(UTC)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.setCalendarPopup(True)
        edit.setDateTime(value)
        return edit

    def _on_end_edited(self, _value: QDateTime) -> None:
        self._end_follows_clock = False

    # ---- the window's venues -------------------------------------------------------------------------------
    def bind(self, link: Any) -> None:
        self.link = link
        self.sources_changed()
        if not self.symbol.text() and getattr(link, "symbol", ""):
            self.symbol.setText(link.symbol.split("@", 1)[0])

    def unbind(self) -> None:
        self.cancel()
        self.link = None
        self.venue.clear()
        self.model.reset([])

    def sessions(self) -> dict[str, Any]:
        return dict(self.link.workspace.sessions) if self.link is not None else {}

    def sources_changed(self) -> None:
        """The window's venues changed: the venue choice and the table again."""
        current = self.venue.currentText()
        names = [n for n, s in self.sessions().items() if getattr(s, "history_cache", None) is not None]
        self.venue.clear()
        self.venue.addItems(names)
        if current in names:
            self.venue.setCurrentText(current)
        self.refresh()

    def refresh(self) -> asyncio.Task[Any] | None:
        """Read the caches again (on a worker thread); returns the task (None without a running loop)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        self._refreshing = loop.create_task(self._refresh())
        return self._refreshing

    async def _refresh(self) -> None:
        caches = [(n, s.history_cache) for n, s in self.sessions().items()
                  if getattr(s, "history_cache", None) is not None]

        def read() -> list[CachedRow]:
            rows = []
            for name, cache in caches:
                size = file_bytes(cache)
                rows.extend(CachedRow(name, s, size, cache.path) for s in cache.series())
            return rows
        try:
            rows = await asyncio.to_thread(read)
        except Exception as exc:  # noqa: BLE001 - a cache closed under us (the session went): shown next time
            log.info("cannot read the history caches: %s", type(exc).__name__)
            return
        self.model.reset(rows)
        self.table.resizeColumnsToContents()  # a handful of rows: the dates and sizes are read whole

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.link is not None:
            self.refresh()

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setToolTip(text)

    # ---- download ------------------------------------------------------------------------------------------
    @asyncSlot()
    async def _on_download(self) -> None:
        await self.download()

    def _ms(self, edit: QDateTimeEdit) -> int:
        return int(edit.dateTime().toMSecsSinceEpoch())

    async def download(self) -> int | None:
        """Download (or extend) the form's symbol and interval from its start to its end; the bars written, or None
        when it did not finish (refused, failed or cancelled: what it committed stays, a rerun resumes)."""
        if self.task is not None and not self.task.done():
            self.say("A download is running: wait for it or cancel it.")
            return None
        session = self.sessions().get(self.venue.currentText())
        symbol = self.symbol.text().strip().upper()
        if session is None or not symbol:
            self.say("Choose a venue and a symbol.")
            return None
        interval = self.interval.currentText()
        if self._end_follows_clock:
            self.end.blockSignals(True)
            self.end.setDateTime(QDateTime.currentDateTimeUtc())
            self.end.blockSignals(False)
        start_ms, end_ms = self._ms(self.start), self._ms(self.end)
        self.progress.setValue(0)
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.say(f"Downloading {symbol} {interval}…")

        def progress(done: int, total: int) -> None:  # once per page, on the loop
            self.progress.setValue(100 * done // max(total, 1))

        self.task = asyncio.get_running_loop().create_task(
            session.download_history(symbol, interval, start_ms, end_ms, progress))
        try:
            written: int = await self.task
        except asyncio.CancelledError:
            if self.task.cancelled():  # our Cancel, not the caller's
                self.say(f"{symbol} {interval}: cancelled; Download again resumes after the last page.")
                return None
            raise
        except Exception as exc:  # noqa: BLE001 - expected: a bad symbol or range, the venue refusing
            self.say(f"{symbol} {interval}: {getattr(exc, 'message', None) or exc}")
            return None
        finally:
            self.download_button.setEnabled(True)
            self.cancel_button.setEnabled(False)
            await self._refresh()
        self.progress.setValue(100)
        self.say(f"{symbol} {interval}: {written:,} bars downloaded" if written else
                 f"{symbol} {interval}: already cached, nothing asked of the venue")
        return written

    def cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()

    # ---- import and delete ---------------------------------------------------------------------------------
    @asyncSlot()
    async def _on_import(self) -> None:
        path = await pick_file(self, "Import bars from CSV", "", "CSV (*.csv);;All files (*)")
        if path:
            await self.import_csv(path)

    async def import_csv(self, path: str) -> int | None:
        """Bars from ``path`` into the chosen venue's cache as the form's symbol and interval."""
        from ...backtest.history import import_csv
        session = self.sessions().get(self.venue.currentText())
        symbol = self.symbol.text().strip().upper()
        cache = getattr(session, "history_cache", None)
        if cache is None or not symbol:
            self.say("Choose a venue and type the symbol the file holds.")
            return None
        interval = Interval(self.interval.currentText())
        try:
            n: int = await asyncio.to_thread(import_csv, cache, path, symbol, interval)
        except Exception as exc:  # noqa: BLE001 - a file that is not bars: said, nothing written
            self.say(f"{Path(path).name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            return None
        self.say(f"{Path(path).name}: {n:,} {interval.value} bars of {symbol} imported")
        await self._refresh()
        return n

    def selected(self) -> CachedRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.rows[rows[0].row()] if rows and rows[0].row() < len(self.model.rows) else None

    @asyncSlot()
    async def _on_delete(self) -> None:
        await self.delete_selected()

    async def delete_selected(self) -> int | None:
        """Forget the selected series after the user said yes; the bars deleted, or None."""
        row = self.selected()
        if row is None:
            self.say("Select a series to delete.")
            return None
        s = row.series
        if await ask(self, "Delete cached history", f"Delete the {s.count:,} cached {s.interval.value} bars of "
                     f"{s.symbol} ({row.venue})? They are downloaded again when needed.", YES_NO, default=NO,
                     icon=Icon.Warning) != YES:
            return None
        cache = getattr(self.sessions().get(row.venue), "history_cache", None)
        if cache is None:
            return None
        n: int = await asyncio.to_thread(cache.delete, s.symbol, s.interval)
        self.say(f"Deleted {n:,} {s.interval.value} bars of {s.symbol} ({row.venue}).")
        await self._refresh()
        return n

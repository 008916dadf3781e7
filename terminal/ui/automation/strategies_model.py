"""The table of live strategy instances: a thin adapter over ``StrategyHost.instances``, refreshed per tick."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ..format import DASH, signed
from ..models.table import LEFT, RIGHT, RawRole, brush, contiguous
from .host import InstanceState, StrategyHost, StrategyInstance

Index = QModelIndex | QPersistentModelIndex
_DISPLAY, _ALIGN, _FG, _TIP = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole,
                               Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole)
STATE_COLOR = {InstanceState.RUNNING: "up", InstanceState.ERROR: "down", InstanceState.STARTING: "warn",
               InstanceState.STOPPING: "warn", InstanceState.STOPPED: "muted"}


def _qty(v: Decimal | None) -> str:
    if v is None:
        return DASH
    return format(v.normalize(), "f") if v else "0"


COLUMNS: list[tuple[str, Callable[[StrategyInstance], str], Any]] = [
    ("#", lambda i: str(i.id), RIGHT),
    ("Strategy", lambda i: i.name, LEFT),
    ("Symbol", lambda i: i.symbol, LEFT),
    ("Interval", lambda i: i.interval, LEFT),
    ("Parameters", lambda i: i.params_text(), LEFT),
    ("State", lambda i: i.state.value, LEFT),
    ("Position", lambda i: _qty(i.position), RIGHT),
    ("P&L", lambda i: signed(i.pnl) if i.pnl is not None else DASH, RIGHT),
    ("Orders", lambda i: f"{i.orders} ({i.open_orders} open)" if i.runner is not None else DASH, RIGHT),
    ("Message", lambda i: i.error, LEFT),
]
STATE_COL = 5
PNL_COL = 7


class StrategiesModel(QAbstractTableModel):
    def __init__(self, host: StrategyHost, parent: Any = None) -> None:
        super().__init__(parent)
        self.host = host
        self._rows: list[tuple[StrategyInstance, list[str]]] = []

    def _texts(self, inst: StrategyInstance) -> list[str]:
        return [fn(inst) for _, fn, _ in COLUMNS]

    def refresh(self) -> None:
        """Bring the rows up to date: appended instances are inserted, changed cells signalled by row ranges."""
        insts = self.host.instances
        if [r[0] for r in self._rows] != insts[:len(self._rows)]:
            self.beginResetModel()
            self._rows = [(i, self._texts(i)) for i in insts]
            self.endResetModel()
            return
        if len(insts) < len(self._rows):  # removed from the end
            self.beginRemoveRows(QModelIndex(), len(insts), len(self._rows) - 1)
            del self._rows[len(insts):]
            self.endRemoveRows()
        changed = []
        for row, (inst, old) in enumerate(self._rows):
            self.host.sync(inst)
            new = self._texts(inst)
            if new != old:
                self._rows[row] = (inst, new)
                changed.append(row)
        for first, last in contiguous(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        if len(insts) > len(self._rows):
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, len(insts) - 1)
            self._rows.extend((i, self._texts(i)) for i in insts[first:])
            self.endInsertRows()

    def instance(self, row: int) -> StrategyInstance | None:
        return self._rows[row][0] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        inst, texts = self._rows[index.row()]
        c = index.column()
        if role == _DISPLAY:
            return texts[c]
        if role == _ALIGN:
            return int(COLUMNS[c][2])
        if role == _FG:
            if c == STATE_COL:
                return brush(STATE_COLOR[inst.state])
            if c == PNL_COL and inst.pnl:
                return brush("up" if inst.pnl > 0 else "down")
            if c == len(COLUMNS) - 1 and inst.error:
                return brush("down")
            return None
        if role == _TIP and c == len(COLUMNS) - 1 and inst.error:
            return inst.error
        if role == RawRole:
            return {STATE_COL: inst.state, PNL_COL: inst.pnl}.get(c, texts[c])
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section][0]
        return None

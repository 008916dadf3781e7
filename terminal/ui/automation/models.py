"""Thin Qt table models over pandas frames: statistics, trades, optimisation results, the heatmap."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ...backtest.optimize import NA
from .. import theme
from ..models.table import LEFT, RIGHT, RawRole, brush

Index = QModelIndex | QPersistentModelIndex
DASH = "—"
_DISPLAY, _ALIGN, _FG, _BG = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole,
                              Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole)
_TOOLTIP = Qt.ItemDataRole.ToolTipRole


def text(value: Any, places: int = 2) -> str:
    """A cell's text: numbers with separators, times to the minute, NaN and NaT as a dash."""
    if value is None or value is pd.NaT:
        return DASH
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return DASH if math.isnan(v) else ("∞" if v > 0 else "-∞")
        if v != 0 and abs(v) < 0.01:
            return f"{v:.4g}"
        return f"{v:,.{places}f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M") if (value.second == 0) else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, pd.Timedelta):
        return str(value).replace("0 days ", "").replace(" days ", "d ")
    return str(value)


def with_currency(key: str, currency: str) -> str:
    """A statistic's name in the account's currency: "Equity Final [$]" -> "Equity Final [USDT]"."""
    return key.replace("[$]", f"[{currency}]")


def sign_color(value: Any) -> str | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v) or v == 0:
        return None
    return "up" if v > 0 else "down"


class FrameModel(QAbstractTableModel):
    """Rows and columns of a DataFrame; ``signed`` columns are coloured green/red by sign. A NaN shows as a dash,
    or as ``na`` when given (an optimiser's statistic that is not a result: "n/a")."""

    def __init__(self, parent: Any = None, signed: tuple[str, ...] = (), places: dict[str, int] | None = None,
                 headers: dict[str, str] | None = None, na: str | None = None) -> None:
        super().__init__(parent)
        self.na = na
        self.frame = pd.DataFrame()
        self.signed = set(signed)
        self.places = places or {}
        self.headers = headers or {}
        self._cols: list[str] = []

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)
        self._cols = [str(c) for c in self.frame.columns]
        self.endResetModel()

    def clear(self) -> None:
        self.set_frame(pd.DataFrame())

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._cols)

    def value(self, row: int, column: int) -> Any:
        return self.frame.iat[row, column]

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == _DISPLAY:
            v = self.value(r, c)
            if self.na is not None and isinstance(v, (float, np.floating)) and math.isnan(v):
                return self.na
            return text(v, self.places.get(self._cols[c], 2))
        if role == _ALIGN:
            v = self.value(r, c)
            return int(RIGHT if isinstance(v, (int, float, np.number, pd.Timedelta)) else LEFT)
        if role == _FG and self._cols[c] in self.signed:
            name = sign_color(self.value(r, c))
            return brush(name) if name else None
        if role == RawRole:
            v = self.value(r, c)
            return v.item() if isinstance(v, np.generic) else v
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role != _DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._cols):
                return self.headers.get(self._cols[section], self._cols[section])
            return None
        return str(section + 1) if 0 <= section < len(self.frame) else None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._cols):
            return
        self.layoutAboutToBeChanged.emit()
        col = self.frame.columns[column]
        self.frame = self.frame.sort_values(col, ascending=order == Qt.SortOrder.AscendingOrder,
                                            na_position="last", kind="stable").reset_index(drop=True)
        self.layoutChanged.emit()


STAT_SIGNED = ("Return [%]", "Return (Ann.) [%]", "CAGR [%]", "Sharpe Ratio", "Sortino Ratio", "Calmar Ratio",
               "Alpha [%]", "Avg. Trade [%]", "Expectancy [%]", "SQN", "Best Trade [%]", "Worst Trade [%]")


class StatsModel(FrameModel):
    """The statistics Series of a backtest as two columns: Metric, Value (signed ones coloured)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)

    def set_stats(self, stats: pd.Series, currency: str = "$") -> None:
        """``currency`` names the amounts backtesting.py marks "[$]" (the quote currency of the symbol)."""
        self.currency = currency
        self.set_frame(pd.DataFrame({"Metric": [with_currency(str(k), currency) for k in stats.index],
                                     "Value": list(stats.values)}))

    def stat(self, name: str) -> Any:
        if not len(self.frame):
            return None
        hit = self.frame.index[self.frame["Metric"] == with_currency(name, getattr(self, "currency", "$"))]
        return self.frame.at[hit[0], "Value"] if len(hit) else None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if index.isValid() and index.column() == 1:
            metric = self.frame.iat[index.row(), 0]
            if role == _FG and metric in STAT_SIGNED:
                name = sign_color(self.value(index.row(), 1))
                return brush(name) if name else None
            if role == _ALIGN:
                return int(RIGHT)
        return super().data(index, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        return None  # the statistics keep backtesting.py's order


def trades_model(parent: Any = None) -> FrameModel:
    return FrameModel(parent, signed=("P&L", "Return %"), places={"Size": 6})


def _sizes(size: pd.Series) -> pd.Series:
    """Whole units as integers (the backtester's default lot), fractional sizes as they are."""
    values = size.to_numpy(dtype=np.float64)
    return size.astype(np.int64) if np.all(np.mod(values, 1) == 0) else size


def trades_view_frame(trades: pd.DataFrame) -> pd.DataFrame:
    """The trade list as shown: times, prices, size, P&L, return in %, duration."""
    if trades.empty:
        return pd.DataFrame(columns=["Entry time", "Exit time", "Side", "Size", "Entry", "Exit", "P&L", "Return %",
                                     "Commission", "Duration"])
    return pd.DataFrame({
        "Entry time": trades["EntryTime"], "Exit time": trades["ExitTime"],
        "Side": np.where(trades["Size"] > 0, "Long", "Short"), "Size": _sizes(trades["Size"].abs()),
        "Entry": trades["EntryPrice"], "Exit": trades["ExitPrice"], "P&L": trades["PnL"],
        "Return %": trades["ReturnPct"] * 100, "Commission": trades["Commission"], "Duration": trades["Duration"],
    })


class HeatmapModel(QAbstractTableModel):
    """A pivot table (rows: one parameter, columns: another) with each cell coloured by its value. An empty cell
    (NaN) is "n/a" where ``runs`` says runs were made there (none had a value), a dash where none was."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.table = pd.DataFrame()
        self.runs: pd.DataFrame | None = None
        self._lo = self._hi = 0.0
        self._brushes: dict[int, QBrush] = {}
        self.color_of: Callable[[float], QColor] = self._color

    def set_table(self, table: pd.DataFrame, runs: pd.DataFrame | None = None) -> None:
        self.beginResetModel()
        self.table = table
        self.runs = runs
        vals = table.to_numpy(dtype=np.float64) if table.size else np.empty(0)
        finite = vals[np.isfinite(vals)]
        self._lo, self._hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        # diverging: the neutral colour at zero when values lie on both sides of it, else at their median
        self._center = 0.0 if (self._lo < 0 < self._hi or not finite.size) else float(np.median(finite))
        self._half = max(self._hi - self._center, self._center - self._lo)
        self._brushes = {}
        self.endResetModel()

    @property
    def range(self) -> tuple[float, float]:
        return self._lo, self._hi

    @property
    def center(self) -> float:
        """The value shown in the neutral colour: 0, or the median when every value has the same sign."""
        return self._center

    @property
    def centred_on_zero(self) -> bool:
        return self._lo < 0 < self._hi

    @property
    def shape(self) -> tuple[int, int]:
        return self.table.shape  # type: ignore[return-value]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.table.shape[0]

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.table.shape[1]

    def position(self, v: float) -> float:
        """-1 (worst, red) .. 0 (the centre, neutral) .. +1 (best, green): one scale for both sides."""
        if not self._half or not math.isfinite(v):
            return 0.0
        return max(-1.0, min(1.0, (v - self._center) / self._half))

    @staticmethod
    def neutral() -> QColor:
        return QColor(theme.colors().panel)

    def _color(self, v: float) -> QColor:
        """Red below the centre, the panel colour at it, green above; as strong on both sides per unit."""
        c = theme.colors()
        t = self.position(v)
        mid, end = self.neutral(), QColor(c.up if t >= 0 else c.down)
        k = abs(t) * 0.85
        return QColor(int(mid.red() + (end.red() - mid.red()) * k), int(mid.green() + (end.green() - mid.green()) * k),
                      int(mid.blue() + (end.blue() - mid.blue()) * k))

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        v = float(self.table.iat[index.row(), index.column()])
        if role == _DISPLAY:
            return self._na(index.row(), index.column()) if math.isnan(v) else text(v)
        if role == RawRole:
            return v
        if role == _ALIGN:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == _BG and math.isfinite(v):
            key = int(round(self.position(v) * 64))
            b = self._brushes.get(key)
            if b is None:
                b = self._brushes[key] = QBrush(self.color_of(v))
            return b
        if role == _TOOLTIP:
            return (f"{self.table.index.name} = {self.table.index[index.row()]}, "
                    f"{self.table.columns.name} = {self.table.columns[index.column()]}: "
                    f"{self._na(index.row(), index.column()) if math.isnan(v) else text(v, 4)}")
        return None

    def _na(self, row: int, column: int) -> str:
        runs = self.runs
        return NA if runs is not None and int(runs.iat[row, column]) > 0 else DASH

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role != _DISPLAY:
            return None
        axis = self.table.columns if orientation == Qt.Orientation.Horizontal else self.table.index
        return text(axis[section]) if 0 <= section < len(axis) else None

"""Balances per asset, at the precision the venue trades each asset in, and valued in the reference currency.

(Positions live in ``positions.py``; ``PositionsModel`` is re-exported here for older imports.)
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Hashable

from PySide6.QtCore import Qt

from ... import model as m
from .assets import AssetFormat
from .positions import PositionsModel
from .orders import VENUE, VENUE_TIP
from .table import LEFT, Column, RowTableModel

__all__ = ["BalancesModel", "PositionsModel"]
VALUE = "Value"


class BalancesModel(RowTableModel[m.Balance]):
    def __init__(self, parent: Any = None, assets: AssetFormat | None = None) -> None:
        super().__init__(parent)
        self.assets = a = assets or AssetFormat()
        #: an amount of an asset in the reference currency (None: no price yet); set by the blotters
        self.value_of: Callable[[str, Decimal], Decimal | None] = lambda asset, amount: None
        self.reference = ""
        self.columns = [
            Column("Asset", lambda b: b.asset, LEFT, width=6),
            Column("Free", lambda b: a.exact(b.free, b.asset), raw=lambda b: b.free, width=12),
            Column("Locked", lambda b: a.exact(b.locked, b.asset), raw=lambda b: b.locked,
                   color=lambda b: None if b.locked else "muted", width=12),
            Column("Total", lambda b: a.exact(b.total, b.asset), raw=lambda b: b.total, width=12),
            Column(VALUE, lambda b: a.amount(self.value_of(b.asset, b.total), self.reference),
                   raw=lambda b: self.value_of(b.asset, b.total), width=12,
                   tip="The total in the reference currency at the last prices"),
            Column(VENUE, lambda b: getattr(b, "venue", "") or self.venue, LEFT, width=8, tip=VENUE_TIP),
        ]
        self.venue = ""  # the name of the window's first venue (its balances carry none)
        self.value_column = self.column_index(VALUE)

    def key(self, row: m.Balance) -> Hashable:
        return (getattr(row, "venue", ""), row.asset)  # another venue's balances are VenueBalances

    def on_balances(self, balances: list[m.Balance]) -> None:
        for b in balances:
            old = self.lookup(self.key(b))
            if old is None and not b.total:
                continue
            if old != b:
                self.put(b)

    def balance(self, asset: str, venue: str = "") -> m.Balance | None:
        """The balance of ``asset`` on ``venue`` ("": the window's first venue)."""
        return self.lookup((venue, asset))

    def set_reference(self, asset: str) -> None:
        if asset != self.reference:
            self.reference = asset
            self.touch_column(self.value_column)
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.value_column, self.value_column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (section == self.value_column and orientation == Qt.Orientation.Horizontal and self.reference
                and role == Qt.ItemDataRole.DisplayRole):
            return f"{VALUE} ({self.reference})"
        return super().headerData(section, orientation, role)

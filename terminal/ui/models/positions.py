"""Positions: a thin table over the core's ``Holdings`` (terminal.oms.holdings), the same accounting as
``session.positions()``. For spot the quantity is the holding (the balance); average price and P&L come from the
known fills, with a note when those do not explain the whole holding. Values in the quote asset and in the reference
currency; ``equity`` is the account's estimated equity in it.

Fills, balances and prices only mark the table dirty; ``flush()`` (once per frame) recomputes the rows and signals
the ones that changed.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Hashable, Iterable, Mapping

from PySide6.QtCore import Qt

from ... import model as m
from ...oms.holdings import DEFAULT_REFERENCE, Equity, Holdings
from ...oms.position import Position
from .. import format as f
from .assets import AssetFormat
from .orders import VENUE, VENUE_TIP, venue
from .table import LEFT, Column, RowTableModel

VALUE_REF = "Value (ref)"


def _pnl_color(v: Decimal | None) -> str | None:
    if not v:
        return "muted"
    return "up" if v > 0 else "down"


class PositionsModel(RowTableModel[Position]):
    def __init__(self, instrument_of: Callable[[str], m.Instrument | None], parent: Any = None,
                 assets: AssetFormat | None = None) -> None:
        super().__init__(parent)
        self._instrument_of = instrument_of
        self.assets = assets or AssetFormat()
        self.holdings = Holdings({})
        self.last_prices: dict[str, Decimal] = {}
        self.equity: Equity | None = None
        self._fills: list[m.Fill] = []
        self._balances: list[m.Balance] | None = None
        self._dirty = False
        a = self.assets
        ins = instrument_of

        def qty_text(p: Position) -> str:
            return a.exact(p.qty, p.base_asset) if p.base_asset else f.qty(ins(p.symbol), p.qty)
        self.columns = [
            Column("Asset", lambda p: p.base_asset or p.symbol, LEFT, width=6),
            Column("Qty", qty_text, raw=lambda p: p.qty, width=10,
                   tip="Spot: the balance held (free + locked), whatever put it there"),
            Column("Avg price", lambda p: f.price(ins(p.symbol), p.avg_price), raw=lambda p: p.avg_price, width=9,
                   tip="Average cost of the fills known to this terminal"),
            Column("Last", lambda p: f.price(ins(p.symbol), p.last_price), raw=lambda p: p.last_price, width=9),
            Column("Unrealised", lambda p: a.amount(p.unrealised_pnl if p.avg_price is not None else None,
                                                     p.quote_asset, signed=True),
                   raw=lambda p: p.unrealised_pnl, color=lambda p: _pnl_color(p.unrealised_pnl), width=10,
                   tip="On the quantity the known fills bought, against their average price"),
            Column("P&L %", lambda p: f.pct(p.unrealised_pct), raw=lambda p: p.unrealised_pct,
                   color=lambda p: _pnl_color(p.unrealised_pct), width=7),
            Column(VALUE_REF, lambda p: a.amount(p.value_ref, p.reference), raw=lambda p: p.value_ref, width=11),
            Column("Value", lambda p: a.amount(p.market_value, p.quote_asset, unit=True), raw=lambda p: p.market_value,
                   width=13, tip="The quantity at the last price, in the quote asset"),
            Column("Realised", lambda p: a.amount(p.realised_pnl, p.quote_asset, signed=True),
                   raw=lambda p: p.realised_pnl, color=lambda p: _pnl_color(p.realised_pnl), width=10,
                   tip="Net of every fee (a third asset such as BNB at its last price)"),
            Column("Fees", lambda p: a.amount(p.fees_total, p.quote_asset), raw=lambda p: p.fees_total, width=8,
                   tip="Every fee in the quote asset: base-asset fees at their fill's price, BNB at its last price"),
            Column("History", lambda p: p.history_note(), LEFT, width=22,
                   tip="What the average price and P&L rest on when the fills do not explain the whole holding"),
            Column("Symbol", lambda p: p.symbol, LEFT, width=8),
            Column(VENUE, lambda p: venue(ins(p.symbol)), LEFT, width=8, tip=VENUE_TIP),
        ]
        self._value_ref_col = self.column_index(VALUE_REF)

    def key(self, row: Position) -> Hashable:
        return row.symbol

    # ---- inputs (cheap: they mark the table dirty) ------------------------------------------------------------
    def set_instruments(self, instruments: Mapping[str, m.Instrument]) -> None:
        self.assets.set_instruments(instruments)
        self._rebuild(instruments, self.holdings.reference)

    def set_reference(self, asset: str) -> None:
        if asset and asset != self.holdings.reference:
            self._rebuild(self.holdings.instruments, asset)
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, self._value_ref_col, self._value_ref_col)

    @property
    def reference(self) -> str:
        return self.holdings.reference

    def _rebuild(self, instruments: Mapping[str, m.Instrument], reference: str) -> None:
        self.holdings = Holdings(instruments, reference or DEFAULT_REFERENCE)
        self.holdings.add_fills(self._fills)
        if self._balances is not None:
            self.holdings.set_balances(self._balances)
        self._dirty = True

    def seed(self, fills: Iterable[m.Fill]) -> None:
        """Start from the fills so far (the session's journal)."""
        self._fills = []
        self._rebuild(self.holdings.instruments, self.holdings.reference)
        self.on_fills(list(fills))

    def on_fills(self, fills: list[m.Fill]) -> None:
        if self.holdings.add_fills(fills):
            self._fills.extend(fills)
            self._dirty = True

    def on_balances(self, balances: list[m.Balance]) -> None:
        self._balances = list(balances)
        self.holdings.set_balances(self._balances)
        self._dirty = True

    def on_prices(self, prices: Mapping[str, Decimal]) -> None:
        for sym, price in prices.items():
            if self.last_prices.get(sym) != price:
                self.last_prices[sym] = price
                self._dirty = True

    # ---- outputs ---------------------------------------------------------------------------------------------
    def position(self, symbol: str) -> Position | None:
        self._recompute()
        return self.lookup(symbol)

    def value_ref(self, asset: str, amount: Decimal) -> Decimal | None:
        """``amount`` of ``asset`` in the reference currency at the last prices."""
        return self.holdings.value(asset, amount, self.last_prices)

    def flush(self) -> None:
        self._recompute()
        super().flush()

    def _recompute(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        rows = self.holdings.positions(self.last_prices)
        for sym, p in rows.items():
            if self.lookup(sym) != p:
                self.put(p)
        for sym in [k for k in self.store.keys if k not in rows]:
            self.remove(sym)
        for sym in [k for k in self._pending_new if k not in rows]:
            del self._pending_new[sym]
        self.equity = self.holdings.equity(self.last_prices) if self._balances is not None else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (section == self._value_ref_col and orientation == Qt.Orientation.Horizontal
                and role == Qt.ItemDataRole.DisplayRole):
            return f"Value ({self.holdings.reference})"
        return super().headerData(section, orientation, role)

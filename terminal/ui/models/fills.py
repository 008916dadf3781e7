"""Fills (executions), newest first, bounded."""
from __future__ import annotations

from typing import Any, Callable, Hashable

from ... import model as m
from .. import format as f
from .table import LEFT, Column, RowTableModel


class FillsModel(RowTableModel[m.Fill]):
    MAX_ROWS = 5000

    def __init__(self, instrument_of: Callable[[str], m.Instrument | None], parent: Any = None) -> None:
        super().__init__(parent)
        self._newest_first = True
        i = instrument_of
        self.columns = [
            Column("Time", lambda x: f.clock(x.ts_event), LEFT, raw=lambda x: x.ts_event),
            Column("Symbol", lambda x: x.symbol, LEFT),
            Column("Side", lambda x: x.side.name, LEFT, color=lambda x: "up" if x.side is m.Side.BUY else "down"),
            Column("Price", lambda x: f.price(i(x.symbol), x.price), raw=lambda x: x.price),
            Column("Qty", lambda x: f.qty(i(x.symbol), x.qty), raw=lambda x: x.qty),
            Column("Notional", lambda x: f.amount(x.quote_qty, 2), raw=lambda x: x.quote_qty),
            Column("Fee", lambda x: f"{m.fmt(x.commission)} {x.commission_asset}", raw=lambda x: x.commission),
            Column("Role", lambda x: x.liquidity.name.title(), LEFT),
            Column("Order", lambda x: x.client_order_id, LEFT),
        ]

    def key(self, row: m.Fill) -> Hashable:
        return (row.symbol, row.trade_id, row.client_order_id)

    def on_fills(self, fills: list[m.Fill]) -> None:
        for x in fills:
            self.put(x)

    def flush(self) -> None:
        super().flush()
        self.trim(self.MAX_ROWS)

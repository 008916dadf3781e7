"""Time and sales for the selected symbol: newest first, bounded."""
from __future__ import annotations

from typing import Any, Callable, Hashable

from ... import model as m
from .. import format as f
from .table import LEFT, Column, RowTableModel


class TradesModel(RowTableModel[m.TradeTick]):
    MAX_ROWS = 200

    def __init__(self, instrument_of: Callable[[str], m.Instrument | None], parent: Any = None) -> None:
        super().__init__(parent)
        self._newest_first = True
        self.symbol = ""
        i = instrument_of
        side = lambda t: "up" if t.aggressor is m.Side.BUY else "down"  # noqa: E731
        self.columns = [
            Column("Price", lambda t: f.price(i(t.symbol), t.price), color=side, raw=lambda t: t.price),
            Column("Size", lambda t: f.qty(i(t.symbol), t.qty), raw=lambda t: t.qty),
            Column("Time", lambda t: f.clock(t.ts_event), raw=lambda t: t.ts_event),
        ]

    def key(self, row: m.TradeTick) -> Hashable:
        return row.trade_id

    def set_symbol(self, symbol: str) -> None:
        self.symbol = symbol
        self.reset([])

    def on_trades(self, trades: list[m.TradeTick]) -> None:
        mine = [t for t in trades if t.symbol == self.symbol]
        for t in mine[-self.MAX_ROWS:]:
            self.put(t)

    def flush(self) -> None:
        super().flush()
        self.trim(self.MAX_ROWS)

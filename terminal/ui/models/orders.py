"""Open orders (removed when final) and order history (every order's latest state, newest first)."""
from __future__ import annotations

from typing import Any, Callable, Hashable

from ... import model as m
from .. import format as f
from .table import LEFT, Column, RowTableModel

InstrumentOf = Callable[[str], "m.Instrument | None"]


def _side_color(o: m.Order) -> str:
    return "up" if o.side is m.Side.BUY else "down"


def _status_color(o: m.Order) -> str | None:
    s = o.status
    if s is m.OrderStatus.FILLED:
        return "up"
    if s in (m.OrderStatus.REJECTED, m.OrderStatus.EXPIRED):
        return "down"
    if s is m.OrderStatus.CANCELED:
        return "muted"
    return None


def order_columns(instr: InstrumentOf) -> list[Column[m.Order]]:
    return [
        Column("Time", lambda o: f.clock(o.ts_updated or o.ts_created), LEFT, raw=lambda o: o.ts_updated),
        Column("Symbol", lambda o: o.symbol, LEFT),
        Column("Side", lambda o: o.side.name, LEFT, color=_side_color),
        Column("Type", lambda o: f.enum_label(o.type), LEFT),
        Column("Price", lambda o: f.price(instr(o.symbol), o.price) if o.price is not None else "Market",
               raw=lambda o: o.price),
        Column("Stop", lambda o: f.price(instr(o.symbol), o.stop_price), raw=lambda o: o.stop_price),
        Column("Qty", lambda o: f.qty(instr(o.symbol), o.quantity), raw=lambda o: o.quantity),
        Column("Filled", lambda o: f.qty(instr(o.symbol), o.filled_qty), raw=lambda o: o.filled_qty),
        Column("Avg", lambda o: f.price(instr(o.symbol), o.avg_price), raw=lambda o: o.avg_price),
        Column("TIF", lambda o: o.time_in_force.name if o.time_in_force else f.DASH, LEFT),
        Column("Status", lambda o: f.enum_label(o.status), LEFT, color=_status_color, raw=lambda o: o.status),
        Column("Client id", lambda o: o.client_order_id, LEFT),
    ]


class OpenOrdersModel(RowTableModel[m.Order]):
    def __init__(self, instrument_of: InstrumentOf, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = order_columns(instrument_of)

    def key(self, row: m.Order) -> Hashable:
        return row.client_order_id

    def on_orders(self, orders: list[m.Order]) -> None:
        for o in orders:
            if o.is_open:
                self.put(o)
            else:
                self.remove(o.client_order_id)

    def orders(self) -> list[m.Order]:
        return [self.store.rows[k] for k in self.store.keys]


class OrderHistoryModel(RowTableModel[m.Order]):
    MAX_ROWS = 2000

    def __init__(self, instrument_of: InstrumentOf, parent: Any = None) -> None:
        super().__init__(parent)
        self._newest_first = True
        self.columns = order_columns(instrument_of)

    def key(self, row: m.Order) -> Hashable:
        return row.client_order_id

    def on_orders(self, orders: list[m.Order]) -> None:
        for o in orders:
            self.put(o)

    def flush(self) -> None:
        super().flush()
        self.trim(self.MAX_ROWS)

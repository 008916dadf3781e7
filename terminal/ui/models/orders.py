"""Open orders (removed when final) and order history (every order's latest state, newest first).

What a trader reads first comes first: symbol, side, type, price, quantity, filled, average price and status; the
time, stop, time in force, source and client id follow. Open orders start with an action column (the view paints
modify and cancel buttons in it). "Source" is "manual" or the name of the strategy that placed the order.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable

from ... import model as m
from .. import format as f
from .table import LEFT, Column, RowTableModel

InstrumentOf = Callable[[str], "m.Instrument | None"]
ACTIONS = ""  # title of the action column
MANUAL = "manual"


VENUE = "Venue"
VENUE_TIP = "The venue (connection) the order went to; shown when the window holds several"


def venue(ins: "m.Instrument | None") -> str:
    return ins.venue if ins is not None else ""


def source(origin: str) -> str:
    return origin or MANUAL


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


def order_columns(instr: InstrumentOf, *, actions: bool = False) -> list[Column[m.Order]]:
    time_col = Column("Time", lambda o: f.clock(o.ts_updated or o.ts_created), LEFT,
                      raw=lambda o: o.ts_updated or o.ts_created, width=8)
    first: list[Column[m.Order]] = [Column(ACTIONS, lambda o: "", LEFT, raw=lambda o: None,
                                           tip="Modify or cancel the order")] if actions else [time_col]
    return first + [
        Column("Symbol", lambda o: o.symbol, LEFT, width=8),
        Column("Side", lambda o: o.side.name, LEFT, color=_side_color, width=4),
        Column("Type", lambda o: f.enum_label(o.type), LEFT, width=7),
        Column("Price", lambda o: f.price(instr(o.symbol), o.price) if o.price is not None else "Market",
               raw=lambda o: o.price, width=9),
        Column("Qty", lambda o: f.qty(instr(o.symbol), o.quantity), raw=lambda o: o.quantity, width=8),
        Column("Filled", lambda o: f.qty(instr(o.symbol), o.filled_qty), raw=lambda o: o.filled_qty, width=8),
        Column("Avg price", lambda o: f.price(instr(o.symbol), o.avg_price), raw=lambda o: o.avg_price, width=9),
        Column("Status", lambda o: f.enum_label(o.status), LEFT, color=_status_color, raw=lambda o: o.status,
               width=10),
        *([time_col] if actions else []),
        Column("Stop", lambda o: f.price(instr(o.symbol), o.stop_price), raw=lambda o: o.stop_price, width=8),
        Column("TIF", lambda o: o.time_in_force.name if o.time_in_force else f.DASH, LEFT, width=3),
        Column("Source", lambda o: source(o.origin), LEFT, width=8,
               tip="Who placed the order: manual (the ticket, the chart, a script) or the strategy's name"),
        Column("Client id", lambda o: o.client_order_id, LEFT, width=16),
        Column(VENUE, lambda o: venue(instr(o.symbol)), LEFT, width=8, tip=VENUE_TIP),
    ]


class OpenOrdersModel(RowTableModel[m.Order]):
    def __init__(self, instrument_of: InstrumentOf, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = order_columns(instrument_of, actions=True)

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

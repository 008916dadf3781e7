"""Holdings and positions as a venue reports them (Kite's ``holdings()``, ``day_positions()``, ``net_positions()``;
IB's ``positions()``): symbol, quantity, average price, last price and the unrealised P&L in the venue's currency.

Rows are ``Holding`` records tagged with the venue's name in the window and a ``book`` ("holdings", "day", "net");
the model shows one book (``set_book``), the window's last prices fill the Last and P&L columns.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Hashable

from ... import model as m
from .. import format as f
from .orders import VENUE
from .table import LEFT, Column, RowTableModel


@dataclass(frozen=True, slots=True)
class HoldingRow:
    venue: str  # the venue's name in the window
    key: str  # the window's key of the instrument ("NIFTY24DECFUT@kite"), else the venue's symbol
    holding: m.Holding
    last: Decimal | None = None

    @property
    def pnl(self) -> Decimal | None:
        h = self.holding
        if self.last is None or h.avg_price is None:
            return None
        return (self.last - h.avg_price) * h.qty


class HoldingsModel(RowTableModel[HoldingRow]):
    def __init__(self, instrument_of: Callable[[str], m.Instrument | None], parent: Any = None) -> None:
        super().__init__(parent)
        ins = instrument_of

        def multiplied(r: HoldingRow) -> Decimal | None:
            pnl = r.pnl
            i = ins(r.key)
            return pnl * i.multiplier if pnl is not None and i is not None else pnl
        self.columns = [
            Column(VENUE, lambda r: r.venue, LEFT, width=6),
            Column("Symbol", lambda r: r.key, LEFT, width=12),
            Column("Qty", lambda r: f.qty(ins(r.key), r.holding.qty), raw=lambda r: r.holding.qty, width=8),
            Column("Avg price", lambda r: f.price(ins(r.key), r.holding.avg_price),
                   raw=lambda r: r.holding.avg_price, width=10),
            Column("Last", lambda r: f.price(ins(r.key), r.last), raw=lambda r: r.last, width=10),
            Column("P&L", lambda r: f.amount(multiplied(r)), raw=multiplied, width=10,
                   color=lambda r: None if not r.pnl else ("up" if r.pnl > 0 else "down"),
                   tip="(last - average price) x quantity x multiplier"),
            Column("Ccy", lambda r: r.holding.currency, LEFT, width=4),
        ]

    def key(self, row: HoldingRow) -> Hashable:
        return (row.venue, row.key)

    def set_venue_rows(self, venue: str, rows: list[HoldingRow]) -> None:
        """Replace one venue's rows (the other venues' stay)."""
        mine = [self.key(r) for r in self.all_rows() if r.venue == venue]
        if mine == [self.key(r) for r in rows]:
            for r in rows:
                if self.lookup(self.key(r)) != r:
                    self.put(r)
            return
        self.reset([*(r for r in self.all_rows() if r.venue != venue), *rows])

    def on_prices(self, prices: dict[str, Decimal]) -> None:
        for r in self.all_rows():
            last = prices.get(r.key)
            if last is not None and last != r.last:
                self.put(HoldingRow(r.venue, r.key, r.holding, last))

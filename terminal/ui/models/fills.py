"""Fills (executions), newest first, bounded. Amounts at the precision of their asset; the source of each fill is
that of its order ("manual" or the strategy's name, looked up by client order id)."""
from __future__ import annotations

from typing import Any, Callable, Hashable

from ... import model as m
from .. import format as f
from .assets import AssetFormat
from .orders import VENUE, VENUE_TIP, source, venue
from .table import LEFT, Column, RowTableModel


class FillsModel(RowTableModel[m.Fill]):
    MAX_ROWS = 5000

    def __init__(self, instrument_of: Callable[[str], m.Instrument | None], parent: Any = None,
                 assets: AssetFormat | None = None) -> None:
        super().__init__(parent)
        self._newest_first = True
        self.origin_of: Callable[[str], str] = lambda cid: ""
        self.assets = assets or AssetFormat()
        i, a = instrument_of, self.assets

        def quote(x: m.Fill) -> str:
            ins = i(x.symbol)
            return ins.quote_asset if ins else ""
        self.columns = [
            Column("Time", lambda x: f.clock(x.ts_event), LEFT, raw=lambda x: x.ts_event, width=8),
            Column("Symbol", lambda x: x.symbol, LEFT, width=8),
            Column("Side", lambda x: x.side.name, LEFT, color=lambda x: "up" if x.side is m.Side.BUY else "down",
                   width=4),
            Column("Price", lambda x: f.price(i(x.symbol), x.price), raw=lambda x: x.price, width=9),
            Column("Qty", lambda x: f.qty(i(x.symbol), x.qty), raw=lambda x: x.qty, width=8),
            Column("Notional", lambda x: a.exact(x.quote_qty, quote(x)), raw=lambda x: x.quote_qty, width=10),
            Column("Fee", lambda x: f"{a.exact(x.commission, x.commission_asset)} {x.commission_asset}",
                   raw=lambda x: x.commission, width=11),
            Column("Role", lambda x: x.liquidity.name.title(), LEFT, width=5),
            Column("Source", lambda x: source(self.origin_of(x.client_order_id)), LEFT, width=8),
            Column("Order", lambda x: x.client_order_id, LEFT, width=16),
            Column(VENUE, lambda x: venue(i(x.symbol)), LEFT, width=8, tip=VENUE_TIP),
        ]

    def key(self, row: m.Fill) -> Hashable:
        return (row.symbol, row.trade_id, row.client_order_id)

    def on_fills(self, fills: list[m.Fill]) -> None:
        for x in fills:
            self.put(x)

    def flush(self) -> None:
        super().flush()
        self.trim(self.MAX_ROWS)

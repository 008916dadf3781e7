"""Balances per asset, and positions per symbol with average price and realised/unrealised P&L."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Hashable

from ... import model as m
from ...model import ZERO
from ...oms.position import build_positions
from .. import format as f
from .table import LEFT, Column, RowTableModel


class BalancesModel(RowTableModel[m.Balance]):
    columns = [
        Column("Asset", lambda b: b.asset, LEFT),
        Column("Free", lambda b: m.fmt(b.free, 8), raw=lambda b: b.free),
        Column("Locked", lambda b: m.fmt(b.locked, 8), raw=lambda b: b.locked,
               color=lambda b: None if b.locked else "muted"),
        Column("Total", lambda b: m.fmt(b.total, 8), raw=lambda b: b.total),
    ]

    def key(self, row: m.Balance) -> Hashable:
        return row.asset

    def on_balances(self, balances: list[m.Balance]) -> None:
        for b in balances:
            old = self.lookup(b.asset)
            if old is None and not b.total:
                continue
            if old != b:
                self.put(b)

    def balance(self, asset: str) -> m.Balance | None:
        return self.lookup(asset)


@dataclass
class Position:
    """A positions-table row: the core's position (``terminal.oms.position``) plus the latest price."""

    symbol: str
    instrument: m.Instrument | None = None
    qty: Decimal = ZERO
    avg_price: Decimal = ZERO
    realised: Decimal = ZERO  # net of quote-asset fees
    fees_quote: Decimal = ZERO
    last: Decimal | None = None

    @property
    def unrealised(self) -> Decimal | None:
        if self.qty == 0:
            return ZERO
        if self.last is None:
            return None
        return (self.last - self.avg_price) * self.qty


def _pnl_color(v: Decimal | None) -> str | None:
    if not v:
        return "muted"
    return "up" if v > 0 else "down"


class PositionsModel(RowTableModel[Position]):
    def __init__(self, instrument_of: Callable[[str], m.Instrument | None], parent: Any = None) -> None:
        super().__init__(parent)
        self._instrument_of = instrument_of
        self._fills: dict[tuple[str, int, str], m.Fill] = {}
        self.columns = [
            Column("Symbol", lambda p: p.symbol, LEFT),
            Column("Qty", lambda p: f.qty(p.instrument, p.qty), raw=lambda p: p.qty,
                   color=lambda p: _pnl_color(p.qty)),
            Column("Avg price", lambda p: f.price(p.instrument, p.avg_price) if p.qty else f.DASH,
                   raw=lambda p: p.avg_price),
            Column("Last", lambda p: f.price(p.instrument, p.last), raw=lambda p: p.last),
            Column("Unrealised", lambda p: f.signed(p.unrealised), raw=lambda p: p.unrealised,
                   color=lambda p: _pnl_color(p.unrealised)),
            Column("Realised", lambda p: f.signed(p.realised), raw=lambda p: p.realised,
                   color=lambda p: _pnl_color(p.realised)),
            Column("Fees", lambda p: f.amount(p.fees_quote, 4), raw=lambda p: p.fees_quote),
        ]

    def key(self, row: Position) -> Hashable:
        return row.symbol

    def position(self, symbol: str) -> Position | None:
        return self.lookup(symbol)

    def seed(self, fills: list[m.Fill]) -> None:
        """Start from the fills so far (the session's journal)."""
        self._fills = {}
        self.on_fills(fills)

    def on_fills(self, fills: list[m.Fill]) -> None:
        """Positions are rebuilt from every fill by the core's accounting (``build_positions``): one set of rules
        for the library, the strategies and this table. A user's own fills are few, so this is cheap."""
        store = self._fills
        for x in fills:
            store[(x.symbol, x.trade_id, x.client_order_id)] = x
        symbols = {x.symbol for x in store.values()}
        instruments = {sym: ins for sym in symbols if (ins := self._instrument_of(sym)) is not None}
        for sym, p in build_positions(store.values(), instruments, {}).items():
            row = self.lookup(sym)
            fresh = Position(sym, instruments.get(sym), qty=p.qty, avg_price=p.avg_price or ZERO,
                             realised=p.realised_pnl, fees_quote=p.fees_quote, last=row.last if row else None)
            if row is None:
                fresh.last = next((x.price for x in reversed(fills) if x.symbol == sym), None)
                self.put(fresh)
            elif (row.qty, row.avg_price, row.realised, row.fees_quote) != (fresh.qty, fresh.avg_price,
                                                                           fresh.realised, fresh.fees_quote):
                row.qty, row.avg_price, row.realised, row.fees_quote = (fresh.qty, fresh.avg_price, fresh.realised,
                                                                        fresh.fees_quote)
                self.touch(sym)

    def on_prices(self, prices: dict[str, Decimal]) -> None:
        for sym, price in prices.items():
            p = self.lookup(sym)
            if p is not None and p.last != price:
                p.last = price
                self.touch(sym, 3, 4)

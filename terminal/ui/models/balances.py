"""Balances per asset, and positions per symbol with average price and realised/unrealised P&L."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Hashable

from ... import model as m
from ...model import ZERO
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
    """Average-cost position: long when qty > 0. Realised P&L in the quote asset, net of quote-asset fees
    (the same convention as ``terminal.oms.position``)."""

    symbol: str
    instrument: m.Instrument | None = None
    qty: Decimal = ZERO
    avg_price: Decimal = ZERO
    realised: Decimal = ZERO
    fees_quote: Decimal = ZERO
    last: Decimal | None = None

    def apply(self, fill: m.Fill) -> None:
        signed = fill.qty * fill.side.sign
        if self.qty == 0 or (self.qty > 0) == (signed > 0):  # opening or adding
            new_qty = self.qty + signed
            self.avg_price = (self.avg_price * abs(self.qty) + fill.price * fill.qty) / abs(new_qty)
            self.qty = new_qty
        else:  # reducing, closing or flipping
            closed = min(abs(signed), abs(self.qty))
            self.realised += (fill.price - self.avg_price) * closed * (1 if self.qty > 0 else -1)
            self.qty += signed
            if self.qty == 0:
                self.avg_price = ZERO
            elif (self.qty > 0) == (signed > 0):  # flipped: the remainder opens at the fill price
                self.avg_price = fill.price
        if self.instrument and fill.commission_asset == self.instrument.quote_asset:
            self.fees_quote += fill.commission
            self.realised -= fill.commission

    @property
    def unrealised(self) -> Decimal | None:
        if self.last is None or self.qty == 0:
            return ZERO if self.qty == 0 else None
        return (self.last - self.avg_price) * self.qty


def _pnl_color(v: Decimal | None) -> str | None:
    if not v:
        return "muted"
    return "up" if v > 0 else "down"


class PositionsModel(RowTableModel[Position]):
    def __init__(self, instrument_of: Callable[[str], m.Instrument | None], parent: Any = None) -> None:
        super().__init__(parent)
        self._instrument_of = instrument_of
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

    def on_fills(self, fills: list[m.Fill]) -> None:
        for x in fills:
            p = self.lookup(x.symbol)
            if p is None:
                p = Position(x.symbol, self._instrument_of(x.symbol), last=x.price)
                p.apply(x)
                self.put(p)
            else:
                p.apply(x)
                self.touch(x.symbol)

    def seed(self, positions: dict[str, Any]) -> None:
        """Start from the session's positions (``terminal.oms.position.Position``, duck-typed)."""
        rows = []
        for sym, p in positions.items():
            rows.append(Position(sym, self._instrument_of(sym), qty=p.qty, avg_price=p.avg_price or ZERO,
                                 realised=p.realised_pnl, fees_quote=p.fees_quote, last=p.last_price))
        self.reset(rows)

    def on_prices(self, prices: dict[str, Decimal]) -> None:
        for sym, price in prices.items():
            p = self.lookup(sym)
            if p is not None and p.last != price:
                p.last = price
                self.touch(sym)

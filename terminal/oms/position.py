"""Positions built from fills (average-cost method), with realised and unrealised P&L in the quote asset.

P&L is a price difference times quantity times the instrument's ``multiplier`` (1 for spot and stocks, the contract
size for futures and options)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping

from ..model import ZERO, Fill, Instrument, Side


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    base_asset: str
    quote_asset: str
    qty: Decimal  # signed: > 0 long, < 0 short (spot: sold more than this terminal bought)
    avg_price: Decimal | None
    realised_pnl: Decimal
    fees_quote: Decimal  # commissions paid in the quote asset (already in realised_pnl)
    last_price: Decimal | None = None
    multiplier: Decimal = Decimal(1)

    @property
    def unrealised_pnl(self) -> Decimal:
        if self.last_price is None or self.avg_price is None or self.qty == 0:
            return ZERO
        return (self.last_price - self.avg_price) * self.qty * self.multiplier

    @property
    def total_pnl(self) -> Decimal:
        return self.realised_pnl + self.unrealised_pnl


def build_positions(fills: Iterable[Fill], instruments: Mapping[str, Instrument],
                    last_prices: Mapping[str, Decimal]) -> dict[str, Position]:
    """One Position per symbol traded, from fills in time order."""
    state: dict[str, list[Decimal]] = {}  # symbol -> [qty, cost (avg * qty), realised, fees]
    for f in sorted(fills, key=lambda f: (f.ts_event, f.trade_id)):
        inst = instruments.get(f.symbol)
        base = inst.base_asset if inst else ""
        quote = inst.quote_asset if inst else ""
        multiplier = inst.multiplier if inst else Decimal(1)
        qty, cost, realised, fees = state.setdefault(f.symbol, [ZERO, ZERO, ZERO, ZERO])
        delta = f.qty if f.side is Side.BUY else -f.qty
        if f.commission and f.commission_asset == base:
            delta -= f.commission  # the fee was taken from what was bought
        elif f.commission and f.commission_asset == quote:
            realised -= f.commission
            fees += f.commission
        if qty == 0 or (qty > 0) == (delta > 0):  # opening or adding
            cost += f.price * delta
            qty += delta
        else:  # reducing, maybe flipping
            avg = cost / qty
            closing = min(abs(delta), abs(qty)) * (1 if delta > 0 else -1)
            realised += (f.price - avg) * (-closing) * multiplier
            qty += closing
            cost = avg * qty
            rest = delta - closing
            if rest:
                cost = f.price * rest
                qty = rest
        state[f.symbol] = [qty, cost, realised, fees]
    out: dict[str, Position] = {}
    for symbol, (qty, cost, realised, fees) in state.items():
        inst = instruments.get(symbol)
        out[symbol] = Position(
            symbol=symbol, base_asset=inst.base_asset if inst else "", quote_asset=inst.quote_asset if inst else "",
            qty=qty, avg_price=(cost / qty) if qty else None, realised_pnl=realised, fees_quote=fees,
            last_price=last_prices.get(symbol), multiplier=inst.multiplier if inst else Decimal(1))
    return out

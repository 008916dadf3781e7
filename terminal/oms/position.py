"""Positions built from fills (average-cost method), with realised and unrealised P&L in the quote asset.

P&L is a price difference times quantity times the instrument's ``multiplier`` (1 for spot and stocks, the contract
size for futures and options).

``Ledger`` is the accounting of one symbol's fills; ``build_positions`` turns ledgers into positions of what the fills
say alone. Spot accounts hold assets, not positions: ``terminal.oms.holdings`` makes the position the balance and uses
the ledger for its average price and P&L.

Fees are subtracted from the realised P&L: one in the quote asset as charged; one in the base asset at its fill's
price (it was also taken from what was bought: the quantity is smaller); one in a third asset (BNB) is kept per asset
in ``Ledger.fees`` for the caller to value (``holdings`` converts it at the last price).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable, Mapping

from ..model import ZERO, Fill, Instrument, Side


class Ledger:
    """Average-cost accounting of one symbol's fills, applied in time order."""

    __slots__ = ("base", "quote", "multiplier", "qty", "cost", "realised", "fees", "fee_value", "count", "first_ms")

    def __init__(self, base: str = "", quote: str = "", multiplier: Decimal = Decimal(1)) -> None:
        self.base, self.quote, self.multiplier = base, quote, multiplier
        self.qty = ZERO  # signed base quantity the fills leave (net of base-asset fees)
        self.cost = ZERO  # avg price * qty
        self.realised = ZERO  # quote: price differences of reductions, minus the quote- and base-asset fees
        self.fees: dict[str, Decimal] = {}  # every commission, per asset as charged
        self.fee_value = ZERO  # quote: the quote-asset fees, and the base-asset ones at their fill's price
        self.count = 0
        self.first_ms: int | None = None

    @classmethod
    def of(cls, instrument: Instrument | None) -> "Ledger":
        if instrument is None:
            return cls()
        return cls(instrument.base_asset, instrument.quote_asset, instrument.multiplier)

    @property
    def avg_price(self) -> Decimal | None:
        return (self.cost / self.qty) if self.qty else None

    @property
    def fees_quote(self) -> Decimal:
        """Commissions charged in the quote asset (already in ``realised``)."""
        return self.fees.get(self.quote, ZERO) if self.quote else ZERO

    def apply(self, f: Fill) -> None:
        self.count += 1
        if self.first_ms is None or f.ts_event < self.first_ms:
            self.first_ms = f.ts_event
        qty, cost = self.qty, self.cost
        delta = f.qty if f.side is Side.BUY else -f.qty
        if f.commission:
            self.fees[f.commission_asset] = self.fees.get(f.commission_asset, ZERO) + f.commission
            if f.commission_asset == self.base:
                delta -= f.commission  # the fee was taken from what was bought: fewer coins, worth this much
                value = f.commission * f.price * self.multiplier
                self.realised -= value
                self.fee_value += value
            elif f.commission_asset == self.quote:
                self.realised -= f.commission
                self.fee_value += f.commission
        if qty == 0 or (qty > 0) == (delta > 0):  # opening or adding
            cost += f.price * delta
            qty += delta
        else:  # reducing, maybe flipping
            avg = cost / qty
            closing = min(abs(delta), abs(qty)) * (1 if delta > 0 else -1)
            self.realised += (f.price - avg) * (-closing) * self.multiplier
            qty += closing
            cost = avg * qty
            rest = delta - closing
            if rest:
                cost = f.price * rest
                qty = rest
        self.qty, self.cost = qty, cost


def ledgers(fills: Iterable[Fill], instruments: Mapping[str, Instrument]) -> dict[str, Ledger]:
    """One Ledger per symbol traded, from its fills in time order."""
    out: dict[str, Ledger] = {}
    for f in sorted(fills, key=lambda f: (f.ts_event, f.trade_id)):
        ledger = out.get(f.symbol)
        if ledger is None:
            ledger = out[f.symbol] = Ledger.of(instruments.get(f.symbol))
        ledger.apply(f)
    return out


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    base_asset: str
    quote_asset: str
    qty: Decimal  # signed: > 0 long, < 0 short (spot: the holding, i.e. the base asset's balance)
    avg_price: Decimal | None
    realised_pnl: Decimal  # net of the fees in the quote and base assets (holdings: and in a third asset)
    fees_quote: Decimal  # commissions paid in the quote asset (already in realised_pnl)
    last_price: Decimal | None = None
    multiplier: Decimal = Decimal(1)
    # -- what the figures rest on (holdings: the balance may hold more than the fills explain)
    fills: int = 0  # fills behind avg_price and the P&L
    first_fill_ms: int | None = None
    explained_qty: Decimal | None = None  # holdings: the quantity the known fills account for; None: qty itself
    basis_qty: Decimal | None = None  # the quantity ``avg_price`` was built on (None: ``qty``)
    fees: tuple[tuple[str, Decimal], ...] = ()  # every commission, per asset as charged
    fees_total: Decimal | None = None  # every commission valued in the quote asset; None if one could not be
    reference: str = ""  # the currency ``value_ref`` is in
    value_ref: Decimal | None = None  # the holding valued in ``reference`` at the last prices

    @property
    def partial(self) -> bool:
        """True when the known fills do not explain the whole quantity (a deposit, an older trade)."""
        return self.explained_qty is not None and self.explained_qty != self.qty

    @property
    def covered_qty(self) -> Decimal:
        """The part of ``qty`` the average price applies to: what its fills bought, at most the holding."""
        e = self.basis_qty
        if e is None:
            return self.qty
        if self.qty >= 0:
            return max(ZERO, min(e, self.qty))
        return min(ZERO, max(e, self.qty))

    @property
    def unrealised_pnl(self) -> Decimal:
        if self.last_price is None or self.avg_price is None or self.qty == 0:
            return ZERO
        return (self.last_price - self.avg_price) * self.covered_qty * self.multiplier

    @property
    def unrealised_pct(self) -> Decimal | None:
        """Unrealised P&L in % of the cost of the covered quantity."""
        if self.last_price is None or not self.avg_price or not self.covered_qty:
            return None
        return (self.last_price - self.avg_price) / self.avg_price * 100 * (1 if self.covered_qty > 0 else -1)

    @property
    def market_value(self) -> Decimal | None:
        """The quantity at the last price, in the quote asset."""
        return None if self.last_price is None else self.last_price * self.qty * self.multiplier

    @property
    def total_pnl(self) -> Decimal:
        return self.realised_pnl + self.unrealised_pnl

    def history_note(self, date_of: Callable[[int], str] | None = None) -> str:
        """What the average price and P&L rest on, when it is not the whole quantity: "from 3 fills since
        2026-11-24", "no fills known"; "" when the fills explain everything."""
        if self.qty and not self.fills:
            return "no fills known"
        if not self.partial:
            return ""
        since = ""
        if self.first_fill_ms:
            since = " since " + (date_of(self.first_fill_ms) if date_of else _date(self.first_fill_ms))
        return f"from {self.fills} fill{'s' if self.fills != 1 else ''}{since}"


def _date(ts_ms: int) -> str:
    import time
    return time.strftime("%Y-%m-%d", time.localtime(ts_ms / 1000))


def ledger_position(symbol: str, lg: Ledger, last_price: Decimal | None) -> Position:
    """What one symbol's fills alone say."""
    return Position(symbol=symbol, base_asset=lg.base, quote_asset=lg.quote, qty=lg.qty, avg_price=lg.avg_price,
                    realised_pnl=lg.realised, fees_quote=lg.fees_quote, last_price=last_price,
                    multiplier=lg.multiplier, fills=lg.count, first_fill_ms=lg.first_ms,
                    fees=tuple(sorted(lg.fees.items())), fees_total=lg.fee_value if set(lg.fees) <= {lg.base, lg.quote}
                    else None)


def build_positions(fills: Iterable[Fill], instruments: Mapping[str, Instrument],
                    last_prices: Mapping[str, Decimal]) -> dict[str, Position]:
    """One Position per symbol traded, from fills in time order (what the fills alone say)."""
    return {symbol: ledger_position(symbol, lg, last_prices.get(symbol))
            for symbol, lg in ledgers(fills, instruments).items()}

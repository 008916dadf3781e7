"""Spot positions are holdings: the quantity is the balance of the base asset (free + locked), whatever put it there.

The fills known to the journal give the average price and the P&L (``position.Ledger``, average cost). When they do
not explain the whole balance (a deposit, trades made before this journal existed or elsewhere) the position says
so: ``Position.partial`` and ``history_note()`` ("from 3 fills since 2026-11-24"), and the unrealised P&L covers only
the quantity the fills bought.

Fees in any asset count: in the quote asset as charged, in the base asset at the fill's price, in a third asset (BNB)
at its last price in the quote. Values in a reference currency (USDT unless configured) and the account's estimated
equity use the last prices, directly or through one intermediate asset (ETH -> BTC -> USDT).

Instruments of other asset classes (equities, futures) keep positions from their fills alone (``build_positions``).
Plain Python, no Qt: the session (``session.positions()``) and the positions table use the same ``Holdings``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping

from ..model import ZERO, AssetClass, Balance, Fill, Instrument, Side
from .position import Ledger, Position, ledger_position

DEFAULT_REFERENCE = "USDT"


class Valuer:
    """Converts an amount of one asset into another at the last prices of the instruments that pair them."""

    def __init__(self, instruments: Mapping[str, Instrument], last_prices: Mapping[str, Decimal] | None = None) -> None:
        self._pairs: dict[tuple[str, str], str] = {}
        self._partners: dict[str, list[str]] = {}
        for sym, ins in instruments.items():
            self._pairs.setdefault((ins.base_asset, ins.quote_asset), sym)
            self._partners.setdefault(ins.base_asset, []).append(ins.quote_asset)
            self._partners.setdefault(ins.quote_asset, []).append(ins.base_asset)
        self.last_prices: Mapping[str, Decimal] = last_prices or {}

    def _direct(self, asset: str, into: str) -> Decimal | None:
        sym = self._pairs.get((asset, into))
        if sym is not None:
            px = self.last_prices.get(sym)  # once: the prices may be a mapping computed on demand
            if px:
                return px
        sym = self._pairs.get((into, asset))
        if sym is not None:
            px = self.last_prices.get(sym)
            if px:
                return 1 / px
        return None

    def rate(self, asset: str, into: str) -> Decimal | None:
        """The price of one ``asset`` in ``into``, or None when no last price links them (at most one hop)."""
        if asset == into:
            return Decimal(1)
        direct = self._direct(asset, into)
        if direct is not None:
            return direct
        for bridge in sorted(set(self._partners.get(asset, ()))):
            first = self._direct(asset, bridge)
            second = self._direct(bridge, into) if first is not None else None
            if first is not None and second is not None:
                return first * second
        return None

    def value(self, asset: str, amount: Decimal, into: str) -> Decimal | None:
        r = self.rate(asset, into)
        return None if r is None else amount * r


@dataclass(frozen=True, slots=True)
class Equity:
    """Every balance valued in ``reference`` at the last prices; ``unpriced`` lists held assets with no price yet
    (left out of ``total``)."""

    total: Decimal
    reference: str
    unpriced: tuple[str, ...] = ()


class Holdings:
    """Balances and fills of an account -> one position per spot asset held or traded (keyed by the symbol that
    prices it), and one per other instrument traded. Feed it fills (duplicates are ignored) and balances;
    ``positions()`` is cheap between new fills."""

    def __init__(self, instruments: Mapping[str, Instrument], reference: str = DEFAULT_REFERENCE) -> None:
        self.instruments = dict(instruments)
        self.spot = {s for s, i in instruments.items() if i.asset_class is AssetClass.CRYPTO_SPOT}
        self.reference = reference
        self.balances: dict[str, Balance] | None = None  # None: never reported (no keys): fills alone
        self._fills: dict[str, dict[int, Fill]] = {}  # symbol -> trade id -> fill
        self._ledgers: dict[str, Ledger] = {}
        self._dirty: set[str] = set()
        self._flows: dict[str, Decimal] = {}  # asset -> net change all fills made to its balance
        self._by_base: dict[str, list[str]] = {}
        for sym in self.spot:
            self._by_base.setdefault(self.instruments[sym].base_asset, []).append(sym)
        self._valuer = Valuer(self.instruments)

    # ---- input ---------------------------------------------------------------------------------------------
    def add_fills(self, fills: Iterable[Fill]) -> bool:
        """Take fills (once each, by symbol and trade id). True if any was new."""
        new = False
        for f in fills:
            known = self._fills.setdefault(f.symbol, {})
            if f.trade_id in known:
                continue
            known[f.trade_id] = f
            self._dirty.add(f.symbol)
            new = True
            ins = self.instruments.get(f.symbol)
            if ins is None or f.symbol not in self.spot:
                continue
            sign = 1 if f.side is Side.BUY else -1
            self._flow(ins.base_asset, sign * f.qty)
            self._flow(ins.quote_asset, -sign * f.quote_qty)
            if f.commission:
                self._flow(f.commission_asset, -f.commission)
        return new

    def _flow(self, asset: str, amount: Decimal) -> None:
        self._flows[asset] = self._flows.get(asset, ZERO) + amount

    def set_balances(self, balances: Iterable[Balance]) -> None:
        """The account's balances (a full snapshot)."""
        self.balances = {b.asset: b for b in balances}

    def ledger(self, symbol: str) -> Ledger | None:
        if symbol in self._dirty:
            self._dirty.discard(symbol)
            lg = Ledger.of(self.instruments.get(symbol))
            for f in sorted(self._fills[symbol].values(), key=lambda f: (f.ts_event, f.trade_id)):
                lg.apply(f)
            self._ledgers[symbol] = lg
        return self._ledgers.get(symbol)

    # ---- output --------------------------------------------------------------------------------------------
    def _pricing_symbol(self, asset: str) -> str:
        """The symbol a holding is priced and averaged in: the one with most fills (its quote the reference
        currency on a tie), else ``asset``/reference, else the first listed."""
        cands = self._by_base[asset]
        counts = {s: lg.count for s in cands if (lg := self.ledger(s)) is not None and lg.count}
        if counts:
            return max(counts, key=lambda s: (counts[s], self.instruments[s].quote_asset == self.reference))
        return next((s for s in cands if self.instruments[s].quote_asset == self.reference), cands[0])

    def assets(self) -> list[str]:
        """Assets with a position row: base assets of a spot symbol that are held or were traded. The reference
        currency is cash (no row) unless it was traded as a base asset (BTC as the reference, bought on BTCUSDT)."""
        held = {a for a, b in (self.balances or {}).items() if b.total}
        traded = {self.instruments[s].base_asset for s, fs in self._fills.items() if fs and s in self.spot}
        return sorted(a for a in (held - {self.reference}) | traded if a in self._by_base)

    def positions(self, last_prices: Mapping[str, Decimal]) -> dict[str, Position]:
        valuer = self._valuer
        valuer.last_prices = last_prices
        out: dict[str, Position] = {}
        for asset in self.assets():
            sym = self._pricing_symbol(asset)
            out[sym] = self._position(asset, sym, self.ledger(sym) or Ledger.of(self.instruments[sym]), valuer)
        for sym in sorted(self._fills):
            lg = self.ledger(sym) if sym not in self.spot else None
            if lg is not None:
                out[sym] = ledger_position(sym, lg, last_prices.get(sym))
        return out

    def _position(self, asset: str, sym: str, lg: Ledger, valuer: Valuer) -> Position:
        quote = lg.quote
        last = valuer.last_prices.get(sym)
        if self.balances is None:
            qty, explained = lg.qty, None
        else:
            b = self.balances.get(asset)
            qty, explained = (b.total if b else ZERO), self._flows.get(asset, ZERO)
        realised = lg.realised
        fees_total: Decimal | None = lg.fee_value  # None once a fee cannot be valued
        for fee_asset, amount in lg.fees.items():
            if fee_asset in (lg.base, quote):
                continue
            value = valuer.value(fee_asset, amount, quote)  # a third asset (BNB): at its last price
            if value is None:
                fees_total = None
            else:
                realised -= value
                if fees_total is not None:
                    fees_total += value
        return Position(
            symbol=sym, base_asset=asset, quote_asset=quote, qty=qty, avg_price=lg.avg_price, realised_pnl=realised,
            fees_quote=lg.fees_quote, last_price=last, multiplier=lg.multiplier, fills=lg.count,
            first_fill_ms=lg.first_ms, explained_qty=explained, basis_qty=lg.qty,
            fees=tuple(sorted(lg.fees.items())), fees_total=fees_total, reference=self.reference,
            value_ref=valuer.value(asset, qty, self.reference))

    def value(self, asset: str, amount: Decimal, last_prices: Mapping[str, Decimal]) -> Decimal | None:
        """``amount`` of ``asset`` in the reference currency at ``last_prices`` (None: no price links them)."""
        self._valuer.last_prices = last_prices
        return self._valuer.value(asset, amount, self.reference)

    def equity(self, last_prices: Mapping[str, Decimal]) -> Equity:
        """Every balance valued in the reference currency (the estimated equity of the account)."""
        valuer = self._valuer
        valuer.last_prices = last_prices
        total, unpriced = ZERO, []
        for asset, b in sorted((self.balances or {}).items()):
            if not b.total:
                continue
            value = valuer.value(asset, b.total, self.reference)
            if value is None:
                unpriced.append(asset)
            else:
                total += value
        return Equity(total, self.reference, tuple(unpriced))


def spot_positions(balances: Iterable[Balance] | None, fills: Iterable[Fill], instruments: Mapping[str, Instrument],
                   last_prices: Mapping[str, Decimal], reference: str = DEFAULT_REFERENCE) -> dict[str, Position]:
    """The holdings of a spot account as positions (see the module's docstring); ``balances`` None: fills alone."""
    h = Holdings(instruments, reference)
    h.add_fills(fills)
    if balances is not None:
        h.set_balances(balances)
    return h.positions(last_prices)

"""What the risk engine reads of the account: market prices, positions, working orders, equity and exposure.

``Account`` is the port; ``LiveAccount`` implements it over plain callables the composition root (the session)
hands in, so the engine never imports the session:

* ``balances()``: the account's balances (a spot position is the balance of its base asset, free + locked);
* ``quote(symbol)``: best bid and ask, None when no quote is known; ``last(symbol)``: the last trade price;
* ``open_orders()``: the working orders; ``positions()`` (optional): signed quantities of non-spot instruments.

Values go into the reference currency through ``oms.holdings.Valuer`` (the last prices, at most one intermediate
asset, as the positions blotter values them). Equity is None while a held asset has no price: a loss limit is never
measured against a partial equity.
"""
from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Callable, Iterator, Mapping, Protocol, Sequence

from ..model import ZERO, AssetClass, Balance, Instrument, Order
from ..oms.holdings import Valuer
from .draft import Market

Quote = tuple[Decimal, Decimal]


class Account(Protocol):
    reference: str

    def market(self, symbol: str) -> Market: ...
    def position(self, symbol: str) -> Decimal: ...
    def working_orders(self, symbol: str | None = None) -> Sequence[Order]: ...
    def equity(self) -> Decimal | None: ...
    def gross_exposure(self) -> Decimal | None: ...
    def to_reference(self, asset: str, amount: Decimal) -> Decimal | None: ...


class _Prices(Mapping[str, Decimal]):
    """Symbol -> the price it is valued at (mid of the quote, else the last trade), looked up on demand."""

    def __init__(self, account: "LiveAccount") -> None:
        self._a = account

    def __getitem__(self, symbol: str) -> Decimal:
        m = self._a.market(symbol)
        px = (m.bid + m.ask) / 2 if m.bid is not None and m.ask is not None else m.last
        if px is None:
            raise KeyError(symbol)
        return px

    def get(self, symbol: str, default: object = None) -> Decimal | None:  # type: ignore[override]
        try:
            return self[symbol]
        except KeyError:
            return default  # type: ignore[return-value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._a.instruments)

    def __len__(self) -> int:
        return len(self._a.instruments)


class LiveAccount:
    def __init__(self, instruments: Mapping[str, Instrument], balances: Callable[[], Mapping[str, Balance]],
                 quote: Callable[[str], Quote | None], last: Callable[[str], Decimal | None], *,
                 open_orders: Callable[..., Sequence[Order]] | None = None,
                 positions: Callable[[], Mapping[str, Decimal]] | None = None, reference: str = "USDT") -> None:
        self.instruments = instruments
        self._balances = balances
        self._quote = quote
        self._last = last
        self._open_orders = open_orders
        #: the working orders callable takes a symbol (the order manager's does: one symbol's, not a scan of all)
        self._by_symbol = open_orders is not None and _takes_an_argument(open_orders)
        self._positions = positions
        self.reference = reference
        self._valuer = Valuer(instruments, _Prices(self))

    def market(self, symbol: str) -> Market:
        q = self._quote(symbol)
        bid, ask = (q if q is not None else (None, None))
        return Market(bid=bid, ask=ask, last=self._last(symbol))

    def _spot(self, symbol: str) -> Instrument | None:
        ins = self.instruments.get(symbol)
        return ins if ins is not None and ins.asset_class is AssetClass.CRYPTO_SPOT else None

    def position(self, symbol: str) -> Decimal:
        ins = self._spot(symbol)
        if ins is not None:
            b = self._balances().get(ins.base_asset)
            return b.free + b.locked if b is not None else ZERO
        return (self._positions() if self._positions is not None else {}).get(symbol, ZERO)

    def working_orders(self, symbol: str | None = None) -> Sequence[Order]:
        """The working orders (only ``symbol``'s, or more, when given)."""
        if self._open_orders is None:
            return ()
        return self._open_orders(symbol) if symbol is not None and self._by_symbol else self._open_orders()

    def to_reference(self, asset: str, amount: Decimal) -> Decimal | None:
        return self._valuer.value(asset, amount, self.reference)

    def _holdings(self) -> Iterator[tuple[str, Decimal]]:
        """(asset, amount) of every balance, and (quote asset, position value) of every non-spot position."""
        for asset, b in self._balances().items():
            if b.free + b.locked:
                yield asset, b.free + b.locked
        if self._positions is not None:
            prices = _Prices(self)
            for symbol, qty in self._positions().items():
                ins = self.instruments.get(symbol)
                if ins is None or ins.asset_class is AssetClass.CRYPTO_SPOT or not qty:
                    continue
                px = prices.get(symbol)
                if px is None:
                    yield symbol, Decimal("NaN")  # unpriced
                else:
                    yield ins.quote_asset, ins.notional(px, qty)

    def equity(self) -> Decimal | None:
        total = ZERO
        for asset, amount in self._holdings():
            value = None if amount.is_nan() else self.to_reference(asset, amount)
            if value is None:
                return None
            total += value
        return total

    def gross_exposure(self) -> Decimal | None:
        """Every holding but the reference currency itself, at its absolute value in the reference currency."""
        total = ZERO
        for asset, amount in self._holdings():
            if asset == self.reference:
                continue
            value = None if amount.is_nan() else self.to_reference(asset, abs(amount))
            if value is None:
                return None
            total += value
        return total


def _takes_an_argument(fn: Callable[..., object]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params)

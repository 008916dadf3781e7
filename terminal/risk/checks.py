"""Pre-trade checks: a request that fails here is never journaled nor sent.

Every error says exactly what to fix: an unknown symbol names the closest listed one, a filter failure carries the
instrument's message (with the nearest valid value), a balance failure says what is needed and what is available.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Mapping

from ..model import ZERO, Balance, Instrument, OrderRequest, OrderValidationError, Side, fmt, snap
from ..model.numbers import InvalidArgument, decimals_of, describe
from .draft import balance_need, order_notional, valuation_price


class PreTradeError(ValueError):
    """A request refused locally before anything was sent."""


class UnknownSymbol(PreTradeError, InvalidArgument):
    """A symbol the venue does not list (also an ``InvalidArgument`` of ``symbol``)."""

    def __init__(self, symbol: str, suggestion: str | None = None) -> None:
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        super().__init__(f"unknown symbol {describe(symbol)}{hint}", "symbol")
        self.symbol = symbol
        self.suggestion = suggestion


class InsufficientBalance(PreTradeError):
    def __init__(self, asset: str, need: str, available: str) -> None:
        super().__init__(f"insufficient {asset}: need {need}, available {available}")
        self.asset, self.need, self.available = asset, need, available


class NotionalLimitExceeded(PreTradeError):
    pass


class KillSwitchActive(PreTradeError):
    def __init__(self) -> None:
        super().__init__("the kill switch is on: new orders are blocked (turn it off to trade again)")


@dataclass
class RiskLimits:
    max_order_notional: Decimal | None = None  # in the instrument's quote asset
    check_balance: bool = True


def resolve_symbol(symbol: object, instruments: Mapping[str, Instrument]) -> Instrument:
    """The instrument for ``symbol`` (text, case-insensitive), or UnknownSymbol with the closest match;
    InvalidArgument if ``symbol`` is not text at all."""
    if not isinstance(symbol, str):
        raise InvalidArgument(f"symbol: expected text such as 'BTCUSDT', got {type(symbol).__name__}", "symbol")
    key = symbol.strip().upper()
    inst = instruments.get(key)
    if inst is not None:
        return inst
    close = difflib.get_close_matches(key, list(instruments), n=1, cutoff=0.5) if len(key) <= 40 else []
    raise UnknownSymbol(symbol, close[0] if close else None)


class RiskChecks:
    """Stateless checks plus the kill switch. ``last_price(symbol)`` prices MARKET orders (None if unknown)."""

    def __init__(self, instruments: Mapping[str, Instrument], balances: Callable[[], Mapping[str, Balance]],
                 last_price: Callable[[str, Side], Decimal | None], limits: RiskLimits | None = None) -> None:
        self.instruments = instruments
        self._balances = balances
        self._last_price = last_price
        self.limits = limits or RiskLimits()
        self.killed = False

    def check(self, request: OrderRequest) -> None:
        if self.killed:
            raise KillSwitchActive()
        inst = resolve_symbol(request.symbol, self.instruments)
        qq = request.quote_quantity
        if qq is not None and request.quantity is None and decimals_of(qq) > inst.quote_precision:
            raise OrderValidationError(
                "QUANTITY", f"quote quantity {fmt(qq)} has more than {inst.quote_precision} decimals "
                f"(nearest valid: {fmt(snap(qq, Decimal(1).scaleb(-inst.quote_precision), 'down'))})", "quantity")
        ref = self._last_price(inst.symbol, request.side)
        inst.validate_order(request.side, request.type, request.quantity, request.price, request.stop_price,
                            request.quote_quantity, reference_price=ref, time_in_force=request.time_in_force)
        notional = self.notional(request, ref, inst)
        limit = self.limits.max_order_notional
        if limit is not None and notional is not None and notional > limit:
            raise NotionalLimitExceeded(
                f"order value {fmt(notional, inst.price_decimals)} {inst.quote_asset} is above your limit of "
                f"{fmt(limit)} {inst.quote_asset} (Settings > Risk)")
        if self.limits.check_balance:
            self._check_balance(request, inst, ref)

    @staticmethod
    def notional(request: OrderRequest, reference_price: Decimal | None,
                 instrument: Instrument | None = None) -> Decimal | None:
        """The order's value in the quote asset (``Instrument.notional``: price x quantity x multiplier), valued as
        the order ticket values it (``risk.draft``: limit price, a stop-market's stop, MARKET at the reference)."""
        px = valuation_price(request.type, request.price, request.stop_price, reference_price)
        if instrument is None:
            return request.quote_quantity if request.quantity is None else (
                None if px is None else px * request.quantity)
        return order_notional(instrument, request.quantity, request.quote_quantity, px)

    def _check_balance(self, request: OrderRequest, inst: Instrument, ref: Decimal | None) -> None:
        balances = self._balances()
        if not balances:
            return  # not loaded (no keys, or not yet): the venue will decide
        px = valuation_price(request.type, request.price, request.stop_price, ref)
        asset, need = balance_need(inst, request.side, request.quantity, request.quote_quantity, px)  # as the ticket
        if need is None:
            return  # a SELL for a quote amount with no price known: the venue will decide
        places = inst.price_decimals if asset == inst.quote_asset else inst.qty_decimals
        bal = balances.get(asset)
        free = bal.free if bal else ZERO
        if need > free:
            raise InsufficientBalance(asset, fmt(need, places), fmt(free, places))

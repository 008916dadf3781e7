"""Pre-trade checks: a request that fails here is never journaled nor sent.

Every error says exactly what to fix: an unknown symbol names the closest listed one, a filter failure carries the
instrument's message (with the nearest valid value), a limit names the limit and the value (``risk.engine``), a
balance failure says what is needed and what is available.

``RiskChecks`` is what the order manager calls for every order: the kill switch, the instrument's filters, the
configured limits (its ``engine``, a ``RiskEngine``) and the balance. Until ``attach`` gives it the session's bus,
quotes, last prices and working orders, the engine sees the market through ``last_price`` alone.
"""
from __future__ import annotations

import difflib
from decimal import Decimal
from pathlib import Path
from typing import Callable, Mapping, Sequence

from ..bus import Bus
from ..model import ZERO, Balance, Instrument, Order, OrderRequest, OrderType, OrderValidationError, Side, fmt, snap
from ..model.numbers import InvalidArgument, decimals_of
from ..storage.audit import AuditSink
from .account import LiveAccount, Quote
from .draft import balance_need, order_notional, valuation_price
from .engine import RiskEngine
from .errors import (InsufficientBalance, KillSwitchActive, NotionalLimitExceeded, PreTradeError,  # noqa: F401
                     UnknownSymbol)
from .limits import RiskLimits

__all__ = ["RiskChecks", "RiskLimits", "resolve_symbol", "PreTradeError", "UnknownSymbol", "InsufficientBalance",
           "NotionalLimitExceeded", "KillSwitchActive"]


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
    """The kill switch, the instrument's filters, the limits (``engine``) and the balance.
    ``last_price(symbol, side)`` prices MARKET orders (None if unknown)."""

    def __init__(self, instruments: Mapping[str, Instrument], balances: Callable[[], Mapping[str, Balance]],
                 last_price: Callable[[str, Side], Decimal | None], limits: RiskLimits | None = None, *,
                 engine: RiskEngine | None = None) -> None:
        self.instruments = instruments
        self._balances = balances
        #: False for a broker's margin account (Capabilities.margin_account): the venue checks buying power
        self.spot_balances = True
        self._last_price = last_price
        limits = limits or RiskLimits()
        self.engine = engine or RiskEngine(limits, account=LiveAccount(
            instruments, balances, self._touch, lambda symbol: None, reference=limits.reference),
            instruments=instruments)
        self.killed = False
        #: client order ids the kill switch itself sends while it is on (the orders closing the positions)
        self.kill_exempt: set[str] = set()

    @property
    def limits(self) -> RiskLimits:
        return self.engine.limits

    @limits.setter
    def limits(self, limits: RiskLimits) -> None:
        self.engine.set_limits(limits)

    def _touch(self, symbol: str) -> Quote | None:
        """Bid and ask from ``last_price`` (equal when it only knows the last trade: then no quote)."""
        bid, ask = self._last_price(symbol, Side.SELL), self._last_price(symbol, Side.BUY)
        return None if bid is None or ask is None or bid == ask else (bid, ask)

    def attach(self, bus: Bus, *, quote: Callable[[str], Quote | None] | None = None,
               last: Callable[[str], Decimal | None] | None = None,
               open_orders: Callable[..., Sequence[Order]] | None = None,
               positions: Callable[[], Mapping[str, Decimal]] | None = None, now_ms: Callable[[], int] | None = None,
               audit: AuditSink | None = None, state_path: str | Path | None = None) -> RiskEngine:
        """Give the engine the session's view: its bus (fills, orders, prices; the engine's events go there), best
        bid/ask and last trade per symbol, working orders, non-spot positions, clock, audit trail and day-state file.
        Returns the engine."""
        e = self.engine
        e.account = LiveAccount(self.instruments, self._balances, quote or self._touch, last or (lambda s: None),
                                open_orders=open_orders, positions=positions, reference=e.limits.reference)
        if now_ms is not None:
            e.now_ms = now_ms
        if audit is not None:
            e.audit = audit
        if state_path is not None:
            e.state_path = Path(state_path)
            e._restore()
        e.attach(bus)
        return e

    def needs_reference(self, request: OrderRequest) -> bool:
        """True when checking ``request`` needs a market price the session may have to fetch first: a MARKET order,
        or any order while a price band is configured."""
        band = self.engine.limits.band
        return request.type is OrderType.MARKET or band.max_pct is not None or band.max_ticks is not None

    def check(self, request: OrderRequest) -> None:
        """Raise what refuses ``request``; else count it as sent. Both are audited (given an audit trail)."""
        try:
            self._check(request)
        except (PreTradeError, OrderValidationError, InvalidArgument) as exc:
            self.engine.audit_order("order.refused", request, reason=str(exc), error=type(exc).__name__)
            raise
        self.engine.record(request)  # passed: counted by the throttle, attributed to its strategy
        self.engine.audit_order("order.sent", request)

    def _check(self, request: OrderRequest) -> None:
        if self.killed and request.client_order_id not in self.kill_exempt:
            raise KillSwitchActive()
        inst = resolve_symbol(request.symbol, self.instruments)
        qq = request.quote_quantity
        if qq is not None and request.quantity is None and decimals_of(qq) > inst.quote_precision:
            raise OrderValidationError(
                "QUANTITY", f"quote quantity {fmt(qq)} has more than {inst.quote_precision} decimals "
                f"(nearest valid: {fmt(snap(qq, Decimal(1).scaleb(-inst.quote_precision), 'down'))})", "quantity")
        ref = self._last_price(inst.symbol, request.side)
        stop = request.stop_price
        if stop is None and request.type.has_stop and request.options.trailing and ref:
            stop = inst.snap_price(ref)  # a trailing stop the venue starts from the market: no stop price of ours
        inst.validate_order(request.side, request.type, request.quantity, request.price, stop,
                            request.quote_quantity, reference_price=ref, time_in_force=request.time_in_force)
        self.engine.check(request, inst, self.notional(request, ref, inst), ref)
        if self.limits.check_balance and self.spot_balances:
            self._check_balance(request, inst, ref)

    def check_cancel(self, order: Order | None = None, symbol: str = "", client_order_id: str = "") -> None:
        """A cancel asked for by a user or a strategy (audited): CancelRateExceeded past the cancels-per-minute
        limit. ``order``: the order as known locally (None: ``symbol`` and ``client_order_id`` name it)."""
        if order is not None:
            symbol, client_order_id = order.symbol, order.client_order_id
        self.engine.check_cancel(symbol, client_order_id, order.origin if order is not None else "")

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
        bal = balances.get(asset)
        free = bal.free if bal else ZERO
        if need > free:
            places = inst.price_decimals if asset == inst.quote_asset else inst.qty_decimals
            raise InsufficientBalance(asset, fmt(need, places), fmt(free, places))

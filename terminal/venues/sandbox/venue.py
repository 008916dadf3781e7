"""The sandbox's state, shared by the REST handlers, the stream feeds and the admin routes."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from terminal.model.instrument import Instrument

from . import errors
from .accounts import Accounts
from .auth import Authenticator
from .fanout import Hub
from .faults import Faults
from .ratelimit import RateLimiter
from .rules import DEFAULT_RULES, SymbolRules


@dataclass
class Venue:
    engine: Any
    market: Any
    instruments: dict[str, Instrument]
    accounts: Accounts
    auth: Authenticator
    limiter: RateLimiter
    faults: Faults
    hub: Hub
    now_ms: Callable[[], int]
    maker_fee: Decimal
    taker_fee: Decimal
    user_listeners: list[Callable[[str, dict[str, Any]], None]] = field(default_factory=list)
    #: per-symbol order lists, trailing stops and count filters (DEFAULT_RULES for a symbol not listed)
    rules: dict[str, SymbolRules] = field(default_factory=dict)

    def instrument(self, symbol: str | None) -> Instrument:
        if symbol is None:
            raise errors.mandatory("symbol")
        inst = self.instruments.get(symbol)
        if inst is None:
            raise errors.bad_symbol()
        return inst

    def rules_for(self, symbol: str) -> SymbolRules:
        return self.rules.get(symbol, DEFAULT_RULES)

    def publish_user_event(self, account_id: str, event: dict[str, Any]) -> None:
        for listener in self.user_listeners:
            listener(account_id, event)

"""The Binance Spot adapter: signed REST, market and user streams, local books; implements ``venues.ports.Venue``.

Reached through the registry (``terminal.connect("binance", env="testnet")``; ``connect("sandbox")`` is this adapter
against the sandbox exchange). Wire codes, weights and endpoints stay inside this package.

``create`` and ``BinanceVenue`` are imported on first use (PEP 562): the registry reads ``INFO`` (to resolve an
environment name) without importing the adapter and its HTTP and WebSocket clients, which the window's start-up
does not need before its first paint.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .info import INFO, NAME

if TYPE_CHECKING:
    from .factory import create
    from .venue import BinanceVenue

__all__ = ["INFO", "NAME", "BinanceVenue", "create"]


def __getattr__(name: str) -> Any:
    value: Any
    if name == "create":
        from .factory import create as value
    elif name == "BinanceVenue":
        from .venue import BinanceVenue as value
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

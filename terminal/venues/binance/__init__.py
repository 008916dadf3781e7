"""The Binance Spot adapter: signed REST, market and user streams, local books; implements ``venues.ports.Venue``.

Reached through the registry (``terminal.connect("binance", env="testnet")``; ``connect("sandbox")`` is this adapter
against the sandbox exchange). Wire codes, weights and endpoints stay inside this package.

``create`` and ``BinanceVenue`` are imported on first use (PEP 562): the registry reads ``INFO`` (to resolve an
environment name) without importing the adapter and its HTTP and WebSocket clients, which the window's start-up
does not need before its first paint.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...lazy import lazy_exports

from .info import INFO, NAME

if TYPE_CHECKING:
    from .factory import create
    from .venue import BinanceVenue

__all__ = ["INFO", "NAME", "BinanceVenue", "create"]


__getattr__, __dir__ = lazy_exports(__name__, {"create": ".factory", "BinanceVenue": ".venue"})

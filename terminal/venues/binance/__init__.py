"""The Binance Spot adapter: signed REST, market and user streams, local books; implements ``venues.ports.Venue``.

Reached through the registry (``terminal.connect("binance", env="testnet")``; ``connect("sandbox")`` is this adapter
against the sandbox exchange). Wire codes, weights and endpoints stay inside this package.
"""
from .factory import create
from .info import INFO, NAME
from .venue import BinanceVenue

__all__ = ["INFO", "NAME", "BinanceVenue", "create"]

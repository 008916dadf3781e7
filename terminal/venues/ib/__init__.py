"""The Interactive Brokers adapter: TWS / IB Gateway through ib_async, on the caller's asyncio loop.

Environments ``sandbox`` (the built-in IB paper server, the default), ``paper`` (TWS/Gateway paper, 127.0.0.1:7497)
and ``live`` (127.0.0.1:7496). Reached through the registry: ``terminal.connect("ib")`` or
``terminal.connect("ib", env="paper", host=..., port=7497, client_id=...)``.
"""
from .info import INFO, NAME
from .venue import IbVenue, create

__all__ = ["INFO", "NAME", "IbVenue", "create"]

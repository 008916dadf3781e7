"""The loopback sandbox exchange: a Binance Spot subset over REST and WebSockets on one port."""
from __future__ import annotations

from .server import SandboxServer

__all__ = ["SandboxServer"]

"""The loopback sandbox exchange: a Binance Spot subset over REST and WebSockets on one port.

``SandboxServer`` is imported on first use (PEP 562): the window, which runs the sandbox in a child process
(``process.py``), reads the built-in test keys from ``accounts`` without importing the server (aiohttp, the simulator
and numpy) into its own process.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...lazy import lazy_exports

if TYPE_CHECKING:
    from .server import SandboxServer

__all__ = ["SandboxServer"]


__getattr__, __dir__ = lazy_exports(__name__, {"SandboxServer": ".server"})

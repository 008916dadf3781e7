"""The loopback sandbox exchange: a Binance Spot subset over REST and WebSockets on one port.

``SandboxServer`` is imported on first use (PEP 562): the window, which runs the sandbox in a child process
(``process.py``), reads the built-in test keys from ``accounts`` without importing the server (aiohttp, the simulator
and numpy) into its own process.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import SandboxServer

__all__ = ["SandboxServer"]


def __getattr__(name: str) -> Any:
    if name == "SandboxServer":
        from .server import SandboxServer as value
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

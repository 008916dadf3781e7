"""News and fundamentals through a session, from a provider that serves them (Finnhub).

A provider serves them by having ``news(symbol)``, ``market_news()`` and ``fundamentals(symbol)`` coroutines; their
records are its own (each list or record has ``to_frame()``, pandas imported only inside that call). A provider
without them is refused in words, never with an AttributeError.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from ..venues.ports import Rejected

__all__ = ["ask"]


async def ask(venue: Any, provider: str, method: str, what: str, retrying: Callable[[Callable[[], Awaitable[Any]]],
              Awaitable[Any]], *args: Any) -> Any:
    """``venue.<method>(*args)`` through ``retrying`` (rate limits and temporary errors waited out); Rejected when
    the provider has no such call."""
    call = getattr(venue, method, None)
    if not callable(call):
        raise Rejected(f"{provider} serves no {what}: connect a provider that does (e.g. finnhub)")
    return await retrying(lambda: call(*args))

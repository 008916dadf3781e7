"""A typed in-process publish/subscribe bus (synchronous, no threads, no Qt).

Handlers are called in subscription order on the publishing thread (the event loop thread).
A failing handler is logged and never stops delivery to the others.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, Callable, TypeVar

log = logging.getLogger(__name__)
E = TypeVar("E")
Handler = Callable[[Any], None]


class Bus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._any: list[Handler] = []

    def subscribe(self, event_type: type[E] | None, handler: Callable[[E], None]) -> Callable[[], None]:
        """Subscribe to one event type (or every event with None). Returns an unsubscribe function."""
        target = self._any if event_type is None else self._handlers[event_type]
        target.append(handler)

        def unsubscribe() -> None:
            try:
                target.remove(handler)
            except ValueError:
                pass
        return unsubscribe

    def publish(self, event: object) -> None:
        for handler in tuple(self._handlers.get(type(event), ())) + tuple(self._any):
            try:
                handler(event)
            except Exception as exc:  # one bad subscriber never stops the others
                log.exception("bus handler %r failed on %s: %s", getattr(handler, "__qualname__", handler),
                              type(event).__name__, type(exc).__name__)

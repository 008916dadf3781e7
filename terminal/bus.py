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
        #: event type -> the handlers a publish calls (its own, then the catch-all ones), rebuilt after any
        #: (un)subscription: a publish allocates nothing (the market-data flood goes through here)
        self._calls: dict[type, tuple[Handler, ...]] = {}

    def subscribe(self, event_type: type[E] | None, handler: Callable[[E], None]) -> Callable[[], None]:
        """Subscribe to one event type (or every event with None). Returns an unsubscribe function."""
        target = self._any if event_type is None else self._handlers[event_type]
        target.append(handler)
        self._calls.clear()

        def unsubscribe() -> None:
            try:
                target.remove(handler)
            except ValueError:
                pass
            self._calls.clear()
        return unsubscribe

    def publish(self, event: object) -> None:
        kind = type(event)
        calls = self._calls.get(kind)
        if calls is None:
            calls = self._calls[kind] = tuple(self._handlers.get(kind, ())) + tuple(self._any)
        for handler in calls:  # a snapshot: who subscribes or leaves during the publish sees the next event
            try:
                handler(event)
            except Exception as exc:  # one bad subscriber never stops the others
                log.exception("bus handler %r failed on %s: %s", getattr(handler, "__qualname__", handler),
                              type(event).__name__, type(exc).__name__)

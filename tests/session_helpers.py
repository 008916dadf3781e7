"""Helpers shared by the session tests: await real bus events, never sleep."""
from __future__ import annotations

import asyncio
from typing import Callable

from terminal.bus import Bus


async def wait_for_event(bus: Bus, event_type: type | None, predicate: Callable[[], bool], timeout: float = 10) -> None:
    """Await bus events of ``event_type`` until ``predicate()`` holds (checked at once and after each event)."""
    if predicate():
        return
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def on_event(_: object) -> None:
        if not done.done() and predicate():
            done.set_result(None)
    unsubscribe = bus.subscribe(event_type, on_event)
    try:
        await asyncio.wait_for(done, timeout)
    finally:
        unsubscribe()

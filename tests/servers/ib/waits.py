"""Waiting for what the server sends (bounded polls of a condition, never a pause)."""
from __future__ import annotations

import asyncio
from typing import Any, Callable


async def until(condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Wait for ``condition()`` to be truthy (a bounded wait-for-condition, not a pause)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)

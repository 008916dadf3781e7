"""Records bus events and lets a test await the first one matching a predicate (no sleeps)."""
from __future__ import annotations

import asyncio
from typing import Any, Callable


class Recorder:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self._waiters: list[tuple[Callable[[Any], bool], asyncio.Future[Any]]] = []

    def __call__(self, event: Any) -> None:
        self.events.append(event)
        for pred, fut in list(self._waiters):
            if not fut.done() and pred(event):
                fut.set_result(event)
                self._waiters.remove((pred, fut))

    async def wait_for(self, pred: Callable[[Any], bool], timeout: float = 10.0, *, past: bool = True) -> Any:
        if past:
            for e in self.events:
                if pred(e):
                    return e
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append((pred, fut))
        return await asyncio.wait_for(fut, timeout)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

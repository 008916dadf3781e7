"""Market-data feeds for the session: reference-counted venue subscriptions and async iterators over the bus.

Several consumers (the watchlist, a chart, a strategy) may want the same stream; the venue is subscribed on the
first watch and unsubscribed on the last unwatch. ``Feed`` turns bus events into an ``async for`` iterator.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, Awaitable, Callable, Generic, TypeVar

from ..bus import Bus
from ..tasks import TaskOwner

log = logging.getLogger(__name__)
E = TypeVar("E")
Key = tuple[str, ...]


class Watches:
    """Reference counts per stream key; ``start(key)``/``stop(key)`` talk to the venue on 0<->1 transitions."""

    def __init__(self, start: Callable[[Key], Awaitable[None]], stop: Callable[[Key], Awaitable[None]]) -> None:
        self._start = start
        self._stop = stop
        self._counts: dict[Key, int] = {}
        self._lock = asyncio.Lock()
        self.tasks = TaskOwner("watches", log)  # releases started from sync code (Feed.close)

    def count(self, key: Key) -> int:
        return self._counts.get(key, 0)

    def keys(self) -> list[Key]:
        return [k for k, n in self._counts.items() if n > 0]

    async def acquire(self, key: Key) -> None:
        async with self._lock:
            n = self._counts.get(key, 0)
            if n == 0:
                await self._start(key)
            self._counts[key] = n + 1

    async def release(self, key: Key) -> None:
        async with self._lock:
            n = self._counts.get(key, 0)
            if n <= 0:
                return
            if n == 1:
                del self._counts[key]
                try:
                    await self._stop(key)
                except Exception as exc:  # noqa: BLE001 - unsubscribing is best effort
                    log.warning("unwatch %s failed: %s", key, type(exc).__name__)
            else:
                self._counts[key] = n - 1

    def release_soon(self, keys: list[Key]) -> None:
        """Release ``keys`` in a task owned here (from sync code; needs a running loop)."""
        self.tasks.spawn(self._release_all(keys), name="release watches")

    async def _release_all(self, keys: list[Key]) -> None:
        for key in keys:
            await self.release(key)

    async def close(self) -> None:
        """End the releases still running (the venue is going away)."""
        await self.tasks.close()


class Feed(Generic[E]):
    """``async for event in feed`` over bus events of one type that pass ``accept``.

    The venue subscription is taken on the first ``__anext__`` and released by ``close()`` (sync, schedules the
    release) or ``await aclose()``. A slow consumer loses the oldest events beyond ``maxlen``, never blocks the bus.
    """

    def __init__(self, bus: Bus, event_type: type[E], accept: Callable[[E], bool], watches: Watches | None,
                 keys: list[Key], maxlen: int = 10_000) -> None:
        self._bus = bus
        self._type = event_type
        self._accept = accept
        self._watches = watches
        self._keys = keys
        self._buffer: deque[E] = deque(maxlen=maxlen)
        self._wakeup: asyncio.Event | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._acquired = False
        self._closed = False
        self.dropped = 0
        self._subscribe()

    def _subscribe(self) -> None:
        self._unsubscribe = self._bus.subscribe(self._type, self._on_event)

    def _on_event(self, event: Any) -> None:
        if self._closed or not self._accept(event):
            return
        if len(self._buffer) == self._buffer.maxlen:
            self.dropped += 1
        self._buffer.append(event)
        if self._wakeup is not None:
            self._wakeup.set()

    def __aiter__(self) -> "Feed[E]":
        return self

    async def start(self) -> "Feed[E]":
        """Take the venue subscriptions now (otherwise on the first iteration)."""
        if not self._acquired and self._watches is not None and not self._closed:
            self._acquired = True
            for key in self._keys:
                await self._watches.acquire(key)
        return self

    async def __anext__(self) -> E:
        if self._closed:
            raise StopAsyncIteration
        await self.start()
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        while not self._buffer:
            self._wakeup.clear()
            await self._wakeup.wait()
            if self._closed:
                raise StopAsyncIteration
        return self._buffer.popleft()

    def close(self) -> None:
        """Stop the iterator and release the venue subscriptions (in the background)."""
        if self._closed:
            return
        self._closed = True
        if self._unsubscribe:
            self._unsubscribe()
        if self._wakeup is not None:
            self._wakeup.set()
        if self._acquired and self._watches is not None:
            try:
                self._watches.release_soon(self._keys)
            except RuntimeError:  # no running loop, or the session is closed: nothing left to release
                pass

    async def aclose(self) -> None:
        """Stop the iterator and release the venue subscriptions before returning."""
        if self._closed:
            return
        acquired, self._acquired = self._acquired, False
        self.close()
        if acquired:
            await self._release()

    async def _release(self) -> None:
        assert self._watches is not None
        for key in self._keys:
            await self._watches.release(key)

    async def __aenter__(self) -> "Feed[E]":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

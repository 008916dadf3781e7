"""BlockingSession: the Session without ``await``, for scripts and notebooks. Runs an event loop in a thread."""
from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any, Iterator

from ..market.feeds import Feed
from ..market.history import BarsRequest
from .connecting import connect


class BlockingSession:
    """Every Session method, called without ``await``. Feeds become ordinary iterators (``for q in s.quotes(...)``).
    Callbacks registered with ``on()`` run on the session's background thread."""

    def __init__(self, session: Any, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        self._session = session
        self._loop = loop
        self._thread = thread

    @property
    def session(self) -> Any:
        return self._session

    def _run(self, coro: Any, timeout: float | None = None) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._session, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            async def on_loop() -> Any:
                result = attr(*args, **kwargs)
                if isinstance(result, BarsRequest):
                    return await result
                if inspect.isawaitable(result):
                    return await result
                if isinstance(result, asyncio.Task):
                    return await result
                return result
            result = self._run(on_loop())
            if isinstance(result, Feed):
                return _BlockingFeed(result, self)
            return result
        call.__name__ = name
        call.__doc__ = getattr(attr, "__doc__", None)
        return call

    def bar_feed(self, symbol: str, interval: str = "1m") -> "_BlockingFeed":
        return _BlockingFeed(self._run(_make(lambda: self._session.bar_feed(symbol, interval))), self)

    def kill_switch(self, on: bool = True) -> Any:
        async def go() -> Any:
            task = self._session.kill_switch(on)
            return (await task) if task is not None else None
        return self._run(go())

    def close(self) -> None:
        if not self._loop.is_running():
            return
        try:
            self._run(self._session.close(), timeout=30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> "BlockingSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Blocking{self._session!r}"


async def _make(fn: Any) -> Any:
    return fn()


class _BlockingFeed:
    def __init__(self, feed: Feed[Any], owner: BlockingSession) -> None:
        self._feed = feed
        self._owner = owner

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        try:
            return self._owner._run(self._feed.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def next(self, timeout: float | None = None) -> Any:
        return self._owner._run(asyncio.wait_for(self._feed.__anext__(), timeout))

    def close(self) -> None:
        self._owner._run(self._feed.aclose())


def connect_blocking(environment: str = "sandbox", **kwargs: Any) -> BlockingSession:
    """Like ``terminal.connect`` but returns a BlockingSession (its event loop runs in a daemon thread)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, name="terminal-session", daemon=True)
    thread.start()
    ready.wait()
    try:
        session = asyncio.run_coroutine_threadsafe(connect(environment, **kwargs), loop).result()
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        raise
    return BlockingSession(session, loop, thread)

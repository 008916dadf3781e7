"""Hold: requests (or answers) a sandbox fault keeps waiting until the test releases them.

Thread-safe: a test releases and watches a hold from any thread; the server awaits ``wait()`` on its own loop.
``arrived`` counts the requests that reached the hold, ``answered`` those whose answer has since been produced,
so a test waits for a condition (``wait_arrived``, ``wait_answered``), never for time.
"""
from __future__ import annotations

import asyncio
import threading


def _wake(fut: "asyncio.Future[None]") -> None:
    if not fut.done():
        fut.set_result(None)


class Hold:
    def __init__(self, timeout_s: float | None = None) -> None:
        self.timeout_s = timeout_s  # a delay: each request waits at most this long, even if never released
        self._cond = threading.Condition()
        self._released = False
        self._arrived = 0
        self._answered = 0
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    @property
    def arrived(self) -> int:
        with self._cond:
            return self._arrived

    @property
    def answered(self) -> int:
        with self._cond:
            return self._answered

    @property
    def released(self) -> bool:
        with self._cond:
            return self._released

    def release(self) -> None:
        """Let every request waiting here (and any that reaches this hold later) go on."""
        with self._cond:
            if self._released:
                return
            self._released = True
            waiters, self._waiters = self._waiters, []
            self._cond.notify_all()
        for loop, fut in waiters:
            try:
                loop.call_soon_threadsafe(_wake, fut)
            except RuntimeError:  # that loop has closed: nothing is waiting any more
                pass

    def wait_arrived(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until ``count`` requests have reached the hold; False if that did not happen within ``timeout``."""
        with self._cond:
            return self._cond.wait_for(lambda: self._arrived >= count, timeout)

    def wait_answered(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until ``count`` held requests have had their answer produced (processed, or failed)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._answered >= count, timeout)

    # -- used by the server --------------------------------------------------------------------------
    async def wait(self) -> None:
        """Count one arrival, then return once released (or after ``timeout_s``)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._cond:
            self._arrived += 1
            self._cond.notify_all()
            if self._released:
                fut.set_result(None)
            else:
                self._waiters.append((loop, fut))
        try:
            if self.timeout_s is None:
                await fut
            else:
                await asyncio.wait_for(fut, self.timeout_s)
        except asyncio.TimeoutError:
            pass
        finally:
            with self._cond:
                self._waiters = [(lp, f) for lp, f in self._waiters if f is not fut]

    def mark_answered(self) -> None:
        with self._cond:
            self._answered += 1
            self._cond.notify_all()

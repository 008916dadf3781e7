"""asyncio task lifecycle for long-running core components (sessions, venues, streams, book syncs).

``TaskOwner`` is the one place background tasks are started: it keeps a strong reference to every task until it is
done (the event loop keeps only weak ones, so an unreferenced task can vanish mid-flight), logs the exception a task
ended with (it is never lost, and asyncio never reports it as "never retrieved"), and on ``close()`` cancels every
task and waits until all of them have finished.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Coroutine, TypeVar

__all__ = ["TaskOwner", "cancel_and_wait"]
T = TypeVar("T")
log = logging.getLogger(__name__)


class TaskOwner:
    """Background tasks of one component. ``spawn`` starts one; ``close`` cancels them all and awaits them.

    A task that fails is logged on ``logger`` with its traceback; a caller that awaits the task still gets the
    exception. After ``close()`` the owner starts nothing more (``spawn`` raises RuntimeError)."""

    def __init__(self, name: str, logger: logging.Logger | None = None) -> None:
        self.name = name
        self._log = logger or log
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        """The tasks still running."""
        return frozenset(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Run ``coro`` as a task owned here (needs a running loop)."""
        if self._closed:
            coro.close()  # never started: no "coroutine was never awaited" warning
            raise RuntimeError(f"{self.name}: closed, cannot start {name or 'a task'}")
        try:
            task = asyncio.get_running_loop().create_task(coro, name=name)
        except BaseException:  # e.g. no running loop: the coroutine will never run
            coro.close()
            raise
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()  # retrieved here, so asyncio never reports it as lost
        if exc is not None:
            self._log.error("%s: task %s failed: %s: %s", self.name, task.get_name(), type(exc).__name__, exc,
                            exc_info=exc)

    async def close(self) -> None:
        """Cancel every task and wait until each has finished. Idempotent; never raises for a task's error."""
        self._closed = True
        current = asyncio.current_task()
        while True:
            pending = [t for t in self._tasks if t is not current]
            if not pending:
                return
            for task in pending:
                task.cancel()
            await asyncio.wait(pending)


async def cancel_and_wait(task: "asyncio.Task[object] | None", *, swallow_errors: bool = False) -> None:
    """Cancel ``task`` (if any) and wait until it has finished. With ``swallow_errors`` an exception the task ended
    with is not raised either (for a close() that must always complete)."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:
        if not swallow_errors:
            raise

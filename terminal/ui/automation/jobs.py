"""Run a job of ``tasks`` in a worker process and await its outcome on the event loop, never blocking it.

The process is started from a clean fork server (not forked from the GUI process with its Qt threads), so a
user strategy is found again by its file path. Messages come back through a pipe read on an executor thread
and are handed to the loop; ``cancel()`` asks the job to stop (it returns what it finished), ``kill()``
terminates the process. Running jobs are terminated at interpreter exit.
"""
from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import weakref
from dataclasses import dataclass
from typing import Any, Callable

from . import tasks

Progress = Callable[[int, int, str], None]
_live: "weakref.WeakSet[ProcessJob]" = weakref.WeakSet()
_ctx: Any = None


def mp_context() -> Any:
    global _ctx
    if _ctx is None:
        methods = multiprocessing.get_all_start_methods()
        _ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            _ctx.set_forkserver_preload(["terminal.ui.automation.tasks", "terminal.backtest.optimize"])
    return _ctx


@dataclass
class Outcome:
    status: str  # "done", "error", "cancelled"
    value: Any = None  # the job's result, or the error message

    @property
    def ok(self) -> bool:
        return self.status == "done"


class ProcessJob:
    def __init__(self, job: str, **kwargs: Any) -> None:
        self.job = job
        self.kwargs = kwargs
        self._ctx = mp_context()
        self._cancel: Any = None  # made off the GUI thread (the first one starts multiprocessing's helpers)
        self._cancel_requested = False
        self._process: Any = None
        self._conn: Any = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.is_alive()

    async def run(self, progress: Progress | None = None) -> Outcome:
        """Start the process and return its outcome; the process has ended when this returns."""
        loop = asyncio.get_running_loop()
        self._cancel = await loop.run_in_executor(None, self._ctx.Event)
        if self._cancel_requested:
            return Outcome("cancelled")
        reader, writer = self._ctx.Pipe(duplex=False)
        # non-daemonic: an optimisation starts a local Dask cluster's worker processes inside this one (or connects
        # to the scheduler in the Optimize tab's Scheduler field); cancel() stops the cluster's work through it
        self._process = self._ctx.Process(target=tasks.child_main, args=(writer, self._cancel, self.job, self.kwargs),
                                          name=f"terminal-{self.job}", daemon=False)
        self._conn = reader
        _live.add(self)
        try:
            await loop.run_in_executor(None, self._process.start)
            writer.close()
            while True:
                try:
                    msg = await loop.run_in_executor(None, reader.recv)
                except (EOFError, OSError):
                    code = await loop.run_in_executor(None, self._join)
                    if self._cancel_requested:
                        return Outcome("cancelled")
                    return Outcome("error", f"the worker process ended unexpectedly (exit code {code})")
                kind = msg[0]
                if kind == "progress":
                    if progress is not None:
                        progress(*msg[1:])
                    continue
                await loop.run_in_executor(None, self._join)
                if kind == "done":
                    return Outcome("done", msg[1])
                if kind == "error":
                    return Outcome("error", msg[1])
                return Outcome("cancelled")
        except asyncio.CancelledError:
            self.kill()
            raise
        finally:
            reader.close()
            _live.discard(self)

    def _join(self) -> int | None:
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        return self._process.exitcode  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Ask the job to stop at its next check; an optimisation returns the runs it finished."""
        self._cancel_requested = True
        if self._cancel is not None:
            self._cancel.set()

    def kill(self) -> None:
        self.cancel()
        if self._process is not None and self._process.is_alive():
            self._process.terminate()


def kill_all() -> None:
    for job in list(_live):
        job.kill()


atexit.register(kill_all)


class JobHost:
    """The running / start / cancel trio of a view that runs one ``ProcessJob`` at a time through its ``run()``
    coroutine (mixed into the backtest dock and the optimise view)."""

    job: ProcessJob | None = None
    task: "asyncio.Task[Any] | None" = None

    async def run(self) -> Any:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> "asyncio.Task[Any] | None":
        if self.running:
            return self.task
        self.task = asyncio.get_event_loop().create_task(self.run())
        return self.task

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

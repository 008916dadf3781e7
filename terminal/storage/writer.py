"""One background writer: the disk writes of the running app leave the event loop (the GUI thread) for one thread.

``Writer.submit(key, job)`` queues ``job`` (a callable doing the I/O) and returns a ``concurrent.futures.Future`` of
its result; the loop never waits for the disk (``await asyncio.wrap_future(...)`` when the caller needs the write
done before it goes on, e.g. a history page before the cache is read).

- **Ordered**: jobs run one at a time, in the order they were submitted.
- **Coalescing**: a job with a ``key`` (a file's path) replaces that key's job still waiting: the last state wins,
  and a burst of 1,000 saves of one file writes it a few times, not 1,000 times. The replaced job's future follows
  the job that replaced it. ``key=None``: every job runs (e.g. a row appended to a database).
- **Nothing lost at exit**: ``flush()`` waits until everything submitted so far is written; ``close()`` flushes and
  stops the thread; the shared writer (``shared()``) is closed at interpreter exit.
- **Errors never crash**: a failing job is logged as one clear ERROR line (what, where, why), its future holds the
  exception, and the next job runs as usual.

``write_atomic(path, text)`` is the file write the saves use (temporary file + ``os.replace``: a crash leaves the old
file or the new one, never half of one). No Qt here: the core and the UI use the same writer.
"""
from __future__ import annotations

import atexit
import collections
import concurrent.futures
import logging
import os
import threading
from pathlib import Path
from typing import Any, Callable, Hashable

log = logging.getLogger(__name__)

Job = Callable[[], Any]


class Writer:
    def __init__(self, name: str = "storage-writer") -> None:
        self.name = name
        self._cond = threading.Condition()
        # key -> (job, label, futures); a None key is given a fresh object so it never coalesces
        self._pending: collections.OrderedDict[Hashable, tuple[Job, str, list[concurrent.futures.Future[Any]]]] = \
            collections.OrderedDict()
        self._busy = False
        self._closed = False
        self._thread: threading.Thread | None = None
        #: jobs run (written), jobs that failed, jobs replaced by a later one of the same key before they ran
        self.writes = 0
        self.errors = 0
        self.coalesced = 0
        #: ``threading.get_ident()`` of the writer thread once started (tests: the writes happen there)
        self.thread_id: int | None = None

    def submit(self, key: Hashable | None, job: Job, label: str = "") -> concurrent.futures.Future[Any]:
        """Queue ``job``; ``key`` coalesces with the same key's waiting job (the new one wins). After ``close()``
        the job runs at once on the calling thread (a late save is still written, never dropped)."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        label = label or (str(key) if key is not None else getattr(job, "__qualname__", "a write"))
        with self._cond:
            if not self._closed:
                slot = key if key is not None else object()
                futures = [future]
                old = self._pending.pop(slot, None)
                if old is not None:
                    self.coalesced += 1
                    futures = old[2] + futures
                self._pending[slot] = (job, label, futures)  # at the end: the order of the last states is kept
                self._start()
                self._cond.notify_all()
                return future
        self._run(job, label, [future])
        return future

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every job submitted so far has run. False if ``timeout`` (seconds) passed first."""
        with self._cond:
            if self._thread is not None and threading.get_ident() == self.thread_id:
                raise RuntimeError("flush() from a job of the writer itself would wait for ever")
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Flush, then stop the thread (idempotent). Later submits run on the caller's thread."""
        with self._cond:
            if self._closed:
                return
        self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._pending) + (1 if self._busy else 0)

    # ---- the thread ----------------------------------------------------------------------------------------------
    def _start(self) -> None:  # under the lock
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        self.thread_id = threading.get_ident()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closed)
                if not self._pending:  # closed and drained
                    self._cond.notify_all()
                    return
                _, (job, label, futures) = self._pending.popitem(last=False)
                self._busy = True
            try:
                self._run(job, label, futures)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _run(self, job: Job, label: str, futures: list[concurrent.futures.Future[Any]]) -> None:
        try:
            result = job()
        except Exception as exc:  # noqa: BLE001 - a failed write is reported, the writer goes on
            self.errors += 1
            log.error("could not write %s: %s: %s", label, type(exc).__name__, exc)
            for f in futures:
                if f.set_running_or_notify_cancel():
                    f.set_exception(exc)
            return
        self.writes += 1
        for f in futures:
            if f.set_running_or_notify_cancel():
                f.set_result(result)


def write_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace`` (the folder is made if missing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


_shared: Writer | None = None
_shared_lock = threading.Lock()


def shared() -> Writer:
    """The process's writer (made on first use, flushed and stopped at interpreter exit; a save after that is
    written on the caller's thread, never left to a thread the interpreter is about to kill)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Writer()
            atexit.register(_shared.close)
        return _shared

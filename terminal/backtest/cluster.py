"""Backtest work on a Dask cluster: a ``LocalCluster`` of processes started on first use, or an existing cluster
by its scheduler's address (``tcp://host:8786``).

``Cluster.map(fn, items, *shared)`` runs ``fn(item, *shared)`` for every item on the workers and returns the
results in the order of ``items`` (never in completion order, so a run on a cluster ranks ties exactly as a run in
this process). Large arguments go through ``share``: scattered once to every worker (``broadcast=True``) and
passed to the tasks as futures, so each task carries only its own small item. Progress comes from the futures as
they complete (``as_completed``); a ``cancel`` event (threading or multiprocessing) cancels the futures still
queued or running on the cluster (``client.cancel``), and so does an exception here (Ctrl-C): the finished
results are kept. A task that raises reports the item it was given (``TaskFailed``).

A local cluster is started lazily (the first ``client``), with ``workers`` single-threaded worker processes and no
dashboard, and closed by ``close`` (or leaving the ``with`` block). A remote cluster is only connected to: closing
disconnects, it never stops someone else's workers. A scheduler that cannot be reached raises
``ClusterUnreachable`` naming the address. No Qt here.
"""
from __future__ import annotations

import logging
import threading
import uuid
from typing import Any, Callable, Sequence

log = logging.getLogger(__name__)
#: how long to try to reach a scheduler before giving up (seconds)
CONNECT_TIMEOUT_S = 10.0


class ClusterUnreachable(OSError):
    """The scheduler at the given address did not answer; the message names it."""


class TaskFailed(Exception):
    """A task raised on a worker: ``item`` is what it was given (e.g. the parameters), ``reason`` the error."""

    def __init__(self, item: Any, reason: str) -> None:
        super().__init__(f"run {describe(item)} failed: {reason}")
        self.item = item
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:  # travels back from a worker intact
        return (TaskFailed, (self.item, self.reason))


def describe(item: Any) -> str:
    """Parameters as ``a=1, b=2`` (a dict), anything else by its repr."""
    if isinstance(item, dict):
        return ", ".join(f"{k}={v}" for k, v in item.items())
    if isinstance(item, list) and item and all(isinstance(i, dict) for i in item):  # a chunk of runs
        return "; ".join(describe(i) for i in item)
    return repr(item)


def _reason(exc: BaseException) -> str:
    """One line for an error Dask raised about a task (not one the task raised)."""
    text = str(exc)
    if "deserializ" in text:  # the scheduler or a worker could not unpickle the task
        return ("the cluster cannot load the task: the strategy's module must be importable on the scheduler and "
                "the workers (same packages and versions as here)")
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class Cluster:
    """A Dask client on a local cluster (``scheduler=None``: ``workers`` processes, started on first use) or on the
    cluster whose scheduler is at ``scheduler``."""

    def __init__(self, scheduler: str | None = None, workers: int = 2, *, start_method: str | None = None,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self.scheduler = scheduler.strip() if scheduler and scheduler.strip() else None
        self.workers = max(1, workers)
        self.start_method = start_method
        self.connect_timeout_s = connect_timeout_s
        self._client: Any = None
        self._local: Any = None
        self._shared: dict[int, tuple[Any, Any]] = {}  # id(obj) -> (obj, its future): the object kept alive
        self._lock = threading.Lock()

    @property
    def remote(self) -> bool:
        """True for a cluster given by address: the user asked for it, so every job goes there."""
        return self.scheduler is not None

    @property
    def started(self) -> bool:
        return self._client is not None

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._connect() if self.remote else self._start_local()
            return self._client

    def _connect(self) -> Any:
        from distributed import Client
        address = self.scheduler
        try:
            return Client(address, timeout=self.connect_timeout_s, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ClusterUnreachable(f"cannot reach the Dask scheduler at {address}: {reason}") from None

    def _start_local(self) -> Any:
        import dask
        from distributed import Client, LocalCluster
        method = self.start_method or "spawn"  # never fork: this process may run threads (Qt, asyncio executors)
        # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which stops glibc from keeping freed large
        # blocks: every array of a 1M-bar backtest is then a fresh mmap and its page faults (measured: 40% more CPU)
        environ = {k: v for k, v in (dask.config.get("distributed.nanny.pre-spawn-environ") or {}).items()
                   if k != "MALLOC_TRIM_THRESHOLD_"}
        with dask.config.set({"distributed.worker.multiprocessing-method": method,
                              "distributed.nanny.pre-spawn-environ": environ}):
            self._local = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.CRITICAL,
                                       # its HTTP routes (health, metrics) on a free loopback port, not :8787
                                       scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
        try:
            return Client(self._local, set_as_default=False)
        except BaseException:
            self._local.close()
            self._local = None
            raise

    def nworkers(self) -> int:
        """Workers on the cluster now (the local cluster's count before it starts)."""
        if not self.started and not self.remote:
            return self.workers
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def share(self, obj: Any, broadcast: bool = True) -> Any:
        """A future of ``obj`` on the cluster, scattered once (the same object is shared once): held by every worker,
        or with ``broadcast=False`` by one (data that one task needs; the task then runs there)."""
        hit = self._shared.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        future = self.client.scatter(obj, broadcast=broadcast, hash=False)
        if broadcast:
            # scatter's broadcast goes to the workers this client knew of at that moment; a worker it learnt of
            # late got no copy (seen on a clean-clone CI run): replicate to every worker the scheduler has now
            self.client.replicate(future)
        self._shared[id(obj)] = (obj, future)
        return future

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *shared: Any,
            progress: Callable[[int, Any], None] | None = None, cancel: Any = None) -> tuple[list[Any], bool]:
        """``fn(item, *shared)`` for every item on the cluster: (results in the order of ``items``, None where a
        task did not finish; cancelled). ``progress(index, result)`` is called as each task completes."""
        client = self.client
        tag = f"{getattr(fn, '__name__', 'task')}-{uuid.uuid4().hex[:12]}"
        futures = [client.submit(fn, item, *shared, key=f"{tag}-{i}", pure=False) for i, item in enumerate(items)]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(items)
        finished = threading.Event()
        stopped = threading.Event()
        watcher = None
        if cancel is not None:
            def watch() -> None:
                while not finished.is_set():
                    if cancel.wait(0.05):
                        stopped.set()
                        client.cancel([f for f in futures if not f.done()], force=True)
                        return
            watcher = threading.Thread(target=watch, name="cluster-cancel", daemon=True)
            watcher.start()
        from distributed import as_completed
        try:
            for future in as_completed(futures, loop=client.loop):
                if stopped.is_set():
                    break
                i = index[future.key]
                if future.cancelled():  # not by us: the scheduler went away or dropped this client
                    raise TaskFailed(items[i], "the cluster cancelled it (the scheduler was lost or restarted)")
                if future.status == "error":
                    exc = future.exception()
                    if isinstance(exc, TaskFailed):
                        raise exc
                    raise TaskFailed(items[i], _reason(exc))
                results[i] = future.result()
                if progress is not None:
                    progress(i, results[i])
        except BaseException:
            client.cancel([f for f in futures if not f.done()], force=True)
            raise
        finally:
            finished.set()
            if watcher is not None:
                watcher.join()
        return results, stopped.is_set()

    def close(self) -> None:
        """Release the shared data; disconnect, and stop the local cluster if this object started one."""
        client, local = self._client, self._local
        self._client = self._local = None
        self._shared.clear()
        try:
            if client is not None:
                client.close()
        finally:
            if local is not None:
                local.close()

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

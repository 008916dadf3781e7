"""``ThreadedServer``: the life of a paper server's event loop, written once for every server.

A server subclasses it and says only what is its own: how it listens (``_listen``: bind, then set ``self.port``;
``_serve_app`` does it for an aiohttp app), what runs in the background while it listens (``_background``, usually
``self._every(period_s, step)``) and how it closes (``_close``: its sockets and streams). The base owns the rest:

- ``start()``/``stop()`` (blocking): a daemon thread with its own loop; ``start()`` returns once the server listens
  and raises what listening raised; ``stop()`` runs the closing on that loop, cancels whatever is still pending there
  and joins the thread. Also a context manager.
- ``start_async()``/``stop_async()``: the same server inside a loop that is already running (the command line).
- ``call(fn, *args)``/``call_async(coro)``: run on the server's loop from any thread and return the result (directly
  when not started or already on that loop): how fault switches and test views reach the server's state.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable, ClassVar, Coroutine, Self, TypeVar

from aiohttp import web

T = TypeVar("T")
CALL_TIMEOUT_S = 30
START_TIMEOUT_S = 60
JOIN_TIMEOUT_S = 15
Background = Coroutine[Any, Any, None]
SiteFactory = Callable[[web.BaseRunner, str, int], web.BaseSite]


class ThreadedServer:
    #: in logs ("<name> listening on host:port") and in the thread's name ("<thread_name>-<seed>")
    name: ClassVar[str] = "paper server"
    thread_name: ClassVar[str] = "paper-server"

    def __init__(self, host: str, port: int, seed: int) -> None:
        self.host = host
        self.port = port  # 0 until listening picks a free one
        self.seed = seed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ what a server says
    async def _listen(self) -> None:
        """Bind (on the server's loop, ``self._loop`` set) and set ``self.port`` to the port bound."""
        raise NotImplementedError

    def _background(self) -> list[Background]:
        """The coroutines that run while the server listens (cancelled, then awaited, when it stops)."""
        return []

    async def _close(self) -> None:
        """Close what ``_listen`` opened beyond an app served by ``_serve_app`` (closed after this)."""

    def _after_call(self) -> None:
        """Run on the loop after each ``call`` from another thread (e.g. write what the call queued)."""

    # ------------------------------------------------------------------ helpers for _listen and _background
    @property
    def _log(self) -> logging.Logger:
        """The logger of the server's own module (its records name the server, not this runtime)."""
        return logging.getLogger(type(self).__module__)

    async def _serve_app(self, app: web.Application, site: SiteFactory = web.TCPSite) -> None:
        """Serve an aiohttp app on ``host:port`` (``site`` builds the listening site) and set ``self.port``."""
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await site(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def _every(self, period_s: float, step: Callable[[], object], *, max_lag_s: float | None = 1.0) -> None:
        """Run ``step()`` (awaited if it returns an awaitable) every ``period_s`` on a fixed schedule, for ever. A
        failing step is logged and the next one runs. After a stall, the missed steps run back to back, at most
        ``max_lag_s`` worth of them (None: all)."""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += period_s
            if max_lag_s is not None:
                next_at = max(next_at, loop.time() - max_lag_s)
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            try:
                result = step()
                if inspect.isawaitable(result):
                    await result
            except Exception:  # noqa: BLE001 - the market must keep going
                self._log.exception("%s: %s failed", self.name, getattr(step, "__name__", step))

    # ------------------------------------------------------------------ running inside a running loop
    async def start_async(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._listen()
        self._tasks = [asyncio.create_task(coro) for coro in self._background()]
        self._log.info("%s listening on %s:%s", self.name, self.host, self.port)

    async def stop_async(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self._close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            _forget_middleware_chains()

    # ------------------------------------------------------------------ running on its own thread
    def start(self) -> None:
        """Start the server's thread and loop; return once listening (raises what listening raised)."""
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name=f"{self.thread_name}-{self.seed}",
                                        daemon=True)
        self._thread.start()
        try:
            ready.result(timeout=START_TIMEOUT_S)
        except BaseException:
            self._thread.join(timeout=5)
            self._thread = None
            self._loop = None
            raise

    def _run(self, ready: Future[None]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.start_async())
        except BaseException as exc:  # noqa: BLE001 - handed to start()
            ready.set_exception(exc)
            loop.close()
            return
        ready.set_result(None)
        try:
            loop.run_forever()
        finally:
            try:
                loop.run_until_complete(self.stop_async())
            finally:  # the loop is closed even when closing the server failed (that failure then ends the thread)
                loop.run_until_complete(_cancel_pending())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=JOIN_TIMEOUT_S)
        self._thread = None
        self._loop = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ reaching the loop from other threads
    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the server's loop and return its result (directly when not started, or when
        already on that loop)."""
        loop = self._loop
        if loop is None or self._on_loop():
            return fn(*args)
        fut: Future[T] = Future()

        def run() -> None:
            try:
                fut.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                fut.set_exception(exc)
            finally:
                self._after_call()
        loop.call_soon_threadsafe(run)
        return fut.result(timeout=CALL_TIMEOUT_S)

    def call_async(self, coro: Coroutine[Any, Any, T]) -> T | None:
        """Run ``coro`` on the server's loop from another thread and return its result (None, the coroutine closed
        unrun, when the server is not started)."""
        loop = self._loop
        if loop is None:
            coro.close()
            return None
        if self._on_loop():
            coro.close()
            raise RuntimeError("call_async() from the server's own loop would wait for itself: await the coroutine")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=CALL_TIMEOUT_S)


def _forget_middleware_chains() -> None:
    """aiohttp memoises each application's middleware chain in a module-level LRU cache of 1,024 entries that holds
    the application (and through its routes, the whole server and its simulated market) after it has stopped: a test
    run starting hundreds of paper servers kept them all (~50-100 MB each). Cleared when a server stops (the other
    running servers' chains are rebuilt on their next request)."""
    from aiohttp import web_app
    cache = getattr(web_app, "_cached_build_middleware", None)
    if cache is not None and hasattr(cache, "cache_clear"):
        cache.cache_clear()


async def _cancel_pending() -> None:
    """Cancel and await every task still on the loop but this one (connection handlers, fire-and-forget sends)."""
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)

"""``PaperServer``: the TrueData paper server on 127.0.0.1 — real-time WebSocket (``/``, login in the query string),
history REST, token and symbol master on one aiohttp port — over the shared simulated NSE market, on its own thread
and loop (``start()``/``stop()`` block).

Fault switches (thread-safe): ``drop_connections()`` closes every WebSocket session, ``refuse_login_next()`` refuses
the next WebSocket login, ``fail_history_next(n, status)`` answers the next ``n`` history requests with ``status``
(429 with TrueData's base64 body), ``send_malformed_next()`` puts a malformed frame before the next data frames,
``silence_streams()`` keeps the open sessions connected (pings answered) but sends them nothing more.
``request_log`` lists every request (WebSocket logins and messages, REST paths).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable, TypeVar

from aiohttp import web

from terminal.clock import Clock, LiveClock

from .exchange import Exchange
from .history import History
from .streams import Streams

log = logging.getLogger(__name__)
T = TypeVar("T")
USERNAME = "tdsandbox"
PASSWORD = "sandbox-pass"
STEP_S = 0.1


class PaperServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, always_open: bool = False, seed: int = 7,
                 heartbeat_s: float = 5.0, users: dict[str, str] | None = None, clock: Clock | None = None) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.heartbeat_s = heartbeat_s
        self.users = dict(users or {USERNAME: PASSWORD})
        self.clock: Clock = clock or LiveClock()  # a SimClock lets a test move the market across hours
        self.exchange = Exchange(self.clock, seed=seed, always_open=always_open)
        self.request_log: list[str] = []
        self.streams = Streams(self.exchange, self._check_ws_login, self.clock.now_ms, self.request_log.append)
        self.history = History(self.exchange, self._check_login, self.clock.now_ms, self.request_log.append)
        self._refuse_next = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ what an adapter needs
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def builtin_credentials(self) -> dict[str, str]:
        return {"username": USERNAME, "password": PASSWORD}

    def adapter_options(self) -> dict[str, str]:
        return {"ws_url": f"ws://{self.host}:{self.port}", "history_url": self.url,
                "auth_url": f"{self.url}/token", "api_url": self.url}

    @property
    def always_open(self) -> bool:
        return self.exchange.always_open

    def _check_ws_login(self, user: str, password: str) -> str | None:
        if self._refuse_next > 0:
            self._refuse_next -= 1
            return "Invalid user or password"
        return self._check_login(user, password)

    def _check_login(self, user: str, password: str) -> str | None:
        if not user or self.users.get(user) != password:
            return "Invalid user or password"
        return None

    # ------------------------------------------------------------------ faults
    def drop_connections(self) -> None:
        self.call_async(self.streams.drop_all())

    def refuse_login_next(self, n: int = 1) -> None:
        self.call(lambda: setattr(self, "_refuse_next", n))

    def fail_history_next(self, n: int = 1, status: int = 500) -> None:
        def arm() -> None:
            self.history.faults.fail_next, self.history.faults.fail_status = n, status
        self.call(arm)

    def send_malformed_next(self, n: int = 1) -> None:
        self.call(lambda: setattr(self.streams, "malformed_next", n))

    def silence_streams(self) -> None:
        self.call(self.streams.mute_all)

    def clear_faults(self) -> None:
        """Disarm every pending switch (silenced sessions stay silent until they reconnect)."""
        def clear() -> None:
            self._refuse_next = 0
            self.history.faults.fail_next = 0
            self.streams.malformed_next = 0
        self.call(clear)

    @property
    def faults(self) -> "Faults":
        """The switches as one object (``faults.clear()``, ``faults.drop_connections()``...), as test kits reach them."""
        return Faults(self)

    # ------------------------------------------------------------------ running
    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn()`` on the server loop and return its result (directly when not started)."""
        loop = self._loop
        if loop is None:
            return fn()
        fut: Future[T] = Future()

        def run() -> None:
            try:
                fut.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                fut.set_exception(exc)
        loop.call_soon_threadsafe(run)
        return fut.result(timeout=30)

    def call_async(self, coro: Any) -> Any:
        loop = self._loop
        if loop is None:
            coro.close()
            return None
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=30)

    async def start_async(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.exchange.bootstrap()
        app = web.Application()
        app.router.add_get("/", self.streams.handle)
        app.router.add_routes(self.history.routes())
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        if self.port == 0 and server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        self._tasks = [asyncio.create_task(self._steps()), asyncio.create_task(self._heartbeats())]
        log.info("TrueData paper server listening on %s", self.url)

    async def stop_async(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.streams.drop_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _steps(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at = max(next_at + STEP_S, loop.time() - 1.0)
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            try:
                now = self.clock.now_ms()
                self.exchange.step(now)
                await self.streams.publish(self.exchange.take_ticks(), self.exchange.closed_bars(now))
            except Exception:  # noqa: BLE001 - the market must keep going
                log.exception("TrueData paper server step failed")

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            await self.streams.heartbeat()

    def start(self) -> None:
        """Start the server thread and its loop; return once listening."""
        ready: Future[None] = Future()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start_async())
            except BaseException as exc:  # noqa: BLE001
                ready.set_exception(exc)
                loop.close()
                return
            ready.set_result(None)
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.stop_async())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"truedata-paper-{self.seed}", daemon=True)
        self._thread.start()
        ready.result(timeout=60)

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=15)
        self._thread = None
        self._loop = None

    def __enter__(self) -> "PaperServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Faults:
    """``PaperServer``'s fault switches under one name, ``clear()`` disarming them."""

    def __init__(self, server: PaperServer) -> None:
        self.drop_connections = server.drop_connections
        self.refuse_login_next = server.refuse_login_next
        self.fail_history_next = server.fail_history_next
        self.send_malformed_next = server.send_malformed_next
        self.silence_streams = server.silence_streams
        self.clear = server.clear_faults

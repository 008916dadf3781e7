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

import logging

from aiohttp import web

from terminal.clock import Clock, LiveClock
from terminal.serving.runtime import Background, ThreadedServer

from .exchange import Exchange
from .history import History
from .streams import Streams

log = logging.getLogger(__name__)
USERNAME = "tdsandbox"
PASSWORD = "sandbox-pass"
STEP_S = 0.1


class PaperServer(ThreadedServer):
    name = "TrueData paper server"
    thread_name = "truedata-paper"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, always_open: bool = False, seed: int = 7,
                 heartbeat_s: float = 5.0, users: dict[str, str] | None = None, clock: Clock | None = None) -> None:
        super().__init__(host, port, seed)
        self.heartbeat_s = heartbeat_s
        self.users = dict(users or {USERNAME: PASSWORD})
        self.clock: Clock = clock or LiveClock()  # a SimClock lets a test move the market across hours
        self.exchange = Exchange(self.clock, seed=seed, always_open=always_open)
        self.request_log: list[str] = []
        self.streams = Streams(self.exchange, self._check_ws_login, self.clock.now_ms, self.request_log.append)
        self.history = History(self.exchange, self._check_login, self.clock.now_ms, self.request_log.append)
        self._refuse_next = 0

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
    async def _listen(self) -> None:
        self.exchange.bootstrap()
        app = web.Application()
        app.router.add_get("/", self.streams.handle)
        app.router.add_routes(self.history.routes())
        await self._serve_app(app)

    def _background(self) -> list[Background]:
        return [self._every(STEP_S, self._step), self._every(self.heartbeat_s, self.streams.heartbeat, max_lag_s=0)]

    async def _close(self) -> None:
        await self.streams.drop_all()

    async def _step(self) -> None:
        now = self.clock.now_ms()
        self.exchange.step(now)
        await self.streams.publish(self.exchange.take_ticks(), self.exchange.closed_bars(now))


class Faults:
    """``PaperServer``'s fault switches under one name, ``clear()`` disarming them."""

    def __init__(self, server: PaperServer) -> None:
        self.drop_connections = server.drop_connections
        self.refuse_login_next = server.refuse_login_next
        self.fail_history_next = server.fail_history_next
        self.send_malformed_next = server.send_malformed_next
        self.silence_streams = server.silence_streams
        self.clear = server.clear_faults

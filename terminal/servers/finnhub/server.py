"""PaperServer: the Finnhub paper server, one aiohttp app on one port, on its own thread and loop.

    server = PaperServer("127.0.0.1", 0, seed=7)
    server.start()                       # blocking until it listens
    server.url, server.ws_url            # http://127.0.0.1:PORT/api/v1, ws://127.0.0.1:PORT
    server.builtin_credentials()         # {"token": ...}
    server.faults.rate_limit_next(1); server.faults.fail_next(1, 502); server.faults.drop_websockets()
    server.request_log                   # every REST call: path, status, time, symbol
    server.stop()

``per_window``/``window_s`` set the per-key budget (Finnhub's free plan: 60 a minute; tests shorten the window),
``per_second`` the cap every plan has (30), ``news_every_s`` how often watched stocks get a new headline, ``ping_s``
the WebSocket keep-alive. The market moves every 100 ms (US stocks in US market hours unless ``always_open``).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from terminal.clock import LiveClock
from terminal.serving.runtime import Background, ThreadedServer

from .faults import Faults
from .market import Market
from .news import NewsGenerator
from .ratelimit import RateLimiter
from .reference import Reference, utc_today
from .rest import Logged, RestApi
from .stream import Streams

BUILTIN_TOKEN = "sandbox-finnhub-token"
STEP_S = 0.1


class PaperServer(ThreadedServer):
    name = "finnhub paper server"
    thread_name = "finnhub-paper"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, always_open: bool = False, seed: int = 7,
                 per_window: int = 60, window_s: float = 60.0, per_second: int = 30, news_every_s: float = 60.0,
                 ping_s: float = 10.0, tokens: tuple[str, ...] = (BUILTIN_TOKEN,)) -> None:
        super().__init__(host, port, seed)
        self.clock = LiveClock()
        self.faults = Faults()
        self.tokens = set(tokens)
        self.ping_s = ping_s
        self.market = Market(self.clock, seed=seed, always_open=always_open)
        self.reference = Reference(self.market.listed, seed, self.market.last_price,
                                   lambda: utc_today(self.clock.now_ms()))
        names = {s: i.description for s, i in self.market.listed.items() if i.kind == "stock"}
        self.news = NewsGenerator(seed, names, lambda: self.clock.now_ms() // 1000, every_s=news_every_s)
        self.limiter = RateLimiter(per_window, window_s, per_second)
        self.rest = RestApi(self.market, self.reference, self.news, self.limiter, self.faults, self.tokens,
                            lambda: self.url.removesuffix("/api/v1"))
        self.streams = Streams(self.tokens, lambda s: self.market.listed[s].kind == "stock"
                               if s in self.market.listed else False,
                               lambda: self.url.removesuffix("/api/v1"), self.news.watch)
        self.market.trade_listeners.append(self.streams.on_trade)
        self.news.listeners.append(self.streams.on_news)

    # ------------------------------------------------------------------ the package interface
    @property
    def url(self) -> str:
        """The REST base, as finnhub-python's API_URL: ``http://host:port/api/v1``."""
        return f"http://{self.host}:{self.port}/api/v1"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def request_log(self) -> list[Logged]:
        return self.rest.request_log

    def builtin_credentials(self) -> dict[str, str]:
        return {"token": BUILTIN_TOKEN}

    def adapter_options(self) -> dict[str, Any]:
        """How the adapter reaches this server, and the budget it enforces."""
        return {"rest_url": self.url, "ws_url": self.ws_url, "rate_limit": self.limiter.per_window,
                "rate_window_s": self.limiter.window_s}

    def add_token(self, token: str) -> None:
        self.tokens.add(token)

    # ------------------------------------------------------------------ running
    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v1/{tail:.*}", self.rest.handle)
        app.router.add_get("/api//v1/{tail:.*}", self.rest.handle)
        app.router.add_get("/article/{id:\\d+}", self.rest.article)
        app.router.add_get("/", self.streams.handle)
        app.router.add_get("/ws", self.streams.handle)
        return app

    async def _listen(self) -> None:
        assert self._loop is not None
        self.faults.bind(self._loop, self.streams.drop_all)
        self.market.bootstrap()
        await self._serve_app(self._app())

    def _background(self) -> list[Background]:
        return [self._every(STEP_S, self._step), self._every(self.ping_s, self.streams.ping, max_lag_s=0)]

    async def _close(self) -> None:
        for c in list(self.streams.clients):
            await c.ws.close()

    def _step(self) -> None:
        self.market.step()
        self.streams.flush()
        self.news.step()

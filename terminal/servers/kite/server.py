"""``PaperServer``: the Kite Connect-compatible paper server on 127.0.0.1 — REST at the host root (the official client
drops any path in ``root``), the login page, and the binary ticker WebSocket at ``/ws`` — over the shared simulated
market, on its own thread and loop (``start()``/``stop()`` block).

Every REST answer is Kite's JSON envelope (404/405 and unexpected errors included: never an HTML page nor a
traceback). A request passes, in order: the request log, the fault switches, the rate limits of its api_key, the
session check (``Authorization: token api_key:access_token``), then its handler.

Fault switches (thread-safe): ``drop_ticker()``, ``rate_limit_next(n)``, ``fail_next(n, status, after_processing,
path)``, ``delay_next(n, delay_ms)``, ``expire_tokens()``; market switches for tests: ``move_price(key, price)``,
``square_off_now()``. ``request_log`` lists ``(method, path)`` of every request.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any, Awaitable, Callable

from aiohttp import web

from terminal.clock import LiveClock
from terminal.serving.runtime import Background, ThreadedServer

from .auth import DEFAULT_API_KEY, DEFAULT_API_SECRET, Auth
from .calculators import Calculators
from .envelope import KiteError, error, from_error
from .faults import Failure, Faults, failure_type
from .gtt import Gtt
from .history import History
from .instruments import response as instruments_response
from .limits import Limits, RateLimiter
from .login import SESSION, Login
from .market import Market
from .portfolio import Portfolio
from .orders import Orders
from .quotes import Quotes
from .stream import Stream
from .trading import Trading

log = logging.getLogger(__name__)
STEP_S = 0.1
PUBLIC = {("POST", "/session/token"), ("DELETE", "/session/token")}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PaperServer(ThreadedServer):
    name = "Kite paper server"
    thread_name = "kite-paper"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, always_open: bool = False, seed: int = 7,
                 limits: Limits | None = None, history_days: int = 30) -> None:
        super().__init__(host, port, seed)
        self.clock = LiveClock()
        self.market = Market(self.clock, seed=seed, always_open=always_open, history_days=history_days)
        self.auth = Auth(self.clock.now_ms)
        self.builtin = self.auth.new_session(DEFAULT_API_KEY)
        self.faults = Faults()
        self.limiter = RateLimiter(limits)
        self.portfolio = Portfolio(self.market.ltp, lambda key: self.market.days[key].prev_close)
        self.portfolio.seed(self.market.by_key)
        self.quotes = Quotes(self.market)
        self.history = History(self.market)
        self.orders = Orders(self.market, self.portfolio)
        self.trading = Trading(self.orders, self.portfolio)
        self.gtt = Gtt(self.market, self.orders, self.clock.now_ms)
        self.calculators = Calculators(self.market, self.portfolio, self.orders)
        self.stream = Stream(self.market, self.auth, self.clock.now_ms)
        self.orders.listeners.append(self.stream.on_order)
        self.login = Login(self.auth)
        self.request_log: list[tuple[str, str]] = []

    # ------------------------------------------------------------------ what an adapter needs
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ticker_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    @property
    def always_open(self) -> bool:
        return self.market.always_open

    def login_url(self, api_key: str = DEFAULT_API_KEY) -> str:
        return f"{self.url}/connect/login?api_key={api_key}&v=3"

    def builtin_credentials(self) -> dict[str, str]:
        """A pre-logged-in session of the default app (valid until 06:00 IST, like any Kite token)."""
        return {"api_key": DEFAULT_API_KEY, "api_secret": DEFAULT_API_SECRET,
                "access_token": self.builtin.access_token}

    def adapter_options(self) -> dict[str, Any]:
        return {"root": self.url, "ticker_url": self.ticker_url, "login_url": f"{self.url}/connect/login"}

    def register_app(self, api_key: str, api_secret: str, redirect_url: str) -> None:
        """Another app (its own key, secret and registered redirect URL)."""
        self.call(lambda: self.auth.register_app(api_key, api_secret, redirect_url))

    # ------------------------------------------------------------------ faults and switches
    def rate_limit_next(self, n: int = 1) -> None:
        self.call(lambda: setattr(self.faults, "rate_limited", n))

    def fail_next(self, n: int = 1, status: int = 500, after_processing: bool = False,
                  path: str | None = None) -> None:
        self.call(lambda: self.faults.failures.extend(Failure(status, after_processing, path) for _ in range(n)))

    def delay_next(self, n: int = 1, delay_ms: int = 2000) -> None:
        def arm() -> None:
            self.faults.delay_count, self.faults.delay_ms = n, delay_ms
        self.call(arm)

    def clear_faults(self) -> None:
        self.call(self.faults.clear)

    def expire_tokens(self) -> None:
        """Every access token issued so far now answers 403 TokenException (and its ticker is closed)."""
        gone = self.call(self.auth.expire_all)
        self.call_async(self.stream.drop(gone))

    def drop_ticker(self) -> None:
        """Close every ticker connection (the clients reconnect)."""
        self.call_async(self.stream.drop())

    def square_off_now(self, exchange: str | None = None) -> None:
        """Zerodha's intraday auto square-off now: open MIS/CO orders cancelled, MIS/CO positions closed at market."""
        self.call(lambda: self.orders.square_off(exchange))

    def move_price(self, key: str, price: Decimal | str) -> None:
        """Set the last traded price of ``EXCHANGE:TRADINGSYMBOL`` (stops and GTT triggers react at once)."""
        def move() -> None:
            self.market.move_price(key, Decimal(price))
            self.gtt.check()
        self.call(move)

    # ------------------------------------------------------------------ HTTP
    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_routes(self.login.routes())
        app.router.add_routes(self.quotes.routes())
        app.router.add_routes(self.history.routes())
        app.router.add_routes([
            web.get("/instruments", self._instruments), web.get("/instruments/{exchange}", self._instruments),
        ])
        app.router.add_routes(self.trading.routes())
        app.router.add_routes(self.gtt.routes())
        app.router.add_routes(self.calculators.routes())
        app.router.add_get("/ws", self.stream.handle)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.request_log.append((request.method, request.path))
        path = request.path
        if path.startswith("/connect/") or path == "/ws":
            return await handler(request)
        try:
            header = request.headers.get("Authorization", "")
            api_key = header[6:].partition(":")[0] if header.startswith("token ") else request.remote or "-"
            if self.faults.take_rate_limit() or not self.limiter.allow(api_key, request.method, path,
                                                                       self.clock.now_ms()):
                return error("NetworkException", "Too many requests", 429)
            delay = self.faults.take_delay()
            if delay:
                await asyncio.sleep(delay / 1000)  # the fault itself: a slow answer
            failure = self.faults.take_failure(path)
            if failure is not None and not failure.after_processing:
                return self._failure(failure)
            if (request.method, path) not in PUBLIC:
                request[SESSION] = self.auth.check(header)
            response = await handler(request)
            return self._failure(failure) if failure is not None else response
        except KiteError as exc:
            return from_error(exc)
        except web.HTTPNotFound:
            return error("GeneralException", "Route not found", 404)
        except web.HTTPMethodNotAllowed:
            return error("GeneralException", "Method not allowed", 405)
        except web.HTTPException as exc:
            return error("GeneralException", exc.reason, exc.status)
        except Exception as exc:  # noqa: BLE001 - an envelope, never a traceback
            log.exception("Kite paper server: %s %s failed", request.method, path)
            return error("GeneralException", f"Unexpected error ({type(exc).__name__})", 500)

    @staticmethod
    def _failure(failure: Failure) -> web.Response:
        return error(failure_type(failure.status), f"Simulated failure (HTTP {failure.status})", failure.status)

    async def _instruments(self, request: web.Request) -> web.Response:
        items = [(item, self.market.days[item.key].prev_close) for item in self.market.listed]
        return instruments_response(request, items, request.match_info.get("exchange"))

    # ------------------------------------------------------------------ running
    async def _listen(self) -> None:
        self.market.bootstrap()
        await self._serve_app(self._app())

    def _background(self) -> list[Background]:
        return [self._every(STEP_S, self._step)]

    async def _close(self) -> None:
        await self.stream.drop()

    async def _step(self) -> None:
        self.market.step(self.clock.now_ms())
        await self.stream.publish()

"""SandboxServer: one aiohttp app on one port serving the Binance Spot subset over REST, market streams,
listenKey user data streams and the WebSocket API, plus ``/sandbox/*`` admin routes. Runs in its own thread
(``start``/``stop``) or inside a running loop (``start_async``/``stop_async``).

Routes:
- ``/api/v3/...``: ping, time, exchangeInfo, depth, trades, aggTrades, klines, uiKlines, avgPrice, ticker,
  ticker/price, ticker/bookTicker, ticker/24hr; order (POST/GET/DELETE, trailingDelta too), order/test, openOrders
  (GET/DELETE), allOrders, account, myTrades; order lists: orderList/oco, orderList/oto, orderList/otoco, the legacy
  order/oco, orderList (DELETE/GET), allOrderList, openOrderList; userDataStream (POST/PUT/DELETE, also under
  ``/api/v1``).
- ``/ws[/<stream>...]``, ``/stream[?streams=a/b]``: market streams, listenKeys, the live control protocol.
- ``/ws-api/v3``: ping, time, session.status, userDataStream.subscribe.signature / unsubscribe, and the signed
  trading and market methods mirroring the REST routes (order.place, order.cancel, account.status, depth...).
- ``/sandbox/health`` (GET), ``/sandbox/faults``, ``/sandbox/accounts``, ``/sandbox/deposit`` (POST JSON).

The engine, the market simulator (stepped every 100 ms) and every socket live on the server loop; other threads
reach them through ``call``.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

from aiohttp import web

from terminal.clock import LiveClock
from terminal.serving.runtime import Background, ThreadedServer
from terminal.sim.engine import Engine
from terminal.sim.symbols import DEFAULT_SYMBOLS

from .accounts import DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_BALANCES, Accounts
from .admin import admin_routes
from .auth import Authenticator
from .fanout import Hub
from .faults import Faults
from .feeds import Feeds
from .intake import MAX_BODY_BYTES, JsonErrorSite, json_errors
from .playback import Playback
from .ratelimit import Limits, RateLimiter
from .rest import RestApi
from .rules import SymbolRules
from .seed import seed_books
from .streams import MarketSockets, StreamNames
from .userdata import UserStreams
from .venue import Venue
from .wsapi import WsApi

log = logging.getLogger(__name__)
STEP_MS = 100


class SandboxServer(ThreadedServer):
    name = "sandbox"
    thread_name = "sandbox"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, seed: int = 7,
                 replay: Mapping[str, str] | None = None, *, limits: Limits | None = None,
                 maker_fee: Decimal = Decimal("0.001"), taker_fee: Decimal = Decimal("0.001"),
                 simulate: bool = True, rules: Mapping[str, SymbolRules] | None = None,
                 replay_history_fraction: float = 0.5, replay_feed: str | Path | None = None,
                 replay_feed_speed: float | None = 1.0) -> None:
        super().__init__(host, port, seed)
        self.replay = dict(replay) if replay else None
        self.replay_history_fraction = replay_history_fraction  # the share of --replay bars served as history
        self.simulate = simulate and replay_feed is None  # a recorded feed replaces the simulated market
        self.started_ms = 0  # when the market was bootstrapped (the kline replay's history ends at that minute)
        self.default_api_key = DEFAULT_API_KEY
        self.default_api_secret = DEFAULT_API_SECRET
        self.clock = LiveClock()
        self.faults = Faults()
        specs = list(DEFAULT_SYMBOLS)
        self.engine = Engine([s.instrument for s in specs], self.clock, maker_fee=maker_fee, taker_fee=taker_fee)
        self.market = self._make_market(specs)
        self.accounts = Accounts()
        self.hub = Hub()
        self.venue = Venue(
            engine=self.engine, market=self.market, instruments=dict(self.engine.instruments),
            accounts=self.accounts, auth=Authenticator(self.accounts), limiter=RateLimiter(limits),
            faults=self.faults, hub=self.hub, now_ms=self.clock.now_ms, maker_fee=maker_fee, taker_fee=taker_fee,
            rules=dict(rules or {}))
        self.rest = RestApi(self.venue)
        self.users = UserStreams(self.engine, self.accounts, self.hub, self.clock.now_ms)
        self.venue.user_listeners.append(self.users.deliver)   # events the server itself raises (listStatus REJECT)
        self.feeds = Feeds(self.engine, self.rest.market_data, self.hub, self.faults, self.clock.now_ms)
        names = StreamNames(self.engine.instruments, self.accounts.is_listen_key)
        #: a recorded feed served on the market streams (playback.py), with its REST depth snapshots
        self.playback = Playback(replay_feed, self.hub, replay_feed_speed) if replay_feed is not None else None
        if self.playback is not None:
            self.feeds.muted |= self.playback.symbols
            self.playback.attach(self.engine)  # the played quotes and trades drive the matching
        self.market_sockets = MarketSockets(
            self.hub, names, self.playback.on_subscribe if self.playback is not None else lambda conn, name: None)
        self.ws_api = WsApi(self.venue, self.users, self.hub, self.rest)
        self.create_account(DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_BALANCES, account_id="default")
        self._bootstrapped = False
        self._ticks = 0  # 100 ms steps taken (every tenth flushes the 1 s depth streams)

    def _make_market(self, specs: list[Any]) -> Any:
        try:
            from terminal.sim.market import MarketSimulator
        except ImportError:  # the simulator is optional: the engine still trades
            log.warning("terminal.sim.market is not available; the sandbox runs without a simulated market")
            return None
        return MarketSimulator(self.engine, specs, self.seed, self.clock, replay=self.replay,
                               replay_history_fraction=self.replay_history_fraction)

    # -- properties -----------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    # -- accounts --------------------------------------------------------------------------------------------------
    def create_account(self, api_key: str, secret: str, balances: Mapping[str, Any],
                       account_id: str | None = None) -> str:
        """Register a key pair and fund its account; returns the engine account id. Thread-safe."""
        def make() -> str:
            entry = self.accounts.add(api_key, secret, account_id)
            self.engine.add_account(entry.account_id, {a: Decimal(str(v)) for a, v in balances.items()})
            return entry.account_id
        return self.call(make)

    def silence_market_data(self, on: bool = True) -> None:
        """A fault: the market streams go quiet (sockets stay open and answer pings; no trade, quote, depth or kline
        is published) until called again with ``on=False``. Thread-safe."""
        def run() -> None:
            self.hub.silenced = on
        self.call(run)

    def set_key_restrictions(self, api_key: str, **fields: Any) -> None:
        """What ``GET /sapi/v1/account/apiRestrictions`` says of ``api_key`` from now on (e.g. enableWithdrawals=True,
        ipRestrict=False). Thread-safe."""
        def run() -> None:
            self.accounts.set_restrictions(api_key, **fields)
        self.call(run)

    def deposit(self, api_key: str, asset: str, amount: Any) -> None:
        """Faucet: credit (or debit, if negative) an account; emits balanceUpdate + outboundAccountPosition."""
        def run() -> None:
            entry = self.accounts.lookup(api_key)
            delta = Decimal(str(amount))
            self.engine.deposit(entry.account_id, asset, delta)
            self.users.on_deposit(entry.account_id, asset, delta)
        self.call(run)

    # -- running ---------------------------------------------------------------------------------------------------
    def _app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[json_errors])
        if self.playback is not None:
            playback = self.playback

            async def depth(request: web.Request) -> web.StreamResponse:  # the recorded snapshots
                return await playback.depth(request, self.rest.handle)
            app.router.add_get("/api/v3/depth", depth)
        app.router.add_route("*", "/api/{tail:.*}", self.rest.handle)
        app.router.add_route("*", "/sapi/{tail:.*}", self.rest.handle)
        app.router.add_get("/ws", self.market_sockets.handle)
        app.router.add_get("/ws/{streams:.*}", self.market_sockets.handle)
        app.router.add_get("/stream", self.market_sockets.handle)
        app.router.add_get("/ws-api/v3", self.ws_api.handle)
        app.router.add_routes(admin_routes(self))
        return app

    async def _listen(self) -> None:
        assert self._loop is not None
        self.faults.bind(self._loop, self.hub.close_all)
        if not self._bootstrapped:
            self.started_ms = self.clock.now_ms()
            if self.market is not None and self.simulate:
                self.market.bootstrap(self.started_ms)
            elif self.simulate:
                seed_books(self.engine, DEFAULT_SYMBOLS)
            elif self.market is not None:  # quiet: candles and tickers from the users' own trades
                self.market.follow_trades()
            self._bootstrapped = True
        await self._serve_app(self._app(), JsonErrorSite)  # malformed requests get JSON, not plain text

    def _background(self) -> list[Background]:
        # the 100 ms steps run back to back after a stall (no lag cap), as many as were missed
        return [self._every(STEP_MS / 1000, self._step_100ms, max_lag_s=None), self._every(1.0, self._step_second)]

    async def _close(self) -> None:
        self.faults.release_holds()  # no request handler is left waiting on a test that has gone
        if self.playback is not None:
            await self.playback.stop()
        self.hub.announce_shutdown(self.clock.now_ms())
        self.hub.close_all()

    def _step_100ms(self) -> None:
        self._ticks += 1
        if self.market is not None and self.simulate:
            self.market.step(self.clock.now_ms())
        self.feeds.flush_depth(100)
        if self._ticks % 10 == 0:
            self.feeds.flush_depth(1000)

    def _step_second(self) -> None:
        self.feeds.publish_second()
        self.users.expire_listen_keys()

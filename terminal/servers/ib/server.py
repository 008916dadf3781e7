"""``PaperServer``: the IB paper server on 127.0.0.1 — the TWS API socket protocol (server version 157) that the
unchanged ``ib_async`` client speaks — over the shared simulated market (US stocks, ES futures, SPX, EUR.USD), with
its own order book (brackets, OCA groups, stops and trailing stops) and paper account, on its own thread and loop
(``start()``/``stop()`` block).

Fault switches (thread-safe): ``drop_connections()``, ``connectivity_lost()`` (1100), ``connectivity_restored(
data_lost)`` (1101/1102), ``pacing_violation_next(n)`` (historical error 162), ``reject_next_order(reason)`` (201),
``hold_fills()``/``release_fills()`` (orders rest without filling), ``hold_requests()``/``release_requests()``
(requests wait unanswered), ``set_live_data(False)`` (no live subscription: 354, or 10167 and delayed data for
market data type 3), ``move_price(symbol, price)`` (the market jumps).
``request_log`` lists the message id of every request.
"""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from terminal.clock import LiveClock
from terminal.serving.runtime import Background, ThreadedServer

from . import account, contracts_api, handshake, history, marketdata, orders_api  # noqa: F401 - register handlers
from .connection import Connection
from .faults import Faults
from .ledger import Ledger
from .market import Market
from .orders import OrderBook

STEP_S = 0.1


class PaperServer(ThreadedServer):
    name = "IB paper server"
    thread_name = "ib-paper"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, always_open: bool = False, seed: int = 7,
                 clock: LiveClock | None = None) -> None:
        super().__init__(host, port, seed)
        #: wall time, or shifted by ``clock.offset_ms`` (tests and demos of market hours)
        self.clock = clock or LiveClock()
        self.market = Market(self.clock, seed=seed, always_open=always_open)
        eurusd = self.market.by_key["EUR.USD"]
        self.ledger = Ledger(self.market.mark, lambda: self.market.mark(eurusd))
        self.ledger.register(self.market.listed)
        self.orders = OrderBook(self)
        self.faults = Faults()
        self.connections: list[Connection] = []
        self.request_log: list[str] = []
        self.pacing: list[int] = []
        self.account_stream_ms = 0
        self.orders.fill_listeners.append(lambda fill: account.on_fill(self, fill))
        self._server: asyncio.base_events.Server | None = None

    # ------------------------------------------------------------------ what an adapter needs
    @property
    def account(self) -> str:
        return self.ledger.account

    @property
    def always_open(self) -> bool:
        return self.market.always_open

    def builtin_credentials(self) -> dict[str, str]:
        return {}

    def adapter_options(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port}

    # ------------------------------------------------------------------ account views (thread-safe)
    def positions(self) -> dict[str, Decimal]:
        """``{local symbol: quantity}`` of the non-zero positions."""
        return self.call(lambda: {p.item.local_symbol: p.qty for p in self.ledger.positions.values() if p.qty})

    def cash(self) -> Decimal:
        return self.call(self.ledger.total_cash)

    def net_liquidation(self) -> Decimal:
        return self.call(self.ledger.net_liquidation)

    # ------------------------------------------------------------------ faults
    def drop_connections(self) -> None:
        def drop() -> None:
            for conn in list(self.connections):
                conn.close()
        self.call(drop)

    def connectivity_lost(self) -> None:
        def lost() -> None:
            self.faults.farm_down = True
            self.broadcast_error(1100, "Connectivity between IB and Trader Workstation has been lost.")
        self.call(lost)

    def connectivity_restored(self, data_lost: bool = False) -> None:
        def restored() -> None:
            self.faults.farm_down = False
            if data_lost:
                for conn in self.connections:
                    conn.subs.mkt.clear()
                    conn.subs.depth.clear()
                    conn.subs.tbt.clear()
                    conn.subs.bars.clear()
                self.broadcast_error(1101, "Connectivity between IB and TWS has been restored- data lost.*")
            else:
                self.broadcast_error(1102, "Connectivity between IB and Trader Workstation has been restored - "
                                           "data maintained. All data farms are connected: usfarm; ushmds; secdefil.")
        self.call(restored)

    def pacing_violation_next(self, n: int = 1) -> None:
        self.call(lambda: setattr(self.faults, "pacing_next", n))

    def reject_next_order(self, reason: str = "Simulated rejection") -> None:
        self.call(lambda: self.faults.reject_reasons.append(reason))

    def hold_fills(self) -> None:
        self.call(lambda: setattr(self.faults, "hold_fills", True))

    def release_fills(self) -> None:
        self.call(lambda: setattr(self.faults, "hold_fills", False))

    def set_live_data(self, enabled: bool) -> None:
        self.call(lambda: setattr(self.faults, "live_data", enabled))

    def hold_requests(self) -> None:
        """Requests are received but not answered until ``release_requests()`` (then all, in order)."""
        self.call(lambda: setattr(self.faults, "hold_requests", True))

    def release_requests(self) -> None:
        self.call(lambda: setattr(self.faults, "hold_requests", False))

    def move_price(self, symbol: str, price: Decimal | str) -> None:
        """The market of ``symbol`` (a local symbol: ``AAPL``, ``ESZ6``, ``EUR.USD``) jumps to ``price``: the fair
        price, the maker's quotes around it, a print there; stops and trailing stops see it."""
        def move() -> None:
            item = self.market.by_key[symbol]
            self.market.move(item, Decimal(price))
            self.orders.on_price(item, Decimal(price))
            self.orders.work()
        self.call(move)

    def broadcast_error(self, code: int, message: str) -> None:
        for conn in self.connections:
            if conn.client_id is not None:
                conn.error(-1, code, message)

    # ------------------------------------------------------------------ clients
    def connected(self, conn: Connection) -> None:
        self.connections.append(conn)

    def disconnected(self, conn: Connection) -> None:
        if conn in self.connections:
            self.connections.remove(conn)

    def clients(self, client_id: int | None = None) -> list[Connection]:
        return [c for c in self.connections if c.client_id is not None
                and (client_id is None or c.client_id == client_id)]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(self, reader, writer)
        self.connected(conn)
        await conn.run()

    # ------------------------------------------------------------------ running
    def _after_call(self) -> None:
        self.flush()  # what a switch queued goes out at once

    async def _listen(self) -> None:
        self.market.bootstrap()
        self.orders.attach()
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        if self.port == 0:
            self.port = self._server.sockets[0].getsockname()[1]

    def _background(self) -> list[Background]:
        return [self._every(STEP_S, self.step)]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.close()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def step(self) -> None:
        now = self.clock.now_ms()
        self.market.step(now)
        trades = self.market.take_trades()
        self.orders.on_trades(trades)
        self.orders.work()
        marketdata.publish(self, trades, now)
        history.publish(self, now)
        account.publish(self, now)
        self.flush()

    def flush(self) -> None:
        """Write what each connection has queued (one write per connection)."""
        for conn in self.connections:
            conn.flush()

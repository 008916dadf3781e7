"""IbVenue: the ``Venue``, ``InstrumentSearch`` and ``NativeProtection`` ports on ib_async, on the caller's asyncio
loop (``IB.connectAsync``; never ib_async's blocking API, ``util.startLoop`` or nest_asyncio).

Connection: ``start()`` connects (managedAccounts, nextValidId, ib_async's own sync of positions, orders and
executions) and qualifies a default set of contracts. A refused connection is ``TemporaryError`` "cannot connect to
TWS/Gateway at HOST:PORT: is it running with the API enabled on port N?"; a client id in use (IB 326) is
``AuthError`` saying so. IB's connectivity notices drive ``ConnectionChanged`` for the streams "market" and "user":
1100 lost, 1101 restored with data lost (market data subscribed again), 1102 restored; farm notices (2104/2106/2158)
are kept in ``health()``. A dropped socket is reconnected with the shared backoff (``venues.socket.Backoff``); then
market data is subscribed again, every order and fill ib_async fetched is adopted, and the user stream's connect
listeners hear ``is_reconnect=True`` (the session reconciles).

A request made while the socket is down waits up to ``reconnect_wait_s`` for the reconnect and then goes once; after
that it is refused ("not connected to TWS/Gateway ... nothing was sent"). Orders, look-ups and fills: ``trading.py``;
market data: ``market.py``; the account (balances, positions, ``account_summary()``): ``account.py``.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from decimal import Decimal
from typing import Any, Callable

from ib_async import IB, Contract, Forex, Future, Index, Stock
from ib_async.wrapper import RequestError

from ...bus import Bus
from ...clock import Clock, LiveClock
from ...model import (Balance, Bar, ConnectionChanged, Fill, Holding, Instrument, Interval, LogRecorded, Order,
                      OrderBook, OrderRequest, QuoteTick, Ticker24h)
from ...tasks import TaskOwner
from ..ports import AuthError, Rejected, StreamHealth, TemporaryError, VenueError
from ..socket import Backoff
from . import contracts, errors, orders
from .account import IbAccount
from .info import DEFAULT_CLIENT_ID, HISTORY_IDENTICAL_S, HISTORY_REQUESTS, HISTORY_WINDOW_S, INFO, NAME
from .market import IbMarket
from .pacing import HistoryPacer
from .trading import IbTrading

log = logging.getLogger(__name__)

#: qualified at start: a handful of stocks, the E-mini S&P future (front month), EUR.USD and the S&P 500 index
DEFAULT_CONTRACTS: tuple[Contract, ...] = (
    Stock("AAPL", "SMART", "USD"), Stock("MSFT", "SMART", "USD"), Stock("NVDA", "SMART", "USD"),
    Stock("SPY", "SMART", "USD"), Stock("TSLA", "SMART", "USD"),
    Future("ES", exchange="CME", currency="USD"), Forex("EURUSD"), Index("SPX", "CBOE", "USD"),
)


class IbVenue:
    info = INFO

    def __init__(self, environment: str = "sandbox", *, bus: Bus | None = None, host: str = "127.0.0.1",
                 port: int = 7497, client_id: int = DEFAULT_CLIENT_ID, account: str = "", readonly: bool = False,
                 clock: Clock | None = None, connect_timeout_s: float = 4.0, ack_timeout_s: float = 10.0,
                 default_contracts: tuple[Contract, ...] | None = None, tick_by_tick: bool = True,
                 always_open: bool = False, reconnect_wait_s: float = 5.0) -> None:
        INFO.environment(environment)
        self.environment = environment
        self.bus = bus or Bus()
        self.clock: Clock = clock or LiveClock()
        self.host, self.port, self.client_id = host, int(port), int(client_id)
        self.account = account
        self.readonly = readonly
        self.connect_timeout_s = connect_timeout_s
        self.default_contracts = DEFAULT_CONTRACTS if default_contracts is None else default_contracts
        self.ib = IB()
        self.ib.RaiseRequestErrors = True
        self.ib.errorEvent += self._on_error
        self.ib.disconnectedEvent += self._on_disconnected
        self._instruments: dict[str, Instrument] = {}
        self._contracts: dict[str, Contract] = {}
        self.pacer = HistoryPacer(HISTORY_REQUESTS, HISTORY_WINDOW_S, HISTORY_IDENTICAL_S)
        self.market = IbMarket(self.ib, self._publish, self.contract, self.now_ms, self.pacer,
                               tick_by_tick=tick_by_tick)
        self.trading = IbTrading(self.ib, self._publish, self.contract, self.now_ms, self._can_send,
                                 self._wait_up, account=account, ack_timeout_s=ack_timeout_s,
                                 reconnect_wait_s=reconnect_wait_s)
        self._up_event = asyncio.Event()
        self.tasks = TaskOwner("ib")
        self.backoff = Backoff(0.5, 30.0)
        self._connect_listeners: list[Callable[[bool], None]] = []
        self._closed = False
        self._up = False  # the API socket is up
        self._ib_link = True  # TWS's own connection to IB (1100 -> False, 1101/1102 -> True)
        self._connect_error: tuple[int, str] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self.reconnects = 0
        self.farms: dict[str, str] = {}
        self.acct = IbAccount(self.ib, self._publish, self.now_ms, self._can_send, connect_timeout_s * 2)

    # ------------------------------------------------------------------ lifecycle
    def _publish(self, event: object) -> None:
        self.bus.publish(event)

    def _can_send(self) -> bool:
        return self._up and self.ib.isConnected()

    @property
    def connected(self) -> bool:
        return self._can_send() and self._ib_link

    async def _connect(self) -> None:
        self._connect_error = None
        try:
            await self.ib.connectAsync(self.host, self.port, self.client_id, timeout=self.connect_timeout_s,
                                       readonly=self.readonly, account=self.account)
        except (ConnectionRefusedError, OSError) as exc:
            if self._connect_error is not None and self._connect_error[0] == errors.CLIENT_ID_IN_USE:
                raise AuthError(errors.client_id_in_use(self.client_id), errors.CLIENT_ID_IN_USE) from None
            raise TemporaryError(errors.cannot_connect(self.host, self.port), errors.CANNOT_CONNECT) from exc
        except (asyncio.TimeoutError, ConnectionError) as exc:
            if self._connect_error is not None and self._connect_error[0] == errors.CLIENT_ID_IN_USE:
                raise AuthError(errors.client_id_in_use(self.client_id), errors.CLIENT_ID_IN_USE) from None
            raise TemporaryError(f"{errors.cannot_connect(self.host, self.port)} (no API handshake: {exc!r})",
                                 errors.CANNOT_CONNECT) from exc
        self._up = True
        self._ib_link = True
        self.backoff.connected()
        accounts = self.ib.managedAccounts()
        if not self.account and accounts:
            self.account = accounts[0]
        self.trading.account = self.acct.account = self.account
        if self.account and not self.readonly:
            try:
                self.acct.pnl = self.ib.reqPnL(self.account)
            except AssertionError:  # ib_async: already subscribed
                self.acct.pnl = None

    async def start(self) -> None:
        await self._connect()
        for stream in ("market",):
            self._publish(ConnectionChanged(stream, True, f"connected to {self.host}:{self.port}",
                                            ts_recv=self.now_ms()))
        await self._qualify_defaults()
        self.trading.sweep()
        self._up_event.set()

    async def _qualify_defaults(self) -> None:
        for contract in self.default_contracts:
            try:
                await self._qualify(contract)
            except VenueError as exc:
                log.info("IB: default contract %s not qualified: %s", contract.symbol, exc)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.acct.closed = True
        await self.tasks.close()
        self.trading.close()
        self._up = False
        self.ib.disconnect()

    # ------------------------------------------------------------------ connection events
    def _streams(self) -> tuple[str, ...]:
        return ("market", "user") if self.trading.user_stream else ("market",)

    def _on_error(self, req_id: int, code: int, message: str, contract: Any) -> None:
        now = self.now_ms()
        if not self._up:
            self._connect_error = (code, message)
        if code == errors.LOST:
            self._ib_link = False
            for s in self._streams():
                self._publish(ConnectionChanged(s, False, f"TWS lost its connection to IB (1100): {message}",
                                                self.reconnects, now))
        elif code in (errors.RESTORED, errors.RESTORED_DATA_LOST):
            self._ib_link = True
            lost = code == errors.RESTORED_DATA_LOST
            for s in self._streams():
                self._publish(ConnectionChanged(s, True, "IB connection restored" +
                                                (", market data subscribed again" if lost else ""),
                                                self.reconnects, now))
            if lost:
                self.tasks.spawn(self.market.resubscribe(), name="ib-resubscribe")
            self.tasks.spawn(self._after_restore(), name="ib-restore")
        elif code in errors.FARM_OK or code in errors.FARM_INACTIVE:
            farm = message.split(":")[-1].strip() or str(code)
            self.farms[farm] = "ok" if code in errors.FARM_OK else "inactive"
        elif code == errors.HISTORICAL and errors.is_pacing(message):
            self.pacer.penalise(errors.PACING_RETRY_S)
        elif req_id != -1:
            self._on_market_data_error(code, message, contract)

    def _on_market_data_error(self, code: int, message: str, contract: Any) -> None:
        """An error about a watched symbol's market data: no live subscription -> delayed data (once); anything
        else it cannot get (delayed data not enabled, a competing live session, an unknown contract) is kept in
        ``health()['market'].extra['problems']`` and said on the bus (LogRecorded)."""
        symbol = self.market.symbol_of_contract(contract)
        if symbol is None:
            return
        if code == 10167:  # a warning: delayed data follows
            self.market.delayed.add(symbol)
        elif code in errors.NOT_SUBSCRIBED and code != 10168 and symbol not in self.market.delayed:
            self.tasks.spawn(self.market.fall_back_to_delayed(symbol), name="ib-delayed")
        elif code in errors.NOT_SUBSCRIBED or code == errors.COMPETING_SESSION:
            text = f"{symbol}: {errors.outcome(code, message).message}"
            self.market.problems[symbol] = text
            self._publish(LogRecorded("WARNING", "ib", text, ts_recv=self.now_ms()))

    async def _after_restore(self) -> None:
        """TWS is back in touch with IB: ask for the orders and fills again and let the session reconcile."""
        if not self._can_send():
            return
        try:
            await self.ib.reqOpenOrdersAsync()
            await self.ib.reqExecutionsAsync()
        except (RequestError, ConnectionError, asyncio.TimeoutError) as exc:
            log.info("IB: refresh after restore failed: %r", exc)
            return
        self.trading.sweep()
        self._notify(True)

    def _notify(self, is_reconnect: bool) -> None:
        for fn in list(self._connect_listeners):
            try:
                fn(is_reconnect)
            except Exception:  # noqa: BLE001 - one listener must not stop the others
                log.exception("IB connect listener %r failed", fn)

    def _on_disconnected(self) -> None:
        if self._closed or not self._up:
            return
        self._up = False
        self._up_event.clear()
        self.backoff.disconnected()
        now = self.now_ms()
        for s in self._streams():
            self._publish(ConnectionChanged(s, False, f"connection to TWS/Gateway at {self.host}:{self.port} lost; "
                                            "reconnecting", self.reconnects, now))
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = self.tasks.spawn(self._reconnect(), name="ib-reconnect")

    async def _reconnect(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.backoff.next_delay())
            try:
                await self._connect()
            except VenueError as exc:
                log.info("IB reconnect failed: %s", exc.message)
                continue
            self.reconnects += 1
            now = self.now_ms()
            for s in self._streams():
                self._publish(ConnectionChanged(s, True, "reconnected", self.reconnects, now))
            await self.market.resubscribe()
            self.trading.sweep()
            self._up_event.set()
            self._notify(True)
            return

    async def _wait_up(self, timeout_s: float) -> bool:
        """True once the connection is back (reconnected and reconciled) within ``timeout_s``."""
        if self._closed or timeout_s <= 0:
            return self._can_send()
        try:
            await asyncio.wait_for(self._up_event.wait(), timeout_s)
        except asyncio.TimeoutError:
            return False
        return self._can_send()

    def drop_connection(self) -> None:
        """Test/demo switch: close the API socket as a network failure would (the venue reconnects by itself)."""
        self.ib.client.conn.disconnect()

    # ------------------------------------------------------------------ instruments
    async def _qualify(self, contract: Contract) -> list[Instrument]:
        self._require_up("contract look-up")
        try:
            details = await asyncio.wait_for(self.ib.reqContractDetailsAsync(contract), self.connect_timeout_s * 3)
        except RequestError as exc:
            raise errors.outcome(exc.code, exc.message, what=contract.symbol or contract.localSymbol) from None
        except asyncio.TimeoutError:
            raise TemporaryError(f"{contract.symbol}: no contract details from IB in time") from None
        found = []
        details = contracts.unique(details)
        if contract.secType == "FUT" and not contract.lastTradeDateOrContractMonth and details:
            details = sorted(details, key=lambda d: d.contract.lastTradeDateOrContractMonth if d.contract else "")[:1]  # front month
        for d in details:
            inst = contracts.instrument(d, NAME)
            if inst is None:
                continue
            key = inst.symbol
            self._instruments[key] = inst
            qualified: Contract = d.contract or contract
            if contract.exchange == "SMART" and contract.secType == "STK":
                qualified = Contract(**{**qualified.__dict__, "exchange": "SMART"})
            self._contracts[key] = qualified
            found.append(inst)
        return found

    def _require_up(self, what: str) -> None:
        if not self._can_send():
            raise TemporaryError(f"{what}: not connected to TWS/Gateway at {self.host}:{self.port}")

    async def contract(self, symbol: str) -> Contract:
        contract = self._contracts.get(symbol)
        if contract is None:
            raise Rejected(f"unknown symbol {symbol!r} at IB: search for it first (listed: "
                           f"{', '.join(sorted(self._contracts)) or 'none'})")
        return contract

    async def instruments(self, refresh: bool = False) -> dict[str, Instrument]:
        if refresh:
            for contract in list(self._contracts.values()):
                await self._qualify(contract)
        return dict(self._instruments)

    async def search(self, text: str) -> list[Instrument]:
        """Contracts matching ``text`` (reqMatchingSymbols, then the details of each STK/FUT/CASH/IND match),
        qualified and kept; an exact local symbol or ``EUR.USD`` is looked up directly."""
        text = text.strip()
        if not text:
            return []
        self._require_up("search")
        out: list[Instrument] = []
        if "." in text and len(text) == 7:
            out += await self._qualify(Forex(text.replace(".", "")))
        try:
            matches = await asyncio.wait_for(self.ib.reqMatchingSymbolsAsync(text), 6.0) or []
        except (RequestError, asyncio.TimeoutError) as exc:
            log.info("IB: symbol search %r failed: %r", text, exc)
            matches = []
        for desc in matches[:8]:
            c = desc.contract
            if c is None:
                continue
            wanted: list[Contract] = []
            if c.secType in ("STK", "IND", "CASH"):
                wanted.append(Contract(conId=c.conId))
            if "FUT" in (desc.derivativeSecTypes or []) or c.secType == "FUT":
                wanted.append(Future(c.symbol, currency=c.currency))
            for contract in wanted:
                try:
                    out += await self._qualify(contract)
                except Rejected:
                    continue
        seen: set[str] = set()
        return [i for i in out if not (i.symbol in seen or seen.add(i.symbol))]  # type: ignore[func-returns-value]

    # ------------------------------------------------------------------ market data
    def _instrument(self, symbol: str) -> None:
        if symbol not in self._instruments:
            raise Rejected(f"unknown symbol {symbol!r} at IB: search for it first")

    async def ticker(self, symbol: str) -> Ticker24h:
        self._instrument(symbol)
        self._require_up(symbol)
        return await self.market.ticker(symbol)

    async def quote(self, symbol: str) -> QuoteTick:
        self._instrument(symbol)
        self._require_up(symbol)
        return await self.market.quote(symbol)

    async def depth(self, symbol: str, limit: int = 100) -> tuple[int, list[tuple[Decimal, Decimal]],
                                                                   list[tuple[Decimal, Decimal]]]:
        self._instrument(symbol)
        self._require_up(symbol)
        return await self.market.depth(symbol, limit)

    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000) -> list[Bar]:
        self._instrument(symbol)
        self._require_up(f"{symbol} history")
        limit = max(1, min(int(limit), INFO.capabilities.history_limit))
        try:
            return await self.market.klines(symbol, interval, start_ms, end_ms, limit)
        except RequestError as exc:
            if exc.code == errors.HISTORICAL and errors.is_no_data(exc.message):
                return []  # "HMDS query returned no data"
            raise errors.outcome(exc.code, exc.message, what=f"{symbol} history") from None

    async def watch_quotes(self, symbol: str) -> None:
        self._instrument(symbol)
        await self.market.watch_quotes(symbol)

    async def unwatch_quotes(self, symbol: str) -> None:
        await self.market.unwatch_quotes(symbol)

    async def watch_book(self, symbol: str, wait_synced_s: float | None = None) -> OrderBook:
        self._instrument(symbol)
        return await self.market.watch_book(symbol)

    async def unwatch_book(self, symbol: str) -> None:
        await self.market.unwatch_book(symbol)

    async def watch_bars(self, symbol: str, interval: Interval) -> None:
        self._instrument(symbol)
        try:
            await self.market.watch_bars(symbol, interval)
        except RequestError as exc:
            raise errors.outcome(exc.code, exc.message, what=f"{symbol} bars") from None

    async def unwatch_bars(self, symbol: str, interval: Interval) -> None:
        await self.market.unwatch_bars(symbol, interval)

    def is_delayed(self, symbol: str) -> bool:
        """True when ``symbol``'s quotes are IB's delayed data (no live subscription): the UI shows "delayed"."""
        return symbol in self.market.delayed

    def health(self) -> dict[str, StreamHealth]:
        market = self.market.health()
        market.reconnects = self.reconnects
        market.extra.update({"connected": self.connected, "socket": self._can_send(), "ib_link": self._ib_link,
                             "farms": dict(self.farms), "address": f"{self.host}:{self.port}",
                             "client_id": self.client_id, "account": self.account})
        return {"market": market}

    # ------------------------------------------------------------------ execution
    def now_ms(self) -> int:
        return self.clock.now_ms()

    def settle_ms(self) -> int:
        return self.trading.settle_ms

    def _tradable(self, symbol: str) -> None:
        self._instrument(symbol)
        if self.readonly:
            raise Rejected("connected read-only: orders are disabled (connect without readonly to trade)")

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        self._tradable(request.symbol)
        return await self.trading.submit(request)

    async def test_order(self, request: OrderRequest) -> None:
        self._tradable(request.symbol)
        orders.build(request)  # the request maps onto an IB order (IB has no test endpoint besides whatIf)

    async def submit_bracket(self, entry: OrderRequest, take_profit: OrderRequest | None,
                             stop_loss: OrderRequest | None) -> list[Order]:
        self._tradable(entry.symbol)
        children = [c for c in (take_profit, stop_loss) if c is not None]
        legs = [(entry, -1, not children, None)]
        legs += [(c, 0, i == len(children) - 1, None) for i, c in enumerate(children)]
        return await self.trading.submit_group(legs)

    async def submit_oco(self, first: OrderRequest, second: OrderRequest) -> list[Order]:
        self._tradable(first.symbol)
        group = first.options.oca_group or second.options.oca_group or f"oca-{first.client_order_id}"
        legs = [(dataclasses.replace(r, options=dataclasses.replace(r.options, oca_group=group)), -1, True, group)
                for r in (first, second)]
        return await self.trading.submit_group(legs)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        return await self.trading.cancel(symbol, client_order_id)

    async def cancel_all(self, symbol: str) -> list[Order]:
        return await self.trading.cancel_all(symbol)

    async def cancel_everything(self) -> list[Order]:
        """IB's global cancel: every working order of the account, all symbols and clients."""
        return await self.trading.cancel_all(None)

    async def replace_order(self, symbol: str, client_order_id: str, quantity: Decimal | None = None,
                            price: Decimal | None = None) -> Order:
        return await self.trading.replace(symbol, client_order_id, quantity, price)

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        return await self.trading.query(symbol, client_order_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return await self.trading.open_orders(symbol)

    async def order_history(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Order]:
        return self.trading.history(symbol, start_ms, limit)

    async def fills(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        return self.trading.fills(symbol, start_ms, limit)

    # ------------------------------------------------------------------ account (see account.py)
    async def balances(self) -> list[Balance]:
        """Cash per currency and the contracts held (``AAPL: 10``), asked afresh while connected."""
        return await self.acct.balances()

    async def account_summary(self) -> dict[str, Any]:
        """Net liquidation, cash, buying power, margins, available funds (Decimals in ``currency``) and the P&L
        of the day (``DailyPnL``, ``UnrealizedPnL``, ``RealizedPnL``), for the balances area."""
        return self.acct.summary()

    async def positions(self) -> list[Holding]:
        """IB's positions (average price per unit: avgCost / multiplier), asked afresh while connected."""
        return await self.acct.positions()

    async def start_user_stream(self, on_connect: Callable[[bool], None] | None = None) -> None:
        if not self.trading.user_stream:
            self.trading.user_stream = self.acct.streaming = True
            self._publish(ConnectionChanged("user", True, "connected", ts_recv=self.now_ms()))
        if on_connect is not None:
            self._connect_listeners.append(on_connect)
            on_connect(False)

    def __repr__(self) -> str:
        return f"IbVenue({self.environment}, {self.host}:{self.port}, client_id={self.client_id})"


def create(environment: str = "sandbox", *, bus: Bus | None = None, **options: Any) -> IbVenue:
    """The registry's factory: an un-started IbVenue. ``paper``/``live`` default to ports 7497/7496."""
    INFO.environment(environment)  # ValueError naming the known ones
    if "port" not in options and environment in ("paper", "live"):
        options["port"] = INFO.extra["default_ports"][environment]
    options.pop("credentials", None)  # TWS/Gateway holds the login: the registry's (empty) credentials are unused
    return IbVenue(environment, bus=bus, **options)


__all__ = ["IbVenue", "create", "DEFAULT_CONTRACTS"]

"""PaperVenue: the ``Venue`` port over the paper exchange (US equities, no network, no credentials).

Market data comes from the exchange's books and kline stores; subscriptions publish model events on ``bus``
(see ``feeds``). Orders go straight to the matching engine under one account funded with cash; they are refused with
``Rejected`` outside the regular session ("market closed, opens Mon 09:30 ET") unless the request is a LIMIT order
flagged ``extended_hours`` during pre-market or after-hours; ``always_open`` lifts the hours (tests, demos).
Engine refusals become the ports' outcomes (``convert.outcome``); an order the instrument's filters refuse is rejected
with the instrument's own message. Nothing is ever in doubt in-process: ``settle_ms`` is 0 and no call raises
``MayHaveLanded``.

``drop_connection()`` is the fault switch that stands for a network failure (the sandbox's ``drop_websockets``): the
streams go down, their events are lost until they come back at the next market step, and the user stream's connect
listeners then hear ``is_reconnect=True`` (a session reconciles what it missed).
"""
from __future__ import annotations

import dataclasses
import logging
import time
from decimal import Decimal
from typing import Any, Callable, Iterable, TypeVar

from ...bus import Bus
from ...clock import Clock, LiveClock
from ...model import (Balance, BalancesUpdated, Bar, ConnectionChanged, Fill, Holding, Instrument, Interval, Order,
                      OrderBook, OrderRequest, OrderType, OrderUpdated, OrderValidationError, QuoteTick, Ticker24h)
from ...model.hours import EXTENDED, Phase
from ...model.numbers import ZERO
from ...sim.equities import EQUITY_SYMBOLS
from ...sim.reports import EngineReject, Execution, ExecType
from ...sim.symbols import SymbolSpec
from ..ports import Rejected, StreamHealth
from . import convert
from .exchange import ACCOUNT, STEP_MS, PaperExchange
from .feeds import PaperFeeds
from .info import INFO, NAME

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_DEPTH = 5000
HISTORY_ALL = 1_000_000  # "every trade the engine still keeps" for average prices


class PaperVenue:
    """The paper adapter. ``await start()`` before use and ``await close()`` after."""

    info = INFO

    def __init__(self, environment: str = "paper", *, bus: Bus | None = None, clock: Clock | None = None,
                 always_open: bool = False, cash: Decimal | str = "100000", seed: int = 7,
                 specs: Iterable[SymbolSpec] = EQUITY_SYMBOLS, history_days: int = 28, step_ms: int = STEP_MS,
                 book_top_n: int = 20) -> None:
        INFO.environment(environment)  # ValueError naming the known ones
        self.environment = environment
        self.bus = bus or Bus()
        self.clock: Clock = clock or LiveClock()
        self.exchange = PaperExchange(self.clock, specs, seed=seed, cash=Decimal(cash), history_days=history_days,
                                      always_open=always_open, step_ms=step_ms)
        self.feeds = PaperFeeds(self.exchange, self._publish, self.clock, book_top_n=book_top_n)
        self._instruments = {s: dataclasses.replace(i, venue=NAME) for s, i in self.exchange.instruments.items()}
        self._user_stream = False
        self._connect_listeners: list[Callable[[bool], None]] = []
        self._last_publish_mono = 0.0
        self._closed = False
        self._connected = True  # False between drop_connection() and the next market step
        self.reconnects = 0
        self.lost_events = 0  # published while the connection was down

    @property
    def always_open(self) -> bool:
        return self.exchange.always_open

    @always_open.setter
    def always_open(self, value: bool) -> None:
        self.exchange.always_open = bool(value)

    def _publish(self, event: object) -> None:
        if not self._connected:
            self.lost_events += 1
            return
        self._last_publish_mono = time.monotonic()
        self.bus.publish(event)

    # ------------------------------------------------------------------ fault switch (tests, demos)
    @property
    def connected(self) -> bool:
        return self._connected and not self._closed

    def drop_connection(self) -> None:
        """As if the network dropped: ConnectionChanged(False, "dropped") for the market stream and, once started,
        the user stream; every event until the next market step is lost. Then both come back (ConnectionChanged
        "reconnected"), watched quotes, books and bars are published afresh, and the user stream's connect listeners
        run with ``is_reconnect=True``. Requests (orders, look-ups, history) keep working meanwhile, as REST does
        while a websocket is down."""
        if not self._connected or self._closed:
            return
        now = self.now_ms()
        for stream in self._streams():
            self.bus.publish(ConnectionChanged(stream, False, "dropped", self.reconnects, now))
        self._connected = False
        self.exchange.step_listeners.append(self._reconnect)

    def _streams(self) -> tuple[str, ...]:
        return ("market", "user") if self._user_stream else ("market",)

    def _reconnect(self, now_ms: int) -> None:
        self.exchange.step_listeners.remove(self._reconnect)
        if self._closed:
            return
        self._connected = True
        self.reconnects += 1
        for stream in self._streams():
            self._publish(ConnectionChanged(stream, True, "reconnected", self.reconnects, now_ms))
        self.feeds.resync()
        for fn in list(self._connect_listeners):
            try:
                fn(True)
            except Exception:  # noqa: BLE001 - one listener must not stop the others
                log.exception("paper connect listener %r failed", fn)

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self.exchange.start()
        self._publish(ConnectionChanged("market", True, "connected", ts_recv=self.now_ms()))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.feeds.close()
        engine = self.exchange.engine
        if self._on_execution in engine.execution_listeners:
            engine.execution_listeners.remove(self._on_execution)
        if self._on_balance in engine.balance_listeners:
            engine.balance_listeners.remove(self._on_balance)
        await self.exchange.close()

    # ------------------------------------------------------------------ reference and market data
    async def instruments(self, refresh: bool = False) -> dict[str, Instrument]:
        return dict(self._instruments)

    def _instrument(self, symbol: str) -> Instrument:
        inst = self._instruments.get(symbol)
        if inst is None:
            raise Rejected(f"unknown symbol {symbol!r} (listed: {', '.join(sorted(self._instruments))})")
        return inst

    async def ticker(self, symbol: str) -> Ticker24h:
        self._instrument(symbol)
        now = self.now_ms()
        return convert.ticker(self.exchange.market.klines(symbol).ticker_24h(now), now)

    async def quote(self, symbol: str) -> QuoteTick:
        self._instrument(symbol)
        return convert.quote(symbol, self.exchange.engine.best(symbol), self.now_ms())

    async def depth(self, symbol: str, limit: int = 100) -> tuple[int, list[tuple[Decimal, Decimal]],
                                                                   list[tuple[Decimal, Decimal]]]:
        self._instrument(symbol)
        return self.exchange.engine.depth(symbol, max(1, min(int(limit), MAX_DEPTH)))

    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000) -> list[Bar]:
        """Bars oldest first, at most ``Capabilities.history_limit`` per call; page on with ``start_ms``."""
        self._instrument(symbol)
        limit = max(1, min(int(limit), INFO.capabilities.history_limit))
        rows = self.exchange.market.klines(symbol).klines(interval, start_ms, end_ms, limit)
        now = self.now_ms()
        return [convert.bar(symbol, interval, row, now) for row in rows]

    async def watch_quotes(self, symbol: str) -> None:
        self._instrument(symbol)
        self.feeds.watch_quotes(symbol)

    async def unwatch_quotes(self, symbol: str) -> None:
        self.feeds.unwatch_quotes(symbol)

    async def watch_book(self, symbol: str, wait_synced_s: float | None = None) -> OrderBook:
        self._instrument(symbol)
        return self.feeds.watch_book(symbol)  # a snapshot of the engine's book: synced at once

    async def unwatch_book(self, symbol: str) -> None:
        self.feeds.unwatch_book(symbol)

    async def watch_bars(self, symbol: str, interval: Interval) -> None:
        self._instrument(symbol)
        self.feeds.watch_bars(symbol, interval)

    async def unwatch_bars(self, symbol: str, interval: Interval) -> None:
        self.feeds.unwatch_bars(symbol, interval)

    def health(self) -> dict[str, StreamHealth]:
        now = self.now_ms()
        extra = {"connected": self.connected, "trading": self.exchange.is_trading(now),
                 "always_open": self.always_open, "steps": self.exchange.steps, **self.feeds.watching()}
        return {"market": StreamHealth("market", self.feeds.published, self._last_publish_mono, self.reconnects,
                                       extra=extra)}

    # ------------------------------------------------------------------ execution
    def now_ms(self) -> int:
        return self.clock.now_ms()

    def settle_ms(self) -> int:
        return 0  # in-process: a call that returned did all it will ever do

    def _check_hours(self, inst: Instrument, request: OrderRequest) -> None:
        """Rejected outside the regular session, unless a LIMIT order flagged for extended hours is sent in
        pre-market or after-hours."""
        hours = inst.hours
        if hours is None or self.always_open:
            return
        now = self.now_ms()
        phase = hours.phase_at(now)
        if phase is Phase.REGULAR:
            return
        if not request.extended_hours:
            raise Rejected(hours.closed_phrase(now))
        if request.type is not OrderType.LIMIT:
            raise Rejected(f"only LIMIT orders trade outside the regular session, not {request.type.name}")
        if phase is None:
            nxt = hours.next_open(now, EXTENDED)
            raise Rejected("market closed" + ("" if nxt is None else f", opens {hours.when(nxt, now)}"))

    def _validate(self, inst: Instrument, request: OrderRequest) -> None:
        try:
            inst.validate_order(request.side, request.type, request.quantity, request.price, request.stop_price,
                                request.quote_quantity, reference_price=self.exchange.engine.last_price(inst.symbol))
        except OrderValidationError as exc:
            raise Rejected(exc.message) from None

    def _engine(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except EngineReject as exc:
            raise convert.outcome(exc) from None

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        inst = self._instrument(request.symbol)
        self._check_hours(inst, request)
        self._validate(inst, request)
        result = self._engine(
            self.exchange.engine.place, ACCOUNT, request.symbol, request.side, request.type,
            quantity=request.quantity, quote_quantity=request.quote_quantity, price=request.price,
            stop_price=request.stop_price, time_in_force=request.time_in_force,
            client_order_id=request.client_order_id)
        self.feeds.refresh()
        return convert.order(result.order), [convert.fill(e) for e in result.fills]

    async def test_order(self, request: OrderRequest) -> None:
        inst = self._instrument(request.symbol)
        self._check_hours(inst, request)
        self._validate(inst, request)
        self._engine(self.exchange.engine.place, ACCOUNT, request.symbol, request.side, request.type,
                     quantity=request.quantity, quote_quantity=request.quote_quantity, price=request.price,
                     stop_price=request.stop_price, time_in_force=request.time_in_force,
                     client_order_id=request.client_order_id, test=True)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        self._instrument(symbol)
        view = self._engine(self.exchange.engine.cancel, ACCOUNT, symbol, client_order_id=client_order_id)
        self.feeds.refresh()
        return convert.order(view)

    async def cancel_all(self, symbol: str) -> list[Order]:
        self._instrument(symbol)
        views = self._engine(self.exchange.engine.cancel_all, ACCOUNT, symbol)
        self.feeds.refresh()
        return [convert.order(v) for v in views]

    async def replace_order(self, symbol: str, client_order_id: str, quantity: Decimal | None = None,
                            price: Decimal | None = None) -> Order:
        raise Rejected("the paper venue has no native replace: cancel the order and place a new one")

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        self._instrument(symbol)
        return convert.order(self._engine(self.exchange.engine.get_order, ACCOUNT, symbol,
                                          client_order_id=client_order_id))

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        if symbol is not None:
            self._instrument(symbol)
        return [convert.order(v) for v in self._engine(self.exchange.engine.open_orders, ACCOUNT, symbol)]

    async def order_history(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Order]:
        self._instrument(symbol)
        views = self._engine(self.exchange.engine.all_orders, ACCOUNT, symbol, start_ms=start_ms, limit=limit)
        return [convert.order(v) for v in views]

    async def fills(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        """The account's fills on ``symbol``, oldest first (the most recent ``limit`` without ``start_ms``)."""
        self._instrument(symbol)
        engine = self.exchange.engine
        trades = self._engine(engine.account_trades, ACCOUNT, symbol, start_ms=start_ms, limit=limit)
        cids: dict[int, str] = {}
        out = []
        for t in trades:
            if t.order_id not in cids:
                try:
                    cids[t.order_id] = engine.get_order(ACCOUNT, symbol, order_id=t.order_id).client_order_id
                except EngineReject:  # the order fell out of the engine's bounded history
                    cids[t.order_id] = ""
            out.append(convert.account_fill(t, cids[t.order_id]))
        return out

    async def balances(self) -> list[Balance]:
        return convert.balances(self.exchange.engine.balances(ACCOUNT))

    async def positions(self) -> list[Holding]:
        """Shares held (free and locked by open sells), at their average cost from the account's trades."""
        engine = self.exchange.engine
        held = engine.balances(ACCOUNT)
        out = []
        for symbol, inst in sorted(self._instruments.items()):
            free, locked = held.get(inst.base_asset, (ZERO, ZERO))
            qty = free + locked
            if not qty:
                continue
            trades = engine.account_trades(ACCOUNT, symbol, limit=HISTORY_ALL)
            out.append(Holding(symbol, qty, _average_cost(trades), inst.currency, NAME))
        return out

    async def start_user_stream(self, on_connect: Callable[[bool], None] | None = None) -> None:
        """OrderUpdated, Fill and BalancesUpdated of the account on ``bus`` from now on (idempotent)."""
        if not self._user_stream:
            self._user_stream = True
            self.exchange.engine.execution_listeners.append(self._on_execution)
            self.exchange.engine.balance_listeners.append(self._on_balance)
            self._publish(ConnectionChanged("user", True, "connected", ts_recv=self.now_ms()))
        if on_connect is not None:
            self._connect_listeners.append(on_connect)
            on_connect(False)

    def _on_execution(self, execution: Execution) -> None:
        if execution.account_id != ACCOUNT:
            return
        now = self.now_ms()
        if execution.exec_type is ExecType.TRADE:
            self._publish(convert.fill(execution))
        self._publish(OrderUpdated(convert.order(execution.order), ts_event=execution.time, ts_recv=now))

    def _on_balance(self, account_id: str, snapshot: dict[str, tuple[Decimal, Decimal]]) -> None:
        if account_id == ACCOUNT:
            self._publish(BalancesUpdated(tuple(convert.balances(snapshot)), ts_recv=self.now_ms()))

    def __repr__(self) -> str:
        return f"PaperVenue({self.environment}, always_open={self.always_open})"


def _average_cost(trades: Iterable[Any]) -> Decimal | None:
    """Average cost of the shares still held (average-cost method: sells do not change it)."""
    qty = cost = ZERO
    for t in trades:
        if t.is_buyer:
            qty, cost = qty + t.qty, cost + t.price * t.qty
        elif qty:
            sold = min(t.qty, qty)
            cost -= cost / qty * sold
            qty -= sold
    return cost / qty if qty else None


def create(environment: str = "paper", *, bus: Bus | None = None, **options: Any) -> PaperVenue:
    """The registry's factory: an un-started PaperVenue (options: clock, always_open, cash, seed, specs, ...)."""
    return PaperVenue(environment, bus=bus, **options)


__all__ = ["PaperVenue", "create"]

"""Drive a Strategy live from the bus: Bar, Fill and OrderUpdated events in; orders out through an async port.

* Events for the runner's symbol are queued and handed to the strategy one at a time, in order, on a worker
  thread of the runner's own: the event loop (the GUI's loop) never runs strategy code, so a slow callback
  cannot freeze the terminal.
* Each callback has a time budget (``budget_s``). A callback that raises, or overruns its budget, stops this
  strategy alone: the runner unsubscribes, its state becomes FAILED, ``error`` says what happened and a
  ``LogRecorded`` event reports it on the bus. (A callback that overran keeps its thread; the runner abandons it.)
* Orders: ``ctx.buy()`` etc. register the order locally, then the runner awaits ``place_order(request)`` on the
  loop. "All in" market orders are sized from the strategy's cash (a buy spends it as a quote quantity: the venue
  sizes it to its lot step at its fill price) or its position (a sell sells it, floored to ``lot_step``: a fee
  taken in the base asset leaves the position off the step, and the venue refuses a quantity off its step; so does
  ``ctx.close_position()``). ``lot_step`` is the instrument's LOT_SIZE step (fractional for crypto, e.g. 0.00001).
  A failed placement comes back to the strategy as a REJECTED order.
* Risk: a ``StrategyLimitHit`` from the order port, or a ``StrategyLimitReached`` on the bus naming this strategy
  (``risk.engine``: its loss, capital or order rate went past its own limit), stops this strategy alone: its state
  becomes FAILED, ``error`` and ``limit_hit`` say which limit. Given an ``audit`` sink, start, stop and failure are
  recorded in the audit trail.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import enum
import logging
import time
from decimal import Decimal
from typing import Any, Awaitable, Callable

import pandas as pd

from ..bus import Bus
from ..model import Bar, Fill, Interval, LogRecorded, Order, OrderRequest, OrderStatus, OrderType, OrderUpdated, Side
from ..risk.errors import StrategyLimitHit
from ..risk.events import StrategyLimitReached
from ..storage.audit import AuditSink
from .base import Strategy
from .context import Context
from .series import BarSeries

log = logging.getLogger(__name__)

PlaceOrder = Callable[[OrderRequest], Awaitable[Order]]
CancelOrder = Callable[[str, str], Awaitable[Any]]


class RunnerState(enum.Enum):
    IDLE = "idle"
    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"


class _LivePort:
    """The Context's OrderPort under the runner: schedules the async calls on the runner's loop."""

    def __init__(self, runner: "StrategyRunner") -> None:
        self._r = runner

    def submit(self, request: OrderRequest) -> None:
        ctx = self._r.ctx
        if request.type is OrderType.MARKET and request.quantity is None and request.quote_quantity is None:
            if request.side is Side.BUY:
                request = dataclasses.replace(request, quote_quantity=ctx.cash)
            elif ctx.position > 0:
                qty = ctx.tradable(ctx.position)
                if qty <= 0:
                    raise ValueError(f"an all-in sell needs at least one lot ({ctx.lot_step}); the position is "
                                     f"{ctx.position}")
                request = dataclasses.replace(request, quantity=qty)
            else:
                raise ValueError("an all-in sell needs a long position (spot accounts cannot short)")
        self._r._schedule(self._r._place(request))

    def cancel(self, symbol: str, client_order_id: str) -> None:
        if self._r._cancel_order is None:
            raise RuntimeError("this runner has no cancel port")
        self._r._schedule(self._r._cancel(symbol, client_order_id))


class StrategyRunner:
    def __init__(self, strategy: Strategy, bus: Bus, place_order: PlaceOrder, *, symbol: str,
                 cash: Decimal, interval: Interval | None = None, cancel_order: CancelOrder | None = None,
                 base_asset: str = "", budget_s: float = 1.0, history: pd.DataFrame | None = None,
                 lot_step: Decimal | None = None, audit: AuditSink | None = None) -> None:
        self.strategy = strategy
        self.name = strategy.name or type(strategy).__name__
        self.symbol = symbol
        self.interval = interval
        self.budget_s = budget_s
        self.state = RunnerState.IDLE
        self.error: str | None = None
        self.limit_hit: str | None = None  # the risk limit that stopped it ("max_loss", "capital"...)
        #: why it is paused (a fail-safe: stale data, a stream down), or None. Paused: its on_bar is not called (the
        #: bars still feed its series) and every order it sends is refused with this reason; fills still reach it
        self.paused: str | None = None
        self._audit = audit
        self._bus = bus
        self._place_order = place_order
        self._cancel_order = cancel_order
        self._series = BarSeries()
        if history is not None and len(history):
            from ..backtest.data import prepare, to_ms
            h = prepare(history, source="history")
            for t, row in zip(to_ms(pd.DatetimeIndex(h.index)), h.itertuples(index=False)):
                self._series.append(int(t), row.Open, row.High, row.Low, row.Close, row.Volume)
        self.ctx = Context(symbol, self._series, _LivePort(self), cash=cash, params=strategy.p, name=self.name,
                           base_asset=base_asset, lot_step=lot_step)
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=f"strategy-{self.name}")
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._inflight: set[concurrent.futures.Future[Any]] = set()
        self._unsubscribe: list[Callable[[], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pump_task: asyncio.Task[None] | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------------
    async def start(self) -> None:
        if self.state is not RunnerState.IDLE:
            raise RuntimeError(f"runner {self.name} was already started")
        self._loop = asyncio.get_running_loop()
        self.strategy.bind(self.ctx)
        self.state = RunnerState.RUNNING
        self._unsubscribe = [self._bus.subscribe(Bar, self._on_bar), self._bus.subscribe(Fill, self._on_fill),
                             self._bus.subscribe(OrderUpdated, self._on_order),
                             self._bus.subscribe(StrategyLimitReached, self._on_limit)]
        self._record("strategy.start", symbol=self.symbol, interval=self.interval, cash=self.ctx.cash,
                     params=dict(getattr(self.strategy.p, "__dict__", {})))
        self._pump_task = asyncio.create_task(self._pump(), name=f"strategy-{self.name}")
        await self._invoke("on_start", self.strategy.on_start)

    async def stop(self) -> None:
        """Stop taking events, call on_stop (if still healthy) and release the worker thread."""
        if self.state is RunnerState.RUNNING:
            self._record("strategy.stop", symbol=self.symbol)
        self._detach()
        if self.state is RunnerState.RUNNING:
            await self._invoke("on_stop", self.strategy.on_stop)
            if self.state is RunnerState.RUNNING:
                self.state = RunnerState.STOPPED
        if self._pump_task is not None:
            # the sentinel ends the pump even when the cancel is lost: on 3.11, asyncio.wait_for swallows a
            # cancel that arrives as the awaited callback finishes, and the pump would wait for an event forever
            self._queue.put_nowait(("stop", None))
            self._pump_task.cancel()
            try:
                await self._pump_task
            except asyncio.CancelledError:
                pass
        self._worker.shutdown(wait=False, cancel_futures=True)

    def pause(self, reason: str) -> None:
        """Stop acting (no on_bar, orders refused with ``reason``) until ``resume``; fills and reports still arrive."""
        if self.paused is None:
            self._record("strategy.paused", "system", symbol=self.symbol, reason=reason)
        self.paused = reason
        self._bus.publish(LogRecorded("WARNING", f"strategy.{self.name}", f"strategy {self.name} paused: {reason}"))

    def resume(self) -> None:
        if self.paused is not None:
            self._record("strategy.resumed", "system", symbol=self.symbol)
            self._bus.publish(LogRecorded("INFO", f"strategy.{self.name}", f"strategy {self.name} resumed"))
        self.paused = None

    def open_orders(self) -> list[Order]:
        """Its working orders, as it knows them."""
        return [o for o in self.ctx.open_orders if isinstance(o, Order)]

    async def drain(self) -> None:
        """Wait until every queued event has been handled and every order call has returned."""
        while True:
            await self._queue.join()
            if not self._inflight:
                if self._queue.empty():
                    return
                continue
            await asyncio.gather(*(asyncio.wrap_future(f) for f in list(self._inflight)), return_exceptions=True)

    # ---- bus side (event loop thread) -------------------------------------------------------------------------
    def _on_bar(self, bar: Bar) -> None:
        if bar.symbol == self.symbol and bar.closed and (self.interval is None or bar.interval is self.interval):
            self._queue.put_nowait(("bar", bar))

    def _on_fill(self, fill: Fill) -> None:
        if fill.client_order_id in self.ctx._orders:
            self._queue.put_nowait(("fill", fill))

    def _on_order(self, event: OrderUpdated) -> None:
        if event.order.client_order_id in self.ctx._orders:
            self._queue.put_nowait(("order", event.order))

    def _on_limit(self, event: StrategyLimitReached) -> None:
        if event.strategy == self.name and self.state is RunnerState.RUNNING:
            self._stop_by_risk(event.limit, event.message)

    def _stop_by_risk(self, limit: str, message: str) -> None:
        self.limit_hit = limit
        self._fail(f"strategy {self.name}: stopped by its risk limit ({limit}): {message}", actor="risk")

    def _record(self, action: str, actor: str = "", **details: Any) -> None:
        if self._audit is None:
            return
        try:
            self._audit.record(action, actor or f"strategy:{self.name}", strategy=self.name, **details)
        except Exception as exc:  # noqa: BLE001 - the audit trail never stops a strategy
            log.error("audit of %s failed: %s: %s", action, type(exc).__name__, exc)

    async def _pump(self) -> None:
        while True:
            kind, event = await self._queue.get()
            if kind == "stop":
                self._queue.task_done()
                return
            try:
                if self.state is RunnerState.RUNNING:
                    if kind == "bar":
                        await self._invoke("on_bar", self._handle_bar, event)
                    elif kind == "fill":
                        await self._invoke("on_trade", self._handle_fill, event)
                    else:
                        await self._invoke("on_order", self._handle_order, event)
            finally:
                self._queue.task_done()

    # ---- worker thread ------------------------------------------------------------------------------------------
    def _handle_bar(self, bar: Bar) -> None:
        s = self._series
        if s.size and bar.open_time <= int(s.open_time[s.size - 1]):
            self.ctx.log.warning("ignoring bar at %s: not after the last bar",
                                 time.strftime("%H:%M:%S", time.localtime(bar.open_time / 1000)))
            return
        s.append(bar.open_time, float(bar.open), float(bar.high), float(bar.low), float(bar.close), float(bar.volume))
        if self.paused is None:  # paused: its series stays current, it does not act
            self.strategy.on_bar(bar)

    def _handle_fill(self, fill: Fill) -> None:
        if self.ctx.apply_fill(fill):
            self.strategy.on_trade(fill)

    def _handle_order(self, order: Order) -> None:
        if self.ctx.apply_order(order):
            self.strategy.on_order(order)

    async def _invoke(self, what: str, fn: Callable[..., None], *args: Any) -> None:
        assert self._loop is not None
        fut = self._loop.run_in_executor(self._worker, fn, *args)
        try:
            await asyncio.wait_for(asyncio.shield(fut), self.budget_s)
        except TimeoutError:
            self._fail(f"strategy {self.name}: {what} took longer than {self.budget_s:g} s; strategy stopped")
        except Exception as exc:
            self._fail(f"strategy {self.name}: {what} raised {type(exc).__name__}: {exc}; strategy stopped", exc)

    def _fail(self, message: str, exc: BaseException | None = None, actor: str = "system") -> None:
        if self.state is RunnerState.RUNNING:
            self._record("strategy.failed", actor, symbol=self.symbol, error=message)
        self.state = RunnerState.FAILED
        self.error = message
        self._detach()
        log.error(message, exc_info=exc)
        self._bus.publish(LogRecorded("ERROR", f"strategy.{self.name}", message))

    def _detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    # ---- orders (scheduled from the worker thread, run on the loop) --------------------------------------------
    def _schedule(self, coro: Awaitable[Any]) -> None:
        assert self._loop is not None
        fut: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]
        self._inflight.add(fut)
        fut.add_done_callback(self._inflight.discard)

    async def _place(self, request: OrderRequest) -> None:
        request = dataclasses.replace(request, origin=self.name)  # journaled: the blotters tell its orders apart
        if self.paused is not None:
            reason = f"strategy {self.name} is paused: {self.paused}; order not sent"
            self.ctx.log.warning(reason)
            self._queue.put_nowait(("order", Order.from_request(request).with_status(OrderStatus.REJECTED,
                                                                                     reject_reason=reason)))
            return
        try:
            order = await self._place_order(request)
        except StrategyLimitHit as exc:
            order = Order.from_request(request).with_status(OrderStatus.REJECTED, reject_reason=str(exc))
            if self.state is RunnerState.RUNNING:
                self._stop_by_risk(exc.limit, str(exc))
        except Exception as exc:
            order = Order.from_request(request).with_status(OrderStatus.REJECTED, reject_reason=str(exc))
        self._queue.put_nowait(("order", order))

    async def _cancel(self, symbol: str, client_order_id: str) -> None:
        assert self._cancel_order is not None
        try:
            result = await self._cancel_order(symbol, client_order_id)
        except Exception as exc:
            self.ctx.log.warning("cancel %s failed: %s", client_order_id, exc)
            return
        if isinstance(result, Order):
            self._queue.put_nowait(("order", result))

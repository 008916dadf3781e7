"""Strategy instances run live on the session (sandbox, testnet or live) through ``terminal.strategy.runner``.

Plain Python, no Qt: the dock's table model reads ``StrategyHost.instances``. Each start builds a fresh
``StrategyRunner`` on the session's bus and order port, seeded with recent history and fed by the session's bar
stream. A strategy that raises (or overruns its time budget) stops alone: its state becomes ERROR with the
runner's message; the others go on.
"""
from __future__ import annotations

import collections
import enum
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

import pandas as pd

from ...model import Interval, Order, OrderRequest, OrderType, Side
from ...strategy.base import Strategy
from ...strategy.context import lot_step_of
from ...strategy.runner import RunnerState, StrategyRunner

log = logging.getLogger(__name__)
HISTORY_BARS = 300
LOG_LINES = 2000


class InstanceState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    ERROR = "error"


class _InstanceLog(logging.Handler):
    """Collects one instance's log lines (written from the runner's worker thread)."""

    def __init__(self, lines: "collections.deque[str]") -> None:
        super().__init__(logging.DEBUG)
        self.lines = lines
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - never fail inside logging
            self.handleError(record)


@dataclass(eq=False)
class StrategyInstance:
    id: int
    name: str
    cls: type[Strategy]
    params: dict[str, Any]
    symbol: str
    interval: str
    cash: Decimal
    state: InstanceState = InstanceState.STOPPED
    error: str = ""
    orders: int = 0
    runner: StrategyRunner | None = None
    watching: bool = False  # this run holds a bar watch on the session
    session: Any = None  # the session this run trades on (released there, even after a reconnect)
    lines: "collections.deque[str]" = field(default_factory=lambda: collections.deque(maxlen=LOG_LINES))
    logger: logging.Logger | None = None

    @property
    def position(self) -> Decimal | None:
        return self.runner.ctx.position if self.runner is not None else None

    @property
    def pnl(self) -> Decimal | None:
        """Equity (cash + position at the last close) minus the starting cash."""
        if self.runner is None:
            return None
        return self.runner.ctx.equity - self.cash

    @property
    def open_orders(self) -> int:
        return len(self.runner.ctx.open_orders) if self.runner is not None else 0

    def params_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.params.items())

    def note(self, text: str) -> None:
        self.lines.append(f"{time.strftime('%H:%M:%S')} {text}")


class StrategyHost:
    def __init__(self, session_provider: Callable[[], Any], history_bars: int = HISTORY_BARS,
                 budget_s: float = 1.0) -> None:
        self.session_provider = session_provider
        self.history_bars = history_bars
        self.budget_s = budget_s
        self.instances: list[StrategyInstance] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, cls: type[Strategy], params: dict[str, Any], symbol: str, interval: str,
            cash: Decimal) -> StrategyInstance:
        """A stopped instance; ``params`` are checked now (ParamError), the interval too (ValueError)."""
        checked = dict(cls.validate(params))
        Interval.parse(interval)
        if cash <= 0:
            raise ValueError("cash must be positive")
        inst = StrategyInstance(next(self._ids), cls.name or cls.__name__, cls, checked, symbol.upper(), interval,
                                cash)
        self.instances.append(inst)
        return inst

    async def remove(self, inst: StrategyInstance) -> None:
        if inst.state in (InstanceState.RUNNING, InstanceState.STARTING, InstanceState.STOPPING):
            raise RuntimeError("stop the strategy before removing it")
        await self._release(inst)  # a failed run still holds its worker thread and bar watch
        if inst in self.instances:
            self.instances.remove(inst)

    async def start(self, inst: StrategyInstance) -> None:
        if inst.state in (InstanceState.RUNNING, InstanceState.STARTING):
            return
        session = self.session_provider()
        if session is None:
            inst.state, inst.error = InstanceState.ERROR, "not connected: connect a session first"
            return
        await self._release(inst)  # a failed run still holds its worker thread and bar watch
        inst.runner = None
        inst.state, inst.error = InstanceState.STARTING, ""
        inst.session = session
        iv = Interval.parse(inst.interval)
        try:
            instrument = session.instrument(inst.symbol) if hasattr(session, "instrument") else None
            history = await self._history(session, inst)
            runner = StrategyRunner(inst.cls(**inst.params), session.bus, self._placer(session, inst),
                                    symbol=inst.symbol, cash=inst.cash, interval=iv,
                                    cancel_order=getattr(session, "cancel_order", None),
                                    base_asset=getattr(instrument, "base_asset", ""), budget_s=self.budget_s,
                                    history=history, lot_step=lot_step_of(instrument))
            runner.ctx.log = self._logger(inst)
            inst.runner = runner
            inst.orders = 0
            await runner.start()
            failsafe = getattr(session, "failsafe", None)
            if failsafe is not None:  # stale data or a dead stream pauses it (risk.failsafe)
                failsafe.guard(runner, cancel=getattr(session, "cancel_order", None))
            if hasattr(session, "watch_bars"):
                await session.watch_bars(inst.symbol, inst.interval)
                inst.watching = True
        except Exception as exc:  # noqa: BLE001 - shown on the instance's row, the others go on
            inst.state, inst.error = InstanceState.ERROR, f"cannot start: {type(exc).__name__}: {exc}"
            inst.note(inst.error)
            await self._release(inst)
            return
        inst.note(f"started on {inst.symbol} {inst.interval} with {inst.cash} cash "
                  f"({len(history) if history is not None else 0} bars of history)")
        inst.state = InstanceState.RUNNING
        self.sync(inst)  # on_start may already have failed

    async def _history(self, session: Any, inst: StrategyInstance) -> pd.DataFrame | None:
        if not self.history_bars or not hasattr(session, "klines"):
            return None
        try:
            frame = await session.klines(inst.symbol, inst.interval, limit=self.history_bars)
        except Exception as exc:  # noqa: BLE001 - the strategy still runs, from live bars only
            inst.note(f"no history ({type(exc).__name__}: {exc}); starting from live bars")
            return None
        return frame if frame is not None and len(frame) else None

    def _placer(self, session: Any, inst: StrategyInstance) -> Callable[[OrderRequest], Any]:
        async def place(request: OrderRequest) -> Order:
            inst.orders += 1
            what = request.quantity if request.quantity is not None else f"{request.quote_quantity} (quote)"
            inst.note(f"order {request.side.name} {what} {request.type.name}"
                      + (f" @ {request.price}" if request.price is not None else ""))
            try:
                order = await session.place_order(request)
            except Exception as exc:
                inst.note(f"order refused: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
                raise
            inst.note(f"order {order.client_order_id}: {order.status.name}")
            return order  # type: ignore[no-any-return]
        return place

    def _logger(self, inst: StrategyInstance) -> logging.Logger:
        if inst.logger is None:
            inst.logger = logging.getLogger(f"terminal.strategy.{inst.name}.{inst.id}")
            inst.logger.setLevel(logging.INFO)  # the strategy's own info lines reach its log view
            inst.logger.addHandler(_InstanceLog(inst.lines))
        return inst.logger

    async def stop(self, inst: StrategyInstance) -> None:
        runner = inst.runner
        if runner is None or inst.state in (InstanceState.STOPPED, InstanceState.STOPPING):
            return
        failed = inst.state is InstanceState.ERROR
        inst.state = InstanceState.STOPPING
        try:
            await self._release(inst)
        finally:
            inst.state = InstanceState.ERROR if failed or runner.state is RunnerState.FAILED else InstanceState.STOPPED
            if inst.state is InstanceState.STOPPED:
                inst.note("stopped")

    def open_position(self, inst: StrategyInstance) -> Decimal:
        """The part of the instance's position a market order can close (whole lot steps; 0 for dust)."""
        runner = inst.runner
        if runner is None or not runner.ctx.position:
            return Decimal(0)
        return runner.ctx.tradable(abs(runner.ctx.position))

    async def flatten(self, inst: StrategyInstance) -> Order | None:
        """Close the instance's position with a market order through its session (after a stop: the strategy no
        longer trades). Returns the order, or None when there was nothing a market order could close."""
        qty = self.open_position(inst)
        session = inst.session
        if qty <= 0 or session is None or inst.runner is None:
            return None
        side = Side.SELL if inst.runner.ctx.position > 0 else Side.BUY
        inst.note(f"closing the position: {side.name} {qty} MARKET")
        try:
            order = await session.place_order(OrderRequest(inst.symbol, side, OrderType.MARKET, qty))
        except Exception as exc:
            inst.note(f"close refused: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
            raise
        inst.note(f"position closed by {side.name} {qty}: {order.status.name}")
        return order  # type: ignore[no-any-return]

    async def _release(self, inst: StrategyInstance) -> None:
        """Stop the runner (idempotent) and drop this run's bar watch."""
        if inst.runner is not None:
            failsafe = getattr(inst.session, "failsafe", None)
            if failsafe is not None:
                failsafe.unguard(inst.runner)
            await inst.runner.stop()
        if inst.watching:
            inst.watching = False
            session = inst.session
            if session is not None and hasattr(session, "unwatch_bars"):
                try:
                    await session.unwatch_bars(inst.symbol, inst.interval)
                except Exception as exc:  # noqa: BLE001 - the session may be closing
                    log.warning("unwatch %s %s failed: %s", inst.symbol, inst.interval, type(exc).__name__)

    async def stop_all(self) -> None:
        for inst in list(self.instances):
            if inst.state in (InstanceState.RUNNING, InstanceState.STARTING, InstanceState.ERROR):
                await self.stop(inst)

    def sync(self, inst: StrategyInstance) -> bool:
        """Take the runner's state (a failure shows as ERROR with its message). True if the row changed."""
        runner = inst.runner
        if runner is None or inst.state is not InstanceState.RUNNING:
            return False
        if runner.state is RunnerState.FAILED:
            inst.state, inst.error = InstanceState.ERROR, runner.error or "failed"
            inst.note(inst.error)
            return True
        paused = f"paused: {runner.paused}" if getattr(runner, "paused", None) else ""
        if paused != inst.error and (paused or inst.error.startswith("paused: ")):
            inst.error = paused
            inst.note(paused or "resumed")
            return True
        return False

    def paused(self, inst: StrategyInstance) -> bool:
        return inst.state is InstanceState.RUNNING and bool(getattr(inst.runner, "paused", None))

    def resume(self, inst: StrategyInstance) -> bool:
        """The user resumes a strategy a fail-safe paused (refused while the cause lasts)."""
        failsafe = getattr(inst.session, "failsafe", None)
        if inst.runner is None or failsafe is None:
            return False
        ok = bool(failsafe.resume(inst.runner))
        if not ok:
            inst.note("cannot resume yet: " + (failsafe.problem(inst.symbol) or "the fail-safe still holds it"))
        self.sync(inst)
        return ok

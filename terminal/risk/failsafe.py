"""Fail-safes on technical failure: strategies never trade blind.

A ``FailSafe`` watches one session's bus: when each symbol last had market data (quotes, trades, bars, book) and since
when each stream ("market", "user") has been down. Every ``check_every_s`` it looks at the strategies it guards:

- market data for a strategy's symbol older than ``stale_after_s`` (while the venue says that symbol trades), or the
  market connection down for more than ``down_after_s``, or the account stream ("user": fills and order reports) down
  for more than ``down_after_s``: the strategy is PAUSED (its on_bar is not called and every order it sends is refused
  with the reason) and, when ``cancel_orders`` is set, its working orders are cancelled;
- when the cause is gone, it resumes by itself only if ``auto_resume`` is set; otherwise it stays paused until the user
  resumes it (``resume``).

Every pause and resume is logged, recorded in the audit trail and published on the bus (``FailSafeChanged``).
``account_stream_problem()`` is what the session asks before sending any order: with the account stream down past the
threshold, an order is refused rather than sent blind (its fills could not be seen).

No Qt, no strategy import: a guarded strategy is anything with ``name``, ``symbol``, ``pause(reason)``, ``resume()``,
``paused`` and ``open_orders()`` (the StrategyRunner).
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Protocol

from ..bus import Bus
from ..model import Bar, BookUpdated, ConnectionChanged, Order, QuoteTick, TradeTick
from ..storage.audit import AuditSink

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FailSafeConfig:
    stale_after_s: float = 30.0  # no market data for a strategy's symbol for this long: pause it
    down_after_s: float = 10.0  # a stream down for this long: pause the strategies on it
    cancel_orders: bool = False  # also cancel a paused strategy's working orders
    auto_resume: bool = True  # resume by itself once the data is back (else the user resumes it)
    check_every_s: float = 1.0
    #: "cancel my orders if this app loses connection": once a stream has been down past ``down_after_s``, every
    #: open order of the session is cancelled (REST often still works when a socket dies), and again on reconnect
    #: for any the first try could not reach (the venues here offer no server-side cancel-on-disconnect for spot)
    cancel_on_disconnect: bool = False

    def __post_init__(self) -> None:
        for name in ("stale_after_s", "down_after_s", "check_every_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < 86_400:
                raise ValueError(f"{name}: expected seconds between 0 and a day, got {value!r}")


@dataclass(frozen=True, slots=True)
class FailSafeChanged:
    """A strategy was paused by a fail-safe (``paused`` True, ``reason`` says why) or resumed (False)."""

    strategy: str
    symbol: str
    paused: bool
    reason: str
    waiting_for_user: bool = False  # the cause is gone but auto_resume is off
    ts_recv: int = 0


class Guarded(Protocol):
    name: str
    symbol: str
    paused: str | None

    def pause(self, reason: str) -> None: ...
    def resume(self) -> None: ...
    def open_orders(self) -> list[Order]: ...


@dataclass
class _Guard:
    target: Guarded
    cancel: Callable[[str, str], Awaitable[Any]] | None
    #: the pause is the fail-safe's own (a user's pause is left alone)
    ours: bool = False
    waiting_for_user: bool = False
    cancelled: set[str] = field(default_factory=set)


class FailSafe:
    def __init__(self, bus: Bus, config: FailSafeConfig | None = None, *, audit: AuditSink | None = None,
                 is_trading: Callable[[str], bool] | None = None, now_ms: Callable[[], int] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bus = bus
        self._config = config or FailSafeConfig()
        self.audit = audit
        self.is_trading = is_trading or (lambda symbol: True)  # market hours: a closed market is not stale
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self._clock = clock
        self.last_data: dict[str, float] = {}
        self.down_since: dict[str, float] = {}
        self.started = clock()
        self._guards: dict[int, _Guard] = {}
        #: cancel every open order of the session (``cancel_on_disconnect``): set by the session
        self.cancel_everything: Callable[[], Awaitable[int]] | None = None
        self._disconnect_cancelled = False
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe = [bus.subscribe(t, self._on_data) for t in (QuoteTick, TradeTick, Bar, BookUpdated)]
        self._unsubscribe.append(bus.subscribe(ConnectionChanged, self._on_connection))

    @property
    def config(self) -> FailSafeConfig:
        return self._config

    @config.setter
    def config(self, config: FailSafeConfig) -> None:
        """New thresholds; with ``cancel_on_disconnect`` the watch runs even without a guarded strategy."""
        self._config = config
        if config.cancel_on_disconnect:
            self._ensure_task()

    # ---- what the bus says -------------------------------------------------------------------------------
    def _on_data(self, event: Any) -> None:
        self.last_data[event.symbol] = self._clock()

    def _on_connection(self, event: ConnectionChanged) -> None:
        stream = event.stream.partition("@")[0]
        if stream not in ("market", "user"):
            return
        if event.connected:
            self.down_since.pop(stream, None)
        else:
            self.down_since.setdefault(stream, self._clock())

    # ---- questions ---------------------------------------------------------------------------------------
    def stream_problem(self, stream: str, now: float | None = None) -> str | None:
        since = self.down_since.get(stream)
        now = self._clock() if now is None else now
        if since is None or now - since < self.config.down_after_s:
            return None
        what = "market data connection" if stream == "market" else "account stream (fills and order reports)"
        return f"the {what} has been down for {now - since:.0f} s"

    def account_stream_problem(self) -> str | None:
        """Why an order must not be sent now (the account stream is down past the threshold), or None."""
        return self.stream_problem("user")

    def problem(self, symbol: str, now: float | None = None) -> str | None:
        """Why a strategy on ``symbol`` must not trade now, or None."""
        now = self._clock() if now is None else now
        for stream in ("market", "user"):
            why = self.stream_problem(stream, now)
            if why is not None:
                return why
        if not self.is_trading(symbol):
            return None
        last = self.last_data.get(symbol, self.started)
        if now - last >= self.config.stale_after_s:
            return f"no market data for {symbol} for {now - last:.0f} s"
        return None

    # ---- guarding ----------------------------------------------------------------------------------------
    def guard(self, target: Guarded, cancel: Callable[[str, str], Awaitable[Any]] | None = None) -> None:
        """Watch ``target`` from now on (its symbol counts as fresh from now)."""
        self.last_data.setdefault(target.symbol, self._clock())
        self._guards[id(target)] = _Guard(target, cancel)
        self._ensure_task()

    def unguard(self, target: Guarded) -> None:
        self._guards.pop(id(target), None)

    def guarded(self) -> list[Guarded]:
        return [g.target for g in self._guards.values()]

    def resume(self, target: Guarded) -> bool:
        """The user resumes a strategy the fail-safe paused; refused (False) while the cause lasts."""
        g = self._guards.get(id(target))
        if g is None or self.problem(target.symbol) is not None:
            return False
        self._resume(g, by="user")
        return True

    async def check(self) -> None:
        """One look at every guarded strategy (the task calls it every ``check_every_s``; tests may too)."""
        now = self._clock()
        await self._check_disconnect(now)
        for g in list(self._guards.values()):
            target = g.target
            why = self.problem(target.symbol, now)
            if why is not None and not g.ours and not target.paused:
                self._pause(g, why)
                if self.config.cancel_orders:
                    await self._cancel_orders(g)
            elif why is None and g.ours:
                if self.config.auto_resume:
                    self._resume(g, by="system")
                elif not g.waiting_for_user:
                    g.waiting_for_user = True
                    self._say(g, False, "data is back: resume it yourself (auto-resume is off)", waiting=True)

    def watch_connection(self) -> None:
        """Start the periodic check without a guarded strategy (``cancel_on_disconnect`` needs it)."""
        self._ensure_task()

    async def _check_disconnect(self, now: float) -> None:
        if not self.config.cancel_on_disconnect or self.cancel_everything is None:
            return
        down = [s for s in ("market", "user") if self.stream_problem(s, now)]
        if down and not self._disconnect_cancelled:
            self._disconnect_cancelled = True
            why = self.stream_problem(down[0], now)
            log.warning("fail-safe: %s: cancelling every open order (cancel on disconnect)", why)
            await self._cancel_everything(why or "connection lost")
        elif not down and self._disconnect_cancelled and not self.down_since:
            self._disconnect_cancelled = False  # back: one more pass for what the first could not reach
            await self._cancel_everything("reconnected: cancelling what was left")

    async def _cancel_everything(self, why: str) -> None:
        assert self.cancel_everything is not None
        try:
            n = await self.cancel_everything()
        except Exception as exc:  # noqa: BLE001 - the venue may be what is down: tried again on reconnect
            log.error("fail-safe: cancel on disconnect failed: %s: %s", type(exc).__name__,
                      getattr(exc, "message", exc))
            n = -1
        if self.audit is not None:
            try:
                self.audit.record("failsafe.cancel_on_disconnect", "system", reason=why, cancelled=n)
            except Exception:  # noqa: BLE001
                pass

    def _pause(self, g: _Guard, why: str) -> None:
        g.ours, g.waiting_for_user = True, False
        g.target.pause(why)
        log.warning("fail-safe: strategy %s on %s paused: %s", g.target.name, g.target.symbol, why)
        self._record("failsafe.paused", g, reason=why, cancel_orders=self.config.cancel_orders)
        self._say(g, True, why)

    def _resume(self, g: _Guard, by: str) -> None:
        g.ours, g.waiting_for_user = False, False
        g.cancelled.clear()
        g.target.resume()
        log.warning("fail-safe: strategy %s on %s resumed (%s)", g.target.name, g.target.symbol,
                    "by the user" if by == "user" else "data is back")
        self._record("failsafe.resumed", g, by=by)
        self._say(g, False, "resumed by the user" if by == "user" else "data is back")

    async def _cancel_orders(self, g: _Guard) -> None:
        if g.cancel is None:
            return
        for order in g.target.open_orders():
            if order.client_order_id in g.cancelled:
                continue
            g.cancelled.add(order.client_order_id)
            try:
                await g.cancel(order.symbol, order.client_order_id)
                log.warning("fail-safe: cancelled %s of strategy %s", order.client_order_id, g.target.name)
            except Exception as exc:  # noqa: BLE001 - the venue may be the thing that is down: said, retried later
                g.cancelled.discard(order.client_order_id)
                log.error("fail-safe: cannot cancel %s of strategy %s: %s: %s", order.client_order_id,
                          g.target.name, type(exc).__name__, getattr(exc, "message", exc))

    def _say(self, g: _Guard, paused: bool, reason: str, waiting: bool = False) -> None:
        self.bus.publish(FailSafeChanged(g.target.name, g.target.symbol, paused, reason, waiting, self._now_ms()))

    def _record(self, action: str, g: _Guard, **details: Any) -> None:
        if self.audit is None:
            return
        try:
            self.audit.record(action, "system", strategy=g.target.name, symbol=g.target.symbol, **details)
        except Exception as exc:  # noqa: BLE001 - the audit trail never stops a fail-safe
            log.error("audit of %s failed: %s", action, type(exc).__name__)

    # ---- lifecycle ---------------------------------------------------------------------------------------
    def _ensure_task(self) -> None:
        if self._task is None or self._task.done():
            try:
                self._task = asyncio.get_running_loop().create_task(self._run(), name="failsafe")
            except RuntimeError:
                self._task = None  # no loop (a script calling check() itself)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.config.check_every_s)  # a period, not a synchronisation
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad check never ends the watch
                log.error("fail-safe check failed: %s: %s", type(exc).__name__, exc)

    async def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

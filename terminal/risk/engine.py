"""The risk engine: the configured limits every order passes (ticket, chart, library, strategies), the day's loss and
drawdown halts, the order-rate throttle and each strategy's own limits.

``RiskChecks.check`` (the order manager calls it before journaling) runs the instrument's filters, then
``RiskEngine.check``, then the balance check; only an order that passed all of them is ``record``-ed (counted by the
throttle, attributed to its strategy). A refusal is a typed ``errors.LimitExceeded`` naming the limit and the value.

In the order they are checked:

1. a halt (``loss.max_daily_loss`` or ``loss.max_drawdown`` reached today): opening orders are refused until the
   next day starts or ``resume()``; closing orders pass (``rules.is_closing``);
2. order size: ``max_order_qty``, ``max_order_notional`` (per symbol, ``symbols`` overriding the default);
3. price band: a limit price ``band.max_pct`` % / ``band.max_ticks`` ticks from the market, a market order's spread;
4. position: the worst case with the working orders on the order's side, in quantity and value;
5. the account's gross exposure (``max_gross_exposure``, reference currency);
6. the order's strategy (its ``origin``): its loss, capital at work and orders per minute; a refusal here is a
   ``StrategyLimitHit`` that stops that strategy alone (``StrategyLimitReached`` on the bus; the runner stops);
7. the throttle: orders per second and per minute. Cancels: ``check_cancel`` (cancels per minute).

Attached to the session's bus (``attach``), the engine books each strategy's fills, follows working orders, samples
the equity (at most once a second on market data, at once on fills and balances) and halts as soon as a loss limit
is reached (``RiskHalted``; with ``loss.flatten`` it also sets ``flatten_requested`` for whoever closes positions).
Limit changes (``set_limits``), halts, resumes and strategy stops are logged and, given an audit sink, audited.
The engine keeps no Qt and no I/O but its optional day-state file (``state_path``: the day's open and peak equity
and the halt survive a restart).
"""
from __future__ import annotations

import json
import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Mapping

from ..bus import Bus
from ..model import (ZERO, BalancesUpdated, Fill, Instrument, OrderRequest, OrderType, OrderUpdated, QuoteTick, Side, Ticker24h,
                     TradeTick, fmt)
from ..model.events import BalanceChanged
from ..storage.audit import AuditSink
from ..storage.writer import shared as shared_writer, write_atomic
from . import rules
from .account import Account
from .day import DayEquity
from .draft import Market
from .errors import (CancelRateExceeded, DailyLossLimitHit, DrawdownLimitHit, ExposureLimitExceeded, NoReferencePrice,
                     OrderRateExceeded, StrategyLimitHit, TradingHalted)
from .events import RiskHalted, RiskLimitsChanged, RiskResumed, StrategyLimitReached
from .limits import RiskLimits, StrategyLimits, changes
from .rules import money
from .strategies import StrategyBook
from .throttle import Rates

log = logging.getLogger(__name__)
SECOND_MS, MINUTE_MS = 1000, 60_000
_CANCELS = "\x00cancels"  # the throttle's key for cancels (never a strategy name)
_ALL = ""  # the throttle's key for every order


@dataclass(frozen=True)
class RiskStatus:
    """The figures a status bar shows ("risk: 34% of daily loss used")."""

    reference: str
    equity: Decimal | None
    day_open: Decimal | None
    peak: Decimal | None
    daily_loss: Decimal | None
    max_daily_loss: Decimal | None
    drawdown: Decimal | None
    max_drawdown: Decimal | None
    halted: str  # why opening orders are halted ("" = they are not)
    flatten_requested: bool
    stopped_strategies: tuple[str, ...]

    @property
    def used_pct(self) -> Decimal | None:
        """The larger share of the loss and drawdown limits used today, in % (None: no loss limit or no equity)."""
        shares = [v / m * 100 for v, m in ((self.daily_loss, self.max_daily_loss), (self.drawdown, self.max_drawdown))
                  if v is not None and m]
        return max(max(shares), ZERO) if shares else None

    def summary(self) -> str:
        if self.halted:
            return f"risk: HALTED ({self.halted})"
        if not (self.max_daily_loss or self.max_drawdown):
            return "risk: no loss limit"
        shares = {name: max(v / m * 100, ZERO) for name, v, m in (("daily loss", self.daily_loss, self.max_daily_loss),
                                                                  ("drawdown", self.drawdown, self.max_drawdown))
                  if v is not None and m}
        if not shares:
            return "risk: equity unknown"
        which = max(shares, key=lambda k: shares[k])
        return f"risk: {shares[which].quantize(Decimal(1))}% of {which} used"


class RiskEngine:
    def __init__(self, limits: RiskLimits | None = None, *, account: Account | None = None,
                 instruments: Mapping[str, Instrument] | None = None, now_ms: Callable[[], int] | None = None,
                 audit: AuditSink | None = None, publish: Callable[[object], None] | None = None,
                 state_path: str | Path | None = None) -> None:
        self.limits = limits or RiskLimits()
        self.account = account
        self.now_ms: Callable[[], int] = now_ms or (lambda: int(time.time() * 1000))
        self.audit = audit
        self.publish = publish
        self.rates = Rates()
        self.book = StrategyBook(instruments or {})
        self.day = DayEquity(self.limits.loss.day_start_hour_utc)
        self.flatten_requested = False
        self._reached: dict[str, StrategyLimitHit] = {}  # strategies told they hit a limit (until reset)
        self._last_refresh_ms = 0
        self._held: dict[str, Decimal] = {}  # asset -> free + locked at the last refresh on balances
        self._unsubscribe: Callable[[], None] | None = None
        self.state_path = Path(state_path) if state_path is not None else None
        self._saved: dict[str, Any] = {}
        self._saved_ms = 0
        self._restore()

    # ------------------------------------------------------------------ wiring
    def attach(self, bus: Bus) -> None:
        """Follow the session's bus (fills, orders, balances, prices) and publish the engine's events on it.
        Attaching again to the same or another bus moves the subscription."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = bus.subscribe(None, self.on_event)
        self.publish = bus.publish

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _emit(self, event: object) -> None:
        if self.publish is not None:
            self.publish(event)

    def _audit(self, action: str, actor: str, **details: Any) -> None:
        if self.audit is not None:
            try:
                # ``note`` where the trail has it (AuditLog): chained and hashed off the order path
                getattr(self.audit, "note", self.audit.record)(action, actor, **details)
            except Exception as exc:  # noqa: BLE001 - a full disk never stops the risk checks
                log.error("audit record %s failed: %s: %s", action, type(exc).__name__, exc)

    # ------------------------------------------------------------------ configuration
    def set_limits(self, limits: RiskLimits, actor: str = "user") -> list[tuple[str, str | None, str | None]]:
        """Replace the limits; each change is logged and audited. Returns the changes."""
        diff = changes(self.limits, limits)
        self.limits = limits
        self.day.day_start_hour_utc = limits.loss.day_start_hour_utc
        for path, old, new in diff:
            log.info("risk limit %s: %s -> %s (by %s)", path, old or "none", new or "none", actor)
        if diff:
            self._audit("risk.limits", actor, changes=[list(c) for c in diff])
            self._emit(RiskLimitsChanged(actor, tuple(diff), self.now_ms()))
        return diff

    # ------------------------------------------------------------------ orders
    def check(self, request: OrderRequest, instrument: Instrument, notional: Decimal | None,
              reference: Decimal | None = None) -> None:
        """Raise the first limit ``request`` breaks (nothing is counted: ``record`` does that once it is sent)."""
        now = self.now_ms()
        lim, ins, side = self.limits, instrument, request.side
        acc = self.account
        market = acc.market(ins.symbol) if acc is not None else Market(last=reference)
        px = request.price if request.price is not None else (
            request.stop_price if request.stop_price is not None else market.reference(side) or reference)
        qty = rules.order_qty(request, ins, px)
        position = acc.position(ins.symbol) if acc is not None else ZERO
        working = rules.working_qty(acc.working_orders(ins.symbol) if acc is not None else (), ins.symbol, side,
                                    request.client_order_id)
        closing = rules.is_closing(side, qty, position, working)

        loss = lim.loss
        if loss.max_daily_loss is not None or loss.max_drawdown is not None or self.day.halt \
                or self.day.day != self.day.day_of(now):
            # the equity as of now, for the loss limits (without any, it is sampled on fills, balances and prices)
            self._refresh_day(now)
        if self.day.halt and not closing:
            cls = DailyLossLimitHit if self.day.halt_limit == "loss.max_daily_loss" else DrawdownLimitHit
            until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.day.next_day_ms(now) / 1000))
            raise cls(f"trading is halted: {self.day.halt}; opening orders are refused until {until} (closing "
                      "orders still pass)", limit=self.day.halt_limit, symbol=ins.symbol,
                      value=self.day.loss if cls is DailyLossLimitHit else self.day.drawdown,
                      threshold=lim.loss.max_daily_loss if cls is DailyLossLimitHit else lim.loss.max_drawdown)
        sym = lim.for_symbol(ins.symbol)
        rules.check_size(request, ins, sym, qty, notional)
        if not (closing and request.type is OrderType.MARKET):
            # a market order that only closes (a stop-loss firing, a flatten) is never held back by a wide spread:
            # being unable to get out is the worse outcome
            rules.check_band(request, ins, lim.band, market)
        rules.check_position(ins, sym, side, qty, position, working, px)
        if lim.max_gross_exposure is not None and not closing:
            self._check_exposure(request, ins, qty, px, acc.working_orders() if acc is not None else ())
        if request.origin:
            self._check_strategy(request, ins, qty, now)
        self._check_rate(now)

    def record(self, request: OrderRequest) -> None:
        """``request`` passed every check and goes to the venue: count it and attribute it to its strategy."""
        now = self.now_ms()
        self.rates.window(_ALL, SECOND_MS).add(now)
        self.rates.window(_ALL, MINUTE_MS).add(now)
        if request.origin:
            self.rates.window(request.origin, MINUTE_MS).add(now)
            self.book.on_request(request)

    def check_cancel(self, symbol: str = "", client_order_id: str = "", origin: str = "") -> None:
        """Count a cancel asked for by a user or a strategy (a kill switch's cancels are never throttled); raise
        CancelRateExceeded past ``throttle.cancels_per_minute``. Audited either way (``origin``: whose order)."""
        cap = self.limits.throttle.cancels_per_minute
        window = self.rates.window(_CANCELS, MINUTE_MS)
        now = self.now_ms()
        if cap is not None and window.count(now) >= cap:
            wait = window.free_in_ms(now, cap)
            refused = CancelRateExceeded(
                f"{window.count(now)} cancels in the last minute: your limit is {cap} per minute (next one in "
                f"{wait / 1000:.1f} s)", limit="throttle.cancels_per_minute", value=Decimal(window.count(now)),
                threshold=Decimal(cap), symbol=symbol)
            self._audit("order.cancel_refused", "user", symbol=symbol, client_order_id=client_order_id,
                        origin=origin, reason=refused.message)
            raise refused
        window.add(now)
        self._audit("order.cancel", "user", symbol=symbol, client_order_id=client_order_id, origin=origin)

    def audit_order(self, action: str, request: OrderRequest, **extra: Any) -> None:
        """Record an order action in the audit trail, by its origin ("user" or "strategy:<name>")."""
        if self.audit is None:
            return
        r = request
        self._audit(action, f"strategy:{r.origin}" if r.origin else "user", symbol=r.symbol, side=r.side,
                    type=r.type, quantity=r.quantity, price=r.price, stop_price=r.stop_price,
                    quote_quantity=r.quote_quantity, time_in_force=r.time_in_force,
                    client_order_id=r.client_order_id, origin=r.origin, **extra)

    def _check_rate(self, now: int) -> None:
        t = self.limits.throttle
        for cap, window_ms, per in ((t.orders_per_second, SECOND_MS, "second"), (t.orders_per_minute, MINUTE_MS,
                                                                                    "minute")):
            if cap is None:
                continue
            window = self.rates.window(_ALL, window_ms)
            n = window.count(now)
            if n >= cap:
                raise OrderRateExceeded(
                    f"{n} orders in the last {per}: your limit is {cap} per {per} (next one in "
                    f"{window.free_in_ms(now, cap) / 1000:.1f} s)", limit=f"throttle.orders_per_{per}",
                    value=Decimal(n), threshold=Decimal(cap))

    def _check_exposure(self, request: OrderRequest, ins: Instrument, qty: Decimal | None, px: Decimal | None,
                        working_orders: Any) -> None:
        acc, cap, ref = self.account, self.limits.max_gross_exposure, self.limits.reference
        assert cap is not None
        if acc is None:
            return
        gross = acc.gross_exposure()
        if gross is None or qty is None or px is None:
            raise NoReferencePrice(ins.symbol, "gross exposure")
        # working orders that add to a position count as filled; so does this one
        symbols = {o.symbol for o in working_orders if o.is_open} | {ins.symbol}
        extra = ZERO
        for s in symbols:
            i = self.book.instruments.get(s) if s != ins.symbol else ins
            if i is None:
                continue
            pos = acc.position(s)
            buys = rules.working_qty(working_orders, s, Side.BUY, request.client_order_id)
            sells = rules.working_qty(working_orders, s, Side.SELL, request.client_order_id)
            if s == ins.symbol:
                buys, sells = (buys + qty, sells) if request.side is Side.BUY else (buys, sells + qty)
            grow = max(abs(pos + buys), abs(pos - sells)) - abs(pos)
            if grow <= 0:
                continue
            m = acc.market(s)
            p = px if s == ins.symbol else (m.last or m.reference(Side.BUY))
            v = None if p is None else acc.to_reference(i.quote_asset, i.notional(p, grow))
            if v is None:
                raise NoReferencePrice(s, "gross exposure")
            extra += v
        after = gross + extra
        if after > cap:
            raise ExposureLimitExceeded(
                f"the account's gross exposure could reach {money(after, 2)} {ref} (now {money(gross, 2)} {ref}), "
                f"above your limit of {fmt(cap)} {ref} (max gross exposure)", limit="max_gross_exposure",
                value=after, threshold=cap, symbol=ins.symbol)

    # ------------------------------------------------------------------ strategies
    def _price(self, symbol: str) -> Decimal | None:
        if self.account is None:
            return None
        m = self.account.market(symbol)
        return (m.bid + m.ask) / 2 if m.bid is not None and m.ask is not None else m.last

    def _to_ref(self, asset: str, amount: Decimal) -> Decimal | None:
        return self.account.to_reference(asset, amount) if self.account is not None else None

    def _check_strategy(self, request: OrderRequest, ins: Instrument, qty: Decimal | None, now: int) -> None:
        name = request.origin
        slim = self.limits.for_strategy(name)
        if slim == StrategyLimits():
            return
        working = [o for o in (self.account.working_orders() if self.account is not None else ()) if o.origin == name]
        own = self.book.position(name, ins.symbol)
        own_working = rules.working_qty(working, ins.symbol, request.side, request.client_order_id)
        closing = rules.is_closing(request.side, qty, own, own_working)
        ref = self.limits.reference
        if slim.max_loss is not None and not closing:
            hit = self._loss_hit(name, slim)
            if hit is not None:
                raise self._reach(hit)
        if slim.capital is not None and not closing:
            if qty is None:
                raise NoReferencePrice(ins.symbol, f"capital of strategy {name}")
            value = self.book.value(name, self._price, self._to_ref, working, (ins.symbol, request.side, qty))
            if value is None:
                raise NoReferencePrice(ins.symbol, f"capital of strategy {name}")
            if value > slim.capital:
                raise self._reach(StrategyLimitHit(
                    f"strategy {name} would have {money(value, 2)} {ref} at work, above its capital of "
                    f"{fmt(slim.capital)} {ref}: the strategy is stopped", strategy=name, limit="capital",
                    value=value, threshold=slim.capital, symbol=ins.symbol))
        if slim.orders_per_minute is not None:
            n = self.rates.window(name, MINUTE_MS).count(now)
            if n >= slim.orders_per_minute:
                raise self._reach(StrategyLimitHit(
                    f"strategy {name} sent {n} orders in the last minute, its limit is {slim.orders_per_minute} per "
                    "minute: the strategy is stopped", strategy=name, limit="orders_per_minute", value=Decimal(n),
                    threshold=Decimal(slim.orders_per_minute), symbol=ins.symbol))

    def _loss_hit(self, name: str, slim: StrategyLimits) -> StrategyLimitHit | None:
        if slim.max_loss is None:
            return None
        pnl = self.book.pnl(name, self._price, self._to_ref)
        if pnl is None or -pnl < slim.max_loss:
            return None
        ref = self.limits.reference
        return StrategyLimitHit(f"strategy {name} lost {money(-pnl, 2)} {ref}, reaching its limit of "
                                f"{fmt(slim.max_loss)} {ref}: the strategy is stopped", strategy=name,
                                limit="max_loss", value=-pnl, threshold=slim.max_loss)

    def _reach(self, hit: StrategyLimitHit) -> StrategyLimitHit:
        """Tell the strategy's runner (once until reset), log and audit; returns ``hit`` for raising."""
        if hit.strategy not in self._reached:
            self._reached[hit.strategy] = hit
            log.warning("%s", hit.message)
            self._audit("risk.strategy_stopped", "risk", strategy=hit.strategy, limit=hit.limit, message=hit.message)
            self._emit(StrategyLimitReached(hit.strategy, hit.limit, hit.message, self.now_ms()))
        return hit

    def reset_strategy(self, name: str, actor: str = "user") -> None:
        """Start a strategy's book again (its P&L from zero) and let it be told again (audited)."""
        self.book.reset(name)
        self._reached.pop(name, None)
        self._audit("risk.strategy_reset", actor, strategy=name)

    # ------------------------------------------------------------------ day, halts
    def _refresh_day(self, now: int) -> None:
        was_halted = bool(self.day.halt)
        if self.day.roll(now) and was_halted:
            self.flatten_requested = False
            log.info("risk: a new day: opening orders are allowed again")
            self._emit(RiskResumed("new day", now))
        self.day.sample(now, self.account.equity() if self.account is not None else None)
        loss_lim = self.limits.loss
        if not self.day.halt:
            loss, dd = self.day.loss, self.day.drawdown
            ref = self.limits.reference
            if loss_lim.max_daily_loss is not None and loss is not None and loss >= loss_lim.max_daily_loss:
                self._halt(now, "loss.max_daily_loss",
                           f"the day's loss {money(loss, 2)} {ref} reached your limit of "
                           f"{fmt(loss_lim.max_daily_loss)} {ref} (equity {money(self.day.last or ZERO, 2)} from {money(self.day.open or ZERO, 2)} "
                           "at the day's start)")
            elif loss_lim.max_drawdown is not None and dd is not None and dd >= loss_lim.max_drawdown:
                self._halt(now, "loss.max_drawdown",
                           f"the drawdown {money(dd, 2)} {ref} from the day's peak equity "
                           f"{money(self.day.peak or ZERO, 2)} {ref} reached your limit of "
                           f"{fmt(loss_lim.max_drawdown)} {ref}")
        self._save()

    def _halt(self, now: int, limit: str, message: str) -> None:
        self.day.halt, self.day.halt_limit = message, limit
        flatten = self.limits.loss.flatten
        self.flatten_requested = flatten
        log.warning("risk halt: %s; opening orders are refused until the next day%s", message,
                    " and the positions are to be closed" if flatten else "")
        self._audit("risk.halt", "risk", limit=limit, message=message, flatten=flatten)
        self._emit(RiskHalted(limit, message, flatten, self.day.next_day_ms(now), now))

    def resume(self, actor: str = "user") -> None:
        """Lift today's halt (audited). It comes back at the next refresh if a loss limit is still reached."""
        if not self.day.halt:
            return
        self.day.halt, self.day.halt_limit = "", ""
        self.flatten_requested = False
        self._audit("risk.resume", actor)
        self._emit(RiskResumed(actor, self.now_ms()))
        self._save()

    def refresh(self) -> None:
        """Sample the equity, halt if a loss limit is reached, stop strategies past their loss."""
        now = self.now_ms()
        self._last_refresh_ms = now
        self._refresh_day(now)
        for name in sorted(self.book.names()):
            if name not in self._reached:
                hit = self._loss_hit(name, self.limits.for_strategy(name))
                if hit is not None:
                    self._reach(hit)

    def on_event(self, event: object) -> None:
        """A bus handler: every event of the session."""
        if isinstance(event, Fill):
            self.book.on_fill(event)
            self.refresh()
        elif isinstance(event, OrderUpdated):
            self.book.on_order(event.order)
        elif isinstance(event, BalanceChanged):
            self._on_transfer(event)
        elif isinstance(event, BalancesUpdated):
            # an order placed or cancelled moves money between free and locked: the holdings, hence the equity at
            # the prices of the last sample, are the same; a sample then waits for prices as market data does
            held = {b.asset: b.free + b.locked for b in event.balances}
            now = self.now_ms()
            if held != self._held or now - self._last_refresh_ms >= SECOND_MS \
                    or self.day.day != self.day.day_of(now):
                self._held = held
                self.refresh()
        elif isinstance(event, (QuoteTick, TradeTick, Ticker24h)):
            if self.now_ms() - self._last_refresh_ms >= SECOND_MS:
                self.refresh()

    def _on_transfer(self, event: BalanceChanged) -> None:
        """A deposit or withdrawal is not a gain or a loss: the day's open and peak move by its value."""
        value = self.account.to_reference(event.asset, event.delta) if self.account is not None else None
        if value is None and event.asset == self.limits.reference:
            value = event.delta
        if value is None:
            log.warning("risk: a %s %s of %s cannot be valued in %s; the day's loss may count it",
                        "deposit" if event.delta > 0 else "withdrawal", event.delta, event.asset,
                        self.limits.reference)
            return
        self.day.transfer(value)
        log.info("risk: %s of %s %s (%s %s) moves the day's open and peak, not its loss",
                 "deposit" if event.delta > 0 else "withdrawal", event.delta, event.asset, value,
                 self.limits.reference)

    def status(self) -> RiskStatus:
        loss = self.limits.loss
        return RiskStatus(self.limits.reference, self.day.last, self.day.open, self.day.peak, self.day.loss,
                          loss.max_daily_loss, self.day.drawdown, loss.max_drawdown, self.day.halt,
                          self.flatten_requested, tuple(sorted(self._reached)))

    # ------------------------------------------------------------------ the day's state on disk
    def _restore(self) -> None:
        if self.state_path is None:
            return
        shared_writer().flush()  # a state still queued is read back, not the file before it
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("risk state %s unreadable (%s): the day starts again", self.state_path, type(exc).__name__)
            return
        self.day.restore(data, self.now_ms())
        self._saved, self._saved_ms = self.day.to_dict(), self.now_ms()

    def _save(self) -> None:
        if self.state_path is None:
            return
        state = self.day.to_dict()
        if state == self._saved:
            return
        peak_only = {k: v for k, v in state.items() if k != "peak"} == {k: v for k, v in self._saved.items()
                                                                          if k != "peak"}
        if peak_only and self.now_ms() - self._saved_ms < 10 * SECOND_MS:
            return  # a new peak is saved at most every 10 s
        path, text = self.state_path, json.dumps(state)  # written by the background writer, never on the loop
        self._saved, self._saved_ms = state, self.now_ms()
        saved = shared_writer().submit(path, lambda: write_atomic(path, text), label=f"the risk state to {path}")
        saved.add_done_callback(self._unsaved_on_error)  # an error is logged by the writer; retried (a callback on a
        # save already failed runs at once: after the line above, so the retry mark is not overwritten)

    def _unsaved_on_error(self, saved: "Future[Any]") -> None:
        if saved.exception() is not None:
            self._saved = {}  # the next refresh writes the state again

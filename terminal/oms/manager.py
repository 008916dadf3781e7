"""The order manager: journal before send, query before retry, idempotent merges, reconciliation.

Every order the terminal sends goes through ``OrderManager.place``:

1. pre-trade checks (``risk.checks``); a failure raises before anything is written or sent;
2. the order is written to the journal as PENDING_NEW with its locally generated client order id;
3. it is sent with that id through the ``Execution`` port (``venues.ports``), whose typed outcomes decide:
   - ``RateLimited``: wait ``retry_after_s``, send again (nothing was done);
   - ``MayHaveLanded`` (no answer, 5xx): the outcome is unknown; if the request may still land (``settle_ms`` > 0)
     wait until it no longer can, then look the order up by client id; found -> adopt the venue's state;
     ``UnknownOrder`` -> safe to send the same id again; any other ``TemporaryError``: look it up too;
   - ``DuplicateOrder``: an earlier attempt landed after all: look it up and adopt it;
   - ``Rejected``/``AuthError``: the order becomes REJECTED with the venue's message, and the error is raised.

Reports from REST answers, the user stream and reconciliation all go through ``oms.merge.merge``.
On start-up and on every user-stream (re)connect ``reconcile()`` compares open orders, recent fills and balances
with the venue.

Every send is journaled (venue time and the venue's ``settle_ms()``: how long an unanswered request may still land,
e.g. Binance's recvWindow plus the clock offset) just before the request leaves. A PENDING_NEW order the venue does
not know is therefore not "never sent" yet: a request sent before a crash may still land until that time has passed
(``landing_deadline_ms``: last send + its settle time + a margin). Until then it stays PENDING_NEW and is asked about
again at the deadline; only then does it become REJECTED ("never reached the venue"). A report from the venue for
such an order (stream, query, reconciliation) is still adopted: it did land after all.

The new order and its first send are journaled in one transaction (``Journal.record_new``), durable before the
request leaves; every later state of an order is journaled deferred and written in one transaction within
``JOURNAL_FLUSH_S`` (and on close): a state lost in a crash leaves the order open in the journal, and the
reconciliation at the next start asks the venue about it.

The order manager's clock is the venue's (``execution.now_ms()``); it knows no venue's codes, texts or settings.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Awaitable, Callable, Iterable, TypeVar

from ..bus import Bus
from ..model import (Balance, BalancesUpdated, Fill, Order, OrderRequest, OrderStatus, OrderUpdated)
from ..model.numbers import InvalidArgument
from ..risk.checks import RiskChecks
from ..storage.journal import Journal
from ..tasks import TaskOwner
from ..venues.ports import (AuthError, DuplicateOrder, Execution, MayHaveLanded, RateLimited, Rejected,
                            TemporaryError, UnknownOrder, VenueError)
from .merge import merge

log = logging.getLogger(__name__)
T = TypeVar("T")
RECHECK_RETRY_S = 5.0  # after a failed look-up of an order whose outcome is unknown
JOURNAL_FLUSH_S = 0.2  # an order's later states reach the journal's file within this (reconciled if lost)
NEVER_LANDED = "never reached the venue (journaled, but the venue has no order with this id)"


class CancelFailed(Rejected):
    """A cancel (or the cancel half of a replace) did not cancel the order; ``order`` is its current state."""

    def __init__(self, message: str, order: Order | None = None) -> None:
        super().__init__(message)
        self.order = order


class OrderManager:
    def __init__(self, execution: Execution, journal: Journal, bus: Bus, *, risk: RiskChecks | None = None,
                 max_attempts: int = 12, backoff_s: float = 0.1, landing_margin_ms: int = 1000) -> None:
        self.execution = execution
        self.journal = journal
        self.bus = bus
        self.risk = risk
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.landing_margin_ms = landing_margin_ms
        self._orders: dict[str, Order] = {o.client_order_id: o for o in journal.open_orders()}
        #: the open ones among them by symbol (every place asks for its symbol's: the risk checks' working orders)
        self._open: dict[str, dict[str, Order]] = {}
        for o in self._orders.values():
            if o.is_open:
                self._open.setdefault(o.symbol, {})[o.client_order_id] = o
        self._by_venue_id: dict[tuple[str, int], str] = {}
        self._balances: dict[str, Balance] = {}
        self._inflight: set[str] = set()
        self._reconcile_lock = asyncio.Lock()
        self._rechecks: dict[str, asyncio.Task[None]] = {}  # client order id -> its scheduled look-up
        self._tasks = TaskOwner("oms", log)
        self._closed = False
        self.reconciles = 0
        self._last_reconcile_ms: int | None = None
        self._flush: asyncio.TimerHandle | None = None  # the journal's deferred states are written then
        for o in self._orders.values():
            self._index(o)

    # ------------------------------------------------------------------ state
    def order(self, client_order_id: str) -> Order | None:
        return self._orders.get(client_order_id) or self.journal.order(client_order_id)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Open orders, oldest first: every symbol's, or only ``symbol``'s (without looking at the others)."""
        if symbol is None:
            orders: Iterable[Order] = (o for by_cid in self._open.values() for o in by_cid.values())
        else:
            orders = self._open.get(symbol, {}).values()
        return sorted(orders, key=_by_age)

    def _put(self, order: Order) -> None:
        cid = order.client_order_id
        self._orders[cid] = order
        if order.is_open:
            self._open.setdefault(order.symbol, {})[cid] = order
        else:
            by_cid = self._open.get(order.symbol)
            if by_cid is not None and by_cid.pop(cid, None) is not None and not by_cid:
                del self._open[order.symbol]

    def balances(self) -> dict[str, Balance]:
        return dict(self._balances)

    def _index(self, order: Order) -> None:
        if order.venue_order_id is not None:
            self._by_venue_id[(order.symbol, order.venue_order_id)] = order.client_order_id

    def _store(self, order: Order) -> Order:
        self._put(order)
        self._index(order)
        self._journal(order)
        self.bus.publish(OrderUpdated(order, ts_event=order.ts_updated, ts_recv=self.execution.now_ms()))
        return order

    def _journal(self, order: Order) -> None:
        """A later state of an order: deferred, written with the others within JOURNAL_FLUSH_S (at once without a
        running event loop to schedule that)."""
        if self._flush is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is None or self._closed:
                self.journal.record_order(order)
                return
            self._flush = loop.call_later(JOURNAL_FLUSH_S, self._flush_journal)
        self.journal.record_order(order, defer=True)

    def _flush_journal(self) -> None:
        self._flush = None
        self.journal.flush()

    # ------------------------------------------------------------------ inbound (any source, idempotent)
    def on_order(self, report: Order) -> Order:
        """Merge a venue report (REST answer, stream event, query). Publishes OrderUpdated if anything changed."""
        cid = report.client_order_id
        if not cid and report.venue_order_id is not None:
            cid = (self._by_venue_id.get((report.symbol, report.venue_order_id))
                   or self.journal.client_order_id_for(report.symbol, report.venue_order_id) or "")
        local = self._orders.get(cid) or (self.journal.order(cid) if cid else None)
        if local is None:
            return self._store(report)
        merged = merge(local, report)
        if merged is local:
            self._put(local)
            return local
        return self._store(merged)

    def on_fill(self, fill: Fill) -> bool:
        """Record a fill once (by symbol and trade id). Returns True if it was new (and was published)."""
        if not fill.client_order_id and fill.venue_order_id is not None:
            cid = (self._by_venue_id.get((fill.symbol, fill.venue_order_id))
                   or self.journal.client_order_id_for(fill.symbol, fill.venue_order_id))
            if cid:
                fill = _with_cid(fill, cid)
        if not self.journal.record_fill(fill):
            return False
        self.bus.publish(fill)
        return True

    def on_balances(self, balances: BalancesUpdated | list[Balance], *, full: bool = False) -> None:
        items = balances.balances if isinstance(balances, BalancesUpdated) else tuple(balances)
        if full:
            self._balances = {}
        for b in items:
            self._balances[b.asset] = b
        self.bus.publish(BalancesUpdated(tuple(self._balances[a] for a in sorted(self._balances)),
                                         ts_recv=self.execution.now_ms()))

    # ------------------------------------------------------------------ placing
    async def place(self, request: OrderRequest) -> Order:
        """Check, journal, send. Returns the order as the venue has it. Raises Rejected/AuthError/PreTradeError,
        or TemporaryError if the outcome stayed unknown (the order stays PENDING_NEW until reconciled)."""
        if self.risk is not None:
            self.risk.check(request)
        cid = request.client_order_id
        now = self.execution.now_ms()
        order = Order.from_request(request, now)
        # journal BEFORE send: the order and its send in one transaction (the client id is the table's key)
        if cid in self._orders or not self.journal.record_new(order, now, self.execution.settle_ms()):
            raise InvalidArgument(f"client_order_id: {cid!r} was already used by an order of this account; leave it "
                                  "out for a new order", "client_order_id")
        self._put(order)
        self.bus.publish(OrderUpdated(order, ts_event=order.ts_updated, ts_recv=now))
        self._inflight.add(cid)
        try:
            return await self._send(request)
        finally:
            self._inflight.discard(cid)

    async def _send(self, request: OrderRequest) -> Order:
        """Send the order (its first send was journaled with it), retrying as the module says."""
        cid, symbol = request.client_order_id, request.symbol
        last: VenueError | None = None
        for attempt in range(self.max_attempts):
            if attempt:
                self.journal.record_send(cid, self.execution.now_ms(), self.execution.settle_ms())  # before it leaves
            try:
                placed, fills = await self.execution.submit(request)
            except RateLimited as exc:
                last = exc
                log.info("order %s rate limited; retrying in %.1fs", cid, exc.retry_after_s)
                await asyncio.sleep(exc.retry_after_s)
                continue
            except DuplicateOrder:  # an earlier attempt landed after all
                return self.on_order(await self.retrying(lambda: self.execution.query_order(symbol, cid)))
            except TemporaryError as exc:
                last = exc
                log.warning("order %s: outcome unknown (%s); looking it up before any retry", cid, exc.message)
                if isinstance(exc, MayHaveLanded) and exc.settle_ms > 0:
                    # the request may still be on its way: once it can no longer be accepted, a "not found" is
                    # final and resending the same id is safe
                    await self._sleep_until(max(self.landing_deadline_ms(cid),
                                                self.execution.now_ms() + exc.settle_ms + self.landing_margin_ms))
                try:
                    found = await self.retrying(lambda: self.execution.query_order(symbol, cid))
                except UnknownOrder:
                    await asyncio.sleep(self._backoff(attempt))
                    continue  # the venue never saw it: same client id again is safe
                except VenueError as qexc:
                    last = qexc
                    break
                return self.on_order(found)
            except (AuthError, Rejected) as exc:
                self._reject(cid, exc.message)
                raise
            for f in fills:
                self.on_fill(f)
            return self.on_order(placed)
        raise TemporaryError(f"order {cid}: outcome still unknown after retries ({last.message if last else ''}); "
                             "it will be reconciled when the venue answers")

    def _reject(self, cid: str, reason: str) -> None:
        local = self._orders.get(cid)
        if local is not None and local.status is OrderStatus.PENDING_NEW:
            self._store(local.with_status(OrderStatus.REJECTED, reject_reason=reason, ts_updated=self.execution.now_ms()))

    # ------------------------------------------------------------------ cancelling
    async def cancel(self, symbol: str, client_order_id: str) -> Order:
        """Cancel one order. Returns its final state (CANCELED, or FILLED/EXPIRED if it closed first)."""
        local = self.order(client_order_id)
        if local is not None and not local.is_open:
            return local
        if local is not None and local.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED):
            self._store(local.with_status(OrderStatus.PENDING_CANCEL, ts_updated=self.execution.now_ms()))
        for attempt in range(self.max_attempts):
            try:
                return self.on_order(await self.execution.cancel_order(symbol, client_order_id))
            except RateLimited as exc:
                await asyncio.sleep(exc.retry_after_s)
            except AuthError:
                current = self._orders.get(client_order_id)
                if local is not None and current is not None and current.status is OrderStatus.PENDING_CANCEL:
                    self._store(current.with_status(local.status))  # nothing was sent: back to what it was
                raise
            except (TemporaryError, Rejected) as exc:
                try:
                    state = self.on_order(await self.retrying(
                        lambda: self.execution.query_order(symbol, client_order_id)))
                except UnknownOrder:
                    raise CancelFailed(f"cannot cancel {client_order_id}: the venue does not know this order") from None
                if not state.is_open:
                    return state
                if isinstance(exc, Rejected):
                    raise CancelFailed(f"cancel of {client_order_id} refused: {exc.message}", state) from None
                await asyncio.sleep(self._backoff(attempt))
        raise CancelFailed(f"cancel of {client_order_id}: no answer from the venue after retries",
                           self.order(client_order_id))

    async def cancel_all(self, symbol: str) -> list[Order]:
        """Cancel every open order on ``symbol`` and make sure none is left. Returns the orders that were canceled."""
        targets = {o.client_order_id for o in self.open_orders(symbol)}
        try:
            reports = await self.retrying(lambda: self.execution.cancel_all(symbol))
        except Rejected:
            reports = []  # e.g. nothing was open
        except TemporaryError:
            reports = []
        done: dict[str, Order] = {}
        for r in reports:
            merged = self.on_order(r)
            done[merged.client_order_id] = merged
        remaining = {o.client_order_id for o in await self.retrying(lambda: self.execution.open_orders(symbol))}
        remaining |= {o.client_order_id for o in self.open_orders(symbol) if o.client_order_id not in self._inflight}
        for cid in remaining - set(done):
            try:
                done[cid] = await self.cancel(symbol, cid)
            except CancelFailed as exc:
                log.warning("cancel-all %s: %s", symbol, exc.message)
        targets |= set(done)
        orders = [self.order(cid) for cid in sorted(targets)]
        return [o for o in orders if o is not None and o.status is OrderStatus.CANCELED]

    async def replace(self, symbol: str, client_order_id: str, *, quantity=None, price=None,  # type: ignore[no-untyped-def]
                      stop_price=None) -> Order:
        """Cancel, then place a copy with a new client id (quantity defaults to what was left unfilled; price and
        stop price to the old order's). If the cancel does not succeed, nothing is placed and CancelFailed says why."""
        old = self.order(client_order_id)
        if old is None:
            old = self.on_order(await self.retrying(lambda: self.execution.query_order(symbol, client_order_id)))
        instrument = self.risk.instruments.get(old.symbol) if self.risk is not None else None
        if instrument is not None:  # a replacement that cannot be placed is refused before the original is canceled
            instrument.validate_order(old.side, old.type, quantity if quantity is not None else old.remaining_qty,
                                      price if price is not None else old.price,
                                      stop_price if stop_price is not None else old.stop_price,
                                      time_in_force=old.time_in_force)
        canceled = await self.cancel(symbol, client_order_id)
        if canceled.status is not OrderStatus.CANCELED:
            raise CancelFailed(f"order {client_order_id} was not replaced: it is already "
                               f"{canceled.status.name.replace('_', ' ').lower()}; no new order was placed", canceled)
        qty = quantity if quantity is not None else canceled.remaining_qty
        request = OrderRequest(symbol=old.symbol, side=old.side, type=old.type, quantity=qty,
                               price=price if price is not None else old.price,
                               stop_price=stop_price if stop_price is not None else old.stop_price,
                               time_in_force=old.time_in_force, origin=old.origin)
        return await self.place(request)

    # ------------------------------------------------------------------ reconciliation
    async def reconcile(self) -> None:
        """Bring open orders, recent fills and balances in line with the venue (start-up, every (re)connect)."""
        async with self._reconcile_lock:
            started = self.execution.now_ms()
            open_before = self.open_orders()
            venue_open = await self.retrying(lambda: self.execution.open_orders(None))
            seen = set()
            for report in venue_open:
                seen.add(self.on_order(report).client_order_id)
            symbols = {o.symbol for o in venue_open} | {o.symbol for o in self._orders.values()}
            for local in list(self.open_orders()):
                cid = local.client_order_id
                if cid in seen or cid in self._inflight:
                    continue
                try:
                    self.on_order(await self.retrying(lambda: self.execution.query_order(local.symbol, cid)))
                except UnknownOrder:
                    if self._unknown_to_venue(cid):
                        self._recheck_at_deadline(local)
            for symbol in sorted(symbols):
                await self._sync_fills(symbol, self._fills_since(symbol, open_before))
            balances = await self.retrying(self.execution.balances)
            self._last_reconcile_ms = started
            self.reconciles += 1
            self.on_balances(balances, full=True)  # published last: a listener sees the finished reconciliation

    def _fills_since(self, symbol: str, open_before: list[Order]) -> int | None:
        """Fills may have been missed since the last reconciliation and for any order open before this one."""
        bounds = [o.ts_created for o in open_before if o.symbol == symbol]
        if self._last_reconcile_ms is not None:
            bounds.append(self._last_reconcile_ms)
        elif not bounds:
            last = self.journal.last_fill_ms(symbol)
            bounds = [last] if last is not None else []
        return min(bounds) - 60_000 if bounds else None

    async def _sync_fills(self, symbol: str, start_ms: int | None, page: int = 500, max_pages: int = 20) -> None:
        for _ in range(max_pages):
            fills = await self.retrying(lambda: self.execution.fills(symbol, start_ms, page))
            for fill in fills:
                self.on_fill(fill)
            if len(fills) < page or start_ms is None:
                return
            start_ms = max(f.ts_event for f in fills)

    def _unknown_to_venue(self, cid: str) -> bool:
        """The venue has just said it has no order ``cid``. Returns True if that is not final yet (a request for it
        may still land): the order stays PENDING_NEW and must be asked about again at its landing deadline."""
        local = self._orders.get(cid)
        if local is None or not local.is_open:
            return False  # a report came in meanwhile
        now = self.execution.now_ms()
        if local.status is OrderStatus.PENDING_NEW:  # journaled; sent or not, nobody knows (a crash after the send?)
            if now < self.landing_deadline_ms(cid):
                return True
            self._store(local.with_status(OrderStatus.REJECTED, ts_updated=now, reject_reason=NEVER_LANDED))
        else:
            self._store(local.with_status(OrderStatus.EXPIRED, ts_updated=now, reject_reason="unknown to the venue"))
        return False

    def landing_deadline_ms(self, client_order_id: str) -> int:
        """Venue-clock ms after which no request for this order can be accepted any more: its last journaled send
        (else its creation) plus the settle time the venue gave for that send (else now), and a margin."""
        sent = self.journal.last_send(client_order_id)
        if sent is not None:
            ts, settle = sent.ts_sent, sent.settle_ms
        else:
            local = self.order(client_order_id)
            ts, settle = (local.ts_created if local else 0), self.execution.settle_ms()
        return ts + settle + self.landing_margin_ms

    def _recheck_at_deadline(self, order: Order) -> None:
        cid = order.client_order_id
        if self._closed or cid in self._rechecks:
            return
        task = self._tasks.spawn(self._recheck(order.symbol, cid), name=f"recheck {cid}")  # a failure is logged
        self._rechecks[cid] = task
        task.add_done_callback(lambda t: self._recheck_done(cid, t))

    def _recheck_done(self, cid: str, task: "asyncio.Task[None]") -> None:
        if self._rechecks.get(cid) is task:
            del self._rechecks[cid]

    async def _recheck(self, symbol: str, cid: str) -> None:
        """Ask the venue about a PENDING_NEW order it did not know once its landing deadline has passed."""
        while True:
            local = self._orders.get(cid)
            if local is None or local.status is not OrderStatus.PENDING_NEW or cid in self._inflight:
                return  # a report settled it, or this process is sending it again (``_send`` follows it up)
            if self.execution.now_ms() < self.landing_deadline_ms(cid):
                await self._sleep_until(self.landing_deadline_ms(cid))
                continue
            try:
                found = await self.retrying(lambda: self.execution.query_order(symbol, cid))
            except UnknownOrder:
                if self._unknown_to_venue(cid):
                    continue  # sent again meanwhile: a later deadline
                return
            except VenueError as exc:
                log.warning("order %s: look-up failed (%s); asking again in %.0fs", cid, exc.message, RECHECK_RETRY_S)
                await asyncio.sleep(RECHECK_RETRY_S)
                continue
            self.on_order(found)
            return

    async def _sleep_until(self, venue_ms: int) -> None:
        await asyncio.sleep(max(0, venue_ms - self.execution.now_ms()) / 1000)

    async def close(self) -> None:
        """Stop the scheduled look-ups (their orders stay PENDING_NEW in the journal for the next start)."""
        self._closed = True
        await self._tasks.close()
        if self._flush is not None:
            self._flush.cancel()
            self._flush_journal()

    # ------------------------------------------------------------------ plumbing
    def _backoff(self, attempt: int) -> float:
        return min(2.0, self.backoff_s * (2 ** attempt))

    async def retrying(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Call a read-only or idempotent request, waiting out rate limits and temporary errors."""
        for attempt in range(self.max_attempts):
            try:
                return await fn()
            except RateLimited as exc:
                await asyncio.sleep(exc.retry_after_s)
            except TemporaryError:
                if attempt == self.max_attempts - 1:
                    raise
                await asyncio.sleep(self._backoff(attempt))
        return await fn()


def _by_age(order: Order) -> tuple[int, str]:
    return order.ts_created, order.client_order_id


def _with_cid(fill: Fill, cid: str) -> Fill:
    return dataclasses.replace(fill, client_order_id=cid)

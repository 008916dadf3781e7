"""Orders on ib_async: submit (and the native bracket / OCO groups), modify in place, cancel, look-ups, and the
order and fill reports on the bus.

Our client order id travels as ``orderRef``: every ib_async ``Trade`` is matched to our order by it (also the
trades ib_async learns again after a reconnect or a restart). An order is acknowledged when IB answers it (openOrder
or orderStatus past PendingSubmit); an IB error on it becomes the typed outcome (``errors.outcome``); no answer within
``ack_timeout_s`` is ``MayHaveLanded`` (look it up by client id before any retry: ``query_order`` finds it by
orderRef). Fills are published once, with their commission (when IB's commission report arrives, or without it
after ``commission_wait_s``).
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any, Awaitable, Callable, Iterable, Sequence

from ...model import Fill, Order, OrderRequest, OrderStatus, OrderUpdated
from ..ports import MayHaveLanded, Rejected, TemporaryError, UnknownOrder
from . import errors, orders
from .contracts import instrument_key

log = logging.getLogger(__name__)

DONE = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})
UNACKED = frozenset({"PendingSubmit", ""})


class IbTrading:
    def __init__(self, ib: Any, publish: Callable[[object], None], contract: Callable[[str], Any],
                 now_ms: Callable[[], int], connected: Callable[[], bool],
                 reconnected: Callable[[float], Awaitable[bool]], *, account: str = "", reconnect_wait_s: float = 5.0,
                 ack_timeout_s: float = 10.0, settle_ms: int = 5000, commission_wait_s: float = 2.0) -> None:
        self.ib = ib
        self.publish = publish
        self.contract = contract
        self.now_ms = now_ms
        self.connected = connected
        self.reconnected = reconnected
        self.reconnect_wait_s = reconnect_wait_s
        self.account = account
        self.ack_timeout_s = ack_timeout_s
        self.settle_ms = settle_ms
        self.commission_wait_s = commission_wait_s
        self._orders: dict[str, Order] = {}  # cid -> our latest view
        self._trades: dict[str, Any] = {}  # cid -> ib_async Trade
        self._cid_by_id: dict[int, str] = {}  # IB orderId -> cid
        self._published: dict[str, tuple[Any, ...]] = {}
        self._fills_sent: set[str] = set()  # execIds published
        self._fill_timers: dict[str, asyncio.TimerHandle] = {}
        self._changed = asyncio.Event()
        self.user_stream = False
        ib.openOrderEvent += self._on_trade
        ib.orderStatusEvent += self._on_trade
        ib.execDetailsEvent += self._on_exec
        ib.commissionReportEvent += self._on_commission

    # ------------------------------------------------------------------ reports
    def _cid(self, trade: Any) -> str | None:
        ref = trade.order.orderRef
        if ref:
            return str(ref)
        return self._cid_by_id.get(trade.order.orderId)

    def _order(self, trade: Any, cid: str) -> Order:
        known = self._orders.get(cid)
        return orders.order(trade, cid_of=self._cid_by_id.get, now_ms=self.now_ms(), known=known)

    def _on_trade(self, trade: Any) -> None:
        try:
            self.adopt(trade)
        except Exception:  # noqa: BLE001 - one bad report must not stop the stream
            log.exception("IB: order report failed")
        self._changed.set()

    def adopt(self, trade: Any) -> Order | None:
        """Take in a Trade (live report, or one ib_async learned on connecting): our view, and OrderUpdated when it
        changed."""
        cid = self._cid(trade)
        if cid is None:
            return None
        if trade.order.orderId:
            self._cid_by_id[trade.order.orderId] = cid
        self._trades[cid] = trade
        order = self._order(trade, cid)
        self._orders[cid] = order
        key = (order.status, order.filled_qty, order.quantity, order.price, order.stop_price)
        if self._published.get(cid) != key and self.user_stream:
            self._published[cid] = key
            self.publish(OrderUpdated(order, ts_event=order.ts_updated, ts_recv=self.now_ms()))
        return order

    def _on_exec(self, trade: Any, fill: Any) -> None:
        self._on_trade(trade)
        exec_id = fill.execution.execId
        if exec_id in self._fills_sent or exec_id in self._fill_timers:
            return
        loop = asyncio.get_event_loop()
        self._fill_timers[exec_id] = loop.call_later(self.commission_wait_s, self._send_fill, trade, fill)

    def _on_commission(self, trade: Any, fill: Any, report: Any) -> None:
        self._send_fill(trade, fill)
        self._changed.set()

    def _send_fill(self, trade: Any, fill: Any) -> None:
        exec_id = fill.execution.execId
        timer = self._fill_timers.pop(exec_id, None)
        if timer is not None:
            timer.cancel()
        if exec_id in self._fills_sent:
            return
        self._fills_sent.add(exec_id)
        if self.user_stream:
            self.publish(orders.fill(fill, self._cid(trade) or "", now_ms=self.now_ms()))

    def sweep(self) -> None:
        """After a (re)connect: every Trade ib_async knows (open, completed) and every fill it fetched."""
        for trade in list(self.ib.trades()):
            self.adopt(trade)
        for fill in list(self.ib.fills()):
            trade = self._trades.get(fill.execution.orderRef) if fill.execution.orderRef else None
            if fill.execution.execId not in self._fills_sent and trade is not None:
                self._send_fill(trade, fill)

    def close(self) -> None:
        for timer in self._fill_timers.values():
            timer.cancel()
        self._fill_timers.clear()

    # ------------------------------------------------------------------ helpers
    async def _require_connected(self, what: str) -> None:
        """Connected now, or again within ``reconnect_wait_s`` (a short outage is bridged: the request leaves once
        the connection is back); else Rejected, nothing sent."""
        if self.connected() or await self.reconnected(self.reconnect_wait_s):
            return
        raise Rejected(f"{what}: not connected to TWS/Gateway (the connection is down; reconnecting): "
                       f"nothing was sent")

    async def _wait(self, trades: Iterable[Any], settled: Callable[[Any], bool], timeout_s: float) -> bool:
        trades = list(trades)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not all(settled(t) for t in trades):
            remaining = deadline - loop.time()
            if remaining <= 0 or not self.connected():
                return all(settled(t) for t in trades)
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass
        return True

    def _outcome(self, trade: Any, cid: str) -> Order:
        """The order after its acknowledgement, or the typed outcome of IB's error on it."""
        order = self.adopt(trade) or self._order(trade, cid)
        if trade.orderStatus.status in ("Cancelled", "Inactive", "ApiCancelled") and not order.filled_qty:
            for entry in reversed(trade.log):
                if entry.errorCode and entry.errorCode != errors.CANCELLED:
                    raise errors.outcome(entry.errorCode, entry.message, what=f"order {cid}")
        return order

    def _unanswered(self, cid: str) -> MayHaveLanded:
        return MayHaveLanded(f"order {cid}: no answer from TWS/Gateway within {self.ack_timeout_s:.0f} s",
                             settle_ms=self.settle_ms)

    def _place(self, contract: Any, ib_order: Any, request: OrderRequest) -> Any:
        cid = request.client_order_id
        self._orders[cid] = Order.from_request(request, self.now_ms())
        trade = self.ib.placeOrder(contract, ib_order)
        self._cid_by_id[trade.order.orderId] = cid
        self._trades[cid] = trade
        return trade

    def _check_new(self, cid: str) -> None:
        trade = self._trades.get(cid)
        if trade is not None and trade.orderStatus.status not in ("Cancelled", "ApiCancelled", "Inactive"):
            raise errors.outcome(errors.DUPLICATE_ID, "an order with this orderRef exists", what=f"order {cid}")
        for t in self.ib.trades():
            if t.order.orderRef == cid and t.orderStatus.status not in DONE:
                raise errors.outcome(errors.DUPLICATE_ID, "an order with this orderRef exists", what=f"order {cid}")

    # ------------------------------------------------------------------ orders
    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        cid = request.client_order_id
        await self._require_connected(f"order {cid}")
        self._check_new(cid)
        contract = await self.contract(request.symbol)
        parent = 0
        if request.options.parent_id:
            parent_trade = self._trades.get(request.options.parent_id)
            if parent_trade is None:
                raise Rejected(f"order {cid}: parent order {request.options.parent_id} is unknown")
            parent = parent_trade.order.orderId
        ib_order = orders.build(request, parent_order_id=parent, account=self.account)
        trade = self._place(contract, ib_order, request)
        if not await self._wait([trade], _acked, self.ack_timeout_s):
            raise self._unanswered(cid)
        order = self._outcome(trade, cid)
        return order, await self._fills_of(trade, cid)

    async def _fills_of(self, trade: Any, cid: str) -> list[Fill]:
        """The fills of an order that filled at once, with their commissions (IB reports them just after)."""
        if not trade.fills:
            return []
        await self._wait([trade], lambda t: all(f.commissionReport.execId for f in t.fills), self.commission_wait_s)
        out = []
        for f in trade.fills:
            self._send_fill(trade, f)  # on the bus once, with its commission, before the caller hears of it
            out.append(orders.fill(f, cid, now_ms=self.now_ms()))
        return out

    async def submit_group(self, legs: Sequence[tuple[OrderRequest, int, bool, str | None]]) -> list[Order]:
        """Place several orders together: (request, parent leg index or -1, transmit, oca group)."""
        for request, *_ in legs:
            await self._require_connected(f"order {request.client_order_id}")
            self._check_new(request.client_order_id)
        contracts = [await self.contract(r.symbol) for r, *_ in legs]
        ids = [self.ib.client.getReqId() for _ in legs]
        trades = []
        for (request, parent_index, transmit, _group), contract, order_id in zip(legs, contracts, ids):
            ib_order = orders.build(request, order_id=order_id, transmit=transmit, account=self.account,
                                    parent_order_id=ids[parent_index] if parent_index >= 0 else 0)
            trades.append(self._place(contract, ib_order, request))
        if not await self._wait(trades, _acked, self.ack_timeout_s):
            raise self._unanswered(legs[0][0].client_order_id)
        return [self._outcome(t, r.client_order_id) for t, (r, *_) in zip(trades, legs)]

    def _trade(self, cid: str) -> Any:
        trade = self._trades.get(cid)
        if trade is None:
            for t in self.ib.trades():
                if t.order.orderRef == cid:
                    return t
            raise UnknownOrder(f"order {cid} is unknown to IB")
        return trade

    async def cancel(self, symbol: str, cid: str) -> Order:
        trade = self._trade(cid)
        if trade.orderStatus.status in DONE:
            return self.adopt(trade) or self._order(trade, cid)
        if not self.connected():
            await self._require_connected(f"cancel {cid}")
            trade = self._trade(cid)  # ib_async knows it afresh after a reconnect
            if trade.orderStatus.status in DONE:
                return self.adopt(trade) or self._order(trade, cid)
        self.ib.cancelOrder(trade.order)
        await self._wait([trade], lambda t: t.orderStatus.status in DONE, self.ack_timeout_s)
        return self.adopt(trade) or self._order(trade, cid)

    async def cancel_all(self, symbol: str | None) -> list[Order]:
        """Cancel every working order (on ``symbol``; all of them with None, through IB's global cancel)."""
        await self._require_connected("cancel all")
        if symbol is None:
            targets = [t for t in self.ib.openTrades()]
            self.ib.reqGlobalCancel()
        else:
            targets = [t for t in self.ib.openTrades() if instrument_key(t.contract) == symbol]
            for t in targets:
                self.ib.cancelOrder(t.order)
        await self._wait(targets, lambda t: t.orderStatus.status in DONE, self.ack_timeout_s)
        out = []
        for t in targets:
            cid = self._cid(t)
            if cid is not None:
                order = self.adopt(t) or self._order(t, cid)
                if order.status is OrderStatus.CANCELED:
                    out.append(order)
        return out

    async def replace(self, symbol: str, cid: str, quantity: Decimal | None, price: Decimal | None) -> Order:
        """Native modify: the same orderId placed again with the new quantity and/or price (limit price; the stop
        of a stop order)."""
        await self._require_connected(f"modify {cid}")
        trade = self._trade(cid)
        if trade.orderStatus.status in DONE:
            raise Rejected(f"order {cid} is {trade.orderStatus.status}: nothing to modify")
        ib_order = trade.order
        if quantity is not None:
            ib_order.totalQuantity = quantity
        if price is not None:
            if ib_order.orderType in ("STP", "TRAIL"):
                ib_order.auxPrice = price
            else:
                ib_order.lmtPrice = price
        before = len(trade.log)
        self.ib.placeOrder(trade.contract, ib_order)
        await self._wait([trade], lambda t: len(t.log) > before + 1 or t.orderStatus.status in DONE,
                         self.ack_timeout_s)
        order = self._outcome(trade, cid)
        return order

    def _find(self, cid: str) -> Any:
        trade = self._trades.get(cid)
        if trade is None:
            trade = next((t for t in self.ib.trades() if t.order.orderRef == cid), None)
        return trade

    async def query(self, symbol: str, cid: str) -> Order:
        """The order by client order id, as IB has it. One we sent that IB never acknowledged and does not list
        (asked afresh) never arrived: UnknownOrder (the caller waited ``settle_ms`` first; resending is safe)."""
        if not self.connected():
            await self.reconnected(self.reconnect_wait_s)
        trade = self._find(cid)
        if (trade is None or not _acked(trade)) and self.connected():
            await self.ib.reqAllOpenOrdersAsync()
            self.sweep()
            trade = self._find(cid)
            if trade is not None and not _acked(trade):
                self._trades.pop(cid, None)
                self._orders.pop(cid, None)
                trade = None
        if trade is not None:
            return self.adopt(trade) or self._order(trade, cid)
        if not self.connected():
            raise TemporaryError(f"order {cid}: not connected to TWS/Gateway, cannot look it up")
        raise UnknownOrder(f"order {cid} is unknown to IB")

    async def open_orders(self, symbol: str | None) -> list[Order]:
        if self.connected():
            await self.ib.reqOpenOrdersAsync()
            self.sweep()
        return [o for o in self._orders.values() if o.is_open and o.status is not OrderStatus.PENDING_NEW
                and (symbol is None or o.symbol == symbol)]

    def history(self, symbol: str, start_ms: int | None, limit: int) -> list[Order]:
        rows = [o for o in self._orders.values() if o.symbol == symbol and (start_ms is None or
                                                                              o.ts_created >= start_ms)]
        return sorted(rows, key=lambda o: o.ts_created)[-limit:]

    def fills(self, symbol: str, start_ms: int | None, limit: int) -> list[Fill]:
        out = []
        for fill in self.ib.fills():
            if instrument_key(fill.contract) != symbol:
                continue
            cid = fill.execution.orderRef or self._cid_by_id.get(fill.execution.orderId, "")
            f = orders.fill(fill, cid, now_ms=self.now_ms())
            if start_ms is None or f.ts_event >= start_ms:
                out.append(f)
        return sorted(out, key=lambda f: f.ts_event)[-limit:]


def _acked(trade: Any) -> bool:
    return trade.orderStatus.status not in UNACKED or bool(trade.fills) or any(e.errorCode for e in trade.log)

"""A scripted in-memory venue implementing the ``Execution`` port (no patching of privates), answering with the
ports' typed outcomes only."""
from __future__ import annotations

import asyncio
import itertools
import time
from decimal import Decimal
from typing import Callable

from terminal.model import Balance, Fill, Holding, Liquidity, Order, OrderRequest, OrderStatus, OrderType
from terminal.venues.ports import (AuthError, DuplicateOrder, MayHaveLanded, RateLimited, Rejected, TemporaryError,
                                   UnknownOrder)

PRICE = Decimal("100")


class FakeExecution:
    """MARKET orders fill at once at 100; LIMIT orders rest until ``fill()``.

    ``script`` is consumed one entry per submit call: "ok", "fail_before" (5xx, not placed), "fail_after" (placed,
    then 5xx), "no_answer" (not placed, no answer: may still land for ``settle``), "not_sent" (a plain temporary
    error: nothing left), ("rate", seconds), ("reject", message). ``query_failures`` makes the next N queries fail.
    """

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.trades: list[Fill] = []
        self.script: list[object] = []
        self.query_failures = 0
        self.submits = 0
        self.settle = 0  # ms an unanswered request may still land (the port's settle_ms)
        self.clock_offset_ms = 0  # the venue's clock minus ours
        self.query_times: list[float] = []
        self.queries = 0
        self.cancel_script: list[object] = []
        self.account = [Balance("USDT", Decimal("10000"), Decimal(0)), Balance("BTC", Decimal("1"), Decimal(0))]
        self._ids = itertools.count(1)
        self._trade_ids = itertools.count(1000)

    # -- port ------------------------------------------------------------------------------------------
    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_offset_ms

    def settle_ms(self) -> int:
        return self.settle

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        self.submits += 1
        step = self.script.pop(0) if self.script else "ok"
        if isinstance(step, tuple) and step[0] == "rate":
            raise RateLimited("slow down", retry_after_s=step[1])
        if isinstance(step, tuple) and step[0] == "reject":
            raise Rejected(step[1])
        if step == "fail_before":
            raise MayHaveLanded("HTTP 500 (outcome unknown)", http_status=500)
        if step == "no_answer":
            raise MayHaveLanded("timed out (outcome unknown)", settle_ms=self.settle)
        if step == "not_sent":
            raise TemporaryError("connection refused")
        if step == "duplicate":  # an earlier copy of this request landed unseen: the venue has the order already
            self.orders[request.client_order_id] = Order.from_request(request, 1).with_status(
                OrderStatus.NEW, venue_order_id=next(self._ids))
            raise DuplicateOrder("an open order has this client order id")
        if request.client_order_id in self.orders and self.orders[request.client_order_id].is_open:
            raise DuplicateOrder("an open order has this client order id")
        order = Order.from_request(request, 1).with_status(OrderStatus.NEW, venue_order_id=next(self._ids))
        fills: list[Fill] = []
        if request.type is OrderType.MARKET:
            qty = request.quantity or (request.quote_quantity / PRICE)
            order = order.with_status(OrderStatus.FILLED, quantity=qty, filled_qty=qty, filled_quote=qty * PRICE)
            fills.append(self._trade(order, qty))
        self.orders[order.client_order_id] = order
        if step == "fail_after":
            raise TemporaryError("HTTP 500 (outcome unknown)", None, 500)
        return order, fills

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        step = self.cancel_script.pop(0) if self.cancel_script else "ok"
        if step == "auth":
            raise AuthError("keys refused")
        if step == "fail_after":
            self._cancel(client_order_id)
            raise MayHaveLanded("HTTP 500", http_status=500)
        return self._cancel(client_order_id)

    def _cancel(self, cid: str) -> Order:
        o = self.orders.get(cid)
        if o is None or not o.is_open:
            raise UnknownOrder("no such open order")
        o = o.with_status(OrderStatus.CANCELED)
        self.orders[cid] = o
        return o

    async def cancel_all(self, symbol: str) -> list[Order]:
        out = [self._cancel(c) for c, o in list(self.orders.items()) if o.symbol == symbol and o.is_open]
        if not out:
            raise Rejected("nothing to cancel")
        return out

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        self.queries += 1
        self.query_times.append(asyncio.get_running_loop().time())
        if self.query_failures:
            self.query_failures -= 1
            raise TemporaryError("HTTP 500", http_status=500)
        if client_order_id not in self.orders:
            raise UnknownOrder("no such order")
        return self.orders[client_order_id]

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self.orders.values() if o.is_open and (symbol is None or o.symbol == symbol)]

    async def fills(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        return [f for f in self.trades if f.symbol == symbol]

    async def balances(self) -> list[Balance]:
        return list(self.account)

    async def test_order(self, request: OrderRequest) -> None:
        return None

    async def order_history(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Order]:
        return [o for o in self.orders.values() if o.symbol == symbol]

    async def positions(self) -> list[Holding]:
        return []

    async def replace_order(self, symbol: str, client_order_id: str, quantity: Decimal | None = None,
                            price: Decimal | None = None) -> Order:
        raise Rejected("no native replace")

    async def start_user_stream(self, on_connect: Callable[[bool], None] | None = None) -> None:
        return None

    # -- test controls -----------------------------------------------------------------------------------
    def fill(self, cid: str, qty: Decimal) -> tuple[Order, Fill]:
        o = self.orders[cid]
        filled = o.filled_qty + qty
        status = OrderStatus.FILLED if filled >= o.quantity else OrderStatus.PARTIALLY_FILLED
        o = o.with_status(status, filled_qty=filled, filled_quote=o.filled_quote + qty * (o.price or PRICE))
        self.orders[cid] = o
        return o, self._trade(o, qty)

    def _trade(self, o: Order, qty: Decimal) -> Fill:
        px = o.price or PRICE
        f = Fill(o.symbol, "", o.venue_order_id, next(self._trade_ids), o.side, px, qty, px * qty, Decimal(0), "BNB",
                 Liquidity.TAKER, ts_event=2)
        self.trades.append(f)
        return f

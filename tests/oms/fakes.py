"""A scripted in-memory venue implementing the order manager's ExecutionPort (no patching of privates)."""
from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal

from terminal.model import Balance, Fill, Liquidity, Order, OrderRequest, OrderStatus, OrderType
from terminal.venues.base import AuthError, OrderRejected, RateLimited, TemporaryError, UnknownOrder

PRICE = Decimal("100")


class FakeExecution:
    """MARKET orders fill at once at 100; LIMIT orders rest until ``fill()``.

    ``script`` is consumed one entry per submit call: "ok", "fail_before" (5xx, not placed), "fail_after" (placed,
    then 5xx), ("rate", seconds), ("reject", message). ``query_failures`` makes the next N queries fail with 5xx.
    """

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.trades: list[Fill] = []
        self.script: list[object] = []
        self.query_failures = 0
        self.submits = 0
        self.recv_window = 0  # ms; like BinanceRest.recv_window
        self.query_times: list[float] = []
        self.queries = 0
        self.cancel_script: list[object] = []
        self.balances = [Balance("USDT", Decimal("10000"), Decimal(0)), Balance("BTC", Decimal("1"), Decimal(0))]
        self._ids = itertools.count(1)
        self._trade_ids = itertools.count(1000)

    # -- port ------------------------------------------------------------------------------------------
    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        self.submits += 1
        step = self.script.pop(0) if self.script else "ok"
        if isinstance(step, tuple) and step[0] == "rate":
            raise RateLimited("429", -1003, 429, retry_after_s=step[1])
        if isinstance(step, tuple) and step[0] == "reject":
            raise OrderRejected(step[1], -2010, 400)
        if step == "fail_before":
            raise TemporaryError("HTTP 500 (outcome unknown)", None, 500)
        if step == "no_answer":
            raise TemporaryError("timed out (outcome unknown)")
        if request.client_order_id in self.orders and self.orders[request.client_order_id].is_open:
            raise OrderRejected("Duplicate order sent.", -2010, 400)
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
            raise AuthError("Invalid API-key, IP, or permissions for action.", -2015, 401)
        if step == "fail_after":
            self._cancel(client_order_id)
            raise TemporaryError("HTTP 500", None, 500)
        return self._cancel(client_order_id)

    def _cancel(self, cid: str) -> Order:
        o = self.orders.get(cid)
        if o is None or not o.is_open:
            raise UnknownOrder("Unknown order sent.", -2011, 400)
        o = o.with_status(OrderStatus.CANCELED)
        self.orders[cid] = o
        return o

    async def cancel_all(self, symbol: str) -> list[Order]:
        out = [self._cancel(c) for c, o in list(self.orders.items()) if o.symbol == symbol and o.is_open]
        if not out:
            raise OrderRejected("Unknown order sent.", -2011, 400)
        return out

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        self.queries += 1
        self.query_times.append(asyncio.get_running_loop().time())
        if self.query_failures:
            self.query_failures -= 1
            raise TemporaryError("HTTP 500", None, 500)
        if client_order_id not in self.orders:
            raise UnknownOrder("Order does not exist.", -2013, 400)
        return self.orders[client_order_id]

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self.orders.values() if o.is_open and (symbol is None or o.symbol == symbol)]

    async def my_trades(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        return [f for f in self.trades if f.symbol == symbol]

    async def account(self) -> list[Balance]:
        return list(self.balances)

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

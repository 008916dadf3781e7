"""HTTP routes of orders, trades and the portfolio: ``POST /orders/{variety}``, ``PUT``/``DELETE
/orders/{variety}/{order_id}``, ``GET /orders``, ``/orders/{order_id}`` (history, oldest first),
``/orders/{order_id}/trades``, ``/trades``, ``/portfolio/positions`` (net and day), ``/portfolio/holdings``,
``PUT /portfolio/positions`` (convert between MIS and CNC/NRML) and ``/user/margins``.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDict

from .envelope import input_error, success
from .orders import Orders
from .portfolio import Portfolio


async def params(request: web.Request) -> MultiDict[str]:
    merged: MultiDict[str] = MultiDict(request.query)
    if request.method in ("POST", "PUT"):
        try:
            form = await request.post()
        except Exception:  # noqa: BLE001 - a body that is not a form
            raise input_error("The request body must be form-encoded.") from None
        for key, value in form.items():
            if isinstance(value, str):
                merged.add(key, value)
    return merged


class Trading:
    def __init__(self, orders: Orders, portfolio: Portfolio) -> None:
        self.orders = orders
        self.portfolio = portfolio

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/orders", self.list_orders), web.post("/orders/{variety}", self.place),
            web.put("/orders/{variety}/{order_id}", self.modify), web.delete("/orders/{variety}/{order_id}", self.cancel),
            web.get("/orders/{order_id}", self.history), web.get("/orders/{order_id}/trades", self.order_trades),
            web.get("/trades", self.trades), web.get("/portfolio/positions", self.positions),
            web.put("/portfolio/positions", self.convert), web.get("/portfolio/holdings", self.holdings),
            web.get("/portfolio/holdings/auctions", self.auctions),
            web.get("/user/margins", self.margins), web.get("/user/margins/{segment}", self.margins),
        ]

    async def place(self, request: web.Request) -> web.Response:
        order = self.orders.place(request.match_info["variety"], await params(request))
        return success({"order_id": order.order_id})

    async def modify(self, request: web.Request) -> web.Response:
        order = self.orders.modify(request.match_info["variety"], request.match_info["order_id"],
                                   await params(request))
        return success({"order_id": order.order_id})

    async def cancel(self, request: web.Request) -> web.Response:
        order = self.orders.cancel(request.match_info["variety"], request.match_info["order_id"],
                                   request.query.get("parent_order_id"))
        return success({"order_id": order.order_id})

    async def list_orders(self, request: web.Request) -> web.Response:
        return success([o.record() for o in self.orders.orders.values()])

    async def history(self, request: web.Request) -> web.Response:
        return success(list(self.orders.get(request.match_info["order_id"]).history))

    async def order_trades(self, request: web.Request) -> web.Response:
        return success(list(self.orders.get(request.match_info["order_id"]).trades))

    async def trades(self, request: web.Request) -> web.Response:
        return success(self.orders.all_trades())

    async def positions(self, request: web.Request) -> web.Response:
        return success(self.portfolio.positions_payload())

    async def holdings(self, request: web.Request) -> web.Response:
        return success(self.portfolio.holdings_payload())

    async def auctions(self, request: web.Request) -> web.Response:
        return success([])  # no exchange auctions on the paper market

    async def margins(self, request: web.Request) -> web.Response:
        open_orders = self.orders.open_margin_orders()
        segment = request.match_info.get("segment")
        if segment is not None:
            if segment not in ("equity", "commodity"):
                raise input_error("Invalid segment.")
            return success(self.portfolio.margins(open_orders, segment))
        return success({seg: self.portfolio.margins(open_orders, seg) for seg in ("equity", "commodity")})

    async def convert(self, request: web.Request) -> web.Response:
        form = await params(request)
        item = self.orders.market.find(form.get("exchange", ""), form.get("tradingsymbol", ""))
        if item is None:
            raise input_error("Invalid `tradingsymbol`.")
        old, new = form.get("old_product", ""), form.get("new_product", "")
        allowed = {("MIS", "CNC"), ("CNC", "MIS")} if not item.derivative else {("MIS", "NRML"), ("NRML", "MIS")}
        if (old, new) not in allowed:
            raise input_error(f"Cannot convert {old} to {new} for {item.tradingsymbol}.")
        try:
            qty = int(form.get("quantity", "0"))
        except ValueError:
            raise input_error("Invalid `quantity`.") from None
        source = self.portfolio.positions.get((item.key, old))
        buy = form.get("transaction_type") == "BUY"
        if source is None or qty <= 0 or (source.quantity if buy else -source.quantity) < qty:
            raise input_error("Insufficient position quantity to convert.")
        moved: Any = self.portfolio.convert(item, old, new, qty, buy)
        return success(bool(moved))

"""Margin calculators: ``POST /margins/orders`` (one answer per order) and ``POST /margins/basket`` (the basket's
``initial`` and ``final`` totals and its orders), both with a JSON body (a list of orders with exchange,
tradingsymbol, transaction_type, variety, product, order_type, quantity, price, trigger_price), from the same margin
model as order placement (``portfolio``). Charges are zero on the paper market. ``/charges/orders`` is not served.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from aiohttp import web

from .envelope import input_error, success
from .market import Market
from .orders import Orders
from .params import decimal
from .portfolio import Portfolio

ZERO = Decimal(0)
CHARGES = {"transaction_tax": 0, "transaction_tax_type": "stt", "exchange_turnover_charge": 0,
           "sebi_turnover_charge": 0, "brokerage": 0, "stamp_duty": 0,
           "gst": {"igst": 0, "cgst": 0, "sgst": 0, "total": 0}, "total": 0}


class Calculators:
    def __init__(self, market: Market, portfolio: Portfolio, orders: Orders) -> None:
        self.market = market
        self.portfolio = portfolio
        self.orders = orders

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/margins/orders", self.order_margins), web.post("/margins/basket", self.basket)]

    async def _orders(self, request: web.Request) -> list[dict[str, Any]]:
        try:
            body = json.loads(await request.text(), parse_float=Decimal)
        except ValueError:
            raise input_error("The body must be a JSON list of orders.") from None
        if not isinstance(body, list) or not body or not all(isinstance(o, dict) for o in body):
            raise input_error("The body must be a JSON list of orders.")
        return [self._one(o) for o in body]

    def _one(self, order: dict[str, Any]) -> dict[str, Any]:
        item = self.market.find(str(order.get("exchange")), str(order.get("tradingsymbol")))
        if item is None or not item.tradable:
            raise input_error(f"Invalid instrument {order.get('exchange')}:{order.get('tradingsymbol')}.")
        side = order.get("transaction_type")
        product = str(order.get("product") or "")
        if side not in ("BUY", "SELL") or product not in ("CNC", "MIS", "NRML"):
            raise input_error("Each order needs transaction_type (BUY/SELL) and product (CNC/MIS/NRML).")
        try:
            qty = int(order.get("quantity") or 0)
        except (TypeError, ValueError):
            raise input_error("Invalid `quantity`.") from None
        price = decimal(order.get("price") or 0, "price") or decimal(order.get("trigger_price") or 0, "trigger_price")
        price = price or self.market.ltp(item.key)
        signed = qty if side == "BUY" else -qty
        span, exposure, premium = self.portfolio.rate_margin(item, product, signed, price)
        total = span + exposure + premium
        return {"type": "commodity" if item.exchange == "MCX" else "equity", "tradingsymbol": item.tradingsymbol,
                "exchange": item.exchange, "span": _m(span), "exposure": _m(exposure), "option_premium": _m(premium),
                "additional": 0, "bo": 0, "cash": 0, "var": _m(total) if not item.derivative else 0,
                "pnl": {"realised": 0, "unrealised": 0}, "leverage": 5 if product == "MIS" and not item.derivative
                else 1, "charges": dict(CHARGES), "total": _m(total)}

    async def order_margins(self, request: web.Request) -> web.Response:
        return success(await self._orders(request))

    async def basket(self, request: web.Request) -> web.Response:
        orders = await self._orders(request)

        def total(kind: str) -> dict[str, Any]:
            out: dict[str, Any] = {"type": "", "tradingsymbol": "", "exchange": "", "charges": dict(CHARGES),
                                   "pnl": {"realised": 0, "unrealised": 0}, "additional": 0, "bo": 0, "cash": 0,
                                   "var": 0, "leverage": 1}
            for name in ("span", "exposure", "option_premium", "total"):
                out[name] = _m(sum((Decimal(str(o[name])) for o in orders), ZERO))
            return out
        return success({"initial": total("initial"), "final": total("final"), "orders": orders,
                        "charges": dict(CHARGES)})


def _m(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))

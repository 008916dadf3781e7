"""GTT (good-till-triggered) triggers: ``/gtt/triggers`` (list: active ones and those of the last 7 days; place),
``/gtt/triggers/{id}`` (get, modify, delete). Form fields ``type`` (``single`` | ``two-leg``), ``condition`` and
``orders`` (both JSON strings).

A single trigger fires when the last traded price crosses its value from the side of the ``last_price`` it was
created with; a two-leg (OCO) trigger ``[lower, upper]`` fires its first order when the price falls to ``lower`` and
its second when it rises to ``upper``. Firing places the LIMIT order as a regular order (its result, success with the
order id or failed with the reason, goes into that order's ``result``) and the trigger becomes ``triggered``. The
living market is checked after every step; ``check()`` runs at once after a price switch.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping

from aiohttp import web

from .auth import USER_ID, ist_text
from .envelope import KiteError, input_error, success
from .listing import Listed
from .market import Market
from .orders import Orders
from .params import decimal
from .trading import params

YEAR_MS = 365 * 86_400_000
WEEK_MS = 7 * 86_400_000


@dataclass
class Trigger:
    id: int
    type: str
    item: Listed
    last_price: Decimal
    values: list[Decimal]
    orders: list[dict[str, Any]]
    created_ms: int
    updated_ms: int
    status: str = "active"
    results: list[dict[str, Any] | None] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        orders = []
        for order, result in zip(self.orders, self.results):
            orders.append({**order, "result": result})
        return {"id": self.id, "user_id": USER_ID, "parent_trigger": None, "type": self.type,
                "created_at": ist_text(self.created_ms), "updated_at": ist_text(self.updated_ms),
                "expires_at": ist_text(self.created_ms + YEAR_MS), "status": self.status,
                "condition": {"exchange": self.item.exchange, "last_price": self.last_price,
                              "tradingsymbol": self.item.tradingsymbol, "trigger_values": self.values,
                              "instrument_token": self.item.token},
                "orders": orders, "meta": None}


def _json(form: Mapping[str, str], name: str) -> Any:
    try:
        return json.loads(form.get(name) or "", parse_float=Decimal)
    except ValueError:
        raise input_error(f"Invalid `{name}`: a JSON value is expected.") from None


class Gtt:
    def __init__(self, market: Market, orders: Orders, now_ms: Callable[[], int]) -> None:
        self.market = market
        self.orders = orders
        self.now_ms = now_ms
        self.triggers: dict[int, Trigger] = {}
        self._ids = itertools.count(100_001)
        market.step_listeners.append(lambda now: self.check())

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/gtt/triggers", self.list), web.post("/gtt/triggers", self.place),
                web.get("/gtt/triggers/{id}", self.get), web.put("/gtt/triggers/{id}", self.modify),
                web.delete("/gtt/triggers/{id}", self.delete)]

    def _trigger(self, request: web.Request) -> Trigger:
        try:
            trigger = self.triggers.get(int(request.match_info["id"]))
        except ValueError:
            trigger = None
        if trigger is None:
            raise KiteError("GeneralException", "Trigger not found.", 404)
        return trigger

    def _parse(self, form: Mapping[str, str]) -> tuple[str, Listed, Decimal, list[Decimal], list[dict[str, Any]]]:
        kind = form.get("type", "")
        if kind not in ("single", "two-leg"):
            raise input_error("Invalid `type`: single or two-leg.")
        condition, orders = _json(form, "condition"), _json(form, "orders")
        if not isinstance(condition, dict) or not isinstance(orders, list):
            raise input_error("Invalid `condition` or `orders`.")
        item = self.market.find(str(condition.get("exchange")), str(condition.get("tradingsymbol")))
        if item is None or not item.tradable:
            raise input_error("Invalid `tradingsymbol` in the condition.")
        raw_values = condition.get("trigger_values")
        if not isinstance(raw_values, list):
            raise input_error("Invalid `trigger_values`.")
        values = [decimal(v, "trigger_values") for v in raw_values]
        last = decimal(condition.get("last_price", self.market.ltp(item.key)), "last_price")
        want = 1 if kind == "single" else 2
        if len(values) != want or len(orders) != want or any(v <= 0 for v in values):
            raise input_error(f"A {kind} trigger needs {want} trigger value(s) and {want} order(s).")
        if kind == "two-leg" and not values[0] < last < values[1]:
            raise input_error("Two-leg trigger values must be below and above the last price.")
        if kind == "single" and values[0] == last:
            raise input_error("The trigger value must differ from the last price.")
        cleaned = []
        for order in orders:
            if not isinstance(order, dict):
                raise input_error("Invalid `orders`.")
            try:
                qty, price = int(order["quantity"]), decimal(order["price"], "price")
                side, product = str(order["transaction_type"]), str(order["product"])
            except (KeyError, ValueError, TypeError):
                raise input_error("Each GTT order needs transaction_type, quantity, product and price.") from None
            if side not in ("BUY", "SELL") or qty <= 0 or qty % item.lot or price <= 0 or price % item.tick \
                    or product not in ("CNC", "MIS", "NRML"):
                raise input_error("Invalid GTT order (side, whole lots, price on the tick, product).")
            cleaned.append({"exchange": item.exchange, "tradingsymbol": item.tradingsymbol, "product": product,
                            "order_type": "LIMIT", "transaction_type": side, "quantity": qty, "price": price})
        return kind, item, last, values, cleaned

    async def place(self, request: web.Request) -> web.Response:
        kind, item, last, values, orders = self._parse(await params(request))
        now = self.now_ms()
        trigger = Trigger(next(self._ids), kind, item, last, values, orders, now, now, results=[None] * len(orders))
        self.triggers[trigger.id] = trigger
        return success({"trigger_id": trigger.id})

    async def modify(self, request: web.Request) -> web.Response:
        trigger = self._trigger(request)
        if trigger.status != "active":
            raise input_error(f"Trigger is {trigger.status} and cannot be modified.")
        kind, item, last, values, orders = self._parse(await params(request))
        trigger.type, trigger.item, trigger.last_price, trigger.values, trigger.orders = kind, item, last, values, orders
        trigger.results = [None] * len(orders)
        trigger.updated_ms = self.now_ms()
        return success({"trigger_id": trigger.id})

    async def delete(self, request: web.Request) -> web.Response:
        trigger = self._trigger(request)
        if trigger.status != "active":
            raise input_error(f"Trigger is {trigger.status} and cannot be deleted.")
        trigger.status, trigger.updated_ms = "deleted", self.now_ms()
        return success({"trigger_id": trigger.id})

    async def get(self, request: web.Request) -> web.Response:
        return success(self._trigger(request).record())

    async def list(self, request: web.Request) -> web.Response:
        now = self.now_ms()
        return success([t.record() for t in self.triggers.values()
                        if t.status == "active" or now - t.updated_ms < WEEK_MS])

    # ------------------------------------------------------------------ the market
    def check(self) -> None:
        now = self.now_ms()
        for trigger in list(self.triggers.values()):
            if trigger.status != "active":
                continue
            if now >= trigger.created_ms + YEAR_MS:
                trigger.status, trigger.updated_ms = "expired", now
                continue
            ltp = self.market.ltp(trigger.item.key)
            leg = self._leg(trigger, ltp)
            if leg is not None:
                self._fire(trigger, leg, ltp)

    @staticmethod
    def _leg(trigger: Trigger, ltp: Decimal) -> int | None:
        if trigger.type == "single":
            value = trigger.values[0]
            hit = ltp >= value if trigger.last_price < value else ltp <= value
            return 0 if hit else None
        if ltp <= trigger.values[0]:
            return 0
        if ltp >= trigger.values[1]:
            return 1
        return None

    def _fire(self, trigger: Trigger, leg: int, ltp: Decimal) -> None:
        order = trigger.orders[leg]
        now = self.now_ms()
        trigger.status, trigger.updated_ms = "triggered", now
        form = {key: str(value) for key, value in order.items()}
        result: dict[str, Any] = {"status": "success", "order_id": "", "rejection_reason": ""}
        try:
            placed = self.orders.place("regular", form)
            result["order_id"] = placed.order_id
            placed.tag = placed.tag or "gtt"
            placed.meta = {**placed.meta, "gtt": trigger.id}
            if placed.status == "REJECTED":
                result.update(status="failed", rejection_reason=placed.status_message or "")
        except KiteError as exc:
            result.update(status="failed", rejection_reason=exc.message)
        trigger.results[leg] = {
            "account_id": USER_ID, "exchange": trigger.item.exchange, "tradingsymbol": trigger.item.tradingsymbol,
            "validity": "DAY", "product": order["product"], "order_type": "LIMIT",
            "transaction_type": order["transaction_type"], "quantity": order["quantity"], "price": order["price"],
            "meta": json.dumps({"app_id": 0, "gtt": trigger.id}), "timestamp": ist_text(now), "triggered_at": ltp,
            "order_result": result}

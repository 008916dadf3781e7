"""Kite order execution behind the Execution and NativeProtection ports: place/modify/cancel by our client order id
(carried in ``tag``, see ``tags.py``), look-ups, fills, and GTT two-leg triggers as native OCO pairs.

``submit`` sends ``POST /orders/{variety}`` (variety and product from ``OrderOptions.params``: variety ``regular`` by
default, product ``CNC`` for cash equity and ``NRML`` for F&O unless given), then reads the order's latest state and
its trades. Once Kite has answered with an order id the order exists: a failing read afterwards returns it as NEW
(the stream and reconciliation bring the rest), never an error that would make the order manager send it again.
An order Kite's risk checks reject (it exists, REJECTED, with ``status_message``) raises ``Rejected`` with that
message. ``query_order`` finds an order by the order id it was given or, failing that (a lost answer, a restart), by its tag
in the day's order book: that is the query before any retry.

An OCO pair (``submit_oco``) is one GTT ``two-leg`` trigger: the leg with the lower trigger price (a stop's
``stop_price``, else its ``price``) first; each leg's LIMIT price is its ``price``, or its trigger for a STOP_LOSS leg.
The legs are reported NEW while the trigger is active, CANCELED when it was deleted, expired or rejected; once it
fired, the leg that fired follows the order Kite placed for it and the other is CANCELED. Cancelling either leg
deletes the trigger (both legs).
"""
from __future__ import annotations

import dataclasses
import logging
import math
from decimal import Decimal
from typing import Any, Callable

from ...model import (AssetClass, Fill, Instrument, Order, OrderRequest, OrderStatus, OrderType, OrderValidationError,
                      Side, TimeInForce)
from ..ports import Rejected, TemporaryError, UnknownOrder, VenueError
from . import records
from .enums import DEFAULT_VARIETY, ORDER_TYPE_TO_WIRE, SIDE_TO_WIRE, TIF_TO_WIRE
from .instruments import Catalog, Listing
from .rest import KiteRest
from .tags import Tags, tag_for

log = logging.getLogger(__name__)


@dataclasses.dataclass
class GttLeg:
    trigger_id: int
    index: int
    order: Order
    done: bool = False  # its trigger fired, or was deleted: its state was reported


class KiteOrders:
    def __init__(self, rest: KiteRest, catalog: Callable[[], Catalog], tags: Tags, now_ms: Callable[[], int]) -> None:
        self.rest = rest
        self._catalog = catalog
        self.tags = tags
        self._now_ms = now_ms
        self.gtt_legs: dict[str, GttLeg] = {}

    # ------------------------------------------------------------------ helpers

    def _listing(self, symbol: str) -> tuple[Instrument, Listing]:
        cat = self._catalog()
        found = cat.find(symbol)
        if found is None:
            raise Rejected(f"{symbol} is not in Kite's instruments")
        return cat.instruments[found], cat.listings[found]

    def _order(self, rec: dict[str, Any]) -> Order:
        return records.order(rec, self._catalog().symbol_of, self.tags.client_id)

    def wire_params(self, request: OrderRequest) -> tuple[str, dict[str, Any]]:
        """(variety, form fields) for ``request``; ``Rejected`` (in the filter's words) for what does not fit."""
        inst, listing = self._listing(request.symbol)
        if request.quantity is None:
            raise Rejected("Kite orders need a quantity (in units; F&O in multiples of the lot size)")
        _check(inst, request.side, request.type, request.quantity, request.price, request.stop_price,
               request.time_in_force)
        if request.time_in_force is not None and request.time_in_force not in TIF_TO_WIRE:
            raise Rejected(f"Kite has no {request.time_in_force.name} orders: use DAY, IOC or GTD (TTL validity)")
        opts = request.options
        variety = opts.param("variety") or DEFAULT_VARIETY
        derivative = inst.asset_class in (AssetClass.FUTURE, AssetClass.OPTION)
        product = opts.param("product") or ("NRML" if derivative else "CNC")
        params: dict[str, Any] = {
            "exchange": listing.exchange, "tradingsymbol": listing.tradingsymbol,
            "transaction_type": SIDE_TO_WIRE[request.side], "quantity": int(request.quantity), "product": product,
            "order_type": ORDER_TYPE_TO_WIRE[request.type], "price": request.price,
            "trigger_price": request.stop_price, "tag": self.tags.remember(request.client_order_id),
            "validity": TIF_TO_WIRE.get(request.time_in_force or TimeInForce.DAY),
            "market_protection": opts.param("market_protection"),
        }
        if request.time_in_force is TimeInForce.GTD:
            if opts.expire_ms is None:
                raise Rejected("a GTD (TTL) order needs options.expire_ms")
            minutes = math.ceil((opts.expire_ms - self._now_ms()) / 60_000)
            if minutes < 1:
                raise Rejected("options.expire_ms is in the past")
            params["validity_ttl"] = minutes
        if variety == "co":  # a cover order: the entry and its compulsory stop-loss trigger
            trigger = opts.param("trigger_price")
            if not trigger:
                raise Rejected("a cover order (variety co) needs its stop-loss trigger: params trigger_price")
            params["trigger_price"] = Decimal(trigger)
        if variety == "iceberg":
            legs = int(opts.param("iceberg_legs") or "2")
            leg_qty = request.quantity / legs
            if leg_qty != leg_qty.to_integral_value() or leg_qty % listing.lot_size:
                raise Rejected(f"an iceberg of {legs} legs needs a quantity that splits into {legs} equal legs of "
                               f"whole lots ({listing.lot_size})")
            params.update(iceberg_legs=legs, iceberg_quantity=int(leg_qty))
        return variety, params

    # ------------------------------------------------------------------ placing

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        variety, params = self.wire_params(request)
        order_id = await self.rest.place_order(variety, params)
        self.tags.link(request.client_order_id, order_id)
        try:
            placed = await self._state(order_id)
            fills = await self.order_fills(placed, order_id) if placed.filled_qty else []
        except Exception as exc:  # noqa: BLE001 - it exists at Kite: report it, never raise (that would resend it)
            log.info("order %s placed as %s; reading it back failed (%s)", request.client_order_id, order_id,
                     type(exc).__name__)
            ts = self._now_ms()
            placed = Order.from_request(request, ts).with_status(OrderStatus.NEW, venue_order_id=int(order_id))
            fills = []
        if placed.status is OrderStatus.REJECTED:  # Kite's RMS refused it: the order exists, rejected, with why
            raise Rejected(placed.reject_reason or "rejected by Kite")
        return placed, fills

    async def _state(self, order_id: str) -> Order:
        history = await self.rest.order_history(order_id)
        if not history:
            raise UnknownOrder(f"Kite has no order {order_id}")
        return self._order(history[-1])

    async def order_fills(self, order: Order, order_id: str) -> list[Fill]:
        inst = self._catalog().instruments.get(order.symbol)
        mult = inst.multiplier if inst is not None else Decimal(1)
        return [records.fill(t, self._catalog().symbol_of, order.client_order_id, mult)
                for t in await self.rest.order_trades(order_id)]

    async def find(self, client_order_id: str) -> dict[str, Any]:
        """The latest record of our order: by its order id if known, else by its tag in today's order book."""
        order_id = self.tags.order_by_client.get(client_order_id)
        if order_id is not None:
            history = await self.rest.order_history(order_id)
            if history:
                return dict(history[-1])
        tag = tag_for(client_order_id)
        mine = [r for r in await self.rest.orders() if r.get("tag") == tag]
        if not mine:
            raise UnknownOrder(f"Kite has no order tagged for {client_order_id}")
        rec = dict(mine[-1])
        self.tags.remember(client_order_id)
        self.tags.link(client_order_id, str(rec["order_id"]))
        return rec

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        leg = self.gtt_legs.get(client_order_id)
        if leg is not None:
            return await self._gtt_leg_state(client_order_id, leg)
        return self._order(await self.find(client_order_id))

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        leg = self.gtt_legs.get(client_order_id)
        if leg is not None:
            await self.rest.delete_gtt(leg.trigger_id)
            return await self._gtt_leg_state(client_order_id, leg)
        rec = await self.find(client_order_id)
        current = self._order(rec)
        if not current.is_open:
            return current
        order_id = str(rec["order_id"])
        await self.rest.cancel_order(str(rec.get("variety") or DEFAULT_VARIETY), order_id,
                                     rec.get("parent_order_id") or None)
        try:
            return await self._state(order_id)
        except VenueError:
            return current.with_status(OrderStatus.PENDING_CANCEL)

    async def cancel_all(self, symbol: str) -> list[Order]:
        out = []
        for o in await self.open_orders(symbol):
            try:
                out.append(await self.cancel_order(symbol, o.client_order_id))
            except UnknownOrder:
                continue
        return out

    async def replace_order(self, symbol: str, client_order_id: str, quantity: Decimal | None = None,
                            price: Decimal | None = None) -> Order:
        rec = await self.find(client_order_id)
        current = self._order(rec)
        inst, _ = self._listing(current.symbol)
        _check(inst, current.side, current.type, quantity if quantity is not None else current.quantity,
               price if price is not None else current.price, current.stop_price)
        order_id = str(rec["order_id"])
        await self.rest.modify_order(str(rec.get("variety") or DEFAULT_VARIETY), order_id, {
            "quantity": int(quantity) if quantity is not None else None, "price": price,
            "order_type": rec.get("order_type")})
        try:
            return await self._state(order_id)
        except VenueError:
            return current

    # ------------------------------------------------------------------ lists

    async def all_orders(self) -> list[Order]:
        return [self._order(r) for r in await self.rest.orders()]

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in await self.all_orders() if o.is_open and (symbol is None or o.symbol == symbol)]

    async def order_history(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Order]:
        mine = [o for o in await self.all_orders() if o.symbol == symbol and o.ts_created >= (start_ms or 0)]
        return mine[-limit:]

    async def fills(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        for rec in await self.rest.orders():  # learn which of our ids each order id is
            self.tags.client_id(rec.get("tag") if isinstance(rec.get("tag"), str) else None, str(rec["order_id"]))
        cat = self._catalog()
        out = []
        for t in await self.rest.trades():
            sym = cat.symbol_of(str(t.get("exchange")), str(t.get("tradingsymbol")))
            if sym != symbol:
                continue
            inst = cat.instruments.get(sym)
            f = records.fill(t, cat.symbol_of, self.tags.client_id(None, str(t.get("order_id"))),
                             inst.multiplier if inst is not None else Decimal(1))
            if f.ts_event >= (start_ms or 0):
                out.append(f)
        return out[-limit:]

    # ------------------------------------------------------------------ GTT OCO

    async def submit_oco(self, first: OrderRequest, second: OrderRequest) -> list[Order]:
        if first.symbol != second.symbol:
            raise Rejected("a Kite GTT OCO needs both legs on the same instrument")
        inst, listing = self._listing(first.symbol)
        legs = sorted((first, second), key=_trigger)
        wire_orders = []
        for leg in legs:
            if leg.quantity is None:
                raise Rejected("GTT legs need a quantity")
            price = leg.price if leg.price is not None else _trigger(leg)
            _check(inst, leg.side, OrderType.LIMIT, leg.quantity, price, None)
            wire_orders.append({"exchange": listing.exchange, "tradingsymbol": listing.tradingsymbol,
                                "transaction_type": SIDE_TO_WIRE[leg.side], "quantity": int(leg.quantity),
                                "order_type": "LIMIT", "product": legs[0].options.param("product")
                                or ("NRML" if inst.asset_class in (AssetClass.FUTURE, AssetClass.OPTION) else "CNC"),
                                "price": price})
        key = f"{listing.exchange}:{listing.tradingsymbol}"
        ltp = (await self.rest.quote([key], "ltp")).get(key, {}).get("last_price")
        if ltp is None:
            raise TemporaryError(f"no last price for {first.symbol}: the GTT needs one")
        condition = {"exchange": listing.exchange, "tradingsymbol": listing.tradingsymbol,
                     "trigger_values": [_trigger(legs[0]), _trigger(legs[1])], "last_price": ltp}
        trigger_id = await self.rest.place_gtt("two-leg", condition, wire_orders)
        now = self._now_ms()
        out = []
        for i, leg in enumerate(legs):
            o = Order.from_request(leg, now).with_status(OrderStatus.NEW, venue_order_id=trigger_id)
            self.gtt_legs[leg.client_order_id] = GttLeg(trigger_id, i, o)
            out.append(o)
        by_id = {o.client_order_id: o for o in out}
        return [by_id[first.client_order_id], by_id[second.client_order_id]]

    async def submit_gtt(self, request: OrderRequest) -> Order:
        """A single GTT trigger: ``request`` (a LIMIT at its ``price``, or at its ``stop_price`` for a stop) is placed
        when the last price crosses its trigger (``stop_price``, else ``price``). Reported like an OCO leg."""
        inst, listing = self._listing(request.symbol)
        if request.quantity is None:
            raise Rejected("a GTT needs a quantity")
        trigger = _trigger(request)
        price = request.price if request.price is not None else trigger
        _check(inst, request.side, OrderType.LIMIT, request.quantity, price, None)
        key = f"{listing.exchange}:{listing.tradingsymbol}"
        ltp = (await self.rest.quote([key], "ltp")).get(key, {}).get("last_price")
        if ltp is None:
            raise TemporaryError(f"no last price for {request.symbol}: the GTT needs one")
        product = request.options.param("product") or (
            "NRML" if inst.asset_class in (AssetClass.FUTURE, AssetClass.OPTION) else "CNC")
        trigger_id = await self.rest.place_gtt("single", {
            "exchange": listing.exchange, "tradingsymbol": listing.tradingsymbol, "trigger_values": [trigger],
            "last_price": ltp}, [{"exchange": listing.exchange, "tradingsymbol": listing.tradingsymbol,
                                  "transaction_type": SIDE_TO_WIRE[request.side], "quantity": int(request.quantity),
                                  "order_type": "LIMIT", "product": product, "price": price}])
        order = Order.from_request(request, self._now_ms()).with_status(OrderStatus.NEW, venue_order_id=trigger_id)
        self.gtt_legs[request.client_order_id] = GttLeg(trigger_id, 0, order)
        return order

    async def _gtt_leg_state(self, client_order_id: str, leg: GttLeg) -> Order:
        try:
            gtt = await self.rest.call("GET", f"/gtt/triggers/{leg.trigger_id}")
        except UnknownOrder:
            return _final(leg.order, OrderStatus.CANCELED)
        status = str(gtt.get("status") or "")
        if status == "active":
            return leg.order
        if status != "triggered":
            return _final(leg.order, OrderStatus.CANCELED)
        orders = gtt.get("orders") or []
        result = orders[leg.index].get("result") if leg.index < len(orders) else None
        placed = (result or {}).get("order_result") or {}
        if not result or placed.get("status") != "success" or not placed.get("order_id"):
            if result:  # this leg fired but Kite could not place its order
                return _final(leg.order, OrderStatus.REJECTED, str(placed.get("rejection_reason") or "GTT failed"))
            return _final(leg.order, OrderStatus.CANCELED)  # the other leg fired
        order_id = str(placed["order_id"])
        self.tags.link(client_order_id, order_id)
        return await self._state(order_id)


def _check(inst: Instrument, side: Side, kind: OrderType, quantity: Decimal | None, price: Decimal | None,
           stop_price: Decimal | None, time_in_force: TimeInForce | None = None) -> None:
    """The instrument's filters (tick, lot, order types) before anything is sent; a misfit is ``Rejected`` in the
    filter's words, as Kite would refuse it ("quantity 50 is not a multiple of the step size 75")."""
    try:
        inst.validate_order(side, kind, quantity, price, stop_price, time_in_force=time_in_force)
    except OrderValidationError as exc:
        raise Rejected(str(exc)) from None


def _trigger(leg: OrderRequest) -> Decimal:
    value = leg.stop_price if leg.stop_price is not None else leg.price
    if value is None:
        raise Rejected("a GTT leg needs a trigger: a stop price or a limit price")
    return value


def _final(order: Order, status: OrderStatus, reason: str | None = None) -> Order:
    return dataclasses.replace(order, status=status, reject_reason=reason)

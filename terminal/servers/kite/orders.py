"""The order book of the paper user: Kite orders on the shared matching engine.

Placement validates parameters (InputException), then runs the RMS checks (product rules, CNC sells need holdings,
margins, circuit limits) that end in a REJECTED order with a ``status_message``, as Kite's do. An accepted order
passes ``PUT ORDER REQ RECEIVED`` -> ``VALIDATION PENDING`` -> ``OPEN PENDING`` -> ``OPEN`` (``TRIGGER PENDING`` for
SL/SL-M; ``AMO REQ RECEIVED`` for AMOs and orders collected before the session opens, sent to the engine once it
does) -> ``COMPLETE``/``CANCELLED``; every state is a snapshot in its history. Modify passes ``MODIFY VALIDATION
PENDING`` -> ``MODIFY PENDING`` -> ``MODIFIED`` (the engine order is replaced; at most 25 modifications); cancel
``CANCEL PENDING`` -> ``CANCELLED``. Cover orders place their stop-loss leg (SL-M, ``parent_order_id``) when the
entry completes; iceberg orders place their legs one after another. ``listeners`` get each order update.
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Mapping

from terminal.model.enums import OrderType, Side, TimeInForce
from terminal.sim.reports import EngineReject, Execution, ExecType

from .auth import USER_ID, ist_text
from .envelope import KiteError, input_error, order_error
from .listing import IST, Listed
from .market import Market
from .params import choice as _choice, integer as _int, price as _price
from .portfolio import Portfolio
from .quotes import circuit_limits

log = logging.getLogger(__name__)
ACCOUNT = "kite-paper"
HUGE = Decimal("1E15")
VARIETIES = ("regular", "amo", "co", "iceberg")
ORDER_TYPES = {"MARKET": OrderType.MARKET, "LIMIT": OrderType.LIMIT, "SL": OrderType.STOP_LOSS_LIMIT,
               "SL-M": OrderType.STOP_LOSS}
PRODUCTS = ("CNC", "MIS", "NRML", "CO")
OPEN_STATES = ("OPEN", "TRIGGER PENDING", "AMO REQ RECEIVED")
MAX_MODIFICATIONS = 25
SQUARE_OFF = {"NSE": (15, 20), "NFO": (15, 25), "MCX": (23, 5)}


@dataclass
class Order:
    order_id: str
    variety: str
    item: Listed
    product: str
    side: str
    order_type: str
    quantity: int
    price: Decimal
    trigger_price: Decimal
    validity: str
    validity_ttl: int
    disclosed_quantity: int
    tag: str | None
    placed_ms: int
    status: str = "PUT ORDER REQ RECEIVED"
    status_message: str | None = None
    exchange_order_id: str | None = None
    exchange_ms: int | None = None
    updated_ms: int = 0
    filled: int = 0
    filled_value: Decimal = Decimal(0)
    cancelled: int = 0
    modifications: int = 0
    parent_order_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    engine_id: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    trades: list[dict[str, Any]] = field(default_factory=list)
    stop_loss: Decimal | None = None  # cover order: the stop of its second leg
    iceberg: tuple[int, int] | None = None  # (legs, total quantity)
    queued: bool = False  # collected in the pre-open, sent to the engine when the session opens

    @property
    def buy(self) -> bool:
        return self.side == "BUY"

    @property
    def pending(self) -> int:
        return self.quantity - self.filled - self.cancelled if self.status in OPEN_STATES else 0

    @property
    def average(self) -> Decimal:
        return (self.filled_value / self.filled).quantize(Decimal("0.01")) if self.filled else Decimal(0)

    def record(self) -> dict[str, Any]:
        return {
            "account_id": USER_ID, "placed_by": USER_ID, "order_id": self.order_id,
            "exchange_order_id": self.exchange_order_id, "parent_order_id": self.parent_order_id,
            "status": self.status, "status_message": self.status_message, "status_message_raw": self.status_message,
            "order_timestamp": ist_text(self.updated_ms or self.placed_ms),
            "exchange_update_timestamp": ist_text(self.exchange_ms) if self.exchange_ms else None,
            "exchange_timestamp": ist_text(self.exchange_ms) if self.exchange_ms else None,
            "variety": self.variety, "modified": self.modifications > 0, "exchange": self.item.exchange,
            "tradingsymbol": self.item.tradingsymbol, "instrument_token": self.item.token,
            "order_type": self.order_type, "transaction_type": self.side, "validity": self.validity,
            "validity_ttl": self.validity_ttl, "product": self.product, "quantity": self.quantity,
            "disclosed_quantity": self.disclosed_quantity, "price": self.price, "trigger_price": self.trigger_price,
            "average_price": self.average, "filled_quantity": self.filled, "pending_quantity": self.pending,
            "cancelled_quantity": self.cancelled, "market_protection": 0, "meta": self.meta, "tag": self.tag,
            "tags": [self.tag] if self.tag else [], "guid": None,
        }


class Orders:
    def __init__(self, market: Market, portfolio: Portfolio) -> None:
        self.market = market
        self.portfolio = portfolio
        self.orders: dict[str, Order] = {}
        self.by_cid: dict[str, Order] = {}
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self._ids = itertools.count(1)
        self._trade_ids = itertools.count(10_000_001)
        self._squared: set[tuple[str, str]] = set()
        engine = market.engine
        assets = {i.base_asset for i in engine.instruments.values()} | {"INR"}
        engine.add_account(ACCOUNT, {asset: HUGE for asset in assets})
        engine.execution_listeners.append(self._on_execution)
        market.step_listeners.append(self.on_step)
        market.day_listeners.append(self.roll_day)

    # ------------------------------------------------------------------ helpers
    def now(self) -> int:
        return self.market.clock.now_ms()

    def _new_id(self) -> str:
        day = datetime.fromtimestamp(self.now() / 1000, IST)
        return f"{day:%y%m%d}{next(self._ids):09d}"

    def _snap(self, order: Order, status: str, message: str | None = None, notify: bool = True) -> None:
        order.status = status
        if message is not None:
            order.status_message = message
        order.updated_ms = self.now()
        order.history.append(order.record())
        if notify and status not in ("PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING",
                                     "MODIFY VALIDATION PENDING", "MODIFY PENDING", "CANCEL PENDING"):
            payload = order.record()
            for fn in list(self.listeners):
                try:
                    fn(payload)
                except Exception:  # noqa: BLE001
                    log.exception("order listener failed")

    def get(self, order_id: str) -> Order:
        order = self.orders.get(order_id)
        if order is None:
            raise KiteError("OrderException", "Couldn't find that `order_id`.", 404)
        return order

    def open_margin_orders(self) -> list[tuple[Listed, str, bool, int, Decimal]]:
        out = []
        for o in self.orders.values():
            if o.status in OPEN_STATES and o.pending:
                out.append((o.item, o.product, o.buy, o.pending, self._margin_price(o)))
        return out

    def _margin_price(self, order: Order) -> Decimal:
        if order.order_type in ("LIMIT", "SL"):
            return order.price
        if order.order_type == "SL-M":
            return order.trigger_price
        return self.market.ltp(order.item.key)

    # ------------------------------------------------------------------ placement
    def place(self, variety: str, params: Mapping[str, str]) -> Order:
        if variety not in VARIETIES:
            raise input_error(f"Invalid `variety` ({variety}): the paper server takes {', '.join(VARIETIES)}.")
        item = self.market.find(str(params.get("exchange", "")), str(params.get("tradingsymbol", "")))
        if item is None or not item.tradable:
            raise input_error("The instrument you are placing an order for has either expired or does not exist.")
        side = _choice(params, "transaction_type", ("BUY", "SELL"))
        order_type = _choice(params, "order_type", ORDER_TYPES)
        product = _choice(params, "product", PRODUCTS)
        if variety == "co":
            product = "CO" if product in ("MIS", "CO") else product
        quantity = _int(params, "quantity")
        validity = _choice(params, "validity", ("DAY", "IOC", "TTL"), "DAY")
        ttl = _int(params, "validity_ttl", 0)
        tag = params.get("tag") or None
        order = Order(self._new_id(), variety, item, product, side, order_type, quantity,
                      _price(params, "price"), _price(params, "trigger_price"), validity, ttl,
                      _int(params, "disclosed_quantity", 0), tag, self.now())
        self._validate(order)
        if variety == "co":
            if order_type not in ("MARKET", "LIMIT") or not order.trigger_price:
                raise input_error("Cover orders need a MARKET or LIMIT entry and a stop-loss `trigger_price`.")
            order.stop_loss, order.trigger_price = order.trigger_price, Decimal(0)
        if variety == "iceberg":
            legs = _int(params, "iceberg_legs")
            leg_qty = _int(params, "iceberg_quantity", quantity // legs if legs else 0)
            if not 2 <= legs <= 10 or leg_qty * legs < quantity or leg_qty <= 0 or leg_qty % item.lot:
                raise input_error("Iceberg orders need 2 to 10 legs (`iceberg_legs`) of `iceberg_quantity` each.")
            order.iceberg = (legs, quantity)
            order.quantity = min(leg_qty, quantity)
            order.meta = {"iceberg": {"leg": 1, "legs": legs, "leg_quantity": leg_qty, "total_quantity": quantity,
                                      "remaining_quantity": quantity - order.quantity}}
        self.orders[order.order_id] = order
        self._accept(order)
        return order

    def _validate(self, order: Order) -> None:
        item = order.item
        if order.quantity <= 0:
            raise input_error("Invalid `quantity`.")
        if item.lot > 1 and order.quantity % item.lot:
            raise input_error(f"Quantity should be a multiple of lot size ({item.lot}).")
        if order.product == "CNC" and item.derivative:
            raise input_error("CNC product is for equity delivery: use NRML or MIS for F&O.")
        if order.product == "NRML" and not item.derivative:
            raise input_error("NRML product is for F&O and commodities: use CNC or MIS for equity.")
        if order.order_type in ("LIMIT", "SL") and order.price <= 0:
            raise input_error("Invalid `price`.")
        if order.order_type in ("SL", "SL-M") and order.trigger_price <= 0:
            raise input_error("Invalid `trigger_price`.")
        if order.order_type == "SL" and (order.price < order.trigger_price if order.buy
                                         else order.price > order.trigger_price):
            raise input_error(f"Trigger price for stoploss {order.side.lower()} orders should be "
                              f"{'lower' if order.buy else 'higher'} than or equal to the price.")
        for price in (order.price, order.trigger_price):
            if price and price % item.tick:
                raise input_error(f"Tick size for this script is {item.tick}. Kindly enter price in the multiple of "
                                  "tick size for this script")
        if order.validity == "TTL" and not 1 <= order.validity_ttl <= 1440:
            raise input_error("`validity_ttl` (minutes) is required with TTL validity.")
        if order.tag is not None and (len(order.tag) > 20 or not order.tag.replace("_", "").replace(":", "").isalnum()):
            raise input_error("Invalid `tag`: alphanumeric, at most 20 characters.")
        if order.disclosed_quantity and (item.derivative or order.disclosed_quantity > order.quantity
                                         or order.disclosed_quantity * 10 < order.quantity):
            raise input_error("Disclosed quantity must be between 10% and 100% of the quantity (equity only).")
        now = self.now()
        if order.variety not in ("amo",) and not (self.market.is_open(item, now)
                                                  or self.market.in_pre_open(item, now)):
            raise input_error("Markets are closed right now. Use GTT for placing long standing orders instead.")

    def _accept(self, order: Order) -> None:
        """RMS checks, then the exchange (or the AMO queue)."""
        self._snap(order, "PUT ORDER REQ RECEIVED")
        self._snap(order, "VALIDATION PENDING")
        reason = self._rms(order)
        if reason is not None:
            self._snap(order, "REJECTED", reason)
            return
        now = self.now()
        if order.variety == "amo" or not (self.market.is_open(order.item, now)
                                          or self.market.in_pre_open(order.item, now)):
            self._snap(order, "AMO REQ RECEIVED")
            return
        if not self.market.is_open(order.item, now):  # NSE pre-open: collected, matched from 09:15
            order.queued = True
            self._snap(order, "OPEN PENDING")
            self._snap(order, "TRIGGER PENDING" if order.order_type in ("SL", "SL-M") else "OPEN")
            return
        self._send(order)

    def _rms(self, order: Order) -> str | None:
        item = order.item
        now = self.now()
        if order.product in ("MIS", "CO") and self._past_square_off(item, now):
            return "Fresh MIS and CO orders are blocked after the intraday square-off time."
        if order.product == "CNC" and not order.buy:
            pending_sells = sum(o.pending for o in self.orders.values()
                                if o is not order and o.product == "CNC" and not o.buy and o.item is item)
            free = self.portfolio.sellable(item) - pending_sells
            if order.quantity > free:
                return (f"Insufficient holdings: {free} of {item.tradingsymbol} available to sell (CNC), "
                        f"{order.quantity} ordered.")
        day = self.market.days[item.key]
        low, high = circuit_limits(item, day.prev_close)
        if order.price and order.price < low:
            return (f"Your order price is lower than the current lower circuit limit of {low}. Place an order "
                    "within the daily range.")
        if order.price and order.price > high:
            return (f"Your order price is higher than the current upper circuit limit of {high}. Place an order "
                    "within the daily range.")
        need = self.portfolio.order_margin(item, order.product, order.buy, order.quantity, self._margin_price(order))
        available = self.portfolio.available(self.open_margin_orders(), item)
        if need > available:
            return (f"Insufficient funds. Required margin is {need:.2f} but available margin is {available:.2f}. "
                    "Check the orderbook for open orders.")
        return None

    def _past_square_off(self, item: Listed, now: int) -> bool:
        if self.market.always_open:
            return False
        local = datetime.fromtimestamp(now / 1000, IST)
        return (local.hour, local.minute) >= SQUARE_OFF[item.exchange]

    def _send(self, order: Order, fresh: bool = True) -> None:
        """To the engine (the exchange); a modified order goes back without passing OPEN PENDING."""
        if fresh:
            self._snap(order, "OPEN PENDING")
        order.exchange_order_id = order.exchange_order_id or f"13{order.order_id[-14:]}"
        order.exchange_ms = self.now()
        engine_type = ORDER_TYPES[order.order_type]
        tif = TimeInForce.IOC if order.validity == "IOC" else TimeInForce.GTC
        stop = order.trigger_price if order.order_type in ("SL", "SL-M") else None
        target = "TRIGGER PENDING" if stop is not None else "OPEN"
        if order.status != target:
            self._snap(order, target, notify=False)
        remaining = order.quantity - order.filled
        cid = f"{order.order_id}-{order.modifications}"
        self.by_cid[cid] = order
        try:
            result = self.market.engine.place(
                ACCOUNT, order.item.key, Side.BUY if order.buy else Side.SELL, engine_type,
                quantity=Decimal(remaining), price=order.price if engine_type.has_price else None,
                stop_price=stop, time_in_force=tif if engine_type.has_tif else None,
                client_order_id=cid)
        except EngineReject as exc:
            order.history.pop()
            self._snap(order, "REJECTED", _reject_text(order, exc))
            return
        order.engine_id = result.order.order_id
        if order.status in ("OPEN", "TRIGGER PENDING") and order.history[-1]["status"] == order.status:
            self._notify(order)

    def _notify(self, order: Order) -> None:
        payload = order.record()
        for fn in list(self.listeners):
            try:
                fn(payload)
            except Exception:  # noqa: BLE001
                log.exception("order listener failed")

    # ------------------------------------------------------------------ engine events
    def _on_execution(self, ex: Execution) -> None:
        if ex.account_id != ACCOUNT:
            return
        order = self.by_cid.get(ex.order.client_order_id)
        if order is None:
            return
        if ex.exec_type is ExecType.TRADE:
            self._fill(order, int(ex.last_qty), ex.last_price)
        elif ex.exec_type in (ExecType.CANCELED, ExecType.EXPIRED, ExecType.REJECTED):
            if order.status in ("MODIFY PENDING", "CANCEL PENDING") and ex.exec_type is ExecType.CANCELED:
                return  # the modify/cancel path finishes it
            left = order.quantity - order.filled
            if left > 0 and order.status not in ("COMPLETE", "CANCELLED", "REJECTED"):
                order.cancelled = left
                message = None if ex.exec_type is ExecType.CANCELED else "Order cancelled by the exchange (IOC or no liquidity)."
                self._snap(order, "CANCELLED", message)

    def _fill(self, order: Order, qty: int, price: Decimal) -> None:
        if order.status == "TRIGGER PENDING":
            self._snap(order, "OPEN")
        order.filled += qty
        order.filled_value += price * qty
        now = self.now()
        order.exchange_ms = now
        order.trades.append({
            "trade_id": str(next(self._trade_ids)), "order_id": order.order_id, "exchange": order.item.exchange,
            "tradingsymbol": order.item.tradingsymbol, "instrument_token": order.item.token,
            "product": order.product, "average_price": price, "quantity": qty,
            "exchange_order_id": order.exchange_order_id, "transaction_type": order.side,
            "fill_timestamp": ist_text(now), "order_timestamp": ist_text(order.placed_ms)[11:],
            "exchange_timestamp": ist_text(now)})
        self.portfolio.on_fill(order.item, order.product, order.buy, qty, price)
        if order.filled >= order.quantity:
            self._snap(order, "COMPLETE")
            self._after_complete(order)
        else:
            self._notify(order)  # a partial fill: the order stays OPEN

    def _after_complete(self, order: Order) -> None:
        if order.variety == "co" and order.stop_loss is not None and order.parent_order_id is None:
            leg = Order(self._new_id(), "co", order.item, order.product, "SELL" if order.buy else "BUY", "SL-M",
                        order.quantity, Decimal(0), order.stop_loss, "DAY", 0, 0, order.tag, self.now(),
                        parent_order_id=order.order_id)
            self.orders[leg.order_id] = leg
            self._snap(leg, "PUT ORDER REQ RECEIVED")
            self._snap(leg, "VALIDATION PENDING")
            self._send(leg)
        if order.iceberg is not None:
            legs, total = order.iceberg
            ice = order.meta["iceberg"]
            done = total - ice["remaining_quantity"]
            if done < total and ice["leg"] < legs:
                qty = min(ice["leg_quantity"], total - done)
                leg = Order(self._new_id(), "iceberg", order.item, order.product, order.side, order.order_type, qty,
                            order.price, order.trigger_price, order.validity, order.validity_ttl, 0, order.tag,
                            self.now(), iceberg=order.iceberg,
                            meta={"iceberg": {**ice, "leg": ice["leg"] + 1, "remaining_quantity": total - done - qty}})
                self.orders[leg.order_id] = leg
                self._accept(leg)

    # ------------------------------------------------------------------ modify / cancel
    def modify(self, variety: str, order_id: str, params: Mapping[str, str]) -> Order:
        order = self.get(order_id)
        if order.variety != variety:
            raise input_error(f"Order {order_id} is a {order.variety} order, not {variety}.")
        if order.status not in OPEN_STATES:
            raise order_error(f"Order cannot be modified as it is already {order.status.lower()}.")
        if order.modifications >= MAX_MODIFICATIONS:
            raise order_error("Maximum allowed order modifications exceeded.")
        changed = Order(**{**order.__dict__})
        if params.get("quantity"):
            changed.quantity = _int(params, "quantity")
        if params.get("price"):
            changed.price = _price(params, "price")
        if params.get("trigger_price"):
            changed.trigger_price = _price(params, "trigger_price")
        if params.get("order_type"):
            changed.order_type = _choice(params, "order_type", ORDER_TYPES)
        if params.get("validity"):
            changed.validity = _choice(params, "validity", ("DAY", "IOC", "TTL"))
        if params.get("disclosed_quantity"):
            changed.disclosed_quantity = _int(params, "disclosed_quantity")
        self._validate_modify(changed, order)
        self._snap(order, "MODIFY VALIDATION PENDING")
        self._snap(order, "MODIFY PENDING")
        engine_open = order.engine_id is not None and order.status != "AMO REQ RECEIVED"
        if engine_open and order.engine_id is not None:
            try:
                self.market.engine.cancel(ACCOUNT, order.item.key, order_id=order.engine_id)
            except EngineReject:
                pass
        for name in ("quantity", "price", "trigger_price", "order_type", "validity", "disclosed_quantity"):
            setattr(order, name, getattr(changed, name))
        order.modifications += 1
        self._snap(order, "MODIFIED", notify=False)
        self._notify(order)
        if engine_open:
            self._send(order, fresh=False)
        elif order.queued:
            self._snap(order, "TRIGGER PENDING" if order.order_type in ("SL", "SL-M") else "OPEN", notify=False)
        else:
            self._snap(order, "AMO REQ RECEIVED", notify=False)
        return order

    def _validate_modify(self, changed: Order, order: Order) -> None:
        if changed.quantity <= order.filled:
            raise input_error("Quantity must be more than the quantity already filled.")
        self._validate_fields(changed)

    def _validate_fields(self, order: Order) -> None:
        # the placement checks that do not depend on market hours
        saved = self.market.always_open
        self.market.always_open = True
        try:
            self._validate(order)
        finally:
            self.market.always_open = saved

    def cancel(self, variety: str, order_id: str, parent_order_id: str | None = None,
               message: str | None = None) -> Order:
        order = self.get(order_id)
        if order.variety != variety:
            raise input_error(f"Order {order_id} is a {order.variety} order, not {variety}.")
        if order.status not in OPEN_STATES:
            raise order_error(f"Order cannot be cancelled as it is already {order.status.lower()}.")
        self._snap(order, "CANCEL PENDING")
        if order.engine_id is not None:
            try:
                self.market.engine.cancel(ACCOUNT, order.item.key, order_id=order.engine_id)
            except EngineReject:
                pass
        if order.status == "COMPLETE":
            return order
        order.cancelled = order.quantity - order.filled
        self._snap(order, "CANCELLED", message)
        if order.variety == "co" and order.parent_order_id is not None:
            # exiting a cover order: its stop-loss leg goes out at market
            exit_leg = Order(self._new_id(), "co", order.item, order.product, order.side, "MARKET",
                             order.cancelled, Decimal(0), Decimal(0), "DAY", 0, 0, order.tag, self.now(),
                             parent_order_id=order.parent_order_id)
            self.orders[exit_leg.order_id] = exit_leg
            self._snap(exit_leg, "PUT ORDER REQ RECEIVED")
            self._send(exit_leg)
        return order

    # ------------------------------------------------------------------ time
    def on_step(self, now: int) -> None:
        for order in list(self.orders.values()):
            if order.status == "AMO REQ RECEIVED" and self.market.is_open(order.item, now):
                self._send(order)
            elif order.queued and order.status in OPEN_STATES and self.market.is_open(order.item, now):
                order.queued = False
                self._send(order, fresh=False)
            elif order.status == "TRIGGER PENDING" and order.engine_id is not None:
                view = self.market.engine.get_order(ACCOUNT, order.item.key, order_id=order.engine_id)
                if view.is_working and view.status.is_open:
                    self._snap(order, "OPEN")
            if order.validity == "TTL" and order.status in OPEN_STATES \
                    and now - order.placed_ms >= order.validity_ttl * 60_000:
                self.cancel(order.variety, order.order_id, message="Order expired: its TTL validity ran out.")
            elif order.status in ("OPEN", "TRIGGER PENDING") and order.engine_id is not None \
                    and not self.market.is_open(order.item, now):
                self.cancel(order.variety, order.order_id, message="Order expired at the end of the session.")
        if not self.market.always_open:
            for exchange in SQUARE_OFF:
                items = [i for i in self.market.listed if i.exchange == exchange]
                local = datetime.fromtimestamp(now / 1000, IST)
                tag = (exchange, local.date().isoformat())
                if items and tag not in self._squared and self._past_square_off(items[0], now) \
                        and self.market.is_open(items[0], now):
                    self._squared.add(tag)
                    self.square_off(exchange)

    def roll_day(self, now: int) -> None:
        """A new IST day: yesterday's finished orders and trades leave the book (Kite shows today's only); AMOs
        and orders still open stay; the portfolio settles."""
        self.orders = {oid: o for oid, o in self.orders.items() if o.status in OPEN_STATES}
        for order in self.orders.values():
            order.trades = []
        self.by_cid = {cid: o for cid, o in self.by_cid.items() if o.order_id in self.orders}
        self.portfolio.roll_day()

    def square_off(self, exchange: str | None = None) -> list[Order]:
        """Cancel open MIS/CO orders and close MIS/CO positions at market (Zerodha's intraday auto square-off)."""
        for order in list(self.orders.values()):
            if order.product in ("MIS", "CO") and order.status in OPEN_STATES \
                    and (exchange is None or order.item.exchange == exchange):
                self.cancel(order.variety, order.order_id)
        out = []
        for pos in list(self.portfolio.positions.values()):
            if pos.product not in ("MIS", "CO") or not pos.quantity:
                continue
            if exchange is not None and pos.item.exchange != exchange:
                continue
            order = Order(self._new_id(), "regular", pos.item, pos.product, "SELL" if pos.quantity > 0 else "BUY",
                          "MARKET", abs(pos.quantity), Decimal(0), Decimal(0), "DAY", 0, 0, "squareoff", self.now())
            self.orders[order.order_id] = order
            self._snap(order, "PUT ORDER REQ RECEIVED")
            self._send(order)
            out.append(order)
        return out

    def all_trades(self) -> list[dict[str, Any]]:
        return [t for o in self.orders.values() for t in o.trades]


def _reject_text(order: Order, exc: EngineReject) -> str:
    if "TRIGGER" in exc.reason.name:
        word = "higher" if order.buy else "lower"
        return f"Trigger price for stoploss {order.side.lower()} orders should be {word} than the last traded price."
    return f"Order rejected by the exchange: {exc.message or exc.reason.name}"

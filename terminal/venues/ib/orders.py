"""Pure mapping between our orders and ib_async's: an ``OrderRequest`` -> an ib_async ``Order``; a ``Trade`` ->
our ``Order``; an ib_async ``Fill`` (+ commission report) -> our ``Fill``.

``orderRef`` carries our client order id (so reconciliation after a restart matches orders); the IB orderId is the
venue order id. Trailing stops are TRAIL / TRAIL LIMIT (amount in auxPrice or trailingPercent); ``at_close`` turns
MARKET/LIMIT into MOC/LOC; GTD's ``expire_ms`` is sent as goodTillDate in UTC.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable

from ib_async import Order as IbOrder

from ...model import Fill, Liquidity, Order, OrderOptions, OrderRequest, OrderStatus, OrderType, TimeInForce
from ...model.numbers import ZERO
from ..ports import Rejected
from .contracts import decimal, instrument_key, quantity
from .enums import (AT_CLOSE_TO_WIRE, ORDER_TYPE_FROM_WIRE, ORDER_TYPE_TO_WIRE, SIDE_FROM_WIRE, SIDE_TO_WIRE,
                    STATUS_FROM_WIRE, TIF_FROM_WIRE, TIF_TO_WIRE, TRAILING_TO_WIRE)

OCA_CANCEL_WITH_BLOCK = 1
ONE = Decimal(1)
GTD_FORMAT = "%Y%m%d %H:%M:%S"
#: ib_async's order types whose auxPrice is the stop (STP) or the trail amount (TRAIL)
_STOP_AUX = frozenset({"STP", "STP LMT"})
_TRAIL = frozenset({"TRAIL", "TRAIL LIMIT"})


def wire_type(request: OrderRequest) -> str:
    opts = request.options
    if opts.trailing:
        wire = TRAILING_TO_WIRE.get(request.type)
        if wire is None:
            raise Rejected(f"a trailing stop must be STOP_LOSS or STOP_LOSS_LIMIT, not {request.type.name}")
        return wire
    if opts.at_close:
        wire = AT_CLOSE_TO_WIRE.get(request.type)
        if wire is None:
            raise Rejected(f"at-close orders are MARKET (MOC) or LIMIT (LOC), not {request.type.name}")
        return wire
    wire = ORDER_TYPE_TO_WIRE.get(request.type)
    if wire is None:
        raise Rejected(f"IB takes MARKET, LIMIT, STOP_LOSS and STOP_LOSS_LIMIT orders, not {request.type.name}")
    return wire


def gtd_text(expire_ms: int) -> str:
    return datetime.fromtimestamp(expire_ms / 1000, timezone.utc).strftime(GTD_FORMAT) + " UTC"


def gtd_ms(text: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt, cut in (("%Y%m%d %H:%M:%S", 17), ("%Y%m%d-%H:%M:%S", 17)):
        try:
            dt = datetime.strptime(text[:cut], fmt).replace(tzinfo=timezone.utc)
            return int(dt.timestamp() * 1000)
        except ValueError:
            continue
    return None


def build(request: OrderRequest, *, order_id: int = 0, parent_order_id: int = 0, transmit: bool = True,
          account: str = "") -> IbOrder:
    """The ib_async ``Order`` for ``request`` (``order_id`` 0: ib_async assigns one)."""
    if request.quantity is None or request.quantity <= 0:
        raise Rejected("IB orders need a quantity (quote quantities are not supported)")
    opts = request.options
    kind = wire_type(request)
    order = IbOrder(orderId=order_id, action=SIDE_TO_WIRE[request.side], totalQuantity=request.quantity,  # type: ignore[arg-type]
                    orderType=kind, orderRef=request.client_order_id, transmit=transmit,
                    outsideRth=bool(request.extended_hours), account=account)
    if request.price is not None:
        order.lmtPrice = request.price
    if kind in _TRAIL:
        if opts.trail_amount is not None:
            order.auxPrice = opts.trail_amount
        else:
            order.trailingPercent = opts.trail_percent  # type: ignore[assignment]
        if request.stop_price is not None:
            order.trailStopPrice = request.stop_price
    elif request.stop_price is not None:
        order.auxPrice = request.stop_price
    tif = request.time_in_force
    if tif is not None:
        order.tif = TIF_TO_WIRE[tif]
    if tif is TimeInForce.GTD:
        if opts.expire_ms is None:
            raise Rejected("a GTD order needs options.expire_ms (good till when)")
        order.goodTillDate = gtd_text(opts.expire_ms)
    if kind in ("MOC", "LOC"):
        order.tif = "DAY"
    if parent_order_id:
        order.parentId = parent_order_id
    if opts.oca_group:
        order.ocaGroup = opts.oca_group
        order.ocaType = OCA_CANCEL_WITH_BLOCK
    return order


def _price(value: Any) -> Decimal | None:
    out = decimal(value)
    return out if out is not None and out != 0 else None


def status(ib_status: str, filled: Decimal) -> OrderStatus:
    ours = STATUS_FROM_WIRE.get(ib_status, OrderStatus.NEW)
    if ours is OrderStatus.NEW and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    if ours is OrderStatus.CANCELED and filled > 0:
        return OrderStatus.CANCELED
    return ours


def reject_reason(trade: Any) -> str | None:
    for entry in reversed(trade.log):
        if getattr(entry, "errorCode", 0):
            return f"IB {entry.errorCode}: {entry.message}"
    return None


def order(trade: Any, *, cid_of: Callable[[int], str | None], now_ms: int, known: Order | None = None) -> Order:
    """Our ``Order`` for an ib_async ``Trade``. ``cid_of(orderId)`` names the client id of a parent order;
    ``known`` is what we had (origin, created time and options the wire does not echo)."""
    o, st = trade.order, trade.orderStatus
    kind = ORDER_TYPE_FROM_WIRE.get(o.orderType, OrderType.LIMIT)
    qty = quantity(o.totalQuantity)
    filled = quantity(st.filled)
    if not filled and trade.fills:
        filled = sum((quantity(f.execution.shares) for f in trade.fills), ZERO)
    avg = decimal(st.avgFillPrice) or ZERO
    if not avg and trade.fills and filled:
        avg = sum(((decimal(f.execution.price, ZERO) or ZERO) * (decimal(f.execution.shares, ZERO) or ZERO)
                   for f in trade.fills), ZERO) / filled
    wire_status = st.status or "PendingSubmit"
    state = status(wire_status, filled)
    trail = o.orderType in _TRAIL
    price = _price(o.lmtPrice) if kind.has_price else None
    stop = _price(o.trailStopPrice) if trail else (_price(o.auxPrice) if o.orderType in _STOP_AUX else None)
    options = known.options if known is not None else OrderOptions()
    parent = cid_of(o.parentId) if o.parentId else None
    options = dataclasses.replace(
        options,
        trail_amount=(_price(o.auxPrice) if trail else None) or (options.trail_amount if trail else None),
        trail_percent=(_price(o.trailingPercent) if trail else None) or (options.trail_percent if trail else None),
        expire_ms=gtd_ms(o.goodTillDate) if o.tif == "GTD" else options.expire_ms,
        at_close=o.orderType in ("MOC", "LOC") or options.at_close,
        parent_id=parent or options.parent_id,
        oca_group=o.ocaGroup or options.oca_group)
    cid = o.orderRef or (known.client_order_id if known else f"ib-{o.permId or o.orderId}")
    return Order(
        symbol=instrument_key(trade.contract), side=SIDE_FROM_WIRE.get(o.action, SIDE_FROM_WIRE["BUY"]), type=kind,
        client_order_id=cid, quantity=qty, price=price, stop_price=stop,
        time_in_force=TIF_FROM_WIRE.get(o.tif) if o.tif else None, status=state,
        venue_order_id=o.orderId or None, filled_qty=filled, filled_quote=avg * filled,
        ts_created=known.ts_created if known is not None else now_ms, ts_updated=now_ms,
        reject_reason=reject_reason(trade) if state in (OrderStatus.REJECTED, OrderStatus.CANCELED) else None,
        origin=known.origin if known is not None else "", options=options)


def trade_id(exec_id: str) -> int:
    """A stable integer id for an IB execId ("0000e0d5.65a1b2c3.01.01"): its hex digits, else its hash."""
    digits = "".join(ch for ch in exec_id if ch in "0123456789abcdefABCDEF")
    try:
        return int(digits[-15:], 16) if digits else abs(hash(exec_id))
    except ValueError:
        return abs(hash(exec_id))


def fill(ib_fill: Any, cid: str, *, now_ms: int) -> Fill:
    """Our ``Fill`` for an ib_async ``Fill`` (commission from its report, 0 until the report arrives)."""
    e, report = ib_fill.execution, ib_fill.commissionReport
    price = decimal(e.price, ZERO) or ZERO
    qty = quantity(e.shares)
    multiplier = decimal(ib_fill.contract.multiplier, ONE) or ONE
    commission = decimal(report.commission, ZERO) if report is not None else ZERO
    ts = int(e.time.timestamp() * 1000) if getattr(e, "time", None) is not None else now_ms
    return Fill(symbol=instrument_key(ib_fill.contract), client_order_id=cid or e.orderRef,
                venue_order_id=e.orderId or None, trade_id=trade_id(e.execId),
                side=SIDE_FROM_WIRE.get(e.side, SIDE_FROM_WIRE["BOT"]), price=price, qty=qty,
                quote_qty=price * qty * multiplier,
                commission=commission or ZERO,
                commission_asset=(report.currency if report is not None and report.currency else ""),
                liquidity=Liquidity.MAKER if e.lastLiquidity == 1 else Liquidity.TAKER, ts_event=ts, ts_recv=now_ms)

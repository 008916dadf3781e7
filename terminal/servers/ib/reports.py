"""What the server sends about orders, at server version 157: openOrder (120 fields), orderStatus (12),
execDetails (31), commissionReport (8)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from .order import Order
from .wire import UNSET_DOUBLE

MARGINS_UNSET = [UNSET_DOUBLE] * 9


@dataclass(frozen=True, slots=True)
class Fill:
    exec_id: str
    order: Order
    qty: Decimal
    price: Decimal
    time_ms: int
    cum_qty: Decimal
    avg_price: Decimal
    commission: Decimal
    realized: Decimal


def open_order(o: Order, *, status: str | None = None, what_if: list[object] | None = None) -> list[object]:
    item = o.item
    out: list[object] = [5, o.order_id, *item.c_block(), o.action, o.qty, o.order_type, o.lmt, o.aux, o.tif,
                         o.oca_group, o.account, "O", 0, o.order_ref, o.client_id, o.perm_id, o.outside_rth, 0, 0, "",
                         "", "", "", "", "", "", o.good_till, "", "", "", 0, "", -1, 0, "", "", "", "", "", 0, 0, 0, 0,
                         "", o.oca_type, 0, 0, "", o.parent_id, 0, "", "", "", "", 0, "", o.trail_stop,
                         o.trailing_pct, "", "", "", 0, 0, 0, "", "", "", "", 0, "", "", 0, 0, "", 0, 1 if what_if else 0,
                         status or o.status]
    if what_if:
        out += what_if
    else:
        out += MARGINS_UNSET + [UNSET_DOUBLE, UNSET_DOUBLE, UNSET_DOUBLE, "", ""]
    out += [0, 0, 0, "None", "", o.trail_stop, o.lmt_offset, "", "", "", 0, "", "", "", "", 0, 0, 0, 0]
    return out


def order_status(o: Order) -> list[object]:
    return [3, o.order_id, o.status, o.filled, o.remaining, o.avg_price, o.perm_id, o.parent_id, o.last_fill,
            o.client_id, "", 0]


def exec_time(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, timezone.utc).strftime("%Y%m%d %H:%M:%S") + " UTC"


def exec_details(req_id: int, fill: Fill) -> list[object]:
    o = fill.order
    item = o.item
    return [11, req_id, o.order_id, *item.c_block(), fill.exec_id, exec_time(fill.time_ms), o.account,
            item.primary if item.exchange == "SMART" else item.exchange, "BOT" if o.buy else "SLD", fill.qty,
            fill.price, o.perm_id, o.client_id, 0, fill.cum_qty, fill.avg_price, o.order_ref, "", "", "",
            2]


def commission_report(fill: Fill) -> list[object]:
    realized = fill.realized if fill.realized else UNSET_DOUBLE
    return [59, 1, fill.exec_id, fill.commission, "USD", realized, UNSET_DOUBLE, ""]


def completed_order(o: Order, completed_ms: int) -> list[object]:
    """completedOrder (101) at server version 157 (it carries no orderId: TWS identifies it by permId)."""
    item = o.item
    return [101, *item.c_block(), o.action, o.qty, o.order_type, o.lmt, o.aux, o.tif, o.oca_group, o.account, "O", 0,
            o.order_ref, o.perm_id, o.outside_rth, 0, 0, "", "", "", "", "",
            "", o.good_till, "", "", "", 0, "", -1, "", "", "", "", "", 0, 0, 0, "", o.oca_type, 0, "", "", "", "",
            0, "", o.trail_stop, o.trailing_pct, "",
            0, 0, 0,
            "", "", "",
            "",
            "", "", 0, 0,
            "",
            0, o.status, 0, 0,
            0,
            o.trail_stop, o.lmt_offset, "", 0, 0, "", o.filled, "", 0, "", 0, 0, "",
            exec_time(completed_ms), "Cancelled by Trader" if o.status == "Cancelled" else o.status]

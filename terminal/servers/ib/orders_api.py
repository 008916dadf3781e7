"""Order requests: placeOrder (new, modify, whatIf), cancelOrder, reqGlobalCancel, reqOpenOrders,
reqAllOpenOrders, reqCompletedOrders and reqExecutions; the checks TWS makes before accepting an order (contract,
type, prices on the tick, size, margin) with its error codes (200, 201, 103, 110)."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .connection import Connection, handles
from .contracts import Listed
from .contracts_api import NO_DEFINITION, resolve
from .ledger import commission
from .order import DONE, TIFS, TYPES, Order, Placed, read_place_order
from .reports import commission_report, completed_order, exec_details, open_order, order_status
from .wire import Fields

if TYPE_CHECKING:
    from .server import PaperServer

ZERO = Decimal(0)
REJECTED = "Order rejected - reason:"


def _problem(server: "PaperServer", p: Placed, item: Listed) -> tuple[int, str] | None:
    if not item.tradable:
        return 201, REJECTED + f"{item.symbol} {item.sec_type} is not tradable (market data only)"
    if p.action not in ("BUY", "SELL"):
        return 201, REJECTED + f"invalid action {p.action!r}"
    if p.order_type not in TYPES:
        return 201, REJECTED + f"The order type {p.order_type} is not supported"
    if p.order_type in ("MOC", "LOC") and item.sec_type != "STK":
        return 201, REJECTED + f"{p.order_type} orders are only accepted for stocks"
    if p.tif not in TIFS:
        return 201, REJECTED + f"The time in force {p.tif} is not supported"
    if p.tif == "GTD" and not p.good_till.strip():
        return 201, REJECTED + "Good-till-date orders need a goodTillDate"
    if p.qty <= 0:
        return 201, REJECTED + "The order size must be positive"
    if p.qty != p.qty.to_integral_value():
        return 201, REJECTED + "Fractional quantities are not accepted for this contract"
    needs_lmt = p.order_type in ("LMT", "STP LMT", "LOC") or (p.order_type == "TRAIL LIMIT" and p.lmt_offset is None)
    if needs_lmt and (p.lmt is None or p.lmt <= 0):
        return 201, REJECTED + "A limit price is required for this order type"
    if p.order_type in ("STP", "STP LMT") and (p.aux is None or p.aux <= 0):
        return 201, REJECTED + "A stop price (auxPrice) is required for this order type"
    if p.order_type in ("TRAIL", "TRAIL LIMIT") and p.aux is None and p.trailing_pct is None:
        return 201, REJECTED + "A trailing amount (auxPrice) or trailingPercent is required"
    for price in (p.lmt if p.order_type not in ("MKT", "STP", "TRAIL", "MOC") else None,
                  p.aux if p.order_type in ("STP", "STP LMT") else None, p.trail_stop):
        if price is not None and price % item.tick:
            return 110, "The price does not conform to the minimum price variation for this contract."
    return None


def _margin_problem(server: "PaperServer", item: Listed, buy: bool, qty: Decimal) -> str | None:
    ledger = server.ledger
    signed = qty if buy else -qty
    before = ledger.margin()
    after = ledger.margin_after(item, signed)
    nlv = ledger.net_liquidation()
    if after > before and after > nlv:
        return (REJECTED + f"YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH "
                f"LOAN VALUE [{nlv:.2f} USD] MUST EXCEED THE INITIAL MARGIN [{after:.2f} USD]")
    return None


def _what_if(server: "PaperServer", conn: Connection, p: Placed, item: Listed) -> None:
    ledger = server.ledger
    signed = p.qty if p.action == "BUY" else -p.qty
    before, after = ledger.margin(), ledger.margin_after(item, signed)
    nlv = ledger.net_liquidation()
    o = _new_order(server, conn, p, item, perm_id=0)
    fee = commission(item, p.qty, server.market.mark(item))
    margins = [before, before * Decimal("0.8"), nlv, after - before, (after - before) * Decimal("0.8"), ZERO,
               after, after * Decimal("0.8"), nlv, fee, fee, fee, "USD", ""]
    conn.send(*open_order(o, status="PreSubmitted", what_if=[f"{v:.2f}" if isinstance(v, Decimal) else v
                                                           for v in margins]))


def _new_order(server: "PaperServer", conn: Connection, p: Placed, item: Listed, perm_id: int) -> Order:
    return Order(p.order_id, conn.client_id or 0, perm_id, item, p.action, p.qty, p.order_type, p.lmt, p.aux,
                 p.tif, p.oca_group, p.oca_type if p.oca_group else 0, p.order_ref, p.transmit, p.parent_id,
                 p.outside_rth, p.good_till, p.trail_stop, p.trailing_pct, p.lmt_offset,
                 p.account or server.account)


@handles(3)
def place_order(server: "PaperServer", conn: Connection, f: Fields) -> None:
    p = read_place_order(f)
    client_id = conn.client_id or 0
    book = server.orders
    key = (client_id, p.order_id)
    existing = book.orders.get(key)

    def refuse(code: int, text: str) -> None:
        if existing is None and not p.what_if:  # the id is spent: placing it again is a duplicate (103)
            book.refused.add(key)
            book.note_id(client_id, p.order_id)
        conn.error(p.order_id, code, text)

    if existing is None and (key in book.refused or p.order_id <= 0):
        conn.error(p.order_id, 103, "Duplicate order id")
        return
    found = resolve(server, p.query)
    if len(found) != 1:
        refuse(200, NO_DEFINITION)
        return
    item = found[0]
    problem = _problem(server, p, item)
    if problem:
        refuse(*problem)
        return
    if p.what_if:
        _what_if(server, conn, p, item)
        return
    if existing is not None:
        if existing.status in DONE or existing.item is not item or existing.action != p.action:
            conn.error(p.order_id, 103, "Duplicate order id")
            return
        if p.qty < existing.filled:
            conn.error(p.order_id, 201, REJECTED + "the new quantity is below the quantity already filled")
            return
        book.modify(existing, {"qty": p.qty, "order_type": p.order_type, "lmt": p.lmt, "aux": p.aux, "tif": p.tif,
                               "outside_rth": p.outside_rth, "good_till": p.good_till, "order_ref": p.order_ref,
                               "trailing_pct": p.trailing_pct, "lmt_offset": p.lmt_offset,
                               "transmit": p.transmit or existing.transmit,
                               **({"trail_stop": p.trail_stop} if p.trail_stop is not None else {})})
        book.work()
        return
    if server.faults.reject_reasons:
        refuse(201, REJECTED + server.faults.reject_reasons.pop(0))
        return
    if p.parent_id and (client_id, p.parent_id) not in book.orders:
        refuse(201, REJECTED + f"parent order {p.parent_id} not found")
        return
    margin = None if p.parent_id else _margin_problem(server, item, p.action == "BUY", p.qty)
    if margin:
        refuse(201, margin)
        return
    order = _new_order(server, conn, p, item, book.new_perm_id())
    book.add(order)
    book.work()


@handles(4)
def cancel_order(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    order_id = f.int()
    o = server.orders.orders.get((conn.client_id or 0, order_id))
    if o is None:
        conn.error(order_id, 10147, f"OrderId {order_id} that needs to be cancelled is not found.")
        return
    if o.done:
        conn.error(order_id, 10148, f"OrderId {order_id} that needs to be cancelled cannot be cancelled, state: "
                                    f"{o.status}.")
        return
    server.orders.cancel(o)


@handles(58)
def global_cancel(server: "PaperServer", conn: Connection, f: Fields) -> None:
    for o in sorted(server.orders.live(), key=lambda x: -x.perm_id):
        server.orders.cancel(o)


def _send_open(conn: Connection, orders: list[Order]) -> None:
    for o in sorted(orders, key=lambda x: x.perm_id):
        conn.send(*open_order(o))
        conn.send(*order_status(o))
    conn.send(53, 1)


@handles(5)
def open_orders(server: "PaperServer", conn: Connection, f: Fields) -> None:
    _send_open(conn, [o for o in server.orders.live() if o.client_id == conn.client_id])


@handles(16)
def all_open_orders(server: "PaperServer", conn: Connection, f: Fields) -> None:
    _send_open(conn, server.orders.live())


@handles(99)
def completed_orders(server: "PaperServer", conn: Connection, f: Fields) -> None:
    now = server.clock.now_ms()
    for o in sorted(server.orders.orders.values(), key=lambda x: x.perm_id):
        if o.done:
            conn.send(*completed_order(o, o.done_ms or now))
    conn.send(102)


@handles(7)
def executions(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    req_id = f.int()
    client_id, account, since, symbol, sec_type, exchange, side = f.int(), f.str(), f.str(), f.str(), f.str(), \
        f.str(), f.str()
    for fill in server.orders.fills:
        o = fill.order
        if client_id and o.client_id != client_id:
            continue
        if account and account != o.account:
            continue
        if symbol and symbol.upper() != o.item.symbol:
            continue
        if sec_type and sec_type.upper() != o.item.sec_type:
            continue
        if exchange and exchange.upper() not in (o.item.exchange, o.item.primary):
            continue
        if side and side.upper()[:1] != ("B" if o.buy else "S"):
            continue
        if since.strip() and _before(fill.time_ms, since):
            continue
        conn.send(*exec_details(req_id, fill))
        conn.send(*commission_report(fill))
    conn.send(55, 1, req_id)


def _before(time_ms: int, since: str) -> bool:
    from .history import parse_end
    at = parse_end(since.replace("  ", " "), time_ms)
    return at is not None and time_ms < at

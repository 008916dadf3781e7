"""The paper server's order book, with TWS's semantics on top of the shared matching engine:

* limit orders rest in the engine (on the server's house account, whose inventory is unlimited: positions and cash
  are the ledger's); market orders take the engine's book; stops and trailing stops are held here and work as
  market (or limit) orders once the market trades through them;
* ``transmit=0`` orders wait for an order of their family with ``transmit=1``; bracket children stay
  ``PreSubmitted`` until their parent fills, then work; when one child fills its siblings are cancelled (so are the
  children of a cancelled parent); an OCA group (ocaType 1) cancels the rest when one fills, types 2/3 reduce them;
* orders outside their market's hours wait (``PreSubmitted``) unless ``outsideRth`` lets stocks trade in the
  extended session; DAY orders are cancelled when their session closes, GTD orders at their time; MOC/LOC work in the
  last second of the regular session.

Every change is reported to the client that placed the order (openOrder, orderStatus, execDetails,
commissionReport, error 202) and to the account subscribers.
"""
from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from terminal.model.enums import OrderType, Side, TimeInForce
from terminal.sim.reports import EngineReject, Execution, ExecType, Trade

from .contracts import Listed
from .market import HOUSE
from .order import Order
from .reports import Fill, commission_report, exec_details, open_order, order_status

if TYPE_CHECKING:
    from .server import PaperServer

log = logging.getLogger(__name__)
ZERO = Decimal(0)
NY = ZoneInfo("America/New_York")


class OrderBook:
    def __init__(self, server: "PaperServer") -> None:
        self.server = server
        self.orders: dict[tuple[int, int], Order] = {}
        self.by_cid: dict[str, Order] = {}
        self.fills: list[Fill] = []
        self.next_perm = 1_000_001
        self.exec_seq = 0
        self.used_ids: dict[int, int] = {}
        #: (client id, order id) of orders refused when placed: their ids are spent
        self.refused: set[tuple[int, int]] = set()
        #: called after every fill (account streams)
        self.fill_listeners: list[Callable[[Fill], None]] = []
        self._open_sessions: dict[int, bool] = {}
        #: OCA groups (client id, group) of type 1 where an order filled: a later member is cancelled at once
        self.oca_done: set[tuple[int, str]] = set()

    def attach(self) -> None:
        self.server.market.engine.execution_listeners.append(self._on_execution)

    # ------------------------------------------------------------------ ids
    def next_valid_id(self, client_id: int) -> int:
        return self.used_ids.get(client_id, 0) + 1

    def new_perm_id(self) -> int:
        perm = self.next_perm
        self.next_perm += 1
        return perm

    def note_id(self, client_id: int, order_id: int) -> None:
        self.used_ids[client_id] = max(self.used_ids.get(client_id, 0), order_id)

    def live(self) -> list[Order]:
        return [o for o in self.orders.values() if not o.done]

    # ------------------------------------------------------------------ reporting
    def _owners(self, o: Order) -> list:
        return self.server.clients(o.client_id)

    def report(self, o: Order, *, with_open: bool = True) -> None:
        for conn in self._owners(o):
            if with_open:
                conn.send(*open_order(o))
            conn.send(*order_status(o))

    def set_status(self, o: Order, status: str) -> None:
        if o.status != status:
            o.status = status
            self.report(o)

    def add(self, o: Order) -> None:
        self.orders[o.key] = o
        self.note_id(o.client_id, o.order_id)
        if o.parent_id:
            parent = self.orders.get((o.client_id, o.parent_id))
            if parent is not None:
                parent.children.append(o.order_id)
        if o.transmit:
            self._release(o)
        o.status = self.desired_status(o)
        self.report(o)
        if o.oca_group and o.oca_type not in (2, 3) and (o.client_id, o.oca_group) in self.oca_done:
            self.cancel(o, "OCA group already filled")

    def _family(self, o: Order) -> list[Order]:
        root = self.orders.get((o.client_id, o.parent_id)) if o.parent_id else o
        root = root or o
        fam = [root] + [self.orders[(o.client_id, c)] for c in root.children if (o.client_id, c) in self.orders]
        return fam

    def _release(self, o: Order) -> None:
        for member in self._family(o):
            member.released = True

    # ------------------------------------------------------------------ state
    def _parent(self, o: Order) -> Order | None:
        return self.orders.get((o.client_id, o.parent_id)) if o.parent_id else None

    def market_open(self, o: Order, now_ms: int) -> bool:
        return self.server.market.is_open(o.item, now_ms, o.outside_rth)

    def desired_status(self, o: Order) -> str:
        if o.done:
            return o.status
        parent = self._parent(o)
        if not o.released or (parent is not None and parent.status != "Filled"):
            return "PreSubmitted"
        if o.order_type in ("MOC", "LOC") or not self.market_open(o, self.server.clock.now_ms()):
            return "PreSubmitted"
        return "Submitted"

    def cancel(self, o: Order, reason: str = "") -> None:
        """Cancel a live order (and its bracket children); error 202 to its owner."""
        if o.done:
            return
        self._pull(o)
        o.status = "Cancelled"
        o.done_ms = self.server.clock.now_ms()
        for conn in self._owners(o):
            conn.send(*order_status(o))
            conn.error(o.order_id, 202, f"Order Canceled - reason:{reason}")
        for child_id in o.children:
            child = self.orders.get((o.client_id, child_id))
            if child is not None:
                self.cancel(child, reason)

    def reject(self, o: Order, code: int, text: str) -> None:
        self._pull(o)
        o.status = "Inactive"
        o.done_ms = self.server.clock.now_ms()
        for conn in self._owners(o):
            conn.error(o.order_id, code, text)
            conn.send(*order_status(o))

    def _pull(self, o: Order) -> None:
        """Take its resting engine order off the book."""
        cid, o.engine_cid = o.engine_cid, None
        if cid is None:
            return
        try:
            self.server.market.engine.cancel(HOUSE, o.item.key, client_order_id=cid)
        except EngineReject:
            pass  # filled or gone meanwhile

    def modify(self, o: Order, changes: dict[str, object]) -> None:
        self._pull(o)
        for name, value in changes.items():
            setattr(o, name, value)
        if o.order_type in ("TRAIL", "TRAIL LIMIT") and not o.triggered and "trail_stop" not in changes:
            o.trail_stop = None
        if o.transmit:
            self._release(o)
        if o.remaining <= 0:
            o.status = "Filled"
            o.done_ms = self.server.clock.now_ms()
        else:
            o.status = self.desired_status(o)
        self.report(o)

    # ------------------------------------------------------------------ the market moves
    def on_trades(self, trades: list[Trade]) -> None:
        keys = self.server.market.by_key
        for trade in trades:
            item = keys.get(trade.symbol)
            if item is not None:
                self.on_price(item, trade.price)

    def on_price(self, item: Listed, price: Decimal) -> None:
        """Stops trigger and trailing stops follow on a traded price."""
        for o in self.live():
            if o.item is not item or not o.stop_kind or o.triggered or o.status != "Submitted":
                continue
            if o.order_type in ("TRAIL", "TRAIL LIMIT"):
                self._trail(o, price)
            stop = o.trail_stop if o.order_type in ("TRAIL", "TRAIL LIMIT") else o.aux
            if stop is not None and (price >= stop if o.buy else price <= stop):
                o.triggered = True

    def _trail(self, o: Order, price: Decimal) -> None:
        if o.trailing_pct is not None:
            offset = price * o.trailing_pct / 100
        else:
            offset = o.aux or ZERO
        tick = o.item.tick
        candidate = price + offset if o.buy else price - offset
        candidate = (candidate / tick).to_integral_value() * tick
        old = o.trail_stop
        if old is None or (candidate < old if o.buy else candidate > old):
            o.trail_stop = candidate
            if old is not None:
                for conn in self._owners(o):
                    conn.send(*open_order(o))

    # ------------------------------------------------------------------ working orders
    def work(self) -> None:
        now = self.server.clock.now_ms()
        self._session_ends(now)
        for o in sorted(self.live(), key=lambda x: x.perm_id):
            if o.done:
                continue
            if o.good_till and o.tif == "GTD" and _gtd_passed(o.good_till, now):
                self.cancel(o, "GTD expired")
                continue
            parent = self._parent(o)
            if parent is not None and parent.done and parent.status != "Filled":
                self.cancel(o)
                continue
            status = self.desired_status(o)
            if status != o.status:
                if status == "PreSubmitted" and o.engine_cid:
                    self._pull(o)
                self.set_status(o, status)
            if o.status == "Submitted":
                self._execute(o)
            elif o.order_type in ("MOC", "LOC") and self._closing(o, now):
                self.set_status(o, "Submitted")
                self._execute(o)

    def _closing(self, o: Order, now_ms: int) -> bool:
        if self.server.market.always_open or not o.released:
            return False
        closes = o.item.liquid.closes_at(now_ms)
        return closes is not None and closes - now_ms <= 1000

    def _session_ends(self, now_ms: int) -> None:
        """At the end of the regular session MOC/LOC orders not yet executed in its last second execute (the close
        auction), then DAY orders end."""
        if self.server.market.always_open:
            return
        for o in sorted(self.live(), key=lambda x: x.perm_id):
            was = self._open_sessions.get(o.perm_id)
            is_open = o.item.liquid.is_open(now_ms)
            self._open_sessions[o.perm_id] = is_open
            if not was or is_open or not o.released or o.done:
                continue
            if o.order_type in ("MOC", "LOC"):
                self.set_status(o, "Submitted")
                self._execute(o, at_close=True)
            elif o.tif == "DAY" and not o.outside_rth:
                self.cancel(o, "day order expired")

    def _execute(self, o: Order, at_close: bool = False) -> None:
        if self.server.faults.hold_fills or o.remaining <= 0 or o.engine_cid is not None:
            return
        if o.order_type in ("MOC", "LOC") and not (at_close or self._closing(o, self.server.clock.now_ms())):
            return
        if o.stop_kind and not o.triggered:
            return
        engine = self.server.market.engine
        limit = o.working_limit()
        o.cid_seq += 1
        cid = f"ib{o.perm_id}-{o.cid_seq}"
        self.by_cid[cid] = o
        side = Side.BUY if o.buy else Side.SELL
        try:
            if limit is None:
                engine.place(HOUSE, o.item.key, side, OrderType.MARKET, quantity=o.remaining, client_order_id=cid)
            else:
                ioc = o.tif == "IOC" or o.order_type == "LOC"
                o.engine_cid = cid
                result = engine.place(HOUSE, o.item.key, side, OrderType.LIMIT, quantity=o.remaining, price=limit,
                                      time_in_force=TimeInForce.IOC if ioc else TimeInForce.GTC, client_order_id=cid)
                if not result.order.status.is_open:
                    o.engine_cid = None
                    if ioc and not o.done:
                        self.cancel(o, "IOC remainder")
        except EngineReject as exc:
            o.engine_cid = None
            log.debug("engine refused %s: %s", cid, exc)
            if not o.done:
                self.reject(o, 201, f"Order rejected - reason:{exc.message}")
            return
        if limit is None and o.tif == "IOC" and not o.done and o.remaining > 0:
            self.cancel(o, "IOC remainder")

    # ------------------------------------------------------------------ fills
    def _on_execution(self, ex: Execution) -> None:
        if ex.account_id != HOUSE:
            return
        o = self.by_cid.get(ex.order.client_order_id)
        if o is None:
            return
        if ex.exec_type is ExecType.TRADE and ex.last_qty > 0:
            self._fill(o, ex.last_qty, ex.last_price, ex.time)
        if not ex.order.status.is_open and o.engine_cid == ex.order.client_order_id:
            o.engine_cid = None

    def _fill(self, o: Order, qty: Decimal, price: Decimal, time_ms: int) -> None:
        if o.done:
            log.warning("fill for finished order %s ignored", o.perm_id)
            return
        qty = min(qty, o.remaining)
        if qty <= 0:
            return
        o.avg_price = (o.avg_price * o.filled + price * qty) / (o.filled + qty)
        o.filled += qty
        o.last_fill = price
        fee, realized = self.server.ledger.apply_fill(o.item, o.buy, qty, price)
        self.exec_seq += 1
        fill = Fill(f"0001f4e8.{self.exec_seq:08x}.01.01", o, qty, price, time_ms, o.filled, o.avg_price, fee,
                    realized)
        self.fills.append(fill)
        if o.remaining <= 0:
            o.status = "Filled"
            o.done_ms = self.server.clock.now_ms()
        for conn in self._owners(o):
            conn.send(*exec_details(-1, fill))
            if o.status == "Filled":
                conn.send(*open_order(o))
            conn.send(*order_status(o))
            conn.send(*commission_report(fill))
        for listener in self.fill_listeners:
            listener(fill)
        self._after_fill(o, qty)

    def _after_fill(self, o: Order, qty: Decimal) -> None:
        parent = self._parent(o)
        if parent is not None:  # a bracket child filled: its siblings go (they are one OCA group)
            for sib_id in parent.children:
                sib = self.orders.get((o.client_id, sib_id))
                if sib is not None and sib is not o and not sib.done:
                    if o.status == "Filled":
                        self.cancel(sib, "")
                    else:
                        self._reduce(sib, qty)
        if o.oca_group:
            if o.oca_type not in (2, 3):
                self.oca_done.add((o.client_id, o.oca_group))
            for other in self.live():
                if other is o or other.oca_group != o.oca_group or other.client_id != o.client_id:
                    continue
                if o.oca_type in (2, 3):
                    self._reduce(other, qty)
                elif o.status == "Filled" or o.oca_type == 1:
                    self.cancel(other, "")
        if o.status == "Filled" and o.children:
            self.work()

    def _reduce(self, o: Order, qty: Decimal) -> None:
        o.qty = max(o.filled, o.qty - qty)
        if o.remaining <= 0:
            self.cancel(o, "OCA reduced to zero")
            return
        if o.engine_cid:
            self._pull(o)
        self.report(o)


def _gtd_passed(text: str, now_ms: int) -> bool:
    parts = text.replace("-", " ").split()
    try:
        zone = ZoneInfo(parts[2]) if len(parts) > 2 else NY
        at = datetime.strptime(parts[0] + (parts[1] if len(parts) > 1 else "23:59:59"), "%Y%m%d%H:%M:%S")
    except (ValueError, IndexError, KeyError):
        return False
    return at.replace(tzinfo=zone).timestamp() * 1000 <= now_ms

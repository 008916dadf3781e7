"""User data events (executionReport, listStatus, outboundAccountPosition, balanceUpdate, listenKeyExpired) routed
to listenKey streams and to WS API subscriptions of the account."""
from __future__ import annotations

import itertools
import logging
from decimal import Decimal
from typing import Any, Callable

from .accounts import Accounts
from .fanout import Connection, Hub, dumps, text_frame
from .listwire import list_status
from .orders import tif_text
from .wire import SIDE_TO_WIRE, STATUS_TO_WIRE, TYPE_TO_WIRE, enum_name, num

log = logging.getLogger(__name__)


def execution_report(e: Any, now: int, execution_id: int) -> dict[str, Any]:
    o = e.order
    canceled = e.cancel_client_order_id is not None and enum_name(e.exec_type) == "CANCELED"
    on_book = o.status.name in ("NEW", "PARTIALLY_FILLED") and o.is_working and o.type.name != "MARKET"
    report: dict[str, Any] = {
        "e": "executionReport", "E": now, "s": o.symbol,
        "c": e.cancel_client_order_id if canceled else o.client_order_id,
        "S": SIDE_TO_WIRE[o.side], "o": TYPE_TO_WIRE[o.type], "f": tif_text(o), "q": num(o.quantity),
        "p": num(o.price), "P": num(o.stop_price), "F": num(None), "g": o.order_list_id,
        "C": o.client_order_id if canceled else "", "x": enum_name(e.exec_type), "X": STATUS_TO_WIRE[o.status],
        "r": e.reject_reason or "NONE", "i": o.order_id, "l": num(e.last_qty), "z": num(o.executed_qty),
        "L": num(e.last_price), "n": num(e.commission), "N": e.commission_asset, "T": e.time, "t": e.trade_id,
        "I": execution_id, "w": on_book, "m": e.is_maker, "M": False, "O": o.time, "Z": num(o.cum_quote),
        "Y": num(e.last_quote), "Q": num(o.quote_quantity), "V": "NONE",
    }
    if o.working_time is not None and o.working_time >= 0 and o.type.name != "MARKET":
        report["W"] = o.working_time
    if o.trailing_delta:
        report["d"] = o.trailing_delta
        if o.trailing_time >= 0:   # only once tracking has begun
            report["D"] = o.trailing_time
    if o.status.name == "EXPIRED":
        report["eR"] = enum_name(o.expiry_reason)
    return report


def account_position(balances: dict[str, tuple[Decimal, Decimal]], now: int) -> dict[str, Any]:
    return {"e": "outboundAccountPosition", "E": now, "u": now,
            "B": [{"a": a, "f": num(f), "l": num(lk)} for a, (f, lk) in sorted(balances.items())]}


def balance_update(asset: str, delta: Decimal, now: int) -> dict[str, Any]:
    return {"e": "balanceUpdate", "E": now, "a": asset, "d": num(delta) if delta >= 0 else "-" + num(-delta),
            "T": now}


class UserStreams:
    """Turns engine listener calls into user data events and delivers them."""

    def __init__(self, engine: Any, accounts: Accounts, hub: Hub, now_ms: Callable[[], int]) -> None:
        self.accounts = accounts
        self.hub = hub
        self.now_ms = now_ms
        self._exec_ids = itertools.count(1)
        # account -> {(connection, subscription id)}
        self.ws_api: dict[str, set[tuple[Connection, int]]] = {}
        engine.execution_listeners.append(self.on_execution)
        engine.balance_listeners.append(self.on_balances)
        engine.list_listeners.append(self.on_list)

    def on_execution(self, e: Any) -> None:
        if self._wanted(e.account_id):
            self.deliver(e.account_id, execution_report(e, self.now_ms(), next(self._exec_ids)))

    def on_list(self, view: Any) -> None:
        if self._wanted(view.account_id):
            self.deliver(view.account_id, list_status(view, self.now_ms()))

    def on_balances(self, account_id: str, balances: dict[str, tuple[Decimal, Decimal]]) -> None:
        if self._wanted(account_id):
            now = self.now_ms()
            self.deliver(account_id, account_position(balances, now))

    def on_deposit(self, account_id: str, asset: str, delta: Decimal) -> None:
        if self._wanted(account_id):
            self.deliver(account_id, balance_update(asset, delta, self.now_ms()))

    def _wanted(self, account_id: str) -> bool:
        return account_id in self.ws_api or any(
            self.hub.has(k) for k in self.accounts.listen_keys_of(account_id))

    def deliver(self, account_id: str, event: dict[str, Any]) -> None:
        now = self.now_ms()
        for key in self.accounts.listen_keys_of(account_id):
            if self.accounts.listen_account(key, now) is not None:
                self.hub.publish(key, event)
        subs = self.ws_api.get(account_id)
        if subs:
            data = dumps(event)
            for conn, sid in tuple(subs):
                conn.send_frame(text_frame(b'{"subscriptionId":' + str(sid).encode() + b',"event":' + data + b"}"))

    def expire_listen_keys(self) -> None:
        now = self.now_ms()
        for key in self.accounts.expire(now):
            self.hub.publish(key, {"e": "listenKeyExpired", "E": now, "listenKey": key})

    # -- WS API subscriptions --------------------------------------------------------------------------------------
    def subscribe(self, account_id: str, conn: Connection, sid: int) -> None:
        self.ws_api.setdefault(account_id, set()).add((conn, sid))

    def unsubscribe(self, conn: Connection, sid: int | None = None) -> list[int]:
        removed: list[int] = []
        for account_id in list(self.ws_api):
            subs = self.ws_api[account_id]
            for entry in list(subs):
                if entry[0] is conn and (sid is None or entry[1] == sid):
                    subs.discard(entry)
                    removed.append(entry[1])
            if not subs:
                del self.ws_api[account_id]
        return removed

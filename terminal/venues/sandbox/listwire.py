"""Order lists on the wire (reference §14.2, §14.9): the list object of the REST and WS API answers, and the
``listStatus`` user data event."""
from __future__ import annotations

from typing import Any, Iterable

from .orders import cancel_report, order_ack, order_full, order_result
from .wire import enum_name


def list_object(view: Any, reports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The list (``orderReports`` only in placement and cancel answers)."""
    out: dict[str, Any] = {
        "orderListId": view.order_list_id, "contingencyType": enum_name(view.contingency_type),
        "listStatusType": enum_name(view.list_status_type), "listOrderStatus": enum_name(view.list_order_status),
        "listClientOrderId": view.list_client_order_id, "transactionTime": view.transaction_time,
        "symbol": view.symbol,
        "orders": [{"symbol": o.symbol, "orderId": o.order_id, "clientOrderId": o.client_order_id}
                   for o in view.orders],
    }
    if reports is not None:
        out["orderReports"] = reports
    return out


def placed(view: Any, resp: str, executions: Iterable[Any]) -> dict[str, Any]:
    """The answer to a placement: one order report per member in the shape ``newOrderRespType`` asks for."""
    when = view.transaction_time
    if resp == "ACK":
        reports = [order_ack(o, when) for o in view.orders]
    elif resp == "RESULT":
        reports = [order_result(o, when) for o in view.orders]
    else:
        trades = [e for e in executions if enum_name(e.exec_type) == "TRADE"]
        reports = [order_full(o, when, [e for e in trades if e.order.order_id == o.order_id]) for o in view.orders]
    return list_object(view, reports)


def cancelled(view: Any, cancel_client_id: str) -> dict[str, Any]:
    """The answer to a list cancel: every member's cancel report carries the cancel's id."""
    return list_object(view, [cancel_report(o, cancel_client_id, view.transaction_time) for o in view.orders])


def list_status(view: Any, now: int) -> dict[str, Any]:
    """The ``listStatus`` event for a list that was placed, changed or ended."""
    return {
        "e": "listStatus", "E": now, "s": view.symbol, "g": view.order_list_id,
        "c": enum_name(view.contingency_type), "l": enum_name(view.list_status_type),
        "L": enum_name(view.list_order_status), "r": "NONE", "C": view.list_client_order_id,
        "T": view.transaction_time,
        "O": [{"s": o.symbol, "i": o.order_id, "c": o.client_order_id} for o in view.orders],
    }


def list_refused(symbol: str, contingency: str, list_client_id: str, member_client_ids: list[str], reason: str,
                 now: int) -> dict[str, Any]:
    """The ``listStatus`` event for a placement the engine refused (``l=RESPONSE``, ``L=REJECT``, ``r`` the reason).
    No list and no order was created: ``g`` and every member's ``i`` are -1 (the sandbox's choice; the docs show the
    event, not these values)."""
    return {
        "e": "listStatus", "E": now, "s": symbol, "g": -1, "c": contingency, "l": "RESPONSE", "L": "REJECT",
        "r": reason, "C": list_client_id, "T": now,
        "O": [{"s": symbol, "i": -1, "c": cid} for cid in member_client_ids],
    }

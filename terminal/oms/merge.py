"""Merging venue reports into the local order state: idempotent, order-insensitive, never backwards.

A report can come from the REST answer, the user stream or a reconciliation query, in any order and any number
of times. The merged order changes status only through the transition table (``Order.with_status``), its filled
quantity never goes down, and a stale report (less filled than what we know) can only close an order.
A REJECTED order is reopened only by a report carrying the venue's order id: the venue has it, so it landed.
"""
from __future__ import annotations

from ..model import Order, OrderStatus, can_transition


def merge(local: Order, report: Order) -> Order:
    """``local`` updated with what ``report`` (same client order id) says. Returns ``local`` itself if nothing changed."""
    if local.status is OrderStatus.REJECTED and report.venue_order_id is None:
        return local  # only the venue's own report of the order (it has an order id for it) can undo a rejection
    stale = report.filled_qty < local.filled_qty
    status = local.status
    if can_transition(local.status, report.status):
        if not stale or (report.status.is_final and report.status is not OrderStatus.FILLED):
            status = report.status
    # a fill report that cannot change the status (e.g. PARTIALLY_FILLED after PENDING_CANCEL) still counts
    newer = report.filled_qty > local.filled_qty
    changes: dict[str, object] = {}
    if newer:
        changes["filled_qty"] = report.filled_qty
        changes["filled_quote"] = report.filled_quote
        if status is OrderStatus.PENDING_CANCEL and report.status is OrderStatus.PARTIALLY_FILLED:
            pass  # still waiting for the cancel's answer
        elif status in (OrderStatus.NEW, OrderStatus.PENDING_NEW) and can_transition(status, OrderStatus.PARTIALLY_FILLED):
            status = OrderStatus.PARTIALLY_FILLED
    elif report.filled_qty == local.filled_qty and report.filled_quote > local.filled_quote:
        changes["filled_quote"] = report.filled_quote
    if local.venue_order_id is None and report.venue_order_id is not None:
        changes["venue_order_id"] = report.venue_order_id
    if local.quantity == 0 and report.quantity > 0:
        changes["quantity"] = report.quantity
    if report.reject_reason and status is report.status and report.reject_reason != local.reject_reason:
        changes["reject_reason"] = report.reject_reason
    elif local.status is OrderStatus.REJECTED and status is not OrderStatus.REJECTED:
        changes["reject_reason"] = report.reject_reason  # it landed after all: the local conclusion was wrong
    if status is local.status and not changes:
        return local
    changes["ts_updated"] = max(local.ts_updated, report.ts_updated)
    return local.with_status(status, **changes)

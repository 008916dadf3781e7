"""Binance order lists (reference §14) and trailing stops (§15) behind the ``NativeProtection`` port.

- an OCO of our two legs is ``POST /api/v3/orderList/oco``: one leg must be a stop loss (STOP_LOSS(_LIMIT)), the
  other a LIMIT (sent as LIMIT_MAKER, the only plain limit an OCO takes), TAKE_PROFIT or TAKE_PROFIT_LIMIT; which one
  sits in the "above" and which in the "below" slot follows from the side (a SELL's stop below, a BUY's above);
- a bracket with a working entry (LIMIT/LIMIT_MAKER) is ``POST /api/v3/orderList/otoco`` (both exits: the exchange
  places them once the entry has filled in full) or ``/orderList/oto`` (one exit). A MARKET entry cannot be a list's
  working order: ``can_hold`` says so and the session holds such a bracket in the app;
- a trailing stop is a STOP_LOSS(_LIMIT) with ``trailingDelta`` in BIPS (``OrderOptions.trail_percent`` x 100); a
  trail in price units has no Binance form.

Every member carries our journaled client order id (``…ClientOrderId``) and the list our group's
(``listClientOrderId``: the entry's id for a bracket, the first leg's for an OCO). Pure functions: the requests sent
and the answers parsed; ``venue.py`` calls them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ...model import Order, OrderRequest, OrderType, Side
from ..ports import Rejected
from . import parse
from .enums import ORDER_TYPE_TO_WIRE, SIDE_TO_WIRE

OCO_PATH = "/api/v3/orderList/oco"
OTO_PATH = "/api/v3/orderList/oto"
OTOCO_PATH = "/api/v3/orderList/otoco"
LIST_PATH = "/api/v3/orderList"

_STOP_LOSS = (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT)
_TAKE_PROFIT = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.TAKE_PROFIT, OrderType.TAKE_PROFIT_LIMIT)
_WORKING = (OrderType.LIMIT, OrderType.LIMIT_MAKER)
_LIMIT_FORMS = (OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT)


def can_hold(kind: str, requests: Sequence[OrderRequest | None]) -> str:
    """Why Binance cannot hold this group natively ("" when it can). ``kind``: "bracket" (entry, exits...), "oco"
    (first, second) or "trailing" (the stop)."""
    legs = [r for r in requests if r is not None]
    if kind == "bracket":
        entry = legs[0] if legs else None
        if entry is None or entry.type not in _WORKING:
            what = entry.type.name if entry is not None else "no"
            return (f"a {what} entry cannot be the working order of a Binance order list (only a LIMIT entry can; "
                    "the exchange places the exits once it has filled)")
        exits = legs[1:]
        if len(exits) == 2:
            return _oco_shape(exits[0], exits[1])
        return ""
    if kind == "oco":
        return _oco_shape(legs[0], legs[1]) if len(legs) == 2 else "an OCO has two legs"
    if kind == "trailing":
        stop = legs[0] if legs else None
        if stop is not None and stop.options.trail_amount is not None:
            return "Binance trails by a percentage only (trailingDelta in BIPS), not by a price amount"
        return ""
    return f"no native {kind}"


def _oco_shape(a: OrderRequest, b: OrderRequest) -> str:
    stops = [r for r in (a, b) if r.type in _STOP_LOSS]
    others = [r for r in (a, b) if r.type in _TAKE_PROFIT]
    if len(stops) != 1 or len(others) != 1:
        return ("a Binance OCO pairs one stop loss (STOP_LOSS or STOP_LOSS_LIMIT) with one LIMIT, TAKE_PROFIT or "
                f"TAKE_PROFIT_LIMIT order, not {a.type.name} with {b.type.name}")
    if a.side is not b.side:
        return "the legs of a Binance OCO are on one side"
    return ""


def trailing_delta(request: OrderRequest) -> int | None:
    """``trailingDelta`` (BIPS) for a trailing stop, None for any other order; a trail amount is Rejected in words."""
    opts = request.options
    if opts.trail_amount is not None:
        raise Rejected("Binance trails by a percentage only (trailingDelta in BIPS): give trail_percent, not "
                       "trail_amount")
    if opts.trail_percent is None:
        return None
    bips = opts.trail_percent * 100
    if bips != bips.to_integral_value():
        raise Rejected(f"Binance's trailing delta is in BIPS (0.01%): {format(opts.trail_percent, 'f')}% is not a "
                       "whole number of them")
    return int(bips)


def _leg(prefix: str, request: OrderRequest, otype: OrderType | None = None) -> dict[str, Any]:
    otype = otype or request.type
    out: dict[str, Any] = {
        f"{prefix}Type": ORDER_TYPE_TO_WIRE[otype],
        f"{prefix}ClientOrderId": request.client_order_id,
    }
    if otype.has_price:
        out[f"{prefix}Price"] = request.price
    if otype in _STOP_LOSS or otype in (OrderType.TAKE_PROFIT, OrderType.TAKE_PROFIT_LIMIT):
        out[f"{prefix}StopPrice"] = request.stop_price
        out[f"{prefix}TrailingDelta"] = trailing_delta(request)
    if otype in _LIMIT_FORMS or otype is OrderType.LIMIT:
        out[f"{prefix}TimeInForce"] = "GTC"
    return out


def _pair(prefix: str, side: Side, a: OrderRequest, b: OrderRequest) -> dict[str, Any]:
    """The above/below legs of an OCO pair: a SELL's stop below and its take-profit above, mirrored for a BUY."""
    stop, other = (a, b) if a.type in _STOP_LOSS else (b, a)
    other_type = OrderType.LIMIT_MAKER if other.type is OrderType.LIMIT else other.type
    above, below = ("Above", "Below") if prefix else ("above", "below")
    if side is Side.SELL:
        return {**_leg(prefix + above, other, other_type), **_leg(prefix + below, stop)}
    return {**_leg(prefix + above, stop), **_leg(prefix + below, other, other_type)}


def oco_params(first: OrderRequest, second: OrderRequest) -> dict[str, Any]:
    reason = _oco_shape(first, second)
    if reason:
        raise Rejected(reason)
    return {"symbol": first.symbol, "side": SIDE_TO_WIRE[first.side], "quantity": first.quantity,
            "listClientOrderId": first.client_order_id, "newOrderRespType": "RESULT",
            **_pair("", first.side, first, second)}


def bracket_params(entry: OrderRequest, take_profit: OrderRequest | None,
                   stop_loss: OrderRequest | None) -> tuple[str, dict[str, Any]]:
    """(path, params): an OTOCO for both exits, an OTO for one."""
    reason = can_hold("bracket", [entry, take_profit, stop_loss])
    if reason:
        raise Rejected(reason)
    working = {"symbol": entry.symbol, "listClientOrderId": entry.client_order_id, "newOrderRespType": "RESULT",
               "workingSide": SIDE_TO_WIRE[entry.side], "workingQuantity": entry.quantity,
               **_leg("working", entry)}
    if entry.type is OrderType.LIMIT_MAKER:
        working.pop("workingTimeInForce", None)
    if take_profit is not None and stop_loss is not None:
        side = take_profit.side
        return OTOCO_PATH, {**working, "pendingSide": SIDE_TO_WIRE[side], "pendingQuantity": take_profit.quantity,
                            **_pair("pending", side, take_profit, stop_loss)}
    exit_ = take_profit or stop_loss
    assert exit_ is not None
    return OTO_PATH, {**working, "pendingSide": SIDE_TO_WIRE[exit_.side], "pendingQuantity": exit_.quantity,
                      **_leg("pending", exit_)}


def list_orders(data: Mapping[str, Any], requests: Sequence[OrderRequest]) -> list[Order]:
    """Every member's Order from a placement answer (its ``orderReports``), matched to our requests by client id."""
    by_cid = {r.client_order_id: r for r in requests}
    return [parse.order(report, by_cid.get(report.get("clientOrderId", ""))) for report in data.get("orderReports", ())]


@dataclass(frozen=True, slots=True)
class OrderListStatus:
    """A ``listStatus`` user-stream event: the list changed (placed, a member placed, ended, refused). Each member's
    executionReport already updates its order; this says the list as a whole is done (``done``) or was refused
    (``reason``)."""

    symbol: str
    list_client_order_id: str
    status: str  # EXECUTING, ALL_DONE, REJECT
    members: tuple[str, ...]  # the members' client order ids
    reason: str = ""
    ts_event: int = 0
    ts_recv: int = 0

    @property
    def done(self) -> bool:
        return self.status in ("ALL_DONE", "REJECT")


def list_status(event: Mapping[str, Any], ts_recv: int = 0) -> OrderListStatus:
    reason = event.get("r") or ""
    return OrderListStatus(str(event["s"]), str(event["C"]), str(event["L"]),
                           tuple(str(o.get("c", "")) for o in event.get("O", ())),
                           "" if reason == "NONE" else str(reason), int(event.get("T") or event.get("E") or 0),
                           ts_recv)


__all__ = ["LIST_PATH", "OCO_PATH", "OTOCO_PATH", "OTO_PATH", "OrderListStatus", "bracket_params", "can_hold",
           "list_orders", "list_status", "oco_params", "trailing_delta"]

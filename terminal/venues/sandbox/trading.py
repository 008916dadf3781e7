"""Signed trading and account endpoints: order (place/test/query/cancel), openOrders, allOrders, account,
myTrades, and the listenKey endpoints."""
from __future__ import annotations

import re
import secrets
from typing import Any

from terminal.model.enums import OrderType
from terminal.sim.stops import fires_on_rise

from . import errors, listwire
from .accounts import ApiKey
from .orders import account_trade, cancel_report, order_ack, order_full, order_query, order_result
from .params import Params
from .venue import Venue
from .wire import SIDE_FROM_WIRE, TIF_FROM_WIRE, TYPE_FROM_WIRE, num

CLIENT_ID = re.compile(r"^[a-zA-Z0-9\-_]{1,36}$")
DAY_MS = 86_400_000
RESP_TYPES = ("ACK", "RESULT", "FULL")
_NEEDS = {
    # type: (timeInForce, price, stopPrice)
    OrderType.LIMIT: (True, True, False),
    OrderType.MARKET: (False, False, False),
    OrderType.STOP_LOSS: (False, False, True),
    OrderType.TAKE_PROFIT: (False, False, True),
    OrderType.STOP_LOSS_LIMIT: (True, True, True),
    OrderType.TAKE_PROFIT_LIMIT: (True, True, True),
    OrderType.LIMIT_MAKER: (False, True, False),
}


def new_client_id() -> str:
    return secrets.token_urlsafe(16)[:22].replace("-", "x").replace("_", "y")


def engine_error(exc: Any) -> errors.ApiError:
    """Map an EngineReject to the Binance error the endpoint answers."""
    reason = exc.reason.name
    if reason == "FILTER":
        return errors.filter_failure(exc.filter or "UNKNOWN")
    if reason == "UNKNOWN_SYMBOL":
        return errors.bad_symbol()
    if reason == "UNKNOWN_ACCOUNT":
        return errors.rejected_key()
    if reason == "UNKNOWN_ORDER":
        return errors.cancel_rejected(exc.message)
    if reason == "INVALID":
        return errors.ApiError(-1013, exc.message)
    return errors.order_rejected(exc.message)


def is_reject(exc: BaseException) -> bool:
    return type(exc).__name__ == "EngineReject"


class Trading:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    # -- orders -------------------------------------------------------------------------------------------
    def parse_order(self, p: Params) -> dict[str, Any]:
        """Syntax checks in Binance's order (-1100/-1102/-1106/-1111/-1115..-1117), then the symbol (-1121)."""
        symbol = p.text("symbol", required=True)
        side = p.choice("side", SIDE_FROM_WIRE, errors.invalid_side(), required=True)
        otype = p.choice("type", TYPE_FROM_WIRE, errors.invalid_order_type(), required=True)
        assert otype is not None
        quantity = p.decimal("quantity")
        quote_qty = p.decimal("quoteOrderQty")
        price = p.decimal("price")
        stop_price = p.decimal("stopPrice")
        needs_tif, needs_price, needs_stop = _NEEDS[otype]
        tif = p.choice("timeInForce", TIF_FROM_WIRE, errors.invalid_tif())
        if needs_tif and tif is None:
            raise errors.mandatory("timeInForce")
        if not needs_tif and tif is not None:
            raise errors.not_required("timeInForce")
        if otype is OrderType.MARKET:
            if quantity is None and quote_qty is None:
                raise errors.quantity_or_quote()
            if quantity is not None and quote_qty is not None:
                raise errors.not_required("quoteOrderQty")
        else:
            if quantity is None:
                raise errors.mandatory("quantity")
            if quote_qty is not None:
                raise errors.not_required("quoteOrderQty")
        if needs_price and price is None:
            raise errors.mandatory("price")
        if not needs_price and price is not None:
            raise errors.not_required("price")
        trailing_delta = p.integer("trailingDelta")
        if needs_stop and stop_price is None and trailing_delta is None:
            raise errors.mandatory("stopPrice")
        if not needs_stop and stop_price is not None:
            raise errors.not_required("stopPrice")
        if not needs_stop and trailing_delta is not None:
            raise errors.not_required("trailingDelta")
        if p.has("icebergQty") and (p.decimal("icebergQty") or 0) > 0:
            raise errors.ApiError(-1013, "Iceberg orders are not supported for this symbol.")
        stp = p.text("selfTradePreventionMode")
        if stp is not None and stp != "NONE":
            raise errors.ApiError(-1013, "Self trade prevention mode not allowed for this symbol; only NONE.")
        cid = p.text("newClientOrderId", max_len=1000)
        if cid is not None and not CLIENT_ID.match(cid):
            raise errors.ApiError(-1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                                  "'^[a-zA-Z0-9-_]{1,36}$'.")
        resp = p.text("newOrderRespType")
        if resp is not None and resp not in RESP_TYPES:
            raise errors.ApiError(-1100, "Illegal characters found in parameter 'newOrderRespType'; legal range is "
                                  "'ACK, RESULT, FULL'.")
        if resp is None:
            resp = "FULL" if otype in (OrderType.MARKET, OrderType.LIMIT) else "ACK"
        self.venue.instrument(symbol)
        if trailing_delta is not None:
            assert side is not None and symbol is not None
            self.venue.rules_for(symbol).check_trailing(trailing_delta, fires_on_rise(otype, side))
        return dict(symbol=symbol, side=side, type=otype, quantity=quantity, quote_quantity=quote_qty, price=price,
                    stop_price=stop_price, time_in_force=tif, client_order_id=cid, trailing_delta=trailing_delta,
                    resp=resp)

    def new_order(self, p: Params, key: ApiKey) -> Any:
        args = self.parse_order(p)
        resp = args.pop("resp")
        now = self.venue.now_ms()
        engine = self.venue.engine
        self.venue.rules_for(args["symbol"]).check_counts(
            engine.open_orders(key.account_id, args["symbol"]), 0, orders=1, algo=int(args["type"].has_stop), lists=0)
        self.venue.limiter.count_order(key.account_id, now)
        if args["client_order_id"] is None:
            args["client_order_id"] = new_client_id()
        symbol, side, otype = args.pop("symbol"), args.pop("side"), args.pop("type")
        try:
            result = self.venue.engine.place(key.account_id, symbol, side, otype, **args)
        except Exception as exc:
            if is_reject(exc):
                raise engine_error(exc) from None
            raise
        order = result.order
        if resp == "ACK":
            return order_ack(order, order.time)
        if resp == "RESULT":
            return order_result(order, order.time)
        return order_full(order, order.time, [e for e in result.executions if e.exec_type.name == "TRADE"])

    def test_order(self, p: Params, key: ApiKey) -> Any:
        args = self.parse_order(p)
        args.pop("resp")
        symbol, side, otype = args.pop("symbol"), args.pop("side"), args.pop("type")
        try:
            self.venue.engine.place(key.account_id, symbol, side, otype, test=True, **args)
        except Exception as exc:
            if is_reject(exc):
                raise engine_error(exc) from None
            raise
        if not p.boolean("computeCommissionRates"):
            return {}
        maker, taker = num(self.venue.maker_fee), num(self.venue.taker_fee)
        zero = num(None)
        return {
            "standardCommissionForOrder": {"maker": maker, "taker": taker},
            "specialCommissionForOrder": {"maker": zero, "taker": zero},
            "taxCommissionForOrder": {"maker": zero, "taker": zero},
            "discount": {"enabledForAccount": False, "enabledForSymbol": False, "discountAsset": "BNB",
                         "discount": zero},
        }

    def _order_ids(self, p: Params) -> tuple[int | None, str | None]:
        order_id = p.integer("orderId")
        orig = p.text("origClientOrderId", max_len=1000)
        if order_id is None and orig is None:
            raise errors.ApiError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were "
                                  "empty/null!")
        return order_id, orig

    def get_order(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol", required=True)
        order_id, orig = self._order_ids(p)
        self.venue.instrument(symbol)
        try:
            order = self.venue.engine.get_order(key.account_id, symbol, order_id=order_id, client_order_id=orig)
        except Exception as exc:
            if is_reject(exc):
                raise errors.no_such_order() from None
            raise
        if order is None:
            raise errors.no_such_order()
        return order_query(order)

    def cancel_order(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol", required=True)
        order_id, orig = self._order_ids(p)
        cancel_id = p.text("newClientOrderId", max_len=1000)
        if cancel_id is not None and not CLIENT_ID.match(cancel_id):
            raise errors.ApiError(-1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                                  "'^[a-zA-Z0-9-_]{1,36}$'.")
        restriction = p.text("cancelRestrictions")
        if restriction not in (None, "ONLY_NEW", "ONLY_PARTIALLY_FILLED"):
            raise errors.ApiError(-1100, "Illegal characters found in parameter 'cancelRestrictions'.")
        self.venue.instrument(symbol)
        engine = self.venue.engine
        cancel_id = cancel_id or new_client_id()
        try:
            current = engine.get_order(key.account_id, symbol, order_id=order_id, client_order_id=orig)
            if restriction is not None and current.status.name != ("NEW" if restriction == "ONLY_NEW"
                                                                   else "PARTIALLY_FILLED"):
                raise errors.cancel_rejected("Order was not canceled due to cancel restrictions.")
            if self._in_live_list(key.account_id, current):   # a member takes its whole list: answer the list
                view = engine.cancel_list(key.account_id, symbol, order_list_id=current.order_list_id,
                                          cancel_client_order_id=cancel_id)
                return listwire.cancelled(view, cancel_id)
            order = engine.cancel(key.account_id, symbol, order_id=order_id, client_order_id=orig,
                                  cancel_client_order_id=cancel_id)
        except errors.ApiError:
            raise
        except Exception as exc:
            if is_reject(exc):
                raise errors.cancel_rejected() from None
            raise
        return cancel_report(order, cancel_id, self.venue.now_ms())

    def cancel_open_orders(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol", required=True)
        self.venue.instrument(symbol)
        engine = self.venue.engine
        reports: list[Any] = []
        for order in engine.open_orders(key.account_id, symbol):
            cancel_id = new_client_id()
            try:
                if self._in_live_list(key.account_id, order):   # lists answer as list objects (§9)
                    view = engine.cancel_list(key.account_id, symbol, order_list_id=order.order_list_id,
                                              cancel_client_order_id=cancel_id)
                    reports.append(listwire.cancelled(view, cancel_id))
                    continue
                done = engine.cancel(key.account_id, symbol, order_id=order.order_id,
                                     cancel_client_order_id=cancel_id)
            except Exception as exc:
                if is_reject(exc):
                    continue  # filled or cancelled meanwhile, or taken by its list's cancel
                raise
            reports.append(cancel_report(done, cancel_id, self.venue.now_ms()))
        if not reports:
            raise errors.cancel_rejected()
        return reports

    def _in_live_list(self, account_id: str, order: Any) -> bool:
        """True if ``order`` is open and a member of a list still executing (cancelling it cancels the list)."""
        if order.order_list_id < 0 or not order.status.is_open:
            return False
        view = self.venue.engine.get_list(account_id, order_list_id=order.order_list_id)
        return bool(view.list_order_status.name == "EXECUTING")

    def open_orders(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol")
        if symbol is not None:
            self.venue.instrument(symbol)
        return [order_query(o) for o in self.venue.engine.open_orders(key.account_id, symbol)]

    def all_orders(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol", required=True)
        order_id = p.integer("orderId")
        start, end = p.integer("startTime"), p.integer("endTime")
        limit = p.limit(500, 1000)
        self.venue.instrument(symbol)
        if start is not None and end is not None and end - start > DAY_MS:
            raise errors.window_too_large()
        orders = self.venue.engine.all_orders(key.account_id, symbol, order_id=order_id, start_ms=start,
                                              end_ms=end, limit=limit)
        return [order_query(o) for o in orders]

    def my_trades(self, p: Params, key: ApiKey) -> Any:
        symbol = p.text("symbol", required=True)
        order_id, from_id = p.integer("orderId"), p.integer("fromId")
        start, end = p.integer("startTime"), p.integer("endTime")
        limit = p.limit(500, 1000)
        self.venue.instrument(symbol)
        if (from_id is not None and (start is not None or end is not None)) or (
                order_id is not None and (start is not None or end is not None)):
            raise errors.ApiError(-1128, "Combination of optional parameters invalid.")
        if start is not None and end is not None and end - start > DAY_MS:
            raise errors.window_too_large()
        trades = self.venue.engine.account_trades(key.account_id, symbol, order_id=order_id, from_id=from_id,
                                                  start_ms=start, end_ms=end, limit=limit)
        return [account_trade(t) for t in trades]

    def account(self, p: Params, key: ApiKey) -> Any:
        omit_zero = p.boolean("omitZeroBalances")
        balances = self.venue.engine.balances(key.account_id)
        rows = [{"asset": a, "free": num(f), "locked": num(lk)} for a, (f, lk) in sorted(balances.items())
                if not (omit_zero and f == 0 and lk == 0)]
        maker_bps = int(self.venue.maker_fee * 10000)
        taker_bps = int(self.venue.taker_fee * 10000)
        return {
            "makerCommission": maker_bps, "takerCommission": taker_bps, "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {"maker": num(self.venue.maker_fee), "taker": num(self.venue.taker_fee),
                                "buyer": num(None), "seller": num(None)},
            "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
            "requireSelfTradePrevention": False, "preventSor": False, "updateTime": self.venue.now_ms(),
            "accountType": "SPOT", "balances": rows, "permissions": ["SPOT"], "uid": key.uid,
        }

    # -- listenKey (USER_STREAM: header only) ----------------------------------------------------------------
    def listen_key_open(self, p: Params, key: ApiKey) -> Any:
        return {"listenKey": self.venue.accounts.open_listen_key(key.account_id, self.venue.now_ms())}

    def listen_key_keepalive(self, p: Params, key: ApiKey) -> Any:
        listen_key = p.text("listenKey", required=True, max_len=200)
        assert listen_key is not None
        self.venue.accounts.keepalive(listen_key, key.account_id, self.venue.now_ms())
        return {}

    def listen_key_close(self, p: Params, key: ApiKey) -> Any:
        listen_key = p.text("listenKey", required=True, max_len=200)
        assert listen_key is not None
        self.venue.accounts.close_listen_key(listen_key, key.account_id)
        return {}

"""Order lists over real HTTP and WebSockets (reference §14): OCO, OTO, OTOCO and the legacy order/oco as documented,
their queries and cancels, their errors, weights and count filters, and the listStatus events on the user stream.

Each test gets a quiet sandbox (no simulated market, ``quiet.py``) so prices stay where the test puts them."""
from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import pytest
import websockets

from terminal.venues.sandbox import SandboxServer
from terminal.venues.sandbox.rules import SymbolRules

from .quiet import Quiet, listen_key, order_events, recv
from .signer import body, hmac_hex, new_account, public, signed

SELL_OCO = {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01000", "aboveType": "LIMIT_MAKER",
            "abovePrice": "110000.00", "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "90000.00",
            "belowPrice": "89900.00", "belowTimeInForce": "GTC"}
OTO = {"symbol": "BTCUSDT", "workingType": "LIMIT", "workingSide": "BUY", "workingPrice": "95000.00",
       "workingQuantity": "0.01000", "workingTimeInForce": "GTC", "pendingType": "LIMIT", "pendingSide": "SELL",
       "pendingPrice": "105000.00", "pendingQuantity": "0.01000", "pendingTimeInForce": "GTC"}
OTOCO = {"symbol": "BTCUSDT", "workingType": "LIMIT", "workingSide": "BUY", "workingPrice": "95000.00",
         "workingQuantity": "0.01000", "workingTimeInForce": "GTC", "pendingSide": "SELL", "pendingQuantity": "0.01000",
         "pendingAboveType": "LIMIT_MAKER", "pendingAbovePrice": "105000.00", "pendingBelowType": "STOP_LOSS_LIMIT",
         "pendingBelowStopPrice": "90000.00", "pendingBelowPrice": "89900.00", "pendingBelowTimeInForce": "GTC"}


@pytest.fixture
def quiet():
    server = SandboxServer(host="127.0.0.1", port=0, simulate=False, rules={
        "ETHUSDT": SymbolRules(oco_allowed=False, oto_allowed=False, allow_trailing_stop=False),
        "BNBUSDT": SymbolRules(max_num_order_lists=2)})
    server.start()
    try:
        q = Quiet(server)
        q.trade_at("100000.00")
        yield q
    finally:
        server.stop()


def _call(q: Quiet, method: str, path: str, params: dict[str, Any], who: tuple[str, str], **kw: Any) -> Any:
    return signed(q.server, method, path, params, key=who[0], secret=who[1], **kw)


def _balances(q: Quiet, who: tuple[str, str]) -> dict[str, tuple[Decimal, Decimal]]:
    rows = body(_call(q, "GET", "/api/v3/account", {}, who))["balances"]
    return {r["asset"]: (Decimal(r["free"]), Decimal(r["locked"])) for r in rows}


def test_exchange_info_advertises_lists_trailing_stops_and_the_count_filters(quiet) -> None:
    info = body(public(quiet.server, "/api/v3/exchangeInfo", symbol="BTCUSDT"))["symbols"][0]
    assert (info["ocoAllowed"], info["otoAllowed"], info["allowTrailingStop"]) == (True, True, True)
    filters = {f["filterType"]: f for f in info["filters"]}
    assert filters["TRAILING_DELTA"] == {"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10,
                                         "maxTrailingAboveDelta": 2000, "minTrailingBelowDelta": 10,
                                         "maxTrailingBelowDelta": 2000}
    assert (filters["MAX_NUM_ORDERS"]["maxNumOrders"], filters["MAX_NUM_ALGO_ORDERS"]["maxNumAlgoOrders"],
            filters["MAX_NUM_ORDER_LISTS"]["maxNumOrderLists"]) == (200, 5, 20)
    eth = body(public(quiet.server, "/api/v3/exchangeInfo", symbol="ETHUSDT"))["symbols"][0]
    assert (eth["ocoAllowed"], eth["otoAllowed"], eth["allowTrailingStop"]) == (False, False, False)


def test_an_oco_is_placed_queried_and_cancelled_as_documented(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1"})
    resp = _call(quiet, "POST", "/api/v3/orderList/oco", {**SELL_OCO, "listClientOrderId": "my-oco"}, me,
                 in_body=True)
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-MBX-ORDER-COUNT-10S"] == "2"   # an OCO counts two orders
    placed = body(resp)
    assert (placed["contingencyType"], placed["listStatusType"], placed["listOrderStatus"],
            placed["listClientOrderId"], placed["symbol"]) == ("OCO", "EXEC_STARTED", "EXECUTING", "my-oco", "BTCUSDT")
    stop, limit = placed["orderReports"]
    assert [o["orderId"] for o in placed["orders"]] == [stop["orderId"], limit["orderId"]] == [
        stop["orderId"], stop["orderId"] + 1]
    assert (stop["type"], stop["stopPrice"], stop["price"], stop["workingTime"], stop["status"]) == (
        "STOP_LOSS_LIMIT", "90000.00000000", "89900.00000000", -1, "NEW")
    assert (limit["type"], limit["price"], limit["workingTime"]) == ("LIMIT_MAKER", "110000.00000000",
                                                                     placed["transactionTime"])
    assert "stopPrice" not in limit and {stop["orderListId"], limit["orderListId"]} == {placed["orderListId"]}
    assert _balances(quiet, me)["BTC"] == (Decimal("0.99"), Decimal("0.01"))   # locked once for both legs
    list_id = placed["orderListId"]
    by_id = body(_call(quiet, "GET", "/api/v3/orderList", {"orderListId": list_id}, me))
    assert by_id == {k: v for k, v in placed.items() if k != "orderReports"}
    assert body(_call(quiet, "GET", "/api/v3/orderList", {"origClientOrderId": "my-oco"}, me)) == by_id
    assert body(_call(quiet, "GET", "/api/v3/openOrderList", {}, me)) == [by_id]
    assert body(_call(quiet, "GET", "/api/v3/allOrderList", {"fromId": list_id}, me)) == [by_id]
    member = body(_call(quiet, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": limit["orderId"]}, me))
    assert member["orderListId"] == list_id
    cancel = body(_call(quiet, "DELETE", "/api/v3/orderList", {"symbol": "BTCUSDT", "orderListId": list_id,
                                                               "newClientOrderId": "bye"}, me, in_body=True))
    assert (cancel["listStatusType"], cancel["listOrderStatus"]) == ("ALL_DONE", "ALL_DONE")
    assert [(r["status"], r["clientOrderId"], r["origClientOrderId"]) for r in cancel["orderReports"]] == [
        ("CANCELED", "bye", stop["clientOrderId"]), ("CANCELED", "bye", limit["clientOrderId"])]
    assert _balances(quiet, me)["BTC"] == (Decimal("1"), Decimal("0"))
    again = _call(quiet, "DELETE", "/api/v3/orderList", {"symbol": "BTCUSDT", "orderListId": list_id}, me)
    assert (again.status_code, body(again)) == (400, {"code": -2011, "msg": "Unknown order sent."})
    unknown = _call(quiet, "GET", "/api/v3/orderList", {"orderListId": list_id + 100}, me)
    assert body(unknown) == {"code": -2018, "msg": "Order list does not exist."}
    assert body(_call(quiet, "GET", "/api/v3/openOrderList", {}, me)) == []


def _oco(**changes: Any) -> dict[str, Any]:
    out = {**SELL_OCO, **changes}
    return {k: v for k, v in out.items() if v is not None}


ERRORS = [
    # python-binance's order_oco_sell sends the legacy names to orderList/oco: aboveType is missing
    ({"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01", "price": "110000", "stopPrice": "90000"}, -1102,
     "Mandatory parameter 'aboveType' was not sent, was empty/null, or malformed."),
    (_oco(belowStopPrice=None), -1102, "Mandatory parameter 'belowStopPrice' was not sent, was empty/null, or "
                                       "malformed."),
    (_oco(belowType="STOP_LOSS", belowPrice=None, belowTimeInForce=None, abovePrice="110000", aboveType="TAKE_PROFIT"),
     -1106, "Parameter 'abovePrice' sent when not required."),
    (_oco(aboveType="LIMIT"), -1158, "Order type not supported in OCO."),
    (_oco(belowTimeInForce="IOC", belowIcebergQty="0.001"), -1160,
     "Parameter 'belowIcebergQty' is not supported if aboveTimeInForce/belowTimeInForce is not GTC."),
    (_oco(side="BUY", aboveType="LIMIT_MAKER"), -1165, "A limit order in a buy OCO must be below."),
    (_oco(belowType="LIMIT_MAKER", belowStopPrice=None, belowTimeInForce=None, aboveType="TAKE_PROFIT",
          abovePrice=None, aboveStopPrice="110000"), -1166, "A limit order in a sell OCO must be above."),
    (_oco(belowType="LIMIT_MAKER", belowStopPrice=None, belowTimeInForce=None), -1168,
     "At least one OCO order must be contingent."),
    (_oco(side="BUY", aboveType="TAKE_PROFIT_LIMIT", aboveTimeInForce="GTC", aboveStopPrice="110000"), -1198,
     "A take profit order in a buy OCO must be below."),
    (_oco(belowType="TAKE_PROFIT_LIMIT"), -1199, "A take profit order in a sell OCO must be above."),
    (_oco(aboveType="STOP_LOSS", abovePrice=None, aboveStopPrice="110000"), -1197,
     "A stop loss order in a sell OCO must be below."),
    (_oco(abovePrice="99000.00"), -2010, "The relationship of the prices for the orders is not correct."),
    (_oco(belowStopPrice="100001.00"), -2010, "The relationship of the prices for the orders is not correct."),
    (_oco(abovePrice="110000.000000001"), -1111, "Parameter 'abovePrice' has too much precision."),
    (_oco(abovePrice="110000.005"), -1013, "Filter failure: PRICE_FILTER"),
    (_oco(quantity="0.00001"), -1013, "Filter failure: NOTIONAL"),
    (_oco(quantity="5"), -2010, "Account has insufficient balance for requested action."),
    (_oco(belowType="STOP_LOSS", belowPrice=None, belowTimeInForce=None, belowStopPrice=None,
          belowTrailingDelta="5"), -1013, "Filter failure: TRAILING_DELTA"),
    (_oco(symbol="ETHUSDT"), -2010, "OCO orders are not supported for this symbol"),
]


@pytest.mark.parametrize("params, code, msg", ERRORS, ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(ERRORS)])
def test_oco_errors_are_the_documented_ones_and_leave_nothing_behind(quiet, params, code, msg) -> None:
    me = new_account(quiet.server, {"BTC": "1", "USDT": "200000", "ETH": "1"})
    resp = _call(quiet, "POST", "/api/v3/orderList/oco", params, me)
    assert (resp.status_code, body(resp)) == (400, {"code": code, "msg": msg})
    assert body(_call(quiet, "GET", "/api/v3/openOrders", {}, me)) == []
    assert all(locked == 0 for _, locked in _balances(quiet, me).values())


def test_a_limit_maker_leg_that_would_take_and_a_duplicate_id_are_refused(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1"})
    key, secret = quiet.taker
    signed(quiet.server, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                                   "timeInForce": "GTC", "quantity": "0.001", "price": "100500.00"},
           key=key, secret=secret)
    would_take = _call(quiet, "POST", "/api/v3/orderList/oco", _oco(abovePrice="100100.00"), me)
    assert body(would_take) == {"code": -2010, "msg": "Order would immediately match and take."}
    assert _call(quiet, "POST", "/api/v3/orderList/oco", _oco(listClientOrderId="L1"), me).status_code == 200
    for changes in ({"listClientOrderId": "L1"}, {"aboveClientOrderId": "a", "belowClientOrderId": "a"}):
        dup = _call(quiet, "POST", "/api/v3/orderList/oco", _oco(quantity="0.02", **changes), me)
        assert body(dup) == {"code": -2010, "msg": "Duplicate order sent."}


def test_a_placed_list_costs_no_weight_and_a_refused_one_costs_one(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1"})

    def used(resp: Any) -> int:
        return int(resp.headers["X-MBX-USED-WEIGHT-1M"])

    before_minute = time.time() // 60
    before = used(public(quiet.server, "/api/v3/ping"))
    ok = _call(quiet, "POST", "/api/v3/orderList/oco", SELL_OCO, me)
    same_minute = time.time() // 60 == before_minute
    assert ok.status_code == 200 and used(ok) == (before if same_minute else 0)
    refused = _call(quiet, "POST", "/api/v3/orderList/oco", _oco(abovePrice="99000.00"), me)
    assert refused.status_code == 400 and used(refused) in (used(ok) + 1, 1)


def test_count_filters_refuse_a_list_whole(quiet) -> None:
    me = new_account(quiet.server, {"BNB": "100", "BTC": "1"})
    quiet.trade_at("600.00", symbol="BNBUSDT", qty="1.000")
    bnb_oto = {"symbol": "BNBUSDT", "workingType": "LIMIT_MAKER", "workingSide": "SELL", "workingPrice": "700.00",
               "workingQuantity": "1.000", "pendingType": "LIMIT", "pendingSide": "BUY", "pendingPrice": "500.00",
               "pendingQuantity": "1.000", "pendingTimeInForce": "GTC"}
    for _ in range(2):
        assert _call(quiet, "POST", "/api/v3/orderList/oto", bnb_oto, me).status_code == 200
    third = _call(quiet, "POST", "/api/v3/orderList/oto", bnb_oto, me)
    assert body(third) == {"code": -1013, "msg": "Filter failure: MAX_NUM_ORDER_LISTS"}
    # BTCUSDT allows 5 stop and take-profit orders: two OCOs hold 2, three plain stops 3 more
    for qty in ("0.01000", "0.02000"):
        assert _call(quiet, "POST", "/api/v3/orderList/oco", _oco(quantity=qty), me).status_code == 200
    for stop in ("80000.00", "81000.00", "82000.00"):
        assert _call(quiet, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "STOP_LOSS",
                                                      "quantity": "0.01", "stopPrice": stop}, me).status_code == 200
    refused = _call(quiet, "POST", "/api/v3/orderList/oco", _oco(quantity="0.03000"), me)
    assert body(refused) == {"code": -1013, "msg": "Filter failure: MAX_NUM_ALGO_ORDERS"}
    single = _call(quiet, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "STOP_LOSS",
                                                    "quantity": "0.01", "stopPrice": "83000.00"}, me)
    assert body(single) == {"code": -1013, "msg": "Filter failure: MAX_NUM_ALGO_ORDERS"}


def test_oto_and_otoco_answer_pending_members_and_refuse_bad_shapes(quiet) -> None:
    me = new_account(quiet.server, {"USDT": "10000", "BTC": "0.001"})
    oto = body(_call(quiet, "POST", "/api/v3/orderList/oto", OTO, me))
    assert oto["contingencyType"] == "OTO" and [r["status"] for r in oto["orderReports"]] == ["NEW", "PENDING_NEW"]
    assert [r["workingTime"] for r in oto["orderReports"]] == [oto["transactionTime"], -1]
    otoco = _call(quiet, "POST", "/api/v3/orderList/otoco", OTOCO, me)
    assert otoco.headers["X-MBX-ORDER-COUNT-10S"] == "5"   # 2 for the OTO, 3 for the OTOCO
    reports = body(otoco)["orderReports"]
    assert [(r["type"], r["status"]) for r in reports] == [("LIMIT", "NEW"), ("STOP_LOSS_LIMIT", "PENDING_NEW"),
                                                           ("LIMIT_MAKER", "PENDING_NEW")]
    assert reports[1]["stopPrice"] == "90000.00000000"
    assert _balances(quiet, me)["USDT"] == (Decimal(10000) - 2 * Decimal(950), 2 * Decimal(950))
    for path, params, code, msg in [
        ("oto", {**OTO, "workingType": "STOP_LOSS"}, -1116, "Invalid orderType."),
        ("oto", {**OTO, "pendingTimeInForce": None}, -1102,
         "Mandatory parameter 'pendingTimeInForce' was not sent, was empty/null, or malformed."),
        ("oto", {**OTO, "pendingType": "MARKET", "pendingPrice": None, "pendingTimeInForce": None,
                 "pendingStopPrice": "1.00"}, -1106, "Parameter 'pendingStopPrice' sent when not required."),
        ("otoco", {**OTOCO, "pendingBelowType": None}, -1102,
         "Mandatory parameter 'pendingBelowType' was not sent, was empty/null, or malformed."),
        ("otoco", {**OTOCO, "pendingSide": "BUY"}, -1165, "A limit order in a buy OCO must be below."),
        ("otoco", {**OTOCO, "pendingSide": "BUY", "pendingAboveType": "STOP_LOSS", "pendingAbovePrice": None,
                   "pendingAboveStopPrice": "110000.00"}, -1196, "A stop loss order in a buy OCO must be above."),
        ("oto", {**OTO, "symbol": "ETHUSDT"}, -2010, "OTO orders are not supported for this symbol."),
    ]:
        resp = _call(quiet, "POST", "/api/v3/orderList/" + path, {k: v for k, v in params.items() if v is not None}, me)
        assert body(resp) == {"code": code, "msg": msg}, (path, params)


def test_an_oto_filled_at_placement_answers_its_fills_and_a_pending_new_it_has_placed(quiet) -> None:
    me = new_account(quiet.server, {"USDT": "10000", "BTC": "0.001"})
    key, secret = quiet.maker
    signed(quiet.server, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT",
                                                   "timeInForce": "GTC", "quantity": "0.01", "price": "99000.00"},
           key=key, secret=secret)
    placed = body(_call(quiet, "POST", "/api/v3/orderList/oto", {**OTO, "workingPrice": "100000.00",
                                                                  "newOrderRespType": "FULL"}, me))
    working, pending = placed["orderReports"]
    assert (working["status"], working["fills"][0]["price"], working["fills"][0]["qty"]) == (
        "FILLED", "99000.00000000", "0.01000000")
    assert (pending["status"], pending["fills"]) == ("PENDING_NEW", [])   # as Binance answers: query it again
    now = body(_call(quiet, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": pending["orderId"]}, me))
    assert (now["status"], now["isWorking"]) == ("NEW", True)


def test_the_legacy_order_oco_places_a_stop_limit_and_a_limit_maker(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1"})
    resp = _call(quiet, "POST", "/api/v3/order/oco", {
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01000", "price": "110000.00", "stopPrice": "90000.00",
        "stopLimitPrice": "89900.00", "stopLimitTimeInForce": "GTC", "limitClientOrderId": "lim",
        "stopClientOrderId": "stp"}, me)
    placed = body(resp)
    assert [(r["type"], r["clientOrderId"]) for r in placed["orderReports"]] == [("STOP_LOSS_LIMIT", "stp"),
                                                                                 ("LIMIT_MAKER", "lim")]
    assert resp.headers["X-MBX-ORDER-COUNT-10S"] == "2"
    no_tif = _call(quiet, "POST", "/api/v3/order/oco", {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01",
                                                        "price": "110000.00", "stopPrice": "90000.00",
                                                        "stopLimitPrice": "89900.00"}, me)
    assert body(no_tif)["code"] == -1102


def test_cancelling_a_member_or_all_open_orders_cancels_whole_lists(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1", "USDT": "10000"})
    oco = body(_call(quiet, "POST", "/api/v3/orderList/oco", SELL_OCO, me))
    answer = body(_call(quiet, "DELETE", "/api/v3/order", {"symbol": "BTCUSDT",
                                                           "orderId": oco["orders"][1]["orderId"]}, me))
    assert answer["orderListId"] == oco["orderListId"] and answer["listStatusType"] == "ALL_DONE"
    assert [r["status"] for r in answer["orderReports"]] == ["CANCELED", "CANCELED"]
    body(_call(quiet, "POST", "/api/v3/orderList/oto", OTO, me))
    plain = body(_call(quiet, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                                        "timeInForce": "GTC", "quantity": "0.001",
                                                        "price": "50000.00"}, me))
    reports = body(_call(quiet, "DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, me))
    assert [r.get("contingencyType") for r in reports] == ["OTO", None]
    assert [r["status"] for r in reports[0]["orderReports"]] == ["CANCELED", "CANCELED"]
    assert reports[1]["orderId"] == plain["orderId"] and reports[1]["orderListId"] == -1
    assert body(_call(quiet, "GET", "/api/v3/openOrderList", {}, me)) == []
    assert _balances(quiet, me) == {"BTC": (Decimal(1), Decimal(0)), "USDT": (Decimal(10000), Decimal(0))}


async def test_an_oco_leg_trading_expires_the_other_and_the_user_stream_tells_it(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1"})
    lk = await asyncio.to_thread(listen_key, quiet.server, me[0])
    async with websockets.connect(f"{quiet.server.ws_url}/ws/{lk}") as ws:
        placed = body(await asyncio.to_thread(_call, quiet, "POST", "/api/v3/orderList/oco", SELL_OCO, me))
        stop_id, limit_id = (o["orderId"] for o in placed["orders"])
        events = await order_events(ws, 3)
        assert [(e["e"], e.get("i"), e.get("x"), e.get("X"), e.get("w"), e["g"]) for e in events] == [
            ("executionReport", stop_id, "NEW", "NEW", False, placed["orderListId"]),
            ("executionReport", limit_id, "NEW", "NEW", True, placed["orderListId"]),
            ("listStatus", None, None, None, None, placed["orderListId"])]
        status = events[2]
        assert (status["s"], status["c"], status["l"], status["L"], status["r"], status["C"], status["O"]) == (
            "BTCUSDT", "OCO", "EXEC_STARTED", "EXECUTING", "NONE", placed["listClientOrderId"],
            [{"s": "BTCUSDT", "i": o["orderId"], "c": o["clientOrderId"]} for o in placed["orders"]])
        await asyncio.to_thread(quiet.hit, "BUY", "0.00400")   # takes 0.004 of the limit leg at 110000
        expired, trade, done = await order_events(ws, 3)
        assert (expired["i"], expired["x"], expired["X"], expired["eR"]) == (stop_id, "EXPIRED", "EXPIRED",
                                                                             "OCO_TRIGGER")
        assert (trade["i"], trade["x"], trade["X"], trade["l"], trade["L"]) == (
            limit_id, "TRADE", "PARTIALLY_FILLED", "0.00400000", "110000.00000000")
        assert (done["e"], done["l"], done["L"]) == ("listStatus", "ALL_DONE", "ALL_DONE")
    survivor = body(await asyncio.to_thread(_call, quiet, "GET", "/api/v3/order",
                                            {"symbol": "BTCUSDT", "orderId": limit_id}, me))
    assert (survivor["status"], survivor["orderListId"]) == ("PARTIALLY_FILLED", placed["orderListId"])
    stop = body(await asyncio.to_thread(_call, quiet, "GET", "/api/v3/order",
                                        {"symbol": "BTCUSDT", "orderId": stop_id}, me))
    assert (stop["status"], stop["expiryReason"]) == ("EXPIRED", "OCO_TRIGGER")


async def test_an_oto_places_its_pending_order_once_filled_and_the_stream_shows_each_step(quiet) -> None:
    me = new_account(quiet.server, {"USDT": "10000", "BTC": "0.001"})
    lk = await asyncio.to_thread(listen_key, quiet.server, me[0])
    async with websockets.connect(f"{quiet.server.ws_url}/ws/{lk}") as ws:
        placed = body(await asyncio.to_thread(_call, quiet, "POST", "/api/v3/orderList/oto", OTO, me))
        working_id, pending_id = (o["orderId"] for o in placed["orders"])
        events = await order_events(ws, 3)
        assert [(e["e"], e.get("i"), e.get("X"), e.get("l")) for e in events] == [
            ("executionReport", working_id, "NEW", "0.00000000"), ("executionReport", pending_id, "PENDING_NEW",
                                                                   "0.00000000"),
            ("listStatus", None, None, "EXEC_STARTED")]
        await asyncio.to_thread(quiet.hit, "SELL", "0.00600")   # partly: the pending order waits
        (partial,) = await order_events(ws, 1)
        assert (partial["i"], partial["X"]) == (working_id, "PARTIALLY_FILLED")
        await asyncio.to_thread(quiet.hit, "SELL", "0.00400")
        filled, pending_new, status = await order_events(ws, 3)
        assert (filled["i"], filled["x"], filled["X"]) == (working_id, "TRADE", "FILLED")
        assert (pending_new["i"], pending_new["x"], pending_new["X"], pending_new["w"]) == (pending_id, "NEW", "NEW",
                                                                                            True)
        assert (status["e"], status["l"], status["L"]) == ("listStatus", "EXEC_STARTED", "EXECUTING")
    depth = body(public(quiet.server, "/api/v3/depth", symbol="BTCUSDT", limit=5))
    assert ["105000.00000000", "0.01000000"] in depth["asks"]


async def test_otoco_pair_goes_on_after_the_working_fill_and_then_behaves_as_an_oco(quiet) -> None:
    me = new_account(quiet.server, {"USDT": "10000", "BTC": "0.001"})
    placed = body(await asyncio.to_thread(_call, quiet, "POST", "/api/v3/orderList/otoco", OTOCO, me))
    _, stop_id, limit_id = (o["orderId"] for o in placed["orders"])
    await asyncio.to_thread(quiet.hit, "SELL", "0.01000")   # fills the working buy at 95000
    lists = body(await asyncio.to_thread(_call, quiet, "GET", "/api/v3/openOrderList", {}, me))
    assert [lst["orderListId"] for lst in lists] == [placed["orderListId"]]
    opened = body(await asyncio.to_thread(_call, quiet, "GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, me))
    assert sorted((o["orderId"], o["status"]) for o in opened) == [(stop_id, "NEW"), (limit_id, "NEW")]
    await asyncio.to_thread(quiet.hit, "BUY", "0.00200")   # part of the take profit at 105000
    stop = body(await asyncio.to_thread(_call, quiet, "GET", "/api/v3/order",
                                        {"symbol": "BTCUSDT", "orderId": stop_id}, me))
    assert (stop["status"], stop["expiryReason"]) == ("EXPIRED", "OCO_TRIGGER")
    done = body(await asyncio.to_thread(_call, quiet, "GET", "/api/v3/orderList",
                                        {"orderListId": placed["orderListId"]}, me))
    assert done["listOrderStatus"] == "ALL_DONE"


async def test_a_refused_placement_sends_list_status_reject(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1"})
    lk = await asyncio.to_thread(listen_key, quiet.server, me[0])
    async with websockets.connect(f"{quiet.server.ws_url}/ws/{lk}") as ws:
        resp = await asyncio.to_thread(_call, quiet, "POST", "/api/v3/orderList/oco",
                                       _oco(abovePrice="99000.00", listClientOrderId="nope"), me)
        assert body(resp)["code"] == -2010
        (event,) = await order_events(ws, 1)
        assert (event["e"], event["l"], event["L"], event["r"], event["C"], event["c"], event["g"]) == (
            "listStatus", "RESPONSE", "REJECT", "OCO_BAD_PRICES", "nope", "OCO", -1)


def _ws_signed(method: str, params: dict[str, Any], who: tuple[str, str], req_id: Any) -> str:
    params = {**params, "apiKey": who[0], "timestamp": int(time.time() * 1000)}
    payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    return json.dumps({"id": req_id, "method": method, "params": {**params, "signature": hmac_hex(who[1], payload)}})


async def _reply(ws: Any, req_id: Any) -> Any:
    while True:
        msg = await recv(ws)
        if msg.get("id") == req_id:
            return msg


async def test_ws_api_places_queries_and_cancels_lists_and_streams_list_status(quiet) -> None:
    me = new_account(quiet.server, {"BTC": "1", "USDT": "10000"})
    async with websockets.connect(f"{quiet.server.ws_url}/ws-api/v3") as ws:
        await ws.send(_ws_signed("userDataStream.subscribe.signature", {}, me, "sub"))
        assert (await _reply(ws, "sub"))["status"] == 200
        await ws.send(_ws_signed("orderList.place.oco", SELL_OCO, me, "oco"))
        placed = await _reply(ws, "oco")
        assert placed["status"] == 200 and placed["result"]["contingencyType"] == "OCO", placed
        list_id = placed["result"]["orderListId"]
        await ws.send(_ws_signed("orderList.place.otoco", OTOCO, me, "otoco"))
        assert (await _reply(ws, "otoco"))["result"]["orderReports"][2]["status"] == "PENDING_NEW"
        await ws.send(_ws_signed("orderList.status", {"orderListId": list_id}, me, "st"))
        assert (await _reply(ws, "st"))["result"]["listOrderStatus"] == "EXECUTING"
        await ws.send(_ws_signed("openOrderLists.status", {}, me, "open"))
        assert len((await _reply(ws, "open"))["result"]) == 2
        await ws.send(_ws_signed("orderList.cancel", {"symbol": "BTCUSDT", "orderListId": list_id}, me, "cx"))
        assert (await _reply(ws, "cx"))["result"]["listStatusType"] == "ALL_DONE"
        await ws.send(_ws_signed("allOrderLists", {}, me, "all"))
        assert [lst["listOrderStatus"] for lst in (await _reply(ws, "all"))["result"]] == ["ALL_DONE", "EXECUTING"]
        await ws.send(_ws_signed("orderList.place", {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01000",
                                                     "price": "110000.00", "stopPrice": "90000.00"}, me, "legacy"))
        legacy = await _reply(ws, "legacy")
        assert [r["type"] for r in legacy["result"]["orderReports"]] == ["STOP_LOSS", "LIMIT_MAKER"]
    async with websockets.connect(f"{quiet.server.ws_url}/ws-api/v3") as ws:
        await ws.send(_ws_signed("userDataStream.subscribe.signature", {}, me, "sub"))
        assert (await _reply(ws, "sub"))["status"] == 200
        await asyncio.to_thread(_call, quiet, "DELETE", "/api/v3/orderList",
                                {"symbol": "BTCUSDT", "orderListId": legacy["result"]["orderListId"]}, me)
        while True:
            msg = await recv(ws)
            if msg.get("event", {}).get("e") == "listStatus":
                break
        assert msg["subscriptionId"] == 0
        assert (msg["event"]["g"], msg["event"]["l"]) == (legacy["result"]["orderListId"], "ALL_DONE")

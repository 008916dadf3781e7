"""Trading endpoints over real HTTP: resting and cancelled limit orders, market fills with exact balances,
and the documented order errors."""
from __future__ import annotations

from decimal import Decimal

import pytest

from .signer import body, new_account, public, signed


def _balances(server, key, secret) -> dict[str, tuple[Decimal, Decimal]]:
    rows = body(signed(server, "GET", "/api/v3/account", key=key, secret=secret))["balances"]
    return {r["asset"]: (Decimal(r["free"]), Decimal(r["locked"])) for r in rows}


def _far_bid(server) -> Decimal:
    bids = body(public(server, "/api/v3/depth", symbol="BTCUSDT", limit=5))["bids"]
    return (Decimal(bids[0][0]) * Decimal("0.8")).quantize(Decimal("0.01"))


def test_limit_order_rests_locks_quote_and_cancel_unlocks_it(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "1000"})
    price = _far_bid(sandbox)
    resp = signed(sandbox, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                                     "timeInForce": "GTC", "quantity": "0.01000", "price": str(price),
                                                     "newClientOrderId": "rest-me-1"}, key=key, secret=secret)
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-MBX-ORDER-COUNT-10S"] == "1" and int(resp.headers["X-MBX-USED-WEIGHT-1M"]) >= 1
    placed = body(resp)
    assert placed["status"] == "NEW" and placed["clientOrderId"] == "rest-me-1" and placed["fills"] == []
    locked = price * Decimal("0.01")
    assert _balances(sandbox, key, secret)["USDT"] == (Decimal(1000) - locked, locked)
    got = body(signed(sandbox, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "rest-me-1"},
                      key=key, secret=secret))
    assert got["orderId"] == placed["orderId"] and got["isWorking"] is True and got["price"] == format(price, ".8f")
    opened = body(signed(sandbox, "GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, key=key, secret=secret))
    assert [o["orderId"] for o in opened] == [placed["orderId"]]
    cancel = body(signed(sandbox, "DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": placed["orderId"],
                                                             "newClientOrderId": "cancel-1"}, key=key, secret=secret))
    assert cancel["status"] == "CANCELED" and cancel["origClientOrderId"] == "rest-me-1"
    assert cancel["clientOrderId"] == "cancel-1"
    assert _balances(sandbox, key, secret)["USDT"] == (Decimal(1000), Decimal(0))
    again = signed(sandbox, "DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": placed["orderId"]},
                   key=key, secret=secret)
    assert body(again) == {"code": -2011, "msg": "Unknown order sent."}
    history = body(signed(sandbox, "GET", "/api/v3/allOrders", {"symbol": "BTCUSDT"}, key=key, secret=secret))
    assert [(o["orderId"], o["status"]) for o in history] == [(placed["orderId"], "CANCELED")]


def test_market_order_fills_with_commission_and_exact_balance_changes(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "20000"})
    resp = signed(sandbox, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                                     "quantity": "0.05000"}, key=key, secret=secret, in_body=True)
    assert resp.status_code == 200, resp.text
    order = body(resp)
    assert order["status"] == "FILLED" and order["executedQty"] == "0.05000000" and order["fills"]
    qty = sum(Decimal(f["qty"]) for f in order["fills"])
    cost = sum(Decimal(f["price"]) * Decimal(f["qty"]) for f in order["fills"])
    fee = sum(Decimal(f["commission"]) for f in order["fills"])
    assert {f["commissionAsset"] for f in order["fills"]} == {"BTC"}
    assert qty == Decimal("0.05") and Decimal(order["cummulativeQuoteQty"]) == cost
    assert fee == sum((Decimal(f["qty"]) * Decimal("0.001")).quantize(Decimal("1E-8")) for f in order["fills"])
    bal = _balances(sandbox, key, secret)
    assert bal["USDT"] == (Decimal(20000) - cost, Decimal(0))
    assert bal["BTC"] == (qty - fee, Decimal(0))
    trades = body(signed(sandbox, "GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "orderId": order["orderId"]},
                         key=key, secret=secret))
    assert [t["id"] for t in trades] == [f["tradeId"] for f in order["fills"]]
    assert all(t["isBuyer"] and not t["isMaker"] for t in trades)


def test_order_test_validates_and_computes_commission_rates(sandbox) -> None:
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    assert body(signed(sandbox, "POST", "/api/v3/order/test", params)) == {}
    rates = body(signed(sandbox, "POST", "/api/v3/order/test", {**params, "computeCommissionRates": "true"}))
    assert rates["standardCommissionForOrder"] == {"maker": "0.00100000", "taker": "0.00100000"}


ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
         "price": "10000.00"}


@pytest.mark.parametrize("change,code,msg", [
    ({"quantity": "1e-05"}, -1100, "Illegal characters found in parameter 'quantity'; legal range is "
                                   "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'."),
    ({"price": None}, -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."),
    ({"type": "MARKET", "price": None}, -1106, "Parameter 'timeInForce' sent when not required."),
    ({"type": "MARKET", "timeInForce": None, "quantity": None}, -1102,
     "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"),
    ({"quantity": "0.000000001"}, -1111, "Parameter 'quantity' has too much precision."),
    ({"timeInForce": "GTX"}, -1115, "Invalid timeInForce."),
    ({"type": "LIMITED"}, -1116, "Invalid orderType."),
    ({"side": "HOLD"}, -1117, "Invalid side."),
    ({"symbol": "NOPEUSDT"}, -1121, "Invalid symbol."),
    ({"quantity": "0.000015"}, -1013, "Filter failure: LOT_SIZE"),
    ({"price": "10000.001"}, -1013, "Filter failure: PRICE_FILTER"),
    ({"quantity": "0.00010"}, -1013, "Filter failure: NOTIONAL"),
    ({"quantity": "5"}, -2010, "Account has insufficient balance for requested action."),
    ({"type": "LIMIT_MAKER", "timeInForce": None, "price": "999999.00", "quantity": "0.0001"}, -2010,
     "Order would immediately match and take."),
    ({"quantity": "99999999999999999999999"}, -1100, None),
])
def test_order_errors_have_binance_codes_and_messages(sandbox, change, code, msg) -> None:
    params = {k: v for k, v in {**ORDER, **change}.items() if v is not None}
    key, secret = new_account(sandbox, {"USDT": "1000"})
    resp = signed(sandbox, "POST", "/api/v3/order", params, key=key, secret=secret)
    assert resp.status_code == 400
    err = body(resp)
    assert err["code"] == code, err
    if msg is not None:
        assert err["msg"] == msg
    assert _balances(sandbox, key, secret)["USDT"] == (Decimal(1000), Decimal(0))


def test_duplicate_open_client_order_id_is_rejected(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "1000"})
    params = {**ORDER, "newClientOrderId": "dup-1"}
    assert signed(sandbox, "POST", "/api/v3/order", params, key=key, secret=secret).status_code == 200
    err = body(signed(sandbox, "POST", "/api/v3/order", params, key=key, secret=secret))
    assert err == {"code": -2010, "msg": "Duplicate order sent."}


def test_unknown_order_queries_are_2013_and_cancel_all_empty_is_2011(sandbox) -> None:
    err = body(signed(sandbox, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 987654321}))
    assert err == {"code": -2013, "msg": "Order does not exist."}
    err = body(signed(sandbox, "GET", "/api/v3/order", {"symbol": "BTCUSDT"}))
    assert err["code"] == -1102
    key, secret = new_account(sandbox, {"USDT": "10"})
    err = body(signed(sandbox, "DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, key=key, secret=secret))
    assert err["code"] == -2011


def test_cancel_open_orders_cancels_everything_on_the_symbol(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "1000"})
    for i in range(3):
        signed(sandbox, "POST", "/api/v3/order", {**ORDER, "newClientOrderId": f"all-{i}"}, key=key, secret=secret)
    reports = body(signed(sandbox, "DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, key=key, secret=secret,
                          in_body=True))
    assert sorted(r["origClientOrderId"] for r in reports) == ["all-0", "all-1", "all-2"]
    assert {r["status"] for r in reports} == {"CANCELED"}
    assert body(signed(sandbox, "GET", "/api/v3/openOrders", key=key, secret=secret)) == []


def test_account_reports_fees_and_omits_zero_balances(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "12.5", "BTC": "0"})
    acct = body(signed(sandbox, "GET", "/api/v3/account", {"omitZeroBalances": "true"}, key=key, secret=secret))
    assert acct["balances"] == [{"asset": "USDT", "free": "12.50000000", "locked": "0.00000000"}]
    assert acct["commissionRates"]["maker"] == "0.00100000" and acct["accountType"] == "SPOT"
    assert acct["canTrade"] is True and acct["permissions"] == ["SPOT"]


def test_mytrades_rejects_window_over_24h(sandbox) -> None:
    err = body(signed(sandbox, "GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "startTime": 0,
                                                           "endTime": 90_000_000}))
    assert err["code"] == -1127

"""The official Python clients, unchanged, against the sandbox (reference §12)."""
from __future__ import annotations

import json
import queue
from decimal import Decimal

import pytest

from .signer import new_account

spot_mod = pytest.importorskip("binance.spot")
client_mod = pytest.importorskip("binance.client")
errors_mod = pytest.importorskip("binance.error")


def test_binance_connector_places_queries_and_cancels(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "10000"})
    spot = spot_mod.Spot(key, secret, base_url=sandbox.url, timeout=5)
    assert spot.ping() == {}
    info = spot.exchange_info(symbols=["BTCUSDT", "ETHUSDT"])
    assert [s["symbol"] for s in info["symbols"]] == ["BTCUSDT", "ETHUSDT"]
    bid = Decimal(spot.depth("BTCUSDT", limit=5)["bids"][0][0])
    price = format((bid * Decimal("0.9")).quantize(Decimal("0.01")), "f")
    order = spot.new_order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.001",
                           price=price)
    assert order["status"] == "NEW"
    assert spot.get_order("BTCUSDT", orderId=order["orderId"])["status"] == "NEW"
    assert spot.cancel_order("BTCUSDT", orderId=order["orderId"])["status"] == "CANCELED"
    filled = spot.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quoteOrderQty="100")
    assert filled["status"] in ("FILLED", "EXPIRED") and filled["fills"]
    balances = {b["asset"]: Decimal(b["free"]) for b in spot.account()["balances"]}
    assert balances["USDT"] == Decimal(10000) - Decimal(filled["cummulativeQuoteQty"])
    with pytest.raises(errors_mod.ClientError) as err:
        spot.new_order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.000001",
                       price=price)
    assert err.value.error_code in (-1111, -1013) and err.value.status_code == 400
    listen_key = spot.new_listen_key()["listenKey"]
    assert spot.renew_listen_key(listen_key) == {}


def test_python_binance_client_places_and_cancels(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "10000"})
    client = client_mod.Client(key, secret, ping=False)
    client.API_URL = sandbox.url + "/api"
    try:
        assert client.get_server_time()["serverTime"] > 0
        assert client.get_symbol_info("BTCUSDT")["symbol"] == "BTCUSDT"
        assert client.create_test_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=0.001) == {}
        bid = Decimal(client.get_order_book(symbol="BTCUSDT", limit=5)["bids"][0][0])
        price = format((bid * Decimal("0.9")).quantize(Decimal("0.01")), "f")
        order = client.create_order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                                    quantity="0.001", price=price)
        assert order["clientOrderId"].startswith("x-") and order["status"] == "NEW"
        cancelled = client.cancel_order(symbol="BTCUSDT", orderId=order["orderId"])  # DELETE with a form body
        assert cancelled["status"] == "CANCELED"
        assert client.get_asset_balance(asset="USDT")["free"] == "10000.00000000"
        with pytest.raises(client_mod.BinanceAPIException) as err:
            client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=1e-05)
        assert err.value.code == -1100
        listen_key = client.stream_get_listen_key()
        client.stream_keepalive(listen_key)
        client.stream_close(listen_key)
    finally:
        client.close_connection()


def test_binance_connector_websocket_client_subscribes_to_depth(sandbox) -> None:
    ws_mod = pytest.importorskip("binance.websocket.spot.websocket_stream")
    got: "queue.Queue[dict]" = queue.Queue()

    def on_message(_ws, message: str) -> None:
        got.put(json.loads(message))

    client = ws_mod.SpotWebsocketStreamClient(stream_url=sandbox.ws_url, on_message=on_message)
    try:
        client.diff_book_depth(symbol="btcusdt", speed=100)
        while True:
            msg = got.get(timeout=10)
            if msg.get("e") == "depthUpdate":
                assert msg["s"] == "BTCUSDT" and msg["u"] >= msg["U"]
                break
    finally:
        client.stop()


async def test_python_binance_sockets_trade_stream_and_ws_api_user_socket(sandbox) -> None:
    import asyncio

    async_client = pytest.importorskip("binance.async_client")
    streams = pytest.importorskip("binance.ws.streams")
    websocket_api = pytest.importorskip("binance.ws.websocket_api")
    key, secret = new_account(sandbox, {"USDT": "1000"})
    client = async_client.AsyncClient(key, secret)
    client.API_URL = sandbox.url + "/api"
    client.ws_api = websocket_api.WebsocketAPI(url=sandbox.ws_url + "/ws-api/v3", tld="com")
    client.ws_api.TIMEOUT = 0.5  # its read loop only notices close() after a recv timeout (10 s by default)
    manager = streams.BinanceSocketManager(client)
    manager.STREAM_URL = sandbox.ws_url + "/"
    try:
        async with manager.user_socket() as user:
            order = await client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001")
            event = await asyncio.wait_for(user.recv(), 10)
            assert event["e"] == "executionReport" and event["i"] == order["orderId"] and event["x"] == "NEW"
            async with manager.trade_socket("BTCUSDT") as trades:
                await client.create_order(symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.0005")
                trade = await asyncio.wait_for(trades.recv(), 10)
                assert trade["e"] == "trade" and trade["s"] == "BTCUSDT"
    finally:
        await client.close_connection()


# -- order lists and trailing stops (reference §14, §15) ---------------------------------------------------------------

def _around_last(server, *factors: str) -> list[str]:
    """Prices at these multiples of the last price, on BTCUSDT's 0.01 tick (far enough that the simulated market
    does not reach them during a test)."""
    from .signer import body, public
    last = Decimal(body(public(server, "/api/v3/ticker/price", symbol="BTCUSDT"))["price"])
    return [format((last * Decimal(f)).quantize(Decimal("0.01")), "f") for f in factors]


def test_python_binance_places_an_oco_an_oto_an_otoco_and_a_trailing_stop(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "10000", "BTC": "0.1"})
    client = client_mod.Client(key, secret, ping=False)
    client.API_URL = sandbox.url + "/api"
    up, down, floor, low = _around_last(sandbox, "1.2", "0.8", "0.79", "0.7")
    try:
        oco = client.create_oco_order(symbol="BTCUSDT", side="SELL", quantity="0.001", aboveType="LIMIT_MAKER",
                                      abovePrice=up, belowType="STOP_LOSS_LIMIT", belowStopPrice=down,
                                      belowPrice=floor, belowTimeInForce="GTC")   # POST /api/v3/orderList/oco
        assert oco["listClientOrderId"].startswith("x-") and oco["listOrderStatus"] == "EXECUTING"
        assert [r["type"] for r in oco["orderReports"]] == ["STOP_LOSS_LIMIT", "LIMIT_MAKER"]
        assert [o["orderListId"] for o in client.get_open_oco_orders()] == [oco["orderListId"]]
        with pytest.raises(client_mod.BinanceAPIException) as err:   # the legacy names it documents
            client.order_oco_sell(symbol="BTCUSDT", quantity="0.001", price=up, stopPrice=down)
        assert err.value.code == -1102 and "aboveType" in err.value.message
        oto = client.v3_post_order_list_oto(symbol="BTCUSDT", workingType="LIMIT", workingSide="BUY",
                                            workingPrice=low, workingQuantity="0.001", workingTimeInForce="GTC",
                                            pendingType="LIMIT_MAKER", pendingSide="SELL", pendingPrice=up,
                                            pendingQuantity="0.001")
        assert [r["status"] for r in oto["orderReports"]] == ["NEW", "PENDING_NEW"]
        otoco = client.v3_post_order_list_otoco(symbol="BTCUSDT", workingType="LIMIT", workingSide="BUY",
                                                workingPrice=low, workingQuantity="0.001", workingTimeInForce="GTC",
                                                pendingSide="SELL", pendingQuantity="0.001",
                                                pendingAboveType="LIMIT_MAKER", pendingAbovePrice=up,
                                                pendingBelowType="STOP_LOSS", pendingBelowStopPrice=floor)
        assert [r["status"] for r in otoco["orderReports"]] == ["NEW", "PENDING_NEW", "PENDING_NEW"]
        got = client.v3_get_order_list(orderListId=otoco["orderListId"])
        assert got["contingencyType"] == "OTO" and "orderReports" not in got
        for placed in (oco, oto, otoco):
            gone = client.v3_delete_order_list(symbol="BTCUSDT", orderListId=placed["orderListId"])  # form body
            assert gone["listStatusType"] == "ALL_DONE"
        trailing = client.create_order(symbol="BTCUSDT", side="SELL", type="STOP_LOSS", quantity="0.001",
                                       trailingDelta=1000, newOrderRespType="RESULT")
        assert (trailing["trailingDelta"], trailing["stopPrice"], trailing["status"]) == (1000, "0.00000000", "NEW")
        client.cancel_order(symbol="BTCUSDT", orderId=trailing["orderId"])
        assert client.get_open_oco_orders() == [] and client.get_open_orders(symbol="BTCUSDT") == []
    finally:
        client.close_connection()


def test_binance_connector_places_an_oco_an_oto_an_otoco_and_a_trailing_stop(sandbox) -> None:
    key, secret = new_account(sandbox, {"USDT": "10000", "BTC": "0.1"})
    spot = spot_mod.Spot(key, secret, base_url=sandbox.url, timeout=5)
    up, down, floor, low = _around_last(sandbox, "1.2", "0.8", "0.79", "0.7")
    oco = spot.new_oco_order("BTCUSDT", "SELL", "0.001", "LIMIT_MAKER", "STOP_LOSS", abovePrice=up,
                             belowStopPrice=down, listClientOrderId="conn-oco")
    assert oco["listClientOrderId"] == "conn-oco" and [r["type"] for r in oco["orderReports"]] == [
        "STOP_LOSS", "LIMIT_MAKER"]
    assert spot.get_oco_order(orderListId=oco["orderListId"])["listOrderStatus"] == "EXECUTING"
    oto = spot.new_oto_order("BTCUSDT", "LIMIT", "BUY", low, "0.001", "TAKE_PROFIT", "SELL", "0.001",
                             workingTimeInForce="GTC", pendingStopPrice=up)
    assert [(r["type"], r["status"]) for r in oto["orderReports"]] == [("LIMIT", "NEW"), ("TAKE_PROFIT", "PENDING_NEW")]
    otoco = spot.new_otoco_order("BTCUSDT", "LIMIT", "BUY", low, "0.001", "SELL", "0.001", "LIMIT_MAKER",
                                 workingTimeInForce="GTC", pendingAbovePrice=up, pendingBelowType="STOP_LOSS_LIMIT",
                                 pendingBelowStopPrice=down, pendingBelowPrice=floor, pendingBelowTimeInForce="GTC")
    assert len(otoco["orders"]) == 3
    assert sorted(o["orderListId"] for o in spot.get_oco_open_orders()) == sorted(
        p["orderListId"] for p in (oco, oto, otoco))
    with pytest.raises(errors_mod.ClientError) as err:
        spot.new_oco_order("BTCUSDT", "SELL", "0.001", "LIMIT_MAKER", "STOP_LOSS", abovePrice=down,
                           belowStopPrice=floor)   # the limit leg under the last price
    assert (err.value.error_code, err.value.error_message) == (
        -2010, "The relationship of the prices for the orders is not correct.")
    for placed in (oco, oto, otoco):
        assert spot.cancel_oco_order("BTCUSDT", orderListId=placed["orderListId"])["listOrderStatus"] == "ALL_DONE"
    assert [o["listOrderStatus"] for o in spot.get_oco_orders()] == ["ALL_DONE"] * 3
    trailing = spot.new_order(symbol="BTCUSDT", side="BUY", type="STOP_LOSS_LIMIT", timeInForce="GTC",
                              quantity="0.001", price=up, trailingDelta=500, newOrderRespType="RESULT")
    assert (trailing["trailingDelta"], trailing["trailingTime"]) == (500, trailing["transactTime"])
    assert spot.get_order("BTCUSDT", orderId=trailing["orderId"])["trailingDelta"] == 500
    with pytest.raises(errors_mod.ClientError) as err:
        spot.new_order(symbol="BTCUSDT", side="BUY", type="STOP_LOSS", quantity="0.001", trailingDelta=5)
    assert (err.value.error_code, err.value.error_message) == (-1013, "Filter failure: TRAILING_DELTA")
    spot.cancel_open_orders("BTCUSDT")
    balances = {b["asset"]: b for b in spot.account()["balances"]}
    assert balances["USDT"]["locked"] == balances["BTC"]["locked"] == "0.00000000"


async def test_python_binance_ws_api_places_queries_and_cancels_an_otoco(sandbox) -> None:
    async_client = pytest.importorskip("binance.async_client")
    websocket_api = pytest.importorskip("binance.ws.websocket_api")
    key, secret = new_account(sandbox, {"USDT": "10000"})
    up, down, low = _around_last(sandbox, "1.2", "0.8", "0.7")
    client = async_client.AsyncClient(key, secret)
    client.API_URL = sandbox.url + "/api"
    client.ws_api = websocket_api.WebsocketAPI(url=sandbox.ws_url + "/ws-api/v3", tld="com")
    client.ws_api.TIMEOUT = 0.5
    try:
        placed = await client.ws_create_otoco_order(
            symbol="BTCUSDT", workingType="LIMIT", workingSide="BUY", workingPrice=low, workingQuantity="0.001",
            workingTimeInForce="GTC", pendingSide="SELL", pendingQuantity="0.001", pendingAboveType="LIMIT_MAKER",
            pendingAbovePrice=up, pendingBelowType="STOP_LOSS", pendingBelowStopPrice=down)
        assert [r["status"] for r in placed["orderReports"]] == ["NEW", "PENDING_NEW", "PENDING_NEW"]
        assert [o["orderListId"] for o in await client.ws_get_oco_open_orders()] == [placed["orderListId"]]
        got = await client.ws_get_oco_order(orderListId=placed["orderListId"])
        assert got["listClientOrderId"] == placed["listClientOrderId"]
        cancel = await client.ws_cancel_oco_order(symbol="BTCUSDT", orderListId=placed["orderListId"])
        assert [r["status"] for r in cancel["orderReports"]] == ["CANCELED"] * 3
    finally:
        await client.close_connection()

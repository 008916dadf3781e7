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

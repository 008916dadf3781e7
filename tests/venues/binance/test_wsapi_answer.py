"""A WS API answer is taken by its request in the connection's read callback (``_AnswerFirst``); the frames read
with it (a local server sends a burst of other frames, the answer, more frames and a bad one in one write) all still
reach the connection's reader, none twice, and the bad one is counted once and drops nothing. (That the answer no
longer waits for the reader task's next step is a latency, measured by benchmarks/session_bench.py.)"""
from __future__ import annotations

import asyncio
import json

from websockets.asyncio.server import ServerConnection, serve

from terminal.venues.binance.rest import BinanceRest
from terminal.venues.binance.signing import HmacSigner
from terminal.venues.binance.wsapi import WsApiTrading

BURST = 300


async def test_an_answer_taken_as_it_is_read_leaves_every_other_frame_to_the_reader_once() -> None:
    async def handler(ws: ServerConnection) -> None:
        async for raw in ws:
            req = json.loads(raw)
            answer = json.dumps({"id": req["id"], "status": 200, "result": {"ok": True}})
            noise = [json.dumps({"id": None, "event": n}) for n in range(BURST)]
            for m in [*noise, answer, *noise, "not json"]:  # framed together, written at once: they arrive together
                ws.protocol.send_text(m.encode())
            ws.send_data()

    server = await serve(handler, "127.0.0.1", 0, compression=None)
    port = server.sockets[0].getsockname()[1]
    rest = BinanceRest(f"http://127.0.0.1:{port}")
    trading = WsApiTrading(f"ws://127.0.0.1:{port}", "key", HmacSigner("x" * 64), rest)
    await trading.start()
    try:
        await trading.wait_connected(10)
        before = trading.health.messages
        result = await trading.request("order.status", {"symbol": "BTCUSDT", "origClientOrderId": "a"})
        assert result == {"ok": True}
        deadline = asyncio.get_running_loop().time() + 10
        while trading.health.messages - before < 2 * BURST + 2:  # every frame is seen once (the bad one counted)
            assert asyncio.get_running_loop().time() < deadline, trading.health.messages - before
            await asyncio.sleep(0.01)
        assert trading.health.messages - before == 2 * BURST + 2 and trading.health.errors == 1
        assert trading.connected and await trading.request("order.status", {"symbol": "BTCUSDT",
                                                                            "origClientOrderId": "b"}) == {"ok": True}
    finally:
        await trading.close()
        await rest.close()
        server.close()
        await server.wait_closed()

"""A sandbox without the simulated market, for tests that need prices to stay where they put them: the books start
empty and only the test's own orders trade. ``trade_at`` prints one trade at an exact price."""
from __future__ import annotations

import asyncio
import json
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Iterator

from .signer import SESSION, body, new_account, signed

T = 10


class Quiet:
    """A started quiet server plus two funded helper accounts that print trades."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.maker = new_account(server, {"USDT": "10000000", "BTC": "100", "ETH": "1000", "BNB": "10000"})
        self.taker = new_account(server, {"USDT": "10000000", "BTC": "100", "ETH": "1000", "BNB": "10000"})

    def trade_at(self, price: str, symbol: str = "BTCUSDT", qty: str = "0.00100") -> None:
        """One trade at ``price``: a helper rests a sell there and the other buys it at market."""
        key, secret = self.maker
        sell = signed(self.server, "POST", "/api/v3/order", {"symbol": symbol, "side": "SELL", "type": "LIMIT",
                                                             "timeInForce": "GTC", "quantity": qty, "price": price},
                      key=key, secret=secret)
        assert sell.status_code == 200, sell.text
        key, secret = self.taker
        buy = body(signed(self.server, "POST", "/api/v3/order",
                          {"symbol": symbol, "side": "BUY", "type": "MARKET", "quantity": qty},
                          key=key, secret=secret))
        assert buy["fills"][0]["price"] == format(Decimal(price), ".8f"), buy

    def hit(self, side: str, qty: str, symbol: str = "BTCUSDT") -> Any:
        """The taker helper sends a market order (it trades with whatever rests)."""
        key, secret = self.taker
        return body(signed(self.server, "POST", "/api/v3/order",
                           {"symbol": symbol, "side": side, "type": "MARKET", "quantity": qty}, key=key, secret=secret))


def listen_key(server: Any, key: str) -> str:
    resp = SESSION.post(server.url + "/api/v3/userDataStream", headers={"X-MBX-APIKEY": key})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["listenKey"])


async def recv(ws: Any) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), T), parse_float=Decimal)


async def order_events(ws: Any, count: int) -> list[dict[str, Any]]:
    """The next ``count`` executionReport and listStatus events (balance events are skipped)."""
    out: list[dict[str, Any]] = []
    while len(out) < count:
        msg = await recv(ws)
        event = msg.get("event", msg)
        if event.get("e") in ("executionReport", "listStatus"):
            out.append(event)
    return out


@contextmanager
def quiet_sandbox() -> Iterator[Quiet]:
    """A started sandbox without its simulated market, and the helpers that print trades on it; stopped at the end."""
    from terminal.venues.sandbox import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, simulate=False)
    server.start()
    try:
        yield Quiet(server)
    finally:
        server.stop()

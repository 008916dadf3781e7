"""Small pieces the contract tests share: order requests away from the market, client ids, waiting on the bus."""
from __future__ import annotations

import asyncio
import re
import secrets
from decimal import Decimal
from typing import Any, Callable

from terminal.bus import Bus
from terminal.model import Instrument, OrderRequest, OrderType, Side, TimeInForce

from .cases import Connection


def new_cid() -> str:
    return "ct-" + secrets.token_hex(8)


def in_words(reason: str) -> bool:
    """A reason a person can read: at least two words of letters (not a bare code)."""
    return len(re.findall(r"[A-Za-z]{2,}", reason)) >= 2


async def instrument(conn: Connection, symbol: str | None = None) -> Instrument:
    return (await conn.venue.instruments())[symbol or conn.case.symbol]


async def resting_price(conn: Connection, side: Side = Side.BUY, symbol: str | None = None) -> Decimal:
    """A price ``price_offset`` away from the touch on the passive side, on the tick grid: the order rests."""
    sym = symbol or conn.case.symbol
    inst = await instrument(conn, sym)
    q = await conn.venue.quote(sym)
    off = conn.case.price_offset
    if side is Side.BUY:
        return inst.snap_price(q.bid * (1 - off), "down")
    return inst.snap_price(q.ask * (1 + off), "up")


def limit(symbol: str, side: Side, quantity: Decimal, price: Decimal, cid: str | None = None,
          tif: TimeInForce = TimeInForce.GTC) -> OrderRequest:
    """A LIMIT order; ``tif``: the case's ``resting_tif`` (a broker without GTC rests a DAY order)."""
    return OrderRequest(symbol, side, OrderType.LIMIT, quantity, price=price, time_in_force=tif,
                        client_order_id=cid or new_cid())


def market(symbol: str, side: Side, quantity: Decimal, cid: str | None = None) -> OrderRequest:
    return OrderRequest(symbol, side, OrderType.MARKET, quantity, client_order_id=cid or new_cid())


async def wait_until(bus: Bus, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Until ``predicate()`` holds: checked now and after every event on ``bus`` (no polling, no sleeps)."""
    if predicate():
        return
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def check(_: Any) -> None:
        if not done.done() and predicate():
            done.set_result(None)
    off = bus.subscribe(None, check)
    try:
        await asyncio.wait_for(done, timeout)
    finally:
        off()

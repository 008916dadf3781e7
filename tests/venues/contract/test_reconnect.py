"""Contract: a dropped connection comes back by itself, market data resumes, and the session reconciles what it missed
while it was down, so that its open orders are the venue's."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from terminal.model import ConnectionChanged, OrderStatus, QuoteTick, Side, TradeTick

from .cases import Connection
from .kit import instrument, limit, resting_price, wait_until


def _index(conn: Connection, pred: Callable[[Any], bool], after: int) -> int | None:
    return next((i for i, e in enumerate(conn.rec.events) if i >= after and pred(e)), None)


def _link(stream: str, connected: bool) -> Callable[[Any], bool]:
    return lambda e: isinstance(e, ConnectionChanged) and e.stream == stream and e.connected is connected


async def test_after_a_drop_the_venue_reconnects_and_the_session_reconciles_orders_changed_meanwhile(
        conn: Connection) -> None:
    case, venue, session = conn.case, conn.venue, conn.session
    if case.drop is None:
        pytest.skip(f"{case.name}: no switch to drop the connection ({case.why_no_drop})")
    case.skip_unless_trading()
    sym = case.symbol
    inst = await instrument(conn)
    price = await resting_price(conn, Side.BUY)
    keep = await session.buy(sym, case.quantity, price)
    gone = await session.buy(sym, case.quantity, price - inst.tick_size)
    await session.watch(sym)
    await wait_until(venue.bus, lambda: _index(conn, lambda e: isinstance(e, QuoteTick) and e.symbol == sym, 0)
                     is not None)
    assert {o.client_order_id for o in session.open_orders(sym)} == {keep.client_order_id, gone.client_order_id}
    reconciles = session.oms.reconciles
    mark = len(conn.rec.events)

    case.drop(conn)
    await wait_until(venue.bus, lambda: _index(conn, _link("user", False), mark) is not None)
    # behind the session's back, through the port, while its user stream is down: these reports are lost to it
    await venue.cancel_order(sym, gone.client_order_id)
    behind, _ = await venue.submit(limit(sym, Side.BUY, case.quantity, price - 2 * inst.tick_size,
                                               tif=case.resting_tif))

    await wait_until(venue.bus, lambda: _index(conn, _link("user", True), mark) is not None
                     and _index(conn, _link("market", True), mark) is not None)
    await wait_until(session.bus, lambda: session.oms.reconciles > reconciles and
                     {o.client_order_id for o in session.open_orders(sym)}
                     == {keep.client_order_id, behind.client_order_id})
    venue_open = {o.client_order_id: (o.status, o.price, o.quantity) for o in await venue.open_orders(sym)}
    session_open = {o.client_order_id: (o.status, o.price, o.quantity) for o in session.open_orders(sym)}
    assert session_open == venue_open
    assert session.oms.order(gone.client_order_id).status is OrderStatus.CANCELED
    up = _index(conn, _link("market", True), mark)
    await wait_until(venue.bus, lambda: _index(
        conn, lambda e: isinstance(e, (QuoteTick, TradeTick)) and e.symbol == sym, up) is not None)
    assert venue.health()["market"].reconnects >= 1
    await session.cancel_all(sym)


async def test_after_a_drop_market_data_comes_back_by_itself(conn: Connection) -> None:
    """The market-data half (what a data-only provider has): the market stream says it is down, then up again, and
    the watched symbol's quotes or trades resume."""
    case, venue, session = conn.case, conn.venue, conn.session
    if case.drop is None:
        pytest.skip(f"{case.name}: no switch to drop the connection ({case.why_no_drop})")
    sym = case.symbol
    await session.watch(sym)
    ticked = lambda after: _index(conn, lambda e: isinstance(e, (QuoteTick, TradeTick)) and e.symbol == sym, after)
    await wait_until(venue.bus, lambda: ticked(0) is not None)
    mark = len(conn.rec.events)
    case.drop(conn)
    await wait_until(venue.bus, lambda: _index(conn, _link("market", False), mark) is not None)
    await wait_until(venue.bus, lambda: _index(conn, _link("market", True), mark) is not None)
    up = _index(conn, _link("market", True), mark)
    assert up is not None
    await wait_until(venue.bus, lambda: ticked(up) is not None)
    assert venue.health()["market"].reconnects >= 1

"""Contract: place, look up, cancel and replace orders by client id; fills with their fee; balances that move
exactly by the fills."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.model import Fill, OrderStatus, OrderUpdated, Side
from terminal.venues.ports import Rejected

from .cases import Connection
from .kit import in_words, instrument, limit, market, resting_price, wait_until

NEEDS_TRADING = True  # every test here skips for a data-only provider (conftest)


def _reported(conn: Connection, cid: str, status: OrderStatus) -> bool:
    return any(isinstance(e, OrderUpdated) and e.order.client_order_id == cid and e.order.status is status
               for e in conn.rec.events)


async def test_resting_order_is_placed_looked_up_listed_and_canceled_by_client_id(conn: Connection) -> None:
    venue, sym = conn.venue, conn.case.symbol
    price = await resting_price(conn, Side.BUY)
    request = limit(sym, Side.BUY, conn.case.quantity, price, tif=conn.case.resting_tif)
    cid = request.client_order_id
    order, fills = await venue.submit(request)
    assert fills == [] and order.client_order_id == cid and order.status is OrderStatus.NEW
    assert order.venue_order_id is not None and order.side is Side.BUY and order.filled_qty == 0
    assert (await venue.query_order(sym, cid)).status is OrderStatus.NEW
    assert cid in {o.client_order_id for o in await venue.open_orders(sym)}
    assert cid in {o.client_order_id for o in await venue.open_orders(None)}
    await wait_until(venue.bus, lambda: _reported(conn, cid, OrderStatus.NEW))
    canceled = await venue.cancel_order(sym, cid)
    assert canceled.client_order_id == cid and canceled.status is OrderStatus.CANCELED
    assert (await venue.query_order(sym, cid)).status is OrderStatus.CANCELED
    assert cid not in {o.client_order_id for o in await venue.open_orders(sym)}
    await wait_until(venue.bus, lambda: _reported(conn, cid, OrderStatus.CANCELED))
    assert cid in {o.client_order_id for o in await venue.order_history(sym)}


async def test_replace_moves_the_order_natively_or_is_refused_and_the_session_replaces_it(conn: Connection) -> None:
    """A venue declaring ``native_replace`` modifies in place; any other refuses ``replace_order`` in words and
    leaves the order alone. Either way the session's replace ends with one open order at the new price."""
    venue, sym = conn.venue, conn.case.symbol
    inst = await instrument(conn)
    price = await resting_price(conn, Side.BUY)
    placed = await conn.session.buy(sym, conn.case.quantity, price)
    new_price = price - inst.tick_size * 3
    if venue.info.capabilities.native_replace:
        moved = await venue.replace_order(sym, placed.client_order_id, price=new_price)
        assert moved.price == new_price and moved.is_open
        new_price -= inst.tick_size * 3
    else:
        with pytest.raises(Rejected) as refused:
            await venue.replace_order(sym, placed.client_order_id, price=new_price)
        assert in_words(refused.value.reason)
        still = await venue.query_order(sym, placed.client_order_id)
        assert (still.status, still.price) == (OrderStatus.NEW, price)
    replaced = await conn.session.replace_order(sym, placed.client_order_id, price=new_price)
    at_venue = await venue.query_order(sym, replaced.client_order_id)
    assert at_venue.price == new_price and at_venue.quantity == conn.case.quantity and at_venue.is_open
    venue_open = {o.client_order_id for o in await venue.open_orders(sym)}
    assert venue_open == {replaced.client_order_id}
    if replaced.client_order_id != placed.client_order_id:
        assert (await venue.query_order(sym, placed.client_order_id)).status is OrderStatus.CANCELED
    await wait_until(conn.session.bus, lambda: {o.client_order_id for o in conn.session.open_orders(sym)}
                     == venue_open)
    await venue.cancel_order(sym, replaced.client_order_id)


async def test_market_order_fills_with_fee_and_fee_asset_and_the_fills_are_listed(conn: Connection) -> None:
    venue, sym, qty = conn.venue, conn.case.symbol, conn.case.quantity
    inst = await instrument(conn)
    request = market(sym, Side.BUY, qty)
    order, fills = await venue.submit(request)
    assert order.status is OrderStatus.FILLED and order.filled_qty == qty
    assert fills and sum(f.qty for f in fills) == qty and sum(f.quote_qty for f in fills) == order.filled_quote
    for f in fills:
        assert f.client_order_id == request.client_order_id and f.side is Side.BUY
        assert isinstance(f.commission, Decimal) and f.commission >= 0 and f.commission_asset
        assert f.price > 0 and f.quote_qty == inst.notional(f.price, f.qty)
    ids = {f.trade_id for f in fills}
    await wait_until(venue.bus, lambda: ids <= {e.trade_id for e in conn.rec.of(Fill)
                                                if e.client_order_id == request.client_order_id})
    listed = {f.trade_id: f for f in await venue.fills(sym)}
    assert ids <= set(listed)
    for f in fills:
        mine = listed[f.trade_id]
        assert (mine.qty, mine.price, mine.commission, mine.commission_asset) == \
            (f.qty, f.price, f.commission, f.commission_asset)


def _totals(balances: list) -> dict[str, Decimal]:  # type: ignore[type-arg]
    return {b.asset: b.free + b.locked for b in balances}


async def test_balances_move_exactly_by_a_fill_and_its_fee(conn: Connection) -> None:
    if conn.case.positions_account:
        pytest.skip(f"{conn.case.name} is a margin account: fills move positions and margin, not asset balances")
    venue, sym, qty = conn.venue, conn.case.symbol, conn.case.quantity
    inst = await instrument(conn)
    before = _totals(await venue.balances())
    _, fills = await venue.submit(market(sym, Side.BUY, qty))
    after = _totals(await venue.balances())
    base, quote = inst.base_asset, inst.quote_asset
    fee = {a: sum((f.commission for f in fills if f.commission_asset == a), Decimal(0)) for a in (base, quote)}
    assert after.get(base, 0) - before.get(base, 0) == sum(f.qty for f in fills) - fee[base]
    assert after[quote] - before[quote] == -sum(f.quote_qty for f in fills) - fee[quote]
    for asset in set(before) | set(after):
        if asset not in (base, quote) and not any(f.commission_asset == asset for f in fills):
            assert after.get(asset, 0) == before.get(asset, 0), asset
    await wait_until(conn.session.bus, lambda: all(
        (b := conn.session.balances().get(a)) is not None and b.free + b.locked == after[a] for a in (base, quote)))

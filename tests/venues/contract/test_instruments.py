"""Contract: instruments carry the registry's name, a qualified id, a declared asset class, and increments that the
model snaps to and the venue accepts exactly."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.model import OrderStatus, Side
from terminal.model.instrument import parse_qualified_id
from terminal.venues import registry
from terminal.venues.ports import DuplicateOrder, MarketData, Rejected, UnknownOrder, Venue

from .cases import Connection
from .kit import in_words, instrument, limit, resting_price

D = Decimal


async def test_adapter_from_the_registry_implements_the_venue_port_with_its_declared_info(conn: Connection) -> None:
    venue = conn.venue
    assert isinstance(venue, Venue if conn.case.trading else MarketData)
    assert venue.info.capabilities.trading is conn.case.trading
    assert venue.info is registry.info(conn.case.name) and conn.session.provider == conn.case.name
    assert venue.environment in {e.name for e in venue.info.environments}
    assert venue.info.capabilities.history_limit >= 1 and (not conn.case.trading or venue.settle_ms() >= 0)


async def test_instruments_are_qualified_by_venue_with_a_declared_asset_class_and_positive_increments(
        conn: Connection) -> None:
    venue = conn.venue
    instruments = await venue.instruments()
    assert conn.case.symbol in instruments and conn.case.other_symbol in instruments
    assert set(conn.session.instruments) == set(instruments)
    declared = venue.info.capabilities.asset_classes
    for symbol, inst in instruments.items():
        assert inst.symbol == symbol and inst.venue == conn.case.name
        assert inst.qualified_id == f"{symbol}@{conn.case.name}"
        assert parse_qualified_id(inst.qualified_id) == (symbol, conn.case.name)
        assert inst.asset_class in declared, f"{symbol}: {inst.asset_class} is not declared in the capabilities"
        assert inst.currency and inst.currency == inst.quote_asset
        for value in (inst.tick_size, inst.step_size, inst.multiplier):
            assert isinstance(value, Decimal) and value.is_finite() and value > 0, (symbol, value)


@pytest.mark.parametrize("nudge", ["0.37", "0.5", "0.999"])
async def test_price_and_quantity_snapped_by_the_model_are_accepted_exactly_and_unsnapped_ones_rejected(
        conn: Connection, nudge: str) -> None:
    """The model's snapping is the venue's grid: a snapped order rests at exactly that price and size (the port's
    answer and a look-up by client id agree), the same price a fraction of a tick off is refused in words."""
    case, venue = conn.case, conn.venue
    case.skip_unless_trading()
    inst = await instrument(conn)
    base = await resting_price(conn, Side.BUY)
    off_grid = base - inst.tick_size * D(nudge)
    price = inst.snap_price(off_grid, "down")
    qty = inst.snap_qty(case.quantity + inst.step_size * D(nudge), "down")
    assert price % inst.tick_size == 0 and qty % inst.step_size == 0
    assert inst.snap_price(price) == price and inst.snap_qty(qty) == qty  # snapping is idempotent
    assert price < off_grid < price + inst.tick_size and qty >= case.quantity
    with pytest.raises(Rejected) as refused:
        await venue.submit(limit(case.symbol, Side.BUY, qty, off_grid, tif=case.resting_tif))
    assert not isinstance(refused.value, (DuplicateOrder, UnknownOrder)) and in_words(refused.value.reason)
    order, fills = await venue.submit(limit(case.symbol, Side.BUY, qty, price, tif=case.resting_tif))
    assert fills == [] and order.status is OrderStatus.NEW
    assert order.price == price and order.quantity == qty
    looked_up = await venue.query_order(case.symbol, order.client_order_id)
    assert (looked_up.price, looked_up.quantity, looked_up.status) == (price, qty, OrderStatus.NEW)
    await venue.cancel_order(case.symbol, order.client_order_id)

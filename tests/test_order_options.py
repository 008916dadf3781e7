"""OrderOptions (trailing, good-till-date, at-close, bracket/OCO links, venue params): journaled with the order, and
refused before sending by a venue that does not declare them."""
from __future__ import annotations

from decimal import Decimal

import pytest

import terminal
from terminal.model import OrderOptions, OrderRequest, OrderType, Side, TimeInForce
from terminal.model.numbers import InvalidArgument
from terminal.storage.journal import Journal
from terminal.model import Order

D = Decimal


def test_options_survive_the_journal_round_trip(tmp_path) -> None:
    opts = OrderOptions.make(trail_percent=D("1.5"), oca_group="g1", parent_id="tt-parent",
                             params={"variety": "regular", "product": "MIS"})
    req = OrderRequest("AAPL", Side.SELL, OrderType.STOP_LOSS, quantity=D("3"), stop_price=D("99.5"), options=opts)
    journal = Journal(tmp_path / "j.sqlite")
    journal.record_order(Order.from_request(req, ts=1))
    journal.close()
    again = Journal(tmp_path / "j.sqlite").order(req.client_order_id)
    assert again is not None and again.options == opts
    assert again.options.param("product") == "MIS" and again.options.trailing


def test_a_plain_order_is_journaled_without_options(tmp_path) -> None:
    req = OrderRequest("AAPL", Side.BUY, OrderType.MARKET, quantity=D("1"))
    journal = Journal(tmp_path / "j.sqlite")
    journal.record_order(Order.from_request(req))
    assert journal.order(req.client_order_id).options == OrderOptions()  # type: ignore[union-attr]


def test_a_journal_written_before_options_opens_and_reads_plain_orders(tmp_path) -> None:
    import sqlite3
    path = tmp_path / "old.sqlite"
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE orders DROP COLUMN options")
    db.execute("INSERT INTO orders VALUES ('tt-old','AAPL','buy','market','1',NULL,NULL,NULL,NULL,'filled',7,'1','230',"
               "1,2,NULL,'')")
    db.commit(); db.close()
    order = Journal(path).order("tt-old")
    assert order is not None and order.options == OrderOptions() and order.venue_order_id == 7


async def test_a_venue_that_does_not_declare_an_option_or_a_time_in_force_refuses_it_before_sending() -> None:
    session = await terminal.connect("paper", always_open=True)
    try:
        sent_before = len(session.oms.journal.orders())
        trailing = OrderRequest("AAPL", Side.SELL, OrderType.STOP_LOSS, quantity=D("1"), stop_price=D("100"),
                                options=OrderOptions(trail_amount=D("1")))
        with pytest.raises(InvalidArgument, match="does not take trail_amount"):
            await session.place_order(trailing)
        day = OrderRequest("AAPL", Side.BUY, OrderType.LIMIT, quantity=D("1"), price=D("100"),
                           time_in_force=TimeInForce.DAY)
        with pytest.raises(InvalidArgument, match="does not take DAY; it takes FOK, GTC, IOC"):
            await session.place_order(day)
        assert len(session.oms.journal.orders()) == sent_before  # nothing journaled, nothing sent
    finally:
        await session.close()

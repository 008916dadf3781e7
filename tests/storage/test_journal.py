"""The SQLite journal: orders and fills survive a restart, exactly (Decimal text), fills de-duplicated."""
from __future__ import annotations

from decimal import Decimal

from terminal.model import Fill, Liquidity, Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.storage.journal import Journal


def test_orders_and_fills_survive_reopen_exactly(tmp_path):
    path = tmp_path / "j.sqlite3"
    j = Journal(path)
    req = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=Decimal("0.00001"), price=Decimal("100.10"),
                       time_in_force=TimeInForce.GTC, client_order_id="c1")
    o = Order.from_request(req, 5)
    j.record_order(o)
    o2 = o.with_status(OrderStatus.PARTIALLY_FILLED, venue_order_id=7, filled_qty=Decimal("0.000005"),
                       filled_quote=Decimal("0.0005005"), ts_updated=9)
    j.record_order(o2)
    f = Fill("BTCUSDT", "c1", 7, 99, Side.BUY, Decimal("100.10"), Decimal("0.000005"), Decimal("0.0005005"),
             Decimal("0"), "BTC", Liquidity.MAKER, 9, 10)
    assert j.record_fill(f) is True and j.record_fill(f) is False
    j.close()
    j2 = Journal(path)
    assert j2.order("c1") == o2
    assert j2.open_orders() == [o2]
    assert j2.fills("BTCUSDT") == [f] and j2.last_fill_ms("BTCUSDT") == 9
    assert j2.symbols() == ["BTCUSDT"]
    assert j2.client_order_id_for("BTCUSDT", 7) == "c1" and j2.client_order_id_for("BTCUSDT", 8) is None
    j2.record_order(o2.with_status(OrderStatus.CANCELED))
    assert j2.open_orders() == [] and len(j2.orders("BTCUSDT")) == 1


def test_journal_written_with_the_old_send_column_keeps_its_sends_after_the_upgrade(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)  # the sends table as journals before issue 11 wrote it
    db.execute("CREATE TABLE sends (client_order_id TEXT PRIMARY KEY, ts_sent INTEGER NOT NULL, "
               "recv_window_ms INTEGER NOT NULL)")
    db.execute("INSERT INTO sends VALUES ('c1', 1000, 5000)")
    db.commit()
    db.close()
    j = Journal(path)
    sent = j.last_send("c1")
    assert sent is not None and (sent.ts_sent, sent.settle_ms) == (1000, 5000)
    j.record_send("c1", 2000, 7000)
    assert (j.last_send("c1").ts_sent, j.last_send("c1").settle_ms) == (2000, 7000)
    j.close()

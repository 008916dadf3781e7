"""The journal's deferred writes: a new order and its send are durable before the request leaves; an order's later
states (the ack, the stream's reports, a cancel) are written together shortly after, and one lost in a crash is
reconciled with the venue at the next start."""
from __future__ import annotations

import asyncio
import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path

from terminal.bus import Bus
from terminal.model import Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.oms.manager import JOURNAL_FLUSH_S, OrderManager
from terminal.storage.journal import Journal

from .fakes import FakeExecution


def limit(cid: str) -> OrderRequest:
    return OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=Decimal("1"), price=Decimal("90"),
                        time_in_force=TimeInForce.GTC, client_order_id=cid)


def crash_copy(path: Path, to: Path) -> Path:
    """The journal's files as a crash at this moment leaves them (the database and its write-ahead log)."""
    to.mkdir()
    for suffix in ("", "-wal"):
        src = Path(str(path) + suffix)
        if src.exists():
            shutil.copy(src, to / (path.name + suffix))
    return to / path.name


async def until(predicate, timeout: float = 5.0) -> None:
    """Await ``predicate()`` (checked every few ms, as qtbot.waitUntil does)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_later_states_of_an_order_reach_the_journal_file_together_shortly_after_its_ack(tmp_path):
    path = tmp_path / "journal.sqlite3"
    mgr = OrderManager(FakeExecution(), Journal(path), Bus(), backoff_s=0.001)
    placed = await mgr.place(limit("a"))
    canceled = await mgr.cancel("BTCUSDT", "a")
    assert placed.status is OrderStatus.NEW and canceled.status is OrderStatus.CANCELED
    other = Journal(path)  # a second connection reads what is in the file
    on_disk = other.order("a")
    assert on_disk is not None and on_disk.status is OrderStatus.PENDING_NEW  # durable before the send
    assert other.last_send("a") is not None  # with its send, in the same transaction
    assert mgr.journal.order("a").status is OrderStatus.CANCELED  # this process's reads see the newest state
    await until(lambda: other.order("a").status is OrderStatus.CANCELED, timeout=JOURNAL_FLUSH_S + 5)
    assert mgr.journal.deferred == 0
    await mgr.close()
    other.close()


async def test_a_later_state_lost_in_a_crash_is_reconciled_with_the_venue_at_restart(tmp_path):
    path = tmp_path / "journal.sqlite3"
    fake = FakeExecution()
    mgr = OrderManager(fake, Journal(path), Bus(), backoff_s=0.001)
    await mgr.place(limit("gone"))
    await mgr.cancel("BTCUSDT", "gone")
    await mgr.place(limit("kept"))
    fake.fill("kept", Decimal("1"))  # filled at the venue; no report reached us before the crash
    crashed = crash_copy(path, tmp_path / "crash")
    await mgr.close()

    journal = Journal(crashed)
    assert {o.client_order_id: o.status for o in journal.open_orders()} == {
        "gone": OrderStatus.PENDING_NEW, "kept": OrderStatus.PENDING_NEW}  # the crash lost their later states
    restarted = OrderManager(fake, journal, Bus(), backoff_s=0.001)
    await restarted.reconcile()
    assert restarted.order("gone").status is OrderStatus.CANCELED
    assert restarted.order("kept").status is OrderStatus.FILLED and restarted.open_orders() == []
    assert fake.submits == 2  # nothing was sent again
    await restarted.close()
    assert Journal(crashed).open_orders() == []  # and the journal says so after this run too


async def test_a_client_order_id_is_refused_while_its_only_state_waits_to_be_written(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite3")
    adopted = Order.from_request(limit("twice"), 1).with_status(OrderStatus.NEW)
    journal.record_order(adopted, defer=True)  # e.g. an order of this account first seen on the stream
    assert not journal.record_new(Order.from_request(limit("twice"), 2), 2, 5000)
    assert journal.last_send("twice") is None
    assert journal.record_new(Order.from_request(limit("once"), 2), 2, 5000)
    assert [o.client_order_id for o in journal.orders(open_only=True)] == ["twice", "once"]  # reads write first
    assert journal.deferred == 0


def test_deferred_states_are_written_on_close_and_a_durable_write_wins_over_an_older_deferred_one(tmp_path):
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    order = Order.from_request(limit("c"), 1)
    assert journal.record_new(order, 1, 5000)
    journal.record_order(order.with_status(OrderStatus.NEW), defer=True)
    journal.record_order(order.with_status(OrderStatus.CANCELED))  # newer, written at once
    journal.flush()
    assert Journal(path).order("c").status is OrderStatus.CANCELED
    journal.record_order(dataclasses.replace(order.with_status(OrderStatus.CANCELED), ts_updated=7), defer=True)
    journal.close()
    assert Journal(path).order("c").ts_updated == 7

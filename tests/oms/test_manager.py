"""OrderManager against a scripted fake venue: journal first, query before retry, idempotent merges, reconcile."""
from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from terminal.bus import Bus
from terminal.model import (Fill, Order, OrderRequest, OrderStatus, OrderType, OrderUpdated, Side, TimeInForce)
from terminal.oms.manager import NEVER_LANDED, CancelFailed, OrderManager
from terminal.storage.journal import Journal
from terminal.venues.ports import AuthError, OrderRejected

from session_helpers import wait_for_event

from .fakes import FakeExecution

D = Decimal


def limit(cid: str | None = None, qty: str = "1", price: str = "90") -> OrderRequest:
    kw = {"client_order_id": cid} if cid else {}
    return OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D(qty), price=D(price),
                        time_in_force=TimeInForce.GTC, **kw)


def market(qty: str = "0.5") -> OrderRequest:
    return OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D(qty))


@pytest.fixture
def env():
    fake, bus, journal = FakeExecution(), Bus(), Journal()
    events: list[object] = []
    bus.subscribe(None, events.append)
    mgr = OrderManager(fake, journal, bus, backoff_s=0.001)
    return fake, mgr, journal, events


async def test_place_writes_the_journal_before_the_venue_sees_the_order(env):
    fake, mgr, journal, _ = env
    seen: list[Order | None] = []
    real = fake.submit

    async def spy(request):
        seen.append(journal.order(request.client_order_id))
        return await real(request)
    fake.submit = spy  # a wrapper on the fake's public port method, not a private
    order = await mgr.place(limit("cid-1"))
    assert seen[0] is not None and seen[0].status is OrderStatus.PENDING_NEW
    assert order.status is OrderStatus.NEW and journal.order("cid-1").status is OrderStatus.NEW


async def test_place_after_5xx_before_processing_queries_then_resends_same_id(env):
    fake, mgr, _, _ = env
    fake.script = ["fail_before"]
    order = await mgr.place(limit("cid-2"))
    assert order.status is OrderStatus.NEW
    assert fake.submits == 2 and fake.queries == 1
    assert list(fake.orders) == ["cid-2"]


async def test_place_after_5xx_after_processing_adopts_venue_state_without_resending(env):
    fake, mgr, _, _ = env
    fake.script = ["fail_after"]
    order = await mgr.place(market())
    assert order.status is OrderStatus.FILLED and fake.submits == 1 and len(fake.orders) == 1


async def test_place_without_any_answer_looks_up_only_after_the_request_can_no_longer_land(env):
    fake, mgr, _, _ = env
    fake.settle = 200
    fake.script = ["no_answer"]
    t0 = asyncio.get_running_loop().time()
    order = await mgr.place(limit("cid-w"))
    assert order.status is OrderStatus.NEW and fake.submits == 2
    assert fake.query_times[0] - t0 >= 0.2  # the first request can no longer be accepted when we look


async def test_place_answered_duplicate_order_adopts_the_order_that_landed_instead_of_rejecting_it(env):
    fake, mgr, journal, _ = env
    fake.script = ["duplicate"]  # the typed outcome decides, whatever words the venue used
    order = await mgr.place(limit("cid-dup"))
    assert order.status is OrderStatus.NEW and order.venue_order_id is not None
    assert journal.order("cid-dup").status is OrderStatus.NEW and fake.submits == 1 and fake.queries == 1


async def test_place_not_sent_at_all_is_looked_up_and_sent_again_with_the_same_id(env):
    fake, mgr, _, _ = env
    fake.script = ["not_sent"]
    order = await mgr.place(limit("cid-ns"))
    assert order.status is OrderStatus.NEW and fake.submits == 2 and fake.queries == 1
    assert list(fake.orders) == ["cid-ns"]


async def test_order_manager_keeps_time_by_the_venue_clock(env):
    fake, mgr, journal, _ = env
    fake.clock_offset_ms = 3_600_000  # the venue's clock is an hour ahead of ours
    before = fake.now_ms()
    order = await mgr.place(limit("cid-clock"))
    sent = journal.last_send("cid-clock")
    assert sent is not None and sent.ts_sent >= before and journal.order("cid-clock").ts_created >= before
    assert mgr.landing_deadline_ms("cid-clock") == sent.ts_sent + fake.settle + mgr.landing_margin_ms
    assert order.status is OrderStatus.NEW


async def test_place_query_failing_too_is_retried_until_answered(env):
    fake, mgr, _, _ = env
    fake.script = ["fail_after"]
    fake.query_failures = 3
    order = await mgr.place(limit("cid-3"))
    assert order.status is OrderStatus.NEW and fake.submits == 1


async def test_place_rate_limited_waits_and_retries(env):
    fake, mgr, _, _ = env
    fake.script = [("rate", 0.01), ("rate", 0.01)]
    order = await mgr.place(limit("cid-4"))
    assert order.status is OrderStatus.NEW and fake.submits == 3 and fake.queries == 0


async def test_place_rejected_marks_rejected_with_venue_message_and_raises(env):
    fake, mgr, journal, events = env
    fake.script = [("reject", "Account has insufficient balance for requested action.")]
    with pytest.raises(OrderRejected, match="insufficient balance"):
        await mgr.place(limit("cid-5"))
    stored = journal.order("cid-5")
    assert stored.status is OrderStatus.REJECTED and "insufficient balance" in stored.reject_reason
    assert [e.order.status for e in events if isinstance(e, OrderUpdated)] == [OrderStatus.PENDING_NEW, OrderStatus.REJECTED]


async def test_reports_merge_idempotently_and_filled_qty_never_goes_back(env):
    fake, mgr, _, events = env
    await mgr.place(limit("cid-6", qty="2"))
    partial, f1 = fake.fill("cid-6", D("1"))
    full, f2 = fake.fill("cid-6", D("1"))
    mgr.on_order(full)
    mgr.on_order(partial)  # stale, late
    mgr.on_order(full)  # repeated
    assert mgr.order("cid-6").status is OrderStatus.FILLED and mgr.order("cid-6").filled_qty == 2
    assert mgr.on_fill(f1) and not mgr.on_fill(f1) and mgr.on_fill(f2)
    fills = [e for e in events if isinstance(e, Fill)]
    assert [f.trade_id for f in fills] == [f1.trade_id, f2.trade_id]
    assert all(f.client_order_id == "cid-6" for f in fills)  # mapped from the venue order id
    updates = [e.order.status for e in events if isinstance(e, OrderUpdated)]
    assert updates.count(OrderStatus.FILLED) == 1


async def test_cancel_and_cancel_of_filled_order_give_clear_outcome(env):
    fake, mgr, _, _ = env
    await mgr.place(limit("a"))
    await mgr.place(limit("b"))
    assert (await mgr.cancel("BTCUSDT", "a")).status is OrderStatus.CANCELED
    fake.fill("b", D("1"))  # filled at the venue, we have not heard yet
    assert (await mgr.cancel("BTCUSDT", "b")).status is OrderStatus.FILLED


async def test_cancel_5xx_after_processing_is_resolved_by_query(env):
    fake, mgr, _, _ = env
    await mgr.place(limit("c"))
    fake.cancel_script = ["fail_after"]
    assert (await mgr.cancel("BTCUSDT", "c")).status is OrderStatus.CANCELED


async def test_cancel_refused_for_auth_restores_the_order_state(env):
    fake, mgr, _, events = env
    await mgr.place(limit("d"))
    fake.cancel_script = ["auth"]
    with pytest.raises(AuthError):
        await mgr.cancel("BTCUSDT", "d")
    assert mgr.order("d").status is OrderStatus.NEW
    statuses = [e.order.status for e in events if isinstance(e, OrderUpdated)]
    assert statuses[-2:] == [OrderStatus.PENDING_CANCEL, OrderStatus.NEW]


async def test_replace_cancels_then_places_remaining_and_refuses_when_cancel_fails(env):
    fake, mgr, _, _ = env
    await mgr.place(limit("r1", qty="3"))
    fake.fill("r1", D("1"))
    new = await mgr.replace("BTCUSDT", "r1", price=D("95"))
    assert new.price == D("95") and new.quantity == D("2") and new.client_order_id != "r1"
    assert mgr.order("r1").status is OrderStatus.CANCELED
    fake.fill(new.client_order_id, D("2"))
    with pytest.raises(CancelFailed, match="already filled; no new order was placed"):
        await mgr.replace("BTCUSDT", new.client_order_id, price=D("96"))
    assert len(fake.orders) == 2


async def test_cancel_all_leaves_nothing_open(env):
    fake, mgr, _, _ = env
    for i in range(3):
        await mgr.place(limit(f"x{i}"))
    canceled = await mgr.cancel_all("BTCUSDT")
    assert sorted(o.client_order_id for o in canceled) == ["x0", "x1", "x2"]
    assert mgr.open_orders() == [] and await fake.open_orders() == []


async def test_crash_between_journal_and_send_is_reconciled_on_restart(tmp_path):
    path = tmp_path / "journal.sqlite3"
    fake = FakeExecution()
    journal = Journal(path)
    # state left by a process that died: one order journaled but never sent, one sent and then filled
    never_sent = Order.from_request(limit("lost"), 1)
    journal.record_order(never_sent)
    sent = Order.from_request(limit("sent"), 1)
    journal.record_order(sent)
    await fake.submit(limit("sent"))
    fake.fill("sent", D("1"))
    journal.close()

    journal2 = Journal(path)
    events: list[object] = []
    bus = Bus()
    bus.subscribe(None, events.append)
    mgr = OrderManager(fake, journal2, bus, backoff_s=0.001)
    assert {o.client_order_id for o in mgr.open_orders()} == {"lost", "sent"}
    await mgr.reconcile()
    assert mgr.order("lost").status is OrderStatus.REJECTED and "never reached the venue" in mgr.order("lost").reject_reason
    assert mgr.order("sent").status is OrderStatus.FILLED and mgr.open_orders() == []
    assert [f.client_order_id for f in journal2.fills()] == ["sent"]
    assert mgr.balances()["USDT"].free == D("10000")
    assert fake.submits == 1  # nothing was resent on restart


async def test_reconcile_adopts_orders_the_venue_has_and_fills_we_missed(env):
    fake, mgr, journal, _ = env
    await mgr.place(limit("m1"))
    fake.fill("m1", D("1"))  # the stream was down: no event reached us
    await mgr.reconcile()
    assert mgr.order("m1").status is OrderStatus.FILLED and len(journal.fills("BTCUSDT")) == 1
    await mgr.reconcile()  # again: nothing new
    assert len(journal.fills("BTCUSDT")) == 1 and mgr.reconciles == 2


async def test_place_journals_each_send_with_its_settle_time_before_it_leaves(env):
    fake, mgr, journal, _ = env
    fake.settle = 7000
    sends = []
    real = fake.submit

    async def spy(request):
        sends.append(journal.last_send(request.client_order_id))
        return await real(request)
    fake.submit = spy
    fake.script = ["fail_before"]  # not placed: looked up, then sent again
    await mgr.place(limit("cid-s"))
    assert len(sends) == 2 and all(s is not None and s.settle_ms == 7000 for s in sends)
    assert sends[1].ts_sent >= sends[0].ts_sent
    assert mgr.landing_deadline_ms("cid-s") == sends[1].ts_sent + 7000 + mgr.landing_margin_ms


def _crashed_after_send(path, cid: str, window_ms: int) -> OrderRequest:
    """A journal as a process leaves it when it dies after sending ``cid`` and before any answer."""
    request = limit(cid)
    journal = Journal(path)
    journal.record_order(Order.from_request(request, int(time.time() * 1000)))
    journal.record_send(cid, int(time.time() * 1000), window_ms)
    journal.close()
    return request


def _restarted(path, fake):
    bus = Bus()
    return OrderManager(fake, Journal(path), bus, backoff_s=0.001, landing_margin_ms=50), bus


async def test_restart_keeps_an_order_unknown_to_the_venue_pending_until_its_deadline_then_rejects_it(tmp_path):
    fake = FakeExecution()
    _crashed_after_send(tmp_path / "j.sqlite3", "in-flight", window_ms=60_000)
    mgr, _ = _restarted(tmp_path / "j.sqlite3", fake)
    await mgr.reconcile()
    # the request may still land for a minute: neither REJECTED nor forgotten
    assert mgr.order("in-flight").status is OrderStatus.PENDING_NEW
    assert [o.client_order_id for o in mgr.open_orders()] == ["in-flight"]
    await mgr.close()

    fake2 = FakeExecution()
    _crashed_after_send(tmp_path / "k.sqlite3", "lost", window_ms=200)
    mgr2, bus2 = _restarted(tmp_path / "k.sqlite3", fake2)
    await mgr2.reconcile()
    await wait_for_event(bus2, OrderUpdated, lambda: mgr2.order("lost").status is OrderStatus.REJECTED)
    assert mgr2.order("lost").reject_reason == NEVER_LANDED
    assert mgr2.journal.order("lost").status is OrderStatus.REJECTED
    assert fake2.queries >= 2 and fake2.submits == 0  # asked again at the deadline; never resent
    await mgr2.close()


async def test_restart_adopts_an_order_that_lands_before_its_deadline_through_the_scheduled_look_up(tmp_path):
    fake = FakeExecution()
    request = _crashed_after_send(tmp_path / "j.sqlite3", "late", window_ms=300)
    mgr, bus = _restarted(tmp_path / "j.sqlite3", fake)
    await mgr.reconcile()
    assert mgr.order("late").status is OrderStatus.PENDING_NEW
    await fake.submit(request)  # the dead process's request lands now; no stream tells us
    await wait_for_event(bus, OrderUpdated, lambda: mgr.order("late").status is not OrderStatus.PENDING_NEW)
    assert mgr.order("late").status is OrderStatus.NEW and mgr.order("late").venue_order_id is not None
    await mgr.close()


async def test_a_venue_report_for_an_order_concluded_never_landed_is_always_adopted(tmp_path):
    fake = FakeExecution()
    request = _crashed_after_send(tmp_path / "j.sqlite3", "late", window_ms=0)
    mgr, _ = _restarted(tmp_path / "j.sqlite3", fake)
    mgr.landing_margin_ms = 0
    await mgr.reconcile()
    assert mgr.order("late").status is OrderStatus.REJECTED
    mgr.on_order(Order.from_request(request, 5).with_status(OrderStatus.NEW))  # no venue id: not the venue's word
    assert mgr.order("late").status is OrderStatus.REJECTED
    placed, _ = await fake.submit(request)  # it did land after all
    await mgr.reconcile()  # the venue lists it among its open orders
    assert mgr.order("late").status is OrderStatus.NEW and mgr.order("late").reject_reason is None
    assert [o.client_order_id for o in mgr.open_orders()] == ["late"]
    filled, fill = fake.fill("late", D("1"))
    mgr.on_order(filled)  # and the stream's report of its fill
    assert mgr.journal.order("late").status is OrderStatus.FILLED and mgr.on_fill(fill)
    await mgr.close()

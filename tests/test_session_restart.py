"""Restart with an order in flight: a terminal process is killed (SIGKILL) after its order request reached the
exchange and before the answer; a new session on the same journal file must not call that order REJECTED while its
request can still land, and must show what the venue really did once it does. Real sandbox, real processes; the
request is held at the exchange by the ``hold_next_request`` fault, unprocessed, until the test releases it."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import terminal
from terminal.model import OrderStatus, OrderUpdated
from terminal.oms.manager import NEVER_LANDED
from terminal.venues.ports import UnknownOrder

from children import python_code
from session_helpers import wait_for_event

ROOT = Path(__file__).resolve().parents[1]
QTY = Decimal("0.001")

# A terminal that sends one order and is killed before the answer (the test holds the request at the exchange).
DOOMED_TERMINAL = r"""
import asyncio, sys
import terminal

async def main(url, data_dir, cid, kind, window_ms):
    session = await terminal.connect("sandbox", sandbox_url=url, data_dir=data_dir)
    session.venue.rest.recv_window = int(window_ms)
    if kind == "limit":
        quote = await session.quote("BTCUSDT")
        price = session.instrument("BTCUSDT").snap_price(quote.bid * 9 / 10, "down")  # rests
        await session.buy("BTCUSDT", "0.001", price=price, client_order_id=cid)
    else:
        await session.buy("BTCUSDT", "0.001", client_order_id=cid)
    print("answered: the test should have killed this process before", flush=True)

asyncio.run(main(*sys.argv[1:]))
"""


def _start_doomed(server, data_dir: Path, cid: str, kind: str, window_ms: int) -> subprocess.Popen:
    log = open(data_dir / f"{cid}.log", "wb")
    try:
        return subprocess.Popen(python_code(DOOMED_TERMINAL, server.url, str(data_dir), cid, kind, str(window_ms)),
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def _kill_once_held(hold, child: subprocess.Popen, data_dir: Path, cid: str) -> None:
    """Wait until the child's order request is held at the exchange, then kill the child (no clean-up runs)."""
    while not hold.wait_arrived(timeout=0.2):
        if child.poll() is not None:
            raise AssertionError("the terminal ended before its order reached the exchange:\n"
                                 + (data_dir / f"{cid}.log").read_text(errors="replace"))
    child.kill()
    child.wait()


def _filled(session, cid: str) -> Decimal:
    """The quantity of the fills journaled for ``cid``."""
    return sum((f.qty for f in session.journal.fills(client_order_id=cid)), Decimal(0))


@pytest.mark.parametrize("kind, landed", [("limit", OrderStatus.NEW), ("market", OrderStatus.FILLED)])
async def test_order_in_flight_at_a_crash_is_pending_after_restart_then_shows_the_venue_state_once_it_lands(
        fresh_sandbox, tmp_path, kind, landed):
    server = fresh_sandbox
    cid = f"restart-{kind}"
    hold = server.faults.hold_next_request(1, method="POST", path="/api/v3/order")
    child = _start_doomed(server, tmp_path, cid, kind, window_ms=60_000)
    try:
        await asyncio.to_thread(_kill_once_held, hold, child, tmp_path, cid)
    finally:
        child.kill()
        child.wait()
    session = await terminal.connect("sandbox", sandbox_url=server.url, data_dir=tmp_path)  # same journal file
    try:
        # reconciled: the venue does not know the order (its request is still in flight), so it is not REJECTED
        with pytest.raises(UnknownOrder):
            await session.query_order("BTCUSDT", cid)
        assert session.oms.order(cid).status is OrderStatus.PENDING_NEW
        assert [o.client_order_id for o in session.open_orders()] == [cid]

        hold.release()  # the dead terminal's request is processed now, inside its recvWindow
        await wait_for_event(session.bus, None, lambda: session.oms.order(cid).status is landed
                             and _filled(session, cid) == session.oms.order(cid).filled_qty)
        order = session.oms.order(cid)
        assert order.venue_order_id is not None and session.journal.order(cid).status is landed
        if kind == "market":
            assert order.filled_qty == QTY and order.filled_quote > 0 and session.open_orders() == []
        else:
            assert order.filled_qty == 0 and [o.client_order_id for o in session.open_orders()] == [cid]
        venue = [o for o in await session.venue.rest.all_orders("BTCUSDT") if o.client_order_id == cid]
        assert [(o.status, o.filled_qty) for o in venue] == [(landed, order.filled_qty)]  # exactly one, same state
    finally:
        await session.close()


async def test_order_whose_request_never_landed_is_rejected_after_its_recv_window_and_stays_so(fresh_sandbox,
                                                                                              tmp_path):
    server = fresh_sandbox
    cid = "restart-never"
    hold = server.faults.hold_next_request(1, method="POST", path="/api/v3/order")
    child = _start_doomed(server, tmp_path, cid, "limit", window_ms=1000)  # a short recvWindow: a short wait
    try:
        await asyncio.to_thread(_kill_once_held, hold, child, tmp_path, cid)
    finally:
        child.kill()
        child.wait()
    session = await terminal.connect("sandbox", sandbox_url=server.url, data_dir=tmp_path)
    try:
        await wait_for_event(session.bus, OrderUpdated, lambda: session.oms.order(cid).status is OrderStatus.REJECTED)
        assert session.oms.order(cid).reject_reason == NEVER_LANDED and session.open_orders() == []
        hold.release()  # processed only now, past its recvWindow: the exchange refuses it (-1021)
        assert await asyncio.to_thread(hold.wait_answered)
        with pytest.raises(UnknownOrder):
            await session.query_order("BTCUSDT", cid)
        assert session.oms.order(cid).status is OrderStatus.REJECTED
        assert [o for o in await session.venue.rest.all_orders("BTCUSDT") if o.client_order_id == cid] == []
    finally:
        await session.close()

"""The fault run: through a Session on the IB adapter against the paper server, TWS loses IB (1100) and gets it
back (1102) in the middle of orders, the socket drops and comes back, an order is placed while disconnected. In the
end no order is lost or duplicated and the positions are the server's."""
from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import pytest

import terminal
from terminal.model import ConnectionChanged, OrderRequest, OrderStatus, OrderType, Side
from terminal.venues.ib import create
from terminal.venues.ports import Rejected

from ..binance.recorder import Recorder

D = Decimal


async def _until(predicate, timeout: float = 20.0) -> None:
    """Await a condition driven by the network (no fixed sleeps: re-check on every loop turn)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_orders_survive_1100_1102_and_a_dropped_socket_with_none_lost_or_duplicated(ib_server, tmp_path,
                                                                                            monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    session = await terminal.connect("ib", env="paper", host="127.0.0.1", port=ib_server.port, client_id=31)
    rec = Recorder()
    session.venue.bus.subscribe(None, rec)
    try:
        ins = session.instrument("AAPL")
        bid = (await session.quote("AAPL")).bid
        low = ins.snap_price(bid * D("0.9"), "down")
        ib_server.hold_fills()
        placed = [await session.buy("AAPL", "1", price=low, time_in_force="DAY") for _ in range(2)]

        ib_server.connectivity_lost()
        await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected and "1100" in e.reason)
        placed.append(await session.buy("AAPL", "1", price=low, time_in_force="DAY"))  # TWS holds it meanwhile
        ib_server.connectivity_restored(data_lost=False)
        await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and "restored" in e.reason)

        ib_server.drop_connections()
        await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected and "reconnecting" in e.reason)
        assert not session.venue.connected
        # placed while disconnected: held until the connection is back (within reconnect_wait_s), then sent once
        placed.append(await session.buy("AAPL", "1", price=low, time_in_force="DAY"))
        assert any(isinstance(e, ConnectionChanged) and e.connected and e.reason == "reconnected" for e in rec.events)
        placed.append(await session.buy("AAPL", "2", type="MARKET"))
        ib_server.release_fills()
        await _until(lambda: all(not o.is_open for o in session.open_orders()
                                 if o.client_order_id == placed[-1].client_order_id))
        await _until(lambda: ib_server.positions().get("AAPL") == D(2))
        assert [o.status for o in placed[:4]] == [OrderStatus.NEW] * 4

        # a second client sees every order exactly once at the server, and the positions agree
        other = create("paper", host="127.0.0.1", port=ib_server.port, client_id=32, default_contracts=())
        await other.start()
        try:
            trades = await other.ib.reqAllOpenOrdersAsync()
            refs = Counter(t.order.orderRef for t in trades)
            assert all(refs[o.client_order_id] == 1 for o in placed[:4]), refs
            assert all(n == 1 for n in refs.values()), refs
        finally:
            await other.close()
        venue_positions = {h.symbol: h.qty for h in await session.venue.positions()}
        assert venue_positions == {k: v for k, v in ib_server.positions().items()}
        journal = {o.client_order_id: o for o in session.open_orders("AAPL")}
        assert set(journal) == {o.client_order_id for o in placed[:4]}
    finally:
        await session.close()


async def test_an_order_while_the_connection_stays_down_is_refused_in_words_and_nothing_is_sent(ib_server):
    venue = create("paper", host="127.0.0.1", port=ib_server.port, client_id=33, reconnect_wait_s=0.0)
    rec = Recorder()
    venue.bus.subscribe(None, rec)
    await venue.start()
    await venue.start_user_stream()
    try:
        low = (await venue.quote("AAPL")).bid * D("0.9")
        ib_server.drop_connections()
        await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected and "reconnecting" in e.reason)
        sent = ib_server.request_log.count("3")
        with pytest.raises(Rejected, match="not connected to TWS/Gateway .*nothing was sent"):
            await venue.submit(OrderRequest("AAPL", Side.BUY, OrderType.LIMIT, D(1), price=low.quantize(D("0.01"))))
        await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and e.reason == "reconnected",
                           timeout=30)
        assert ib_server.request_log.count("3") == sent
    finally:
        await venue.close()

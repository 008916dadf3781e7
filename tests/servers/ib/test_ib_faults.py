"""Fault switches and bad clients: connectivity lost/restored (1100, 1101/1102) reach ib_async's errorEvent, a dropped
connection is seen by ib_async, a malformed request is answered with error 320 (never a crash or a traceback), a client
that leaves mid-message is dropped and the server goes on; orders rest without filling while fills are held."""
from __future__ import annotations

import asyncio
import struct

from ib_async import MarketOrder, Stock

from terminal.servers.ib.wire import frame, split

from .waits import until


async def test_connectivity_lost_then_restored_reaches_the_error_event(server, connect):
    ib, errors = await connect(1)
    server.connectivity_lost()
    await until(lambda: 1100 in errors.codes(), what="1100")
    server.connectivity_restored(data_lost=False)
    await until(lambda: 1102 in errors.codes(), what="1102")
    server.connectivity_lost()
    server.connectivity_restored(data_lost=True)
    await until(lambda: 1101 in errors.codes(), what="1101")
    assert all(req == -1 for req, code, _ in errors if code in (1100, 1101, 1102))


async def test_market_data_stops_while_connectivity_is_lost(server, ib):
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    ticker = ib.reqMktData(aapl)
    await until(lambda: ticker.last > 0, what="ticks")
    server.connectivity_lost()
    await ib.reqCurrentTimeAsync()  # everything sent before the switch has arrived
    updates: list[object] = []
    ticker.updateEvent += updates.append
    for _ in range(5):
        server.call(server.step)  # steps of the market while the farm is down
    await ib.reqCurrentTimeAsync()  # and whatever those steps sent has arrived too
    assert updates == []
    server.connectivity_restored()
    await until(lambda: updates, what="ticks again")


async def test_a_dropped_connection_is_seen_by_ib_async(server, ib):
    gone = asyncio.get_running_loop().create_future()
    ib.disconnectedEvent += lambda: gone.done() or gone.set_result(True)
    server.drop_connections()
    assert await asyncio.wait_for(gone, 10)
    assert not ib.isConnected()


async def test_fills_held_keep_a_market_order_working_until_released(server, ib):
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    server.hold_fills()
    trade = ib.placeOrder(aapl, MarketOrder("BUY", 5))
    await until(lambda: trade.orderStatus.status == "Submitted", what="working")
    assert trade.orderStatus.filled == 0
    server.release_fills()
    await until(lambda: trade.orderStatus.status == "Filled", what="filled after release")


class RawClient:
    """A TWS API client written from the wire contract, for what ib_async never sends."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, client_id: int) -> "RawClient":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        client = cls(reader, writer)
        payload = b"v157..178"
        writer.write(b"API\0" + struct.pack(">I", len(payload)) + payload)
        assert len(await client.read()) == 2  # server version, connection time
        client.send(71, 2, client_id, "")
        return client

    def send(self, *fields: object) -> None:
        self.writer.write(frame(fields))

    async def read(self) -> list[str]:
        size = struct.unpack(">I", await asyncio.wait_for(self.reader.readexactly(4), 10))[0]
        return split(await asyncio.wait_for(self.reader.readexactly(size), 10))

    async def read_until(self, msg_id: str) -> list[str]:
        while True:
            fields = await self.read()
            if fields[0] == msg_id:
                return fields

    def close(self) -> None:
        self.writer.close()


async def test_a_malformed_request_gets_error_320_and_the_connection_goes_on(server):
    client = await RawClient.open(server.port, 9)
    try:
        await client.read_until("9")  # nextValidId
        client.send(1, 11, "not-a-number", 0, "AAPL")
        error = await client.read_until("4")
        while error[3] != "320":
            error = await client.read_until("4")
        assert "Traceback" not in error[4] and "Error reading request" in error[4]
        client.send(123456)  # an unknown request
        unknown = await client.read_until("4")
        assert unknown[3] == "321"
        client.send(49, 1)  # current time still answered
        assert (await client.read_until("49"))[2].isdigit()
    finally:
        client.close()


async def test_a_client_leaving_mid_message_is_dropped_and_others_carry_on(server, connect):
    client = await RawClient.open(server.port, 11)
    await client.read_until("9")
    await until(lambda: server.call(lambda: len(server.clients())) == 1, what="the raw client registered")
    client.writer.write(struct.pack(">I", 100) + b"3\0" + b"1")  # a frame announced 100 bytes long, cut short
    await client.writer.drain()
    client.close()
    await until(lambda: server.call(lambda: len(server.connections)) == 0, what="the client dropped")
    ib, _errors = await connect(11)  # the client id is free again
    assert ib.isConnected() and ib.managedAccounts()


async def test_held_requests_are_answered_in_order_once_released(server, ib):
    aapl = Stock("AAPL", "SMART", "USD")
    await ib.qualifyContractsAsync(aapl)
    server.hold_requests()
    trade = ib.placeOrder(aapl, MarketOrder("BUY", 1))
    answered = asyncio.ensure_future(ib.reqCurrentTimeAsync())
    done, _ = await asyncio.wait({answered}, timeout=0.5)
    assert not done and trade.orderStatus.status == "PendingSubmit"  # nothing came back while held
    server.release_requests()
    await asyncio.wait_for(answered, 10)
    await until(lambda: trade.orderStatus.status == "Filled", what="the held order filled after release")

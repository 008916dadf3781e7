"""Connecting: a TWS/Gateway that is not there is said in words; the paper server's handshake; the connection
notices; reconnect after a dropped socket."""
from __future__ import annotations

import socket

import pytest

from terminal.model import ConnectionChanged
from terminal.venues.ib import create
from terminal.venues.ports import TemporaryError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_connecting_where_nothing_listens_says_to_start_tws_with_the_api_enabled_on_that_port():
    port = _closed_port()
    venue = create("paper", host="127.0.0.1", port=port, connect_timeout_s=2)
    with pytest.raises(TemporaryError) as exc:
        await venue.start()
    await venue.close()
    assert exc.value.message.startswith(f"cannot connect to TWS/Gateway at 127.0.0.1:{port}: is it running with "
                                        f"the API enabled on port {port}?")


def test_paper_and_live_default_to_the_tws_ports_and_sandbox_is_the_default_environment():
    assert create("paper").port == 7497
    assert create("live").port == 7496
    from terminal.venues import registry
    assert registry.default_environment(create("paper").info) == "sandbox"


async def test_the_adapter_connects_to_the_paper_server_with_its_account_and_default_contracts(ib):
    venue, rec = ib
    assert venue.connected and venue.account
    listed = await venue.instruments()
    assert {"AAPL", "MSFT", "EUR.USD", "SPX"} <= set(listed)
    futures = [i for i in listed.values() if i.base_asset == "ES"]
    assert futures and futures[0].title.startswith("ES ") and futures[0].title.endswith(" CME future")
    await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.stream == "market" and e.connected)


async def test_a_client_id_already_connected_is_refused_as_such_naming_the_remedy(ib, ib_server):
    from terminal.venues.ports import AuthError
    venue, _ = ib
    twin = create("paper", **ib_server.adapter_options(), client_id=venue.client_id, connect_timeout_s=3)
    with pytest.raises(AuthError) as exc:
        await twin.start()
    await twin.close()
    assert exc.value.message == (f"client id {venue.client_id} is already in use by another program connected to "
                                 "TWS/Gateway: connect with another client id")
    assert venue.connected  # the first connection is left alone


async def test_farm_notices_are_kept_and_1101_subscribes_market_data_again(ib, ib_server):
    from terminal.model import QuoteTick
    venue, rec = ib
    assert venue.health()["market"].extra["farms"]  # 2104/2106/2158 at connect
    await venue.watch_quotes("AAPL")
    await rec.wait_for(lambda e: isinstance(e, QuoteTick) and e.symbol == "AAPL", timeout=15)
    ib_server.connectivity_lost()
    await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected and "1100" in e.reason)
    assert not venue.connected
    ib_server.connectivity_restored(data_lost=True)  # 1101: the server forgot every subscription
    up = await rec.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected and "subscribed again" in
                            e.reason)
    mark = rec.events.index(up)
    await rec.wait_for(lambda e: isinstance(e, QuoteTick) and e.symbol == "AAPL" and rec.events.index(e) > mark,
                       timeout=15, past=False)
    assert venue.connected

"""The session against the real sandbox server on 127.0.0.1: trading, typed errors, restart and reconnect
reconciliation, and the whole run under dropped sockets, 5xx, 429 and delays."""
from __future__ import annotations

import asyncio
import secrets as pysecrets
from decimal import Decimal
from typing import Any, Callable

import pytest

import terminal
from terminal.bus import Bus
from terminal.model import (Balance, BalancesUpdated, Bar, ConnectionChanged, Environment, Interval, Order,
                            OrderRequest, OrderStatus, OrderType, OrderUpdated, OrderValidationError, Side,
                            TimeInForce)
from terminal.session import InsufficientBalance, Session, UnknownSymbol
from terminal.venues.ports import AuthError
from terminal.venues.binance.rest import BinanceRest
from terminal.venues.binance.signing import HmacSigner

from session_helpers import wait_for_event

D = Decimal


def new_account(server, balances=None) -> tuple[str, str]:
    key, secret = "k" + pysecrets.token_hex(31), pysecrets.token_hex(32)
    server.create_account(key, secret, balances or {"USDT": "10000", "BTC": "1"})
    return key, secret


async def connect(server, key: str, secret: str, **kw: Any) -> Session:
    return await terminal.connect("sandbox", sandbox_url=server.url, api_key=key, api_secret=secret, **kw)


async def below_market(session: Session, symbol: str = "BTCUSDT", factor: str = "0.8") -> Decimal:
    q = await session.quote(symbol)
    return session.instrument(symbol).snap_price(q.bid * D(factor), "down")


async def test_session_trades_limit_cancel_market_and_balances_match_venue(sandbox):
    key, secret = new_account(sandbox)
    session = await connect(sandbox, key, secret)
    try:
        assert session.environment is Environment.SANDBOX and "BTCUSDT" in session.instruments
        price = await below_market(session)
        order = await session.buy("BTCUSDT", "0.001", price=price)
        assert order.status is OrderStatus.NEW and order.type is OrderType.LIMIT
        assert [o.client_order_id for o in session.open_orders("BTCUSDT")] == [order.client_order_id]
        canceled = await session.cancel_order("BTCUSDT", order.client_order_id)
        assert canceled.status is OrderStatus.CANCELED and session.open_orders() == []
        filled = await session.buy("BTCUSDT", "0.001")
        assert filled.status is OrderStatus.FILLED and filled.filled_qty == D("0.001")
        fills = await session.fills("BTCUSDT")
        assert fills and {f.client_order_id for f in fills} == {filled.client_order_id}
        venue = {b.asset: b for b in await session.venue.rest.account()}
        await wait_for_event(session.bus, BalancesUpdated,
                             lambda: session.balances()["BTC"] == venue["BTC"] and session.balances()["USDT"] == venue["USDT"])
        assert session.positions()["BTCUSDT"].qty > 0
        history = await session.order_history("BTCUSDT")
        assert [o.client_order_id for o in history] == [order.client_order_id, filled.client_order_id]
    finally:
        await session.close()


async def test_wrong_input_raises_typed_errors_before_anything_is_sent(sandbox):
    key, secret = new_account(sandbox, {"USDT": "500"})
    session = await connect(sandbox, key, secret)
    try:
        with pytest.raises(UnknownSymbol, match=r"unknown symbol 'BTCUSTD'; did you mean BTCUSDT\?"):
            await session.buy("BTCUSTD", "0.001")
        with pytest.raises(OrderValidationError, match="nearest valid: 0.00123"):
            await session.buy("BTCUSDT", "0.001234", price="20000")
        with pytest.raises(InsufficientBalance, match=r"^insufficient USDT: need 1000.00, available 500.00$"):
            await session.buy("BTCUSDT", "0.05", price="20000")
        with pytest.raises(terminal.model.NumberError, match="not a float"):
            await session.buy("BTCUSDT", 0.001, price="20000")
        assert await session.venue.rest.all_orders("BTCUSDT") == []
        assert session.journal.orders() == []
    finally:
        await session.close()


async def test_cancel_replace_and_order_types(sandbox):
    key, secret = new_account(sandbox)
    session = await connect(sandbox, key, secret)
    try:
        inst = session.instrument("BTCUSDT")
        q = await session.quote("BTCUSDT")
        low = inst.snap_price(q.bid * D("0.8"), "down")
        maker = await session.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT_MAKER, D("0.001"), low))
        assert maker.status is OrderStatus.NEW
        replaced = await session.replace_order("BTCUSDT", maker.client_order_id, price=inst.snap_price(low * D("0.99")))
        assert replaced.status is OrderStatus.NEW and replaced.price == inst.snap_price(low * D("0.99"))
        assert session.oms.order(maker.client_order_id).status is OrderStatus.CANCELED
        stop = await session.place_order(OrderRequest(
            "BTCUSDT", Side.SELL, OrderType.STOP_LOSS_LIMIT, D("0.001"), price=low, stop_price=inst.snap_price(low * D("1.01")),
            time_in_force=TimeInForce.GTC))
        take = await session.place_order(OrderRequest(
            "BTCUSDT", Side.SELL, OrderType.TAKE_PROFIT_LIMIT, D("0.001"), price=inst.snap_price(q.ask * D("1.2")),
            stop_price=inst.snap_price(q.ask * D("1.2")), time_in_force=TimeInForce.GTC))
        assert stop.is_open and take.is_open
        by_quote = await session.buy("BTCUSDT", quote_quantity="20")
        assert by_quote.status is OrderStatus.FILLED and by_quote.filled_quote <= D("20")
        canceled = await session.cancel_all("BTCUSDT")
        assert {o.client_order_id for o in canceled} == {replaced.client_order_id, stop.client_order_id, take.client_order_id}
        assert session.open_orders() == [] and await session.venue.rest.open_orders("BTCUSDT") == []
    finally:
        await session.close()


async def test_kill_switch_cancels_everything_and_blocks_new_orders(sandbox):
    key, secret = new_account(sandbox)
    session = await connect(sandbox, key, secret)
    try:
        price = await below_market(session)
        await session.buy("BTCUSDT", "0.001", price=price)
        await session.buy("ETHUSDT", "0.01", price=await below_market(session, "ETHUSDT"))
        canceled = await session.kill_switch(True)
        assert len(canceled) == 2 and session.open_orders() == []
        with pytest.raises(terminal.session.KillSwitchActive):
            await session.buy("BTCUSDT", "0.001", price=price)
        session.kill_switch(False)
        assert (await session.buy("BTCUSDT", "0.001", price=price)).is_open
    finally:
        await session.close()


async def test_crash_between_journal_and_send_is_reconciled_on_restart(sandbox, tmp_path):
    key, secret = new_account(sandbox)
    session = await connect(sandbox, key, secret, data_dir=tmp_path)
    price = await below_market(session)
    lost = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.001"), price, time_in_force=TimeInForce.GTC)
    landed = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.002"), price, time_in_force=TimeInForce.GTC)
    # what a crash leaves: both journaled PENDING_NEW; one never sent, one sent but its answer never processed
    session.journal.record_order(Order.from_request(lost, 1))
    session.journal.record_order(Order.from_request(landed, 1))
    await session.venue.rest.submit(landed)
    await session.close()

    restarted = await connect(sandbox, key, secret, data_dir=tmp_path)
    try:
        assert restarted.oms.order(lost.client_order_id).status is OrderStatus.REJECTED
        assert "never reached the venue" in restarted.oms.order(lost.client_order_id).reject_reason
        adopted = restarted.oms.order(landed.client_order_id)
        assert adopted.status is OrderStatus.NEW and adopted.venue_order_id is not None
        assert [o.client_order_id for o in restarted.open_orders()] == [landed.client_order_id]
        assert [o.client_order_id for o in await restarted.venue.rest.all_orders("BTCUSDT")] == [landed.client_order_id]
    finally:
        await restarted.close()


async def test_user_stream_reconnect_triggers_reconcile_of_missed_changes(fresh_sandbox):
    session = await terminal.connect("sandbox", sandbox_url=fresh_sandbox.url)
    other = BinanceRest(fresh_sandbox.url, fresh_sandbox.default_api_key, HmacSigner(fresh_sandbox.default_api_secret))
    try:
        order = await session.buy("BTCUSDT", "0.001", price=await below_market(session))
        before = session.oms.reconciles
        down = asyncio.get_running_loop().create_future()
        unsub = session.bus.subscribe(ConnectionChanged, lambda e: e.stream == "user" and not e.connected
                                      and not down.done() and down.set_result(None))
        fresh_sandbox.faults.drop_websockets()
        await asyncio.wait_for(down, 10)
        unsub()
        await other.cancel_order("BTCUSDT", order.client_order_id)  # behind the session's back, stream down
        await wait_for_event(session.bus, None, lambda: session.oms.reconciles > before and
                             session.oms.order(order.client_order_id).status is OrderStatus.CANCELED, timeout=15)
        assert session.open_orders() == []
    finally:
        await other.close()
        await session.close()


async def test_no_keys_means_market_data_only_with_a_clear_message(tmp_path, monkeypatch):
    import keyring
    from terminal.session.connecting import credentials_for
    from terminal.venues import registry
    from storage.test_secrets import MemoryKeyring
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    binance = registry.info("binance")
    try:
        creds, source, problem = credentials_for(binance, binance.environment("testnet"), environ={})
    finally:
        keyring.set_keyring(previous)
    assert creds is None and source is None and problem == "no API keys for testnet: add them in Accounts"
    with pytest.raises(ValueError, match="confirm_live=True"):
        await terminal.connect("live")


async def test_without_keys_trading_raises_auth_error(sandbox):
    key, secret = new_account(sandbox)
    session = await connect(sandbox, key, secret)
    try:
        session.has_keys, session.keys_problem = False, "no API keys for testnet: add them in Accounts"
        with pytest.raises(AuthError, match="no API keys for testnet: add them in Accounts"):
            await session.buy("BTCUSDT", "0.001")
    finally:
        await session.close()


def test_blocking_session_same_methods_without_await(sandbox):
    key, secret = new_account(sandbox)
    with terminal.connect_blocking("sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret) as s:
        assert "BTCUSDT" in s.instruments
        q = s.quote("BTCUSDT")
        order = s.buy("BTCUSDT", "0.001", price=s.instrument("BTCUSDT").snap_price(q.bid * D("0.8"), "down"))
        assert [o.client_order_id for o in s.open_orders()] == [order.client_order_id]
        assert s.cancel_order("BTCUSDT", order.client_order_id).status is OrderStatus.CANCELED
        assert s.refresh_balances()["USDT"].free == D("10000")


def test_blocking_session_feeds_are_plain_iterators_and_bars_history_is_a_list(sandbox):
    key, secret = new_account(sandbox)
    with terminal.connect_blocking("sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret) as s:
        feed = s.quotes("BTCUSDT")
        first = next(iter(feed))
        feed.close()
        assert first.symbol == "BTCUSDT"
        bars = s.bars("BTCUSDT", "1m", limit=5)
        assert len(bars) == 5 and all(isinstance(b, Bar) for b in bars)
        assert len(s.klines("BTCUSDT", "1m", limit=5)) == 5
        assert s.kill_switch(True) == [] and s.risk.killed


async def test_refused_keys_leave_market_data_working_and_say_why(sandbox):
    session = await terminal.connect("sandbox", sandbox_url=sandbox.url, api_key="k" + "0" * 63, api_secret="nope")
    try:
        assert session.has_keys is False and "refused the sandbox API keys" in session.keys_problem
        assert (await session.ticker("BTCUSDT")).last > 0
        with pytest.raises(AuthError, match="refused the sandbox API keys"):
            await session.buy("BTCUSDT", "0.001")
    finally:
        await session.close()

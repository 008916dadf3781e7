"""Fail-safes (issue 15 item 6): a strategy on a market whose data stops is paused (its orders refused, optionally
cancelled) and resumes only as configured; with the account stream down no order is sent blind."""
from __future__ import annotations

import asyncio
import secrets
from decimal import Decimal

import pytest

import terminal
from terminal.model import ConnectionChanged, OrderStatus
from terminal.risk.errors import AccountStreamDown
from terminal.risk.failsafe import FailSafeChanged, FailSafeConfig
from terminal.strategy.base import Strategy
from terminal.strategy.runner import StrategyRunner

D = Decimal


class RestingBuyer(Strategy):
    """Rests a buy 10% below the market at start (``price`` set by the test from the quote)."""
    name = "resting_buyer"
    price = D("1000")

    def on_start(self) -> None:
        self.ctx.buy(D("0.01"), price=self.price)


async def _until(cond, timeout: float = 20.0) -> None:
    """Wait for a condition (polling the loop; never a fixed wait)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def _session(server, tmp_path):
    key, secret = "k" + secrets.token_hex(31), secrets.token_hex(32)
    server.create_account(key, secret, {"USDT": "10000"})
    return await terminal.connect("binance", env="sandbox", sandbox_url=server.url, api_key=key, api_secret=secret,
                                  data_dir=tmp_path)


async def _below_market(s) -> Decimal:
    quote = await s.quote("BTCUSDT")
    ins = s.instrument("BTCUSDT")
    return ins.snap_price(quote.bid * D("0.9"))


async def _runner(s) -> StrategyRunner:
    RestingBuyer.price = await _below_market(s)
    runner = StrategyRunner(RestingBuyer(), s.bus, s.place_order, symbol="BTCUSDT", cash=D("1000"),
                            cancel_order=s.cancel_order, base_asset="BTC")
    await runner.start()
    await s.watch("BTCUSDT")
    await _until(lambda: any(o.status is OrderStatus.NEW for o in runner.ctx.open_orders))
    return runner


@pytest.mark.parametrize("auto_resume", [False, True])
async def test_silent_market_data_pauses_the_strategy_cancels_its_orders_and_it_resumes_only_as_configured(
        fresh_sandbox, tmp_path, auto_resume) -> None:
    s = await _session(fresh_sandbox, tmp_path)
    events: list[FailSafeChanged] = []
    s.bus.subscribe(FailSafeChanged, events.append)
    s.failsafe.config = FailSafeConfig(stale_after_s=1.5, down_after_s=5, cancel_orders=True,
                                       auto_resume=auto_resume, check_every_s=0.1)
    runner = await _runner(s)
    try:
        resting = runner.ctx.open_orders[0].client_order_id
        s.failsafe.guard(runner, cancel=s.cancel_order)
        await asyncio.sleep(0)
        assert runner.paused is None
        fresh_sandbox.silence_market_data(True)
        await _until(lambda: runner.paused is not None)
        assert runner.paused.startswith("no market data for BTCUSDT for")
        await _until(lambda: s.oms.order(resting).status is OrderStatus.CANCELED)  # cancelled at the venue
        assert events[0].paused and events[0].strategy == "resting_buyer"
        # paused: an order it sends is refused with the reason, nothing reaches the venue
        before = len(s.oms.journal.orders())
        runner.ctx.buy(D("0.01"), price=RestingBuyer.price)
        await runner.drain()
        refused = [o for o in runner.ctx._orders.values() if o.status is OrderStatus.REJECTED]
        assert refused and "is paused: no market data" in (refused[-1].reject_reason or "")
        assert len(s.oms.journal.orders()) == before
        fresh_sandbox.silence_market_data(False)
        if auto_resume:
            await _until(lambda: runner.paused is None)
            assert not events[-1].paused and events[-1].reason == "data is back"
        else:
            await _until(lambda: events[-1].waiting_for_user)
            assert runner.paused is not None  # it does not resume by itself
            assert s.failsafe.resume(runner) and runner.paused is None
        records = [r.action for r in s.audit.records() if r.action.startswith("failsafe.")]
        assert records == ["failsafe.paused", "failsafe.resumed"]
    finally:
        fresh_sandbox.silence_market_data(False)
        await runner.stop()
        await s.close()


async def test_with_the_account_stream_down_past_the_threshold_an_order_is_refused_not_sent_blind(
        sandbox, tmp_path) -> None:
    s = await _session(sandbox, tmp_path)
    try:
        s.failsafe.config = FailSafeConfig(down_after_s=0.05)
        s.bus.publish(ConnectionChanged("user", False, "dropped"))
        await _until(lambda: s.failsafe.account_stream_problem() is not None)
        before = len(s.oms.journal.orders())
        price = await _below_market(s)
        with pytest.raises(AccountStreamDown, match="account stream .* has been down"):
            await s.buy("BTCUSDT", "0.01", price)
        assert len(s.oms.journal.orders()) == before
        s.bus.publish(ConnectionChanged("user", True, "reconnected"))
        order = await s.buy("BTCUSDT", "0.01", price)
        assert order.status is OrderStatus.NEW
        await s.cancel_order("BTCUSDT", order.client_order_id)
    finally:
        await s.close()


def test_a_closed_market_is_not_stale_and_bad_thresholds_are_refused() -> None:
    from terminal.bus import Bus
    from terminal.risk.failsafe import FailSafe

    now = [100.0]
    fs = FailSafe(Bus(), FailSafeConfig(stale_after_s=10), is_trading=lambda sym: sym != "AAPL",
                  clock=lambda: now[0])
    now[0] += 60
    assert fs.problem("AAPL") is None and fs.problem("BTCUSDT") == "no market data for BTCUSDT for 60 s"
    with pytest.raises(ValueError, match="stale_after_s"):
        FailSafeConfig(stale_after_s=0)


async def test_cancel_on_disconnect_cancels_every_open_order_once_the_stream_is_down_past_the_threshold(
        fresh_sandbox, tmp_path) -> None:
    s = await _session(fresh_sandbox, tmp_path)
    try:
        price = await _below_market(s)
        a = await s.buy("BTCUSDT", "0.01", price)
        b = await s.buy("BTCUSDT", "0.01", price - s.instrument("BTCUSDT").tick_size)
        s.failsafe.config = FailSafeConfig(down_after_s=0.2, check_every_s=0.05, cancel_on_disconnect=True)
        # the account stream goes down and stays down (as the adapter reports it); REST still answers
        s.bus.publish(ConnectionChanged("user", False, "dropped"))
        await _until(lambda: s.oms.order(a.client_order_id).status is OrderStatus.CANCELED
                     and s.oms.order(b.client_order_id).status is OrderStatus.CANCELED, timeout=30)
        assert not await s.venue.open_orders("BTCUSDT")  # the exchange has none left
        # recorded once the sweep has ended (after its own look at the open orders, which may finish after ours)
        await _until(lambda: any(r.action == "failsafe.cancel_on_disconnect" for r in s.audit.records()), timeout=30)
        with pytest.raises(AccountStreamDown):  # and nothing new goes out blind meanwhile
            await s.buy("BTCUSDT", "0.01", price)
    finally:
        await s.close()

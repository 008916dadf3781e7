"""The session's positions against the real sandbox: a spot position is the balance, also after a deposit that did
not come from a fill; orders carry their origin (manual or the strategy's name) through the journal."""
from __future__ import annotations

import secrets as pysecrets
import sqlite3
import time
from decimal import Decimal

import terminal
from terminal.backtest.synthetic import random_walk
from terminal.model import (Bar, BalancesUpdated, Interval, Order, OrderRequest, OrderStatus, OrderType, OrderUpdated,
                            Side, TimeInForce)
from terminal.storage.journal import Journal
from terminal.strategy.base import Strategy
from terminal.strategy.runner import StrategyRunner

from session_helpers import wait_for_event

D = Decimal


def new_account(server, balances: dict[str, str]) -> tuple[str, str]:
    key, secret = "k" + pysecrets.token_hex(31), pysecrets.token_hex(32)
    server.create_account(key, secret, balances)
    return key, secret


async def connect(server, key: str, secret: str):
    return await terminal.connect("sandbox", sandbox_url=server.url, api_key=key, api_secret=secret)


def day(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ts_ms / 1000))


async def test_a_spot_position_is_the_balance_also_after_a_deposit_that_did_not_come_from_a_fill(sandbox):
    key, secret = new_account(sandbox, {"USDT": "10000"})
    s = await connect(sandbox, key, secret)
    try:
        order = await s.buy("BTCUSDT", "0.01")
        assert order.status is OrderStatus.FILLED
        venue = {b.asset: b for b in await s.venue.rest.account()}
        await wait_for_event(s.bus, BalancesUpdated, lambda: s.balances().get("BTC") == venue["BTC"])
        await s.fills("BTCUSDT")
        pos = s.positions()["BTCUSDT"]
        assert pos.qty == venue["BTC"].total and not pos.partial and pos.history_note() == ""  # the fill explains it

        sandbox.deposit(key, "BTC", "0.5")  # credited by the venue: no fill behind it
        await wait_for_event(s.bus, BalancesUpdated, lambda: s.balances()["BTC"].total == venue["BTC"].total + D("0.5"))
        pos = s.positions()["BTCUSDT"]
        assert pos.qty == s.balances()["BTC"].total == venue["BTC"].total + D("0.5")
        first = s.journal.fills("BTCUSDT")[0].ts_event
        assert pos.partial and pos.history_note() == f"from 1 fill since {day(first)}"
        assert pos.avg_price == order.avg_price and pos.covered_qty == venue["BTC"].total  # P&L on the bought part
        await s.ticker("BTCUSDT")
        eq = s.equity()
        assert eq.reference == "USDT" and eq.unpriced == ()
        assert eq.total == s.balances()["USDT"].total + s.balances()["BTC"].total * s.last_prices["BTCUSDT"]
        assert s.positions()["BTCUSDT"].value_ref == s.balances()["BTC"].total * s.last_prices["BTCUSDT"]
    finally:
        await s.close()


class BuysOnce(Strategy):
    name = "buys_once"

    def on_bar(self, bar) -> None:
        if self.ctx.bar_index == 0:
            self.ctx.buy(D("0.001"))


async def test_orders_carry_their_origin_through_the_journal_and_a_replace(sandbox):
    key, secret = new_account(sandbox, {"USDT": "10000"})
    s = await connect(sandbox, key, secret)
    try:
        manual = await s.buy("BTCUSDT", "0.001")
        runner = StrategyRunner(BuysOnce(), s.bus, s.place_order, symbol="BTCUSDT", cash=D(1000), budget_s=5.0,
                                lot_step=D("0.00001"))
        await runner.start()
        df = random_walk(1, price=64_000.0)
        t = int(df.index[0].value // 1_000_000)
        s.bus.publish(Bar("BTCUSDT", Interval.H1, t, D(64000), D(64000), D(64000), D(64000), D(1)))
        await runner.drain()
        await runner.stop()
        origins = {o.client_order_id: o.origin for o in s.journal.orders("BTCUSDT")}
        assert origins[manual.client_order_id] == ""
        assert sorted(origins.values()) == ["", "buys_once"]

        q = await s.quote("BTCUSDT")
        ins = s.instrument("BTCUSDT")
        placed = await s.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.001"),
                                                  ins.snap_price(q.bid * D("0.9")), time_in_force=TimeInForce.GTC,
                                                  origin="grid"))
        new = await s.replace_order("BTCUSDT", placed.client_order_id, price=ins.snap_price(q.bid * D("0.8")))
        assert new.origin == "grid" and s.journal.order(new.client_order_id).origin == "grid"
        await s.cancel_order("BTCUSDT", new.client_order_id)
    finally:
        await s.close()


def test_a_journal_from_before_origins_opens_and_reads_them_as_manual(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""CREATE TABLE orders (client_order_id TEXT PRIMARY KEY, symbol TEXT NOT NULL, side TEXT NOT NULL,
        type TEXT NOT NULL, quantity TEXT NOT NULL, price TEXT, stop_price TEXT, quote_quantity TEXT, time_in_force TEXT,
        status TEXT NOT NULL, venue_order_id INTEGER, filled_qty TEXT NOT NULL, filled_quote TEXT NOT NULL,
        ts_created INTEGER NOT NULL, ts_updated INTEGER NOT NULL, reject_reason TEXT);
        INSERT INTO orders VALUES ('old-1','BTCUSDT','buy','limit','1','100',NULL,NULL,'gtc','new',7,'0','0',1,1,NULL);""")
    db.commit()
    db.close()
    j = Journal(path)
    try:
        assert j.order("old-1").origin == "" and j.order("old-1").venue_order_id == 7
        j.record_order(Order("BTCUSDT", Side.SELL, OrderType.MARKET, "new-1", D("1"), origin="sma"))
        assert j.order("new-1").origin == "sma"
    finally:
        j.close()


def test_order_updates_keep_the_origin_of_the_journaled_order():
    from terminal.bus import Bus
    from terminal.oms.manager import OrderManager

    from .fakes import FakeExecution

    j = Journal()
    seen: list[Order] = []
    bus = Bus()
    bus.subscribe(OrderUpdated, lambda e: seen.append(e.order))
    oms = OrderManager(execution=FakeExecution(), journal=j, bus=bus)
    local = Order.from_request(OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("1"), D("100"),
                                            client_order_id="c1", origin="sma"))
    oms.on_order(local)
    report = Order("BTCUSDT", Side.BUY, OrderType.LIMIT, "c1", D("1"), D("100"), status=OrderStatus.NEW,
                   venue_order_id=9)
    assert oms.on_order(report).origin == "sma" and seen[-1].origin == "sma"
    assert j.order("c1").origin == "sma"

"""Deposits as seen: the sandbox's faucet deposit reaches the session as Binance's ``balanceUpdate``, is journaled,
exported to the cent (CSV, XLSX, the CLI), and the daily statement counts it in equity but never in P&L."""
from __future__ import annotations

import csv
import secrets as pysecrets
import threading
from decimal import Decimal

import pandas as pd
import pytest

import terminal
from terminal.__main__ import main as cli
from terminal.model import Fill, Liquidity, Side
from terminal.model.events import BalanceChanged
from terminal.records import daily_statement, export_statement
from terminal.records.tables import fill_rows
from terminal.records.transfers import TRANSFER_COLUMNS, export_transfers
from terminal.storage.journal import Journal
from terminal.storage.writer import shared
from terminal.venues.binance import parse
from terminal.venues.binance.parse import WireError

from session_helpers import wait_for_event

DAY = 86_400_000


def _csv(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_balance_update_parses_into_a_signed_balance_change():
    got = parse.balance_update({"e": "balanceUpdate", "E": 1700000000100, "a": "USDT", "d": "-12.34000000",
                                "T": 1700000000000}, 5)
    assert got == BalanceChanged("USDT", Decimal("-12.34000000"), 1700000000000, 5)
    assert parse.balance_update({"a": "BTC", "d": "0.00000001", "E": 7}).ts_event == 7  # no clear time: the event's
    for bad in ({"a": "BTC", "d": "1e5", "T": 1}, {"a": "BTC", "d": 0.5, "T": 1}, {"a": "", "d": "1", "T": 1},
                {"a": "BTC", "T": 1}):
        with pytest.raises(WireError):
            parse.balance_update(bad)


def test_journal_keeps_transfers_and_ignores_a_repeated_venue_id():
    j = Journal()
    assert j.record_transfer(BalanceChanged("USDT", Decimal("500.00"), 2000, 2001))
    assert j.record_transfer(BalanceChanged("BTC", Decimal("-0.5"), 1000, 1001, "w1"))
    assert not j.record_transfer(BalanceChanged("BTC", Decimal("-0.5"), 1000, 1001, "w1"))
    assert j.record_transfer(BalanceChanged("USDT", Decimal("500.00"), 3000, 3001))  # no id: a second deposit
    assert [t.asset for t in j.transfers()] == ["BTC", "USDT", "USDT"]
    assert j.transfers("USDT", 2500) == [BalanceChanged("USDT", Decimal("500.00"), 3000, 3001)]
    j.close()


def _fill(trade_id: int, side: Side, price: str, qty: str, ts: int) -> Fill:
    p, q = Decimal(price), Decimal(qty)
    return Fill("BTCUSDT", f"c{trade_id}", trade_id, trade_id, side, p, q, p * q, Decimal(0), "USDT",
                Liquidity.TAKER, ts, ts)


def test_statement_counts_transfers_in_equity_not_in_pnl():
    t0 = 20_000 * DAY
    fills = [_fill(1, Side.BUY, "100", "2", t0 + 1000), _fill(2, Side.SELL, "110", "2", t0 + DAY + 5)]
    moved = [BalanceChanged("USDT", Decimal("500"), t0 + DAY + 10), BalanceChanged("USDT", Decimal("-50"), t0 + DAY + 20),
             BalanceChanged("BTC", Decimal("0.1"), t0 + 2 * DAY + 1)]
    rows = daily_statement(fills, capital={"USDT": Decimal("1000")}, transfers=moved)
    usdt = [r for r in rows if r.quote == "USDT"]
    assert [r.date for r in usdt] == ["2024-10-04", "2024-10-05", "2024-10-06"]
    assert (usdt[1].transfers, usdt[1].realised_pnl, usdt[1].pnl) == (Decimal(450), Decimal(20), Decimal(20))
    assert usdt[1].closing_equity == Decimal(1000 + 20 + 450) == usdt[2].opening_equity == usdt[2].closing_equity
    assert usdt[2].pnl == 0
    btc = [r for r in rows if r.quote == "BTC"]  # an asset only transferred: its own rows
    assert [(r.transfers, r.closing_equity, r.pnl) for r in btc][-1] == (Decimal("0.1"), Decimal("0.1"), 0)
    # a range starting after a deposit opens with it
    later = daily_statement(fills, t0 + 2 * DAY, None, capital={"USDT": Decimal("1000")}, transfers=moved)
    assert [r.opening_equity for r in later if r.quote == "USDT"] == [Decimal(1470)]


@pytest.fixture
async def funded(sandbox, tmp_path):
    """A session on the sandbox with its journal in tmp_path: two market orders filled, then the faucet deposited
    500 USDT and took 12.34 USDT back (both seen on the user stream)."""
    key, secret = "k" + pysecrets.token_hex(31), pysecrets.token_hex(32)
    sandbox.create_account(key, secret, {"USDT": "100000", "BTC": "1"})
    s = await terminal.connect("sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret, data_dir=tmp_path)
    try:
        orders = [await s.buy("BTCUSDT", "0.01", type="MARKET"), await s.sell("BTCUSDT", "0.004", type="MARKET")]
        await wait_for_event(s.bus, None, lambda: all(
            sum((f.qty for f in s.journal.fills(client_order_id=o.client_order_id)), Decimal(0)) == o.quantity
            for o in orders))
        seen: list[BalanceChanged] = []
        s.on(BalanceChanged, seen.append)
        sandbox.deposit(key, "USDT", "500")
        sandbox.deposit(key, "USDT", "-12.34")
        await wait_for_event(s.bus, BalanceChanged, lambda: len(seen) == 2)
        assert shared().flush(timeout=10)  # journaled by the background writer
        yield s, tmp_path, seen
    finally:
        await s.close()


async def test_a_transfer_is_journaled_by_the_background_writer_not_on_the_loop(sandbox, tmp_path):
    key, secret = "k" + pysecrets.token_hex(31), pysecrets.token_hex(32)
    sandbox.create_account(key, secret, {"USDT": "100"})
    s = await terminal.connect("sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret, data_dir=tmp_path)
    try:
        inserts: set[int] = set()  # the threads that run INSERTs into transfers (SQLite calls this on that thread)
        s.journal._db.set_trace_callback(
            lambda sql: inserts.add(threading.get_ident()) if "INTO transfers" in sql else None)
        seen: list[BalanceChanged] = []
        s.on(BalanceChanged, seen.append)
        sandbox.deposit(key, "USDT", "7.5")
        await wait_for_event(s.bus, BalanceChanged, lambda: len(seen) == 1)
        assert shared().flush(timeout=10)
        assert inserts == {shared().thread_id} and threading.get_ident() not in inserts
        assert [(t.asset, t.delta) for t in s.journal.transfers()] == [("USDT", Decimal("7.5"))]
    finally:
        await s.close()


async def test_faucet_deposit_is_journaled_exported_to_the_cent_and_kept_out_of_pnl(funded, tmp_path):
    s, data_dir, seen = funded
    journaled = s.journal.transfers()
    assert [(t.asset, t.delta) for t in journaled] == [("USDT", Decimal("500")), ("USDT", Decimal("-12.34"))]
    assert journaled == [BalanceChanged(t.asset, t.delta, t.ts_event, t.ts_recv) for t in seen]

    assert export_transfers(s.journal, "binance-sandbox", "2000-01-01", "2100-12-31", tmp_path / "t.csv") == 2
    rows = _csv(tmp_path / "t.csv")
    assert list(rows[0]) == TRANSFER_COLUMNS
    assert [(r["venue"], r["asset"], Decimal(r["amount"]), r["kind"]) for r in rows] == \
           [("binance-sandbox", "USDT", Decimal("500.00"), "deposit"),
            ("binance-sandbox", "USDT", Decimal("-12.34"), "withdrawal")]
    assert all("E" not in r["amount"] for r in rows)
    export_transfers(s.journal, "binance-sandbox", None, None, tmp_path / "t.xlsx")
    book = pd.read_excel(tmp_path / "t.xlsx", dtype=str)
    assert [Decimal(a) for a in book["amount"]] == [Decimal("500"), Decimal("-12.34")]

    day_rows = export_statement(s.journal, None, None, tmp_path / "s.csv", instruments=s.instruments,
                                capital={"USDT": Decimal("100000")})
    usdt = [r for r in day_rows if r.quote == "USDT"]  # one day (two if the test runs across midnight UTC)
    realised = sum((r["realised_pnl"] for r in fill_rows(s.journal, instruments=s.instruments)), Decimal(0))
    moved, pnl = sum((r.transfers for r in usdt), Decimal(0)), sum((r.pnl for r in usdt), Decimal(0))
    assert moved == Decimal("487.66")
    assert sum((r.realised_pnl for r in usdt), Decimal(0)) == realised  # the fills' P&L, the deposit not in it
    assert pnl == realised + usdt[-1].unrealised_pnl  # opened flat: the P&L is what the fills made
    assert usdt[-1].closing_equity - usdt[0].opening_equity == pnl + Decimal("487.66")
    assert abs(pnl) < 100  # a small BTC trade, not the 500 moved in
    assert sum((Decimal(r["transfers"]) for r in _csv(tmp_path / "s.csv")), Decimal(0)) == Decimal("487.66")

    await s.close()  # the journal file the CLI reads
    out = tmp_path / "cli.csv"
    assert cli(["export", "transfers", "--venue", "binance", "--env", "sandbox", "--out", str(out),
                "--data-dir", str(data_dir)]) == 0
    assert [(r["asset"], Decimal(r["amount"]), r["kind"]) for r in _csv(out)] == \
           [("USDT", Decimal("500"), "deposit"), ("USDT", Decimal("-12.34"), "withdrawal")]

"""Exports against the real sandbox: the fills CSV equals the session's fills to the cent (every digit), the XLSX
opens with pandas, orders and the daily statement add up, and the CLI reads the journal file the session wrote."""
from __future__ import annotations

import csv
import secrets as pysecrets
from decimal import Decimal

import pandas as pd
import pytest

import terminal
from terminal.__main__ import main as cli
from terminal.model import Fill, Liquidity, Side
from terminal.records import daily_statement, export_fills, export_orders, export_statement
from terminal.storage.journal import Journal

from session_helpers import wait_for_event


@pytest.fixture
async def traded(sandbox, tmp_path):
    """A session on the sandbox with its journal in tmp_path, after a few market orders filled; closed after."""
    key, secret = "k" + pysecrets.token_hex(31), pysecrets.token_hex(32)
    sandbox.create_account(key, secret, {"USDT": "100000", "BTC": "1", "ETH": "10"})
    s = await terminal.connect("sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret,
                               data_dir=tmp_path)
    orders = [await s.buy("BTCUSDT", "0.01", type="MARKET"), await s.sell("BTCUSDT", "0.004", type="MARKET"),
              await s.buy("ETHUSDT", "0.5", type="MARKET"), await s.sell("BTCUSDT", "0.003", type="MARKET")]
    await wait_for_event(s.bus, None, lambda: all(
        sum((f.qty for f in s.journal.fills(client_order_id=o.client_order_id)), Decimal(0)) == o.quantity
        for o in orders))
    yield s, tmp_path
    await s.close()


def _csv(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


async def test_fills_csv_equals_the_sessions_fills_to_the_last_digit(traded, tmp_path):
    s, _ = traded
    fills = await s.fills()
    assert len(fills) >= 4
    n = export_fills(s.journal, "binance-sandbox", "2000-01-01", "2100-12-31", tmp_path / "fills.csv",
                     instruments=s.instruments)
    rows = _csv(tmp_path / "fills.csv")
    assert n == len(rows) == len(fills)
    for row, f in zip(rows, sorted(fills, key=lambda f: (f.ts_event, f.trade_id))):
        assert (row["symbol"], row["side"], int(row["trade_id"]), row["client_order_id"]) == \
               (f.symbol, f.side.name, f.trade_id, f.client_order_id)
        assert Decimal(row["price"]) == f.price and Decimal(row["qty"]) == f.qty
        assert Decimal(row["quote_qty"]) == f.quote_qty
        assert Decimal(row["fee"]) == f.commission and row["fee_asset"] == f.commission_asset
        assert "E" not in row["price"] + row["fee"]  # exact decimal text, never 1E-8
    # realised P&L per fill adds up to the positions blotter's
    realised = sum((Decimal(r["realised_pnl"]) for r in rows if r["symbol"] == "BTCUSDT"), Decimal(0))
    assert {r["fee_asset"] for r in rows} <= {"BTC", "ETH", "USDT"}  # fees in the traded assets: in realised
    assert realised == s.positions()["BTCUSDT"].realised_pnl != 0

    export_fills(s.journal, "binance-sandbox", None, None, tmp_path / "fills.xlsx", instruments=s.instruments)
    book = pd.read_excel(tmp_path / "fills.xlsx", dtype=str)
    assert list(book["trade_id"].astype(int)) == [int(r["trade_id"]) for r in rows]
    assert [Decimal(p) for p in book["price"]] == [Decimal(r["price"]) for r in rows]
    assert [round(Decimal(q), 2) for q in book["quote_qty"]] == [round(Decimal(r["quote_qty"]), 2) for r in rows]


async def test_orders_and_statement_exports(traded, tmp_path):
    s, _ = traded
    assert export_orders(s.journal, "binance-sandbox", None, None, tmp_path / "orders.csv") == 4
    orders = _csv(tmp_path / "orders.csv")
    assert {o["status"] for o in orders} == {"FILLED"} and [o["side"] for o in orders] == ["BUY", "SELL", "BUY", "SELL"]
    rows = export_statement(s.journal, None, None, tmp_path / "statement.xlsx", instruments=s.instruments,
                            capital={"USDT": Decimal("100000")})
    fills = s.journal.fills()
    assert sum((r.turnover for r in rows), Decimal(0)) == sum((f.quote_qty for f in fills), Decimal(0))
    assert sum(r.fills for r in rows) == len(fills)
    day = pd.read_excel(tmp_path / "statement.xlsx")
    assert list(day.columns[:3]) == ["date", "quote", "opening_equity"] and len(day) == len(rows)


def _fill(trade_id: int, side: Side, price: str, qty: str, ts: int, fee: str = "0", asset: str = "USDT") -> Fill:
    p, q = Decimal(price), Decimal(qty)
    return Fill("BTCUSDT", f"c{trade_id}", trade_id, trade_id, side, p, q, p * q, Decimal(fee), asset,
                Liquidity.TAKER, ts, ts)


def test_daily_statement_equity_realised_unrealised_and_fees():
    day = 86_400_000
    t0 = 20_000 * day
    fills = [_fill(1, Side.BUY, "100", "2", t0 + 1000, fee="0.2"),
             _fill(2, Side.SELL, "110", "1", t0 + day + 5, fee="0.11"),
             _fill(3, Side.SELL, "90", "1", t0 + 3 * day + 5)]
    rows = daily_statement(fills, capital={"USDT": Decimal("1000")})
    assert [r.date for r in rows] == ["2024-10-04", "2024-10-05", "2024-10-06", "2024-10-07"]
    first, second, third, fourth = rows
    assert (first.opening_equity, first.realised_pnl, first.unrealised_pnl, first.fees, first.turnover) == \
           (Decimal(1000), Decimal("-0.2"), Decimal(0), Decimal("0.2"), Decimal(200))
    assert (second.realised_pnl, second.unrealised_pnl, second.closing_equity) == \
           (Decimal("9.89"), Decimal(10), Decimal("1019.69"))  # one left at avg 100, last price 110
    assert third.fills == 0 and third.opening_equity == third.closing_equity == second.closing_equity
    assert (fourth.realised_pnl, fourth.unrealised_pnl, fourth.closing_equity) == \
           (Decimal(-10), Decimal(0), Decimal("999.69"))
    priced = daily_statement(fills, price_at=lambda sym, ts: Decimal(120), capital={"USDT": Decimal("1000")})
    assert priced[0].unrealised_pnl == Decimal(40)  # two at 100, closing price 120


async def test_export_cli_reads_the_journal_the_session_wrote(traded, tmp_path, capsys):
    s, data_dir = traded
    fills = sorted(s.journal.fills(), key=lambda f: (f.ts_event, f.trade_id))
    await s.close()
    out = tmp_path / "fills.csv"
    assert cli(["export", "fills", "--venue", "binance", "--from", "2000-01-01", "--to", "2100-12-31",
                "--out", str(out), "--data-dir", str(data_dir)]) == 0
    assert f"{len(fills)} fills of binance-sandbox" in capsys.readouterr().out
    rows = _csv(out)
    assert [(Decimal(r["price"]), Decimal(r["qty"]), Decimal(r["fee"]), r["fee_asset"]) for r in rows] == \
           [(f.price, f.qty, f.commission, f.commission_asset) for f in fills]
    assert cli(["export", "orders", "--venue", "binance", "--env", "sandbox", "--out", str(tmp_path / "o.xlsx"),
                "--data-dir", str(data_dir)]) == 0
    assert len(pd.read_excel(tmp_path / "o.xlsx")) == 4
    assert cli(["export", "statement", "--venue", "binance", "--out", str(tmp_path / "s.csv"), "--capital",
                "USDT=100000", "--data-dir", str(data_dir)]) == 0
    assert _csv(tmp_path / "s.csv")[0]["opening_equity"] == "100000"
    capsys.readouterr()
    assert cli(["export", "fills", "--venue", "binance", "--out", str(tmp_path / "x.txt"),
                "--data-dir", str(data_dir)]) == 2
    assert "must end in .csv or .xlsx" in capsys.readouterr().err
    assert cli(["export", "fills", "--venue", "paper", "--out", str(out), "--data-dir", str(data_dir)]) == 2
    assert "no journal for paper" in capsys.readouterr().err
    Journal(data_dir / "journal-live.sqlite3").close()
    assert cli(["export", "fills", "--venue", "binance", "--out", str(out), "--data-dir", str(data_dir)]) == 2
    assert "several environments (live, sandbox)" in capsys.readouterr().err

"""Positions from fills: average cost, realised P&L on reductions, unrealised vs the last price, fees."""
from __future__ import annotations

from decimal import Decimal

from terminal.model import Fill, Instrument, Liquidity, Side
from terminal.oms.position import build_positions

D = Decimal
INST = {"BTCUSDT": Instrument("BTCUSDT", "BTC", "USDT")}


def fill(tid: int, side: Side, qty: str, price: str, fee: str = "0", fee_asset: str = "BNB") -> Fill:
    return Fill("BTCUSDT", "c", 1, tid, side, D(price), D(qty), D(qty) * D(price), D(fee), fee_asset,
                Liquidity.TAKER, ts_event=tid)


def test_average_cost_realised_and_unrealised():
    fills = [fill(1, Side.BUY, "1", "100"), fill(2, Side.BUY, "1", "200"), fill(3, Side.SELL, "1", "250", "0.5", "USDT")]
    pos = build_positions(fills, INST, {"BTCUSDT": D("300")})["BTCUSDT"]
    assert pos.qty == D("1") and pos.avg_price == D("150")
    assert pos.realised_pnl == D("100") - D("0.5") and pos.fees_quote == D("0.5")
    assert pos.unrealised_pnl == D("150") and pos.total_pnl == D("249.5")


def test_flip_from_long_to_short_and_base_fee_reduces_quantity():
    fills = [fill(1, Side.BUY, "1", "100", "0.001", "BTC"), fill(2, Side.SELL, "2", "110")]
    pos = build_positions(fills, INST, {})["BTCUSDT"]
    assert pos.qty == D("-1.001") and pos.avg_price == D("110")
    assert pos.realised_pnl == D("0.999") * 10 - D("0.001") * 100  # the BTC fee counts at its fill's price
    assert pos.unrealised_pnl == 0  # no last price known

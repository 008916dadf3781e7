"""Spot positions are holdings: the quantity is the balance; average price and P&L come from the known fills, with a
note when those do not explain the whole balance; fees in any asset count; values in a reference currency."""
from __future__ import annotations

import time
from decimal import Decimal

from terminal.model import Balance, Fill, Instrument, Liquidity, Side
from terminal.oms.holdings import Holdings, Valuer, spot_positions

D = Decimal
INST = {s: Instrument(s, b, q) for s, b, q in (("BTCUSDT", "BTC", "USDT"), ("ETHUSDT", "ETH", "USDT"),
                                                 ("ETHBTC", "ETH", "BTC"), ("BNBUSDT", "BNB", "USDT"),
                                                 ("SOLBTC", "SOL", "BTC"))}
T0 = 1_780_000_000_000  # ms


def fill(tid: int, side: Side, qty: str, price: str, fee: str = "0", fee_asset: str = "USDT",
         symbol: str = "BTCUSDT") -> Fill:
    return Fill(symbol, "c", 1, tid, side, D(price), D(qty), D(qty) * D(price), D(fee), fee_asset, Liquidity.TAKER,
                ts_event=T0 + tid)


def bal(asset: str, free: str, locked: str = "0") -> Balance:
    return Balance(asset, D(free), D(locked))


def day(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ts_ms / 1000))


def test_the_position_is_the_balance_and_a_deposit_makes_the_fills_history_partial():
    # 1 BTC deposited, then 0.5 bought at 100 with the fee taken in BTC: 1.4995 held, the fills explain 0.4995
    fills = [fill(1, Side.BUY, "0.5", "100", "0.0005", "BTC")]
    pos = spot_positions([bal("BTC", "1.2995", "0.2"), bal("USDT", "50")], fills, INST,
                         {"BTCUSDT": D("120")})["BTCUSDT"]
    assert pos.qty == D("1.4995") and pos.base_asset == "BTC"
    assert pos.partial and pos.explained_qty == D("0.4995")
    assert pos.history_note() == f"from 1 fill since {day(T0 + 1)}"
    assert pos.avg_price == D("100") and pos.covered_qty == D("0.4995")
    assert pos.unrealised_pnl == D("20") * D("0.4995")  # only on what the fills bought
    assert pos.realised_pnl == -D("0.05")  # the fee in BTC at the fill's price
    assert pos.market_value == D("120") * D("1.4995") and pos.value_ref == pos.market_value
    assert pos.fees_total == D("0.0005") * D("100")  # a base-asset fee at its fill's price


def test_fills_that_explain_the_whole_balance_need_no_note():
    fills = [fill(1, Side.BUY, "2", "100", "0.2", "USDT"), fill(2, Side.SELL, "0.5", "120", "0.06", "USDT")]
    pos = spot_positions([bal("BTC", "1.5"), bal("USDT", "0")], fills, INST, {"BTCUSDT": D("110")})["BTCUSDT"]
    assert not pos.partial and pos.history_note() == "" and pos.fills == 2
    assert pos.avg_price == D("100") and pos.realised_pnl == D("10") - D("0.26")
    assert pos.unrealised_pnl == D("15") and pos.unrealised_pct == D("10")


def test_a_balance_without_any_fill_says_so_and_has_no_average_price():
    pos = spot_positions([bal("SOL", "100")], [], INST, {})["SOLBTC"]
    assert pos.qty == D("100") and pos.avg_price is None and pos.unrealised_pnl == 0
    assert pos.history_note() == "no fills known" and pos.value_ref is None  # no price yet


def test_fees_in_bnb_are_counted_at_the_last_bnb_price():
    fills = [fill(1, Side.BUY, "1", "100", "0.01", "BNB"), fill(2, Side.SELL, "0.5", "110", "0.02", "BNB")]
    priced = spot_positions([bal("BTC", "0.5")], fills, INST, {"BTCUSDT": D("110"), "BNBUSDT": D("600")})["BTCUSDT"]
    assert priced.fees == (("BNB", D("0.03")),)
    assert priced.fees_total == D("0.03") * 600
    assert priced.realised_pnl == D("5") - D("18")  # 0.5 sold 10 above the cost, 18 USDT of BNB paid
    unpriced = spot_positions([bal("BTC", "0.5")], fills, INST, {"BTCUSDT": D("110")})["BTCUSDT"]
    assert unpriced.fees_total is None and unpriced.realised_pnl == D("5")  # cannot value BNB yet: not invented


def test_bnb_paid_as_fees_elsewhere_is_explained_by_the_fills():
    fills = [fill(1, Side.BUY, "1", "600", symbol="BNBUSDT"), fill(2, Side.BUY, "1", "100", "0.01", "BNB")]
    h = Holdings(INST)
    h.add_fills(fills)
    h.set_balances([bal("BNB", "0.99"), bal("BTC", "1")])
    bnb = h.positions({"BNBUSDT": D("600")})["BNBUSDT"]
    assert bnb.qty == D("0.99") and not bnb.partial and bnb.covered_qty == D("0.99")


def test_values_in_the_reference_currency_go_through_one_intermediate_asset():
    v = Valuer(INST, {"SOLBTC": D("0.002"), "BTCUSDT": D("60000"), "ETHUSDT": D("3000")})
    assert v.rate("SOL", "USDT") == D("120") and v.rate("USDT", "ETH") == 1 / D("3000")
    assert v.rate("SOL", "SOL") == 1 and v.rate("BNB", "USDT") is None
    pos = spot_positions([bal("SOL", "10")], [], INST, v.last_prices)["SOLBTC"]
    assert pos.market_value == D("0.02") and pos.value_ref == D("1200") and pos.reference == "USDT"
    in_btc = spot_positions([bal("SOL", "10")], [], INST, v.last_prices, reference="BTC")["SOLBTC"]
    assert in_btc.value_ref == D("0.02") and in_btc.reference == "BTC"


def test_the_pricing_symbol_is_the_one_traded_most_else_the_reference_pair():
    h = Holdings(INST)
    h.set_balances([bal("ETH", "3")])
    assert list(h.positions({})) == ["ETHUSDT"]
    h.add_fills([fill(1, Side.BUY, "1", "0.05", symbol="ETHBTC")])
    assert list(h.positions({})) == ["ETHBTC"]
    assert h.positions({})["ETHBTC"].avg_price == D("0.05")


def test_estimated_equity_values_every_balance_and_names_those_without_a_price():
    h = Holdings(INST)
    h.set_balances([bal("USDT", "1000", "500"), bal("BTC", "0.5"), bal("BNB", "2"), bal("ETH", "0")])
    eq = h.equity({"BTCUSDT": D("60000")})
    assert eq.total == D("1500") + D("30000") and eq.unpriced == ("BNB",) and eq.reference == "USDT"
    assert h.equity({"BTCUSDT": D("60000"), "BNBUSDT": D("600")}).total == D("32700")


def test_duplicate_and_late_fills_are_applied_once_in_time_order():
    h = Holdings(INST)
    h.set_balances([bal("BTC", "1")])
    h.add_fills([fill(2, Side.SELL, "1", "200")])
    assert h.add_fills([fill(1, Side.BUY, "2", "100")])  # an older fill from a reconciliation
    assert not h.add_fills([fill(1, Side.BUY, "2", "100")])
    pos = h.positions({})["BTCUSDT"]
    assert pos.avg_price == D("100") and pos.realised_pnl == D("100") and pos.fills == 2


def test_without_balances_the_fills_alone_make_the_quantity():
    pos = spot_positions(None, [fill(1, Side.BUY, "2", "100")], INST, {})["BTCUSDT"]
    assert pos.qty == D("2") and not pos.partial and pos.history_note() == ""


def test_the_reference_currency_is_cash_not_a_position_unless_it_was_traded():
    usdt_base = {**INST, "USDTTRY": Instrument("USDTTRY", "USDT", "TRY")}
    assert list(spot_positions([bal("USDT", "100")], [], usdt_base, {})) == []
    btc = [bal("BTC", "1")]
    assert list(spot_positions(btc, [], INST, {}, reference="BTC")) == []
    assert list(spot_positions(btc, [fill(1, Side.BUY, "1", "100")], INST, {}, reference="BTC")) == ["BTCUSDT"]


def test_other_asset_classes_keep_positions_from_their_fills():
    from terminal.model import AssetClass
    aapl = Instrument("AAPL", "AAPL", "USD", asset_class=AssetClass.EQUITY)
    h = Holdings({**INST, "AAPL": aapl})
    h.set_balances([bal("USD", "1000")])
    h.add_fills([fill(1, Side.BUY, "10", "200", symbol="AAPL")])
    pos = h.positions({"AAPL": D("210")})["AAPL"]
    assert pos.qty == D("10") and pos.avg_price == D("200") and pos.unrealised_pnl == D("100") and not pos.partial

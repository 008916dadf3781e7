"""The order draft (no Qt): what is typed is what is sent or an error saying how to fix it, with units; the value,
fee and balance rules are the pre-trade checks' own."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.model import Balance, Instrument, OrderRequest, OrderType, Side, TimeInForce
from terminal.risk.checks import InsufficientBalance, RiskChecks
from terminal.risk.draft import Market, balance_need, draft_order, parse_number, stop_side_error

D = Decimal
BTC = Instrument("BTCUSDT", "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"), min_qty=D("0.00001"),
                 max_qty=D("9000"), min_notional=D("5"))
MKT = Market(bid=D("99.90"), ask=D("100.10"), last=D("100.00"))
FREE = {"USDT": D("1000"), "BTC": D("0.5")}
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET


def buy(qty: str, price: str = "100", **kw):
    return draft_order(BTC, Side.BUY, kw.pop("type", LIMIT), qty, price, kw.pop("stop", ""), kw.pop("market", MKT),
                       kw.pop("balances", FREE), **kw)


def test_a_valid_limit_order_is_sent_exactly_as_typed_with_its_value_and_fee():
    d = buy("1.23456", "100.01")
    assert d.errors == {} and d.ok
    r = d.request
    assert (r.symbol, r.side, r.type, r.quantity, r.price, r.time_in_force) == (
        "BTCUSDT", Side.BUY, LIMIT, D("1.23456"), D("100.01"), TimeInForce.GTC)
    assert d.notional == D("123.4683456") and d.fee == D("0.1234683456")
    assert (d.spends, d.need, d.available) == ("USDT", D("123.4683456"), D("1000"))


def test_a_price_off_the_tick_names_the_tick_and_both_neighbours_and_sends_nothing():
    d = buy("1", "100.004")
    assert d.request is None
    assert d.errors == {"price": "off the 0.01 USDT tick: 100.00 or 100.01"}
    assert d.suggestions == {"price": (D("100.00"), D("100.01"))}


def test_an_amount_off_the_lot_step_names_the_step_and_both_neighbours():
    d = buy("1.234567")
    assert d.errors == {"quantity": "off the 0.00001 BTC step: 1.23456 or 1.23457"}
    assert d.suggestions["quantity"] == (D("1.23456"), D("1.23457"))


def test_an_amount_below_the_minimum_says_the_minimum_and_is_not_rounded_to_zero():
    d = buy("0.000001")  # on the old ticket: snapped down to 0, "quantity must be greater than zero"
    assert d.errors == {"quantity": "too small: minimum is 0.00001 BTC"}
    assert d.suggestions["quantity"] == (D("0.00001"),)
    assert buy("0").errors["quantity"] == "must be greater than zero: minimum is 0.00001 BTC"
    assert buy("9000.1").errors["quantity"] == "too large: maximum is 9000 BTC"


def test_an_order_below_the_minimum_value_offers_the_smallest_amount_that_reaches_it():
    d = buy("0.01")
    assert d.errors == {"quantity": "order value 1.00 USDT is below the minimum 5 USDT"}
    assert d.suggestions["quantity"] == (D("0.05000"),)
    assert buy("0.05").ok


@pytest.mark.parametrize("text, message", [
    ("abc", "'abc' is not a number"), ("1e3", "'1e3' is not a number"), ("NaN", "'NaN' is not a number"),
    ("-1", "-1 is negative: enter a positive number"), ("1" * 50, "is too long for a number")])
def test_what_is_not_a_plain_positive_number_is_refused_saying_so(text, message):
    assert message in buy(text).errors["quantity"]
    assert parse_number(" 1,000.5 ") == D("1000.5") and parse_number("  ") is None


def test_required_fields_and_fields_the_type_does_not_take():
    assert buy("1", "").errors == {"price": "a price is required"}
    assert buy("").errors == {"quantity": "enter an amount"}
    d = buy("0.06", "garbage", type=MARKET)  # a market order ignores the price field
    assert d.ok and d.request.price is None and d.request.time_in_force is None
    assert d.notional == D("0.06") * D("100.10")  # valued at the ask: what a BUY pays


def test_stop_orders_on_the_wrong_side_of_the_market_are_refused_naming_the_market_price():
    stop_limit = dict(type=OrderType.STOP_LOSS_LIMIT)
    assert buy("1", "101", stop="100.10", **stop_limit).errors == {
        "stop_price": "a BUY stop must be above the market (ask 100.10 USDT)"}
    assert buy("1", "101", stop="100.11", **stop_limit).ok
    sell = draft_order(BTC, Side.SELL, OrderType.STOP_LOSS, "0.1", "", "99.95", MKT, FREE)
    assert sell.errors == {"stop_price": "a SELL stop must be below the market (bid 99.90 USDT)"}
    # take-profit: the opposite sides
    tp_buy = buy("1", "99", stop="100.50", type=OrderType.TAKE_PROFIT_LIMIT)
    assert tp_buy.errors == {"stop_price": "a BUY take-profit must be below the market (last 100.00 USDT)"}
    tp_sell = draft_order(BTC, Side.SELL, OrderType.TAKE_PROFIT, "0.1", "", "99.95", MKT, FREE)
    assert tp_sell.errors == {"stop_price": "a SELL take-profit must be above the market (last 100.00 USDT)"}
    assert stop_side_error(BTC, Side.BUY, OrderType.STOP_LOSS, D("1"), Market()) is None  # no market: the venue decides


def test_the_market_price_is_the_ask_for_a_buy_the_bid_for_a_sell_else_the_last():
    assert (MKT.reference(Side.BUY), MKT.reference(Side.SELL)) == (D("100.10"), D("99.90"))
    assert Market(last=D("7")).reference(Side.BUY) == D("7")
    d = buy("1", "99.00")
    assert (d.market_price, d.market_name) == (D("100.10"), "ask")
    assert d.distance_pct.quantize(D("0.01")) == D("-1.10")
    assert draft_order(BTC, Side.BUY, LIMIT, "1", "99", quote_price=D("100")).market_name == "last"


def test_a_buy_spends_its_notional_and_the_fee_is_not_added_to_it():
    assert buy("10", "100").ok  # 1000 USDT buys 10 at 100: the fee is taken from the BTC received
    d = buy("10.00001", "100")
    assert d.errors == {"quantity": "insufficient USDT: need 1000.001 USDT, available 1000.00 USDT"}
    sell = draft_order(BTC, Side.SELL, LIMIT, "0.6", "100", "", MKT, FREE)
    assert sell.errors == {"quantity": "insufficient BTC: need 0.60000 BTC, available 0.50000 BTC"}
    assert buy("1000", balances=None).ok  # balances unknown: not checked here, the venue decides


def test_amounts_in_the_quote_asset():
    d = draft_order(BTC, Side.BUY, MARKET, "50", quote_price=MKT, balances=FREE, qty_in_quote=True)
    assert d.ok and d.request.quote_quantity == D("50") and d.request.quantity is None and d.notional == D("50")
    bad = draft_order(BTC, Side.BUY, MARKET, "50.123456789", quote_price=MKT, qty_in_quote=True)
    assert bad.errors == {"quantity": "more than 8 decimals of USDT: 50.12345678 or 50.12345679"}
    assert draft_order(BTC, Side.BUY, MARKET, "4", quote_price=MKT, qty_in_quote=True).errors == {
        "quantity": "too small: minimum is 5 USDT"}
    # a limit order converts at its price, rounding down: the request shows what is bought
    lim = draft_order(BTC, Side.BUY, LIMIT, "50", "100.00", quote_price=MKT, balances=FREE, qty_in_quote=True)
    assert lim.request.quantity == D("0.50000")
    tiny = draft_order(BTC, Side.BUY, LIMIT, "0.0001", "100.00", quote_price=MKT, qty_in_quote=True)
    assert tiny.errors == {"quantity": "buys less than 0.00001 BTC: minimum is 0.001 USDT"}
    assert tiny.suggestions["quantity"] == (D("0.0010000"),)  # in the field's unit: converts to the minimum exactly


def _checks(usdt: str = "1000", btc: str = "0.5") -> RiskChecks:
    bal = {"USDT": Balance("USDT", D(usdt), D(0)), "BTC": Balance("BTC", D(btc), D(0))}
    return RiskChecks({"BTCUSDT": BTC}, lambda: bal, lambda symbol, side: MKT.reference(side))


@pytest.mark.parametrize("side, otype, qty, price, stop", [
    (Side.BUY, LIMIT, "10", "100", ""), (Side.BUY, LIMIT, "10.01", "100", ""),
    (Side.BUY, MARKET, "9.99", "", ""), (Side.BUY, MARKET, "9.991", "", ""),
    (Side.SELL, LIMIT, "0.5", "120", ""), (Side.SELL, LIMIT, "0.50001", "120", ""),
    (Side.BUY, OrderType.STOP_LOSS, "9.9", "", "101"), (Side.BUY, OrderType.STOP_LOSS, "9.91", "", "101")])
def test_the_ticket_and_the_pre_trade_checks_agree_on_value_and_balance(side, otype, qty, price, stop):
    d = draft_order(BTC, side, otype, qty, price, stop, MKT, {"USDT": D("1000"), "BTC": D("0.5")})
    request = OrderRequest("BTCUSDT", side, otype, D(qty), D(price) if price else None, D(stop) if stop else None,
                           time_in_force=TimeInForce.GTC if otype.has_tif else None)
    assert RiskChecks.notional(request, MKT.reference(side), BTC) == d.notional
    refused_by_checks = False
    try:
        _checks().check(request)
    except InsufficientBalance:
        refused_by_checks = True
    assert refused_by_checks == ("insufficient" in d.errors.get("quantity", ""))


def test_a_sell_for_a_quote_amount_needs_a_price_to_know_what_it_spends():
    assert balance_need(BTC, Side.SELL, None, D("50"), D("100")) == ("BTC", D("0.5"))
    assert balance_need(BTC, Side.SELL, None, D("50"), None) == ("BTC", None)


@given(cents=st.integers(min_value=1, max_value=10**9), extra=st.integers(min_value=0, max_value=9))
def test_a_price_is_never_rewritten_off_tick_values_get_their_two_neighbours(cents, extra):
    text = f"{cents // 100}.{cents % 100:02d}{extra if extra else ''}"
    d = buy("1000", text, balances=None)
    if extra == 0:
        assert "price" not in d.errors and d.request.price == D(text)
    else:
        lower, upper = d.suggestions["price"]
        assert d.request is None and lower < D(text) < upper and upper - lower == D("0.01")
        assert d.errors["price"] == f"off the 0.01 USDT tick: {lower} or {upper}"


@given(units=st.integers(min_value=1, max_value=10**7), frac=st.integers(min_value=1, max_value=9))
def test_an_off_step_amount_is_offered_valid_neighbours_within_the_bounds(units, frac):
    qty = D(units) * D("0.00001") + D(frac) * D("0.000001")
    d = buy(format(qty, "f"), balances=None)
    options = d.suggestions["quantity"]
    assert all(BTC.min_qty <= o <= BTC.max_qty and o % BTC.step_size == 0 for o in options)
    assert options[0] < qty and (len(options) == 1 or options[1] - options[0] == BTC.step_size)

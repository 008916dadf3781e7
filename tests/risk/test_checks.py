"""Pre-trade checks: typed errors whose message says what to fix."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.model import Balance, Instrument, OrderRequest, OrderType, OrderValidationError, Side, TimeInForce
from terminal.risk.checks import (InsufficientBalance, KillSwitchActive, NotionalLimitExceeded, RiskChecks, RiskLimits,
                                  UnknownSymbol)

D = Decimal
BTC = Instrument("BTCUSDT", "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"), min_qty=D("0.00001"),
                 min_notional=D("5"))
ETH = Instrument("ETHUSDT", "ETH", "USDT")


def checks(usdt="500", btc="0.1", limits=None) -> RiskChecks:
    bal = {"USDT": Balance("USDT", D(usdt), D(0)), "BTC": Balance("BTC", D(btc), D(0))}
    return RiskChecks({"BTCUSDT": BTC, "ETHUSDT": ETH}, lambda: bal, lambda s, side: D("50000"), limits)


def lim(side=Side.BUY, qty="0.001", price="50000.00") -> OrderRequest:
    return OrderRequest("BTCUSDT", side, OrderType.LIMIT, quantity=D(qty), price=D(price), time_in_force=TimeInForce.GTC)


def test_unknown_symbol_suggests_the_closest():
    with pytest.raises(UnknownSymbol, match=r"unknown symbol 'BTCUSTD'; did you mean BTCUSDT\?"):
        checks().check(OrderRequest("BTCUSTD", Side.BUY, OrderType.MARKET, quantity=D("1")))


def test_quantity_off_step_names_nearest_valid_value():
    with pytest.raises(OrderValidationError, match=r"nearest valid: 0.00123"):
        checks().check(lim(qty="0.001234"))


def test_buy_above_available_quote_balance():
    with pytest.raises(InsufficientBalance, match=r"^insufficient USDT: need 1000.00, available 500.00$"):
        checks().check(lim(qty="0.02", price="50000.00"))


def test_sell_above_available_base_and_market_buy_priced_at_reference():
    with pytest.raises(InsufficientBalance, match="insufficient BTC: need 0.20000, available 0.10000"):
        checks().check(lim(side=Side.SELL, qty="0.2"))
    with pytest.raises(InsufficientBalance, match="need 1000.00"):
        checks().check(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("0.02")))
    checks().check(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("100")))


def test_max_notional_and_kill_switch():
    c = checks(usdt="100000", limits=RiskLimits(max_order_notional=D("100")))
    with pytest.raises(NotionalLimitExceeded, match="above your limit of 100 USDT"):
        c.check(lim(qty="0.01"))
    c.check(lim(qty="0.001"))
    c.killed = True
    with pytest.raises(KillSwitchActive, match="kill switch is on"):
        c.check(lim(qty="0.001"))


def test_quote_quantity_with_too_many_decimals_names_the_valid_value():
    with pytest.raises(OrderValidationError, match=r"more than 8 decimals \(nearest valid: 100.12345678\)"):
        checks().check(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("100.123456789")))

"""The engine samples the equity on a balance update only when the holdings changed (a fill, a deposit), or at the
pace of market data: placing or cancelling an order moves money between free and locked, and re-valuing the same
holdings on every order report is work on the order's path for nothing."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.model import Balance, BalancesUpdated, Side
from terminal.risk.errors import DailyLossLimitHit
from terminal.risk.limits import LossLimits, RiskLimits

from .test_engine import Desk, limit

D = Decimal


def publish_balances(desk: Desk) -> None:
    desk.bus.publish(BalancesUpdated(tuple(desk.balances.values()), ts_recv=desk.clock.now_ms()))


def test_a_balance_update_that_only_locks_money_does_not_revalue_and_one_that_changes_holdings_halts_at_once():
    desk = Desk(RiskLimits(loss=LossLimits(max_daily_loss=D("500"))), usdt="10000", btc="0.1")
    publish_balances(desk)
    assert desk.engine.status().equity == D("18000.001")  # 10,000 + 0.1 x 80,000.01
    desk.quotes["BTCUSDT"] = (D("79000.00"), D("79000.02"))  # a move no market data event reported yet
    desk.balances["USDT"] = Balance("USDT", D("9000"), D("1000"))  # an order placed: 1,000 USDT locked
    publish_balances(desk)
    assert desk.engine.status().equity == D("18000.001")  # the same holdings: not valued again
    desk.clock.advance(1000)  # market data's pace: at most one sample a second
    publish_balances(desk)
    assert desk.engine.status().equity == D("17900.001")

    desk.balances["BTC"] = Balance("BTC", D("0.09"), D(0))  # a fill sold some BTC ...
    desk.quotes["BTCUSDT"] = (D("20000.00"), D("20000.02"))  # ... into a crash
    publish_balances(desk)  # the holdings changed: valued at once, and the loss halts opening orders
    assert desk.engine.status().halted
    with pytest.raises(DailyLossLimitHit):
        desk.check(limit(Side.BUY, "0.001", "19000.00"))

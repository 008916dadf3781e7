"""The pre-trade check reads the working orders of the order's symbol only (the order manager keeps them by symbol),
not every open order of the account; the position limit still counts them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.bus import Bus
from terminal.model import Balance, Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.oms.manager import OrderManager
from terminal.risk.checks import RiskChecks
from terminal.risk.errors import PositionLimitExceeded
from terminal.risk.limits import RiskLimits, SymbolLimits
from terminal.storage.journal import Journal

from .test_engine import BTC, ETH

D = Decimal


class Clock:
    """All the order manager asks of a venue here: its clock (nothing is sent)."""

    def now_ms(self) -> int:
        return 1_000


def request(symbol: str, qty: str, price: str) -> OrderRequest:
    return OrderRequest(symbol, Side.BUY, OrderType.LIMIT, quantity=D(qty), price=D(price),
                        time_in_force=TimeInForce.GTC)


def test_the_check_asks_for_its_symbols_working_orders_and_the_order_manager_answers_without_the_others():
    journal = Journal()
    for i in range(300):  # open orders on another symbol: none of them is the check's business
        journal.record_order(Order.from_request(request("ETHUSDT", "1", "100"), i).with_status(OrderStatus.NEW))
    journal.record_order(Order.from_request(request("BTCUSDT", "0.4", "100"), 500).with_status(OrderStatus.NEW))
    oms = OrderManager(Clock(), journal, Bus())  # type: ignore[arg-type]
    asked: list[tuple[str, ...]] = []

    def open_orders(*symbol: str) -> list[Order]:
        asked.append(symbol)
        return oms.open_orders(*symbol)
    balances = {"USDT": Balance("USDT", D("100000"), D(0))}
    checks = RiskChecks({"BTCUSDT": BTC, "ETHUSDT": ETH}, lambda: balances, lambda s, side: D("100"),
                        RiskLimits(symbols={"BTCUSDT": SymbolLimits(max_position_qty=D("1"))}))
    checks.attach(Bus(), open_orders=open_orders)
    checks.check(request("BTCUSDT", "0.6", "100.00"))  # 0.4 working + 0.6 = the limit
    assert asked == [("BTCUSDT",)]
    assert [o.symbol for o in oms.open_orders("BTCUSDT")] == ["BTCUSDT"]
    assert len(oms.open_orders("ETHUSDT")) == 300 and len(oms.open_orders()) == 301
    with pytest.raises(PositionLimitExceeded):
        checks.check(request("BTCUSDT", "0.60001", "100.00"))

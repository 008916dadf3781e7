"""The risk engine without a venue: every limit refuses one step past it and lets the order one step inside pass, with
a message that names the limit and the value. The account is the engine's real ``LiveAccount`` over plain data; the
clock is simulated (the throttle's windows and the trading day are exact)."""
from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest

from terminal.bus import Bus
from terminal.clock import SimClock
from terminal.model import (Balance, Fill, Instrument, Liquidity, Order, OrderRequest, OrderStatus, OrderType,
                            OrderUpdated, Side, TimeInForce)
from terminal.risk.account import LiveAccount
from terminal.risk.checks import RiskChecks
from terminal.risk.errors import (CancelRateExceeded, DailyLossLimitHit, DrawdownLimitHit, ExposureLimitExceeded,
                                  NoReferencePrice, NotionalLimitExceeded, OrderRateExceeded, PositionLimitExceeded,
                                  PriceBandExceeded, QuantityLimitExceeded, SpreadTooWide, StrategyLimitHit)
from terminal.risk.events import RiskHalted, RiskLimitsChanged, RiskResumed, StrategyLimitReached
from terminal.risk.limits import (LossLimits, PriceBand, RiskLimits, StrategyLimits, SymbolLimits, Throttle)
from terminal.storage.audit import AuditLog

D = Decimal
BTC = Instrument("BTCUSDT", "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"), min_qty=D("0.00001"),
                 min_notional=D("5"))
ETH = Instrument("ETHUSDT", "ETH", "USDT", tick_size=D("0.01"), step_size=D("0.0001"), min_qty=D("0.0001"),
                 min_notional=D("5"))
T0 = 1_780_000_000_000 - 1_780_000_000_000 % 86_400_000 + 3_600_000  # 01:00 UTC on some day


class Desk:
    """Balances, quotes and working orders the engine reads, a bus it publishes on, a simulated clock."""

    def __init__(self, limits: RiskLimits, usdt: str = "100000", btc: str = "0") -> None:
        self.balances = {"USDT": Balance("USDT", D(usdt), D(0)), "BTC": Balance("BTC", D(btc), D(0))}
        self.quotes = {"BTCUSDT": (D("80000.00"), D("80000.02")), "ETHUSDT": (D("3000.00"), D("3000.01"))}
        self.orders: list[Order] = []
        self.clock = SimClock(T0)
        self.bus = Bus()
        self.events: list[object] = []
        self.bus.subscribe(None, self.events.append)
        self.audit = AuditLog(None, "test", now_ms=self.clock.now_ms)
        self.checks = RiskChecks({"BTCUSDT": BTC, "ETHUSDT": ETH}, lambda: self.balances, self.touch, limits)
        self.engine = self.checks.attach(self.bus, quote=self.quotes.get, last=lambda s: None,
                                         open_orders=lambda: self.orders, now_ms=self.clock.now_ms, audit=self.audit)

    def touch(self, symbol: str, side: Side) -> Decimal | None:
        q = self.quotes.get(symbol)
        return None if q is None else (q[1] if side is Side.BUY else q[0])

    def hold(self, asset: str, amount: str) -> None:
        self.balances[asset] = Balance(asset, D(amount), D(0))

    def check(self, request: OrderRequest) -> None:
        self.checks.check(request)


def limit(side: Side, qty: str, price: str, symbol: str = "BTCUSDT", origin: str = "",
          order_type: OrderType = OrderType.LIMIT, stop: str | None = None) -> OrderRequest:
    return OrderRequest(symbol, side, order_type, quantity=D(qty), price=D(price),
                        stop_price=D(stop) if stop else None, time_in_force=TimeInForce.GTC, origin=origin)


def market(side: Side, qty: str, symbol: str = "BTCUSDT", origin: str = "") -> OrderRequest:
    return OrderRequest(symbol, side, OrderType.MARKET, quantity=D(qty), origin=origin)


# ---- order size ---------------------------------------------------------------------------------------------------
def test_max_order_quantity_passes_at_the_limit_and_refuses_one_lot_step_more():
    desk = Desk(RiskLimits(symbols={"BTCUSDT": SymbolLimits(max_order_qty=D("0.5"))}))
    desk.check(limit(Side.BUY, "0.5", "79000.00"))
    with pytest.raises(QuantityLimitExceeded) as err:
        desk.check(limit(Side.BUY, "0.50001", "79000.00"))
    assert str(err.value) == ("order quantity 0.50001 BTC is above your limit of 0.5 BTC (max order quantity, "
                              "BTCUSDT)")
    assert (err.value.limit, err.value.value, err.value.threshold) == ("max_order_qty", D("0.50001"), D("0.5"))
    desk.check(limit(Side.BUY, "5", "3000.00", symbol="ETHUSDT"))  # another symbol: no limit


def test_max_order_value_default_and_per_symbol_override():
    desk = Desk(RiskLimits(max_order_notional=D("1000"), symbols={"ETHUSDT": SymbolLimits(max_order_notional=D("30"))}))
    desk.check(limit(Side.BUY, "0.0125", "80000.00"))  # exactly 1,000.00
    with pytest.raises(NotionalLimitExceeded, match=r"^order value 1,000.08 USDT is above your limit of 1000 USDT "
                                                    r"\(max order value, BTCUSDT\)$"):
        desk.check(limit(Side.BUY, "0.0125", "80006.40"))  # one tick of price more... still on the tick
    with pytest.raises(NotionalLimitExceeded, match="order value 1,000.80 USDT"):
        desk.check(limit(Side.BUY, "0.01251", "80000.00"))  # one lot step more
    desk.check(limit(Side.BUY, "0.01", "3000.00", symbol="ETHUSDT"))  # 30.00
    with pytest.raises(NotionalLimitExceeded, match="above your limit of 30 USDT"):
        desk.check(limit(Side.BUY, "0.0101", "3000.00", symbol="ETHUSDT"))


def test_market_order_value_at_the_ask_and_without_any_price_refused():
    desk = Desk(RiskLimits(max_order_notional=D("800.0002")))
    desk.check(market(Side.BUY, "0.01"))  # 0.01 x 80,000.02 = 800.0002
    with pytest.raises(NotionalLimitExceeded):
        desk.check(market(Side.BUY, "0.01001"))
    desk.quotes.clear()
    with pytest.raises(NoReferencePrice, match="no market price for BTCUSDT yet"):
        desk.check(market(Side.BUY, "0.001"))


# ---- price band and spread ----------------------------------------------------------------------------------------
def test_price_band_in_percent_against_the_ask_and_the_bid():
    desk = Desk(RiskLimits(band=PriceBand(max_pct=D("5"))), btc="1")
    desk.check(limit(Side.BUY, "0.001", "84000.02"))  # 80,000.02 x 1.05 = 84,000.021: the last tick inside
    with pytest.raises(PriceBandExceeded) as err:
        desk.check(limit(Side.BUY, "0.001", "84000.03"))
    assert str(err.value) == ("price 84,000.03 USDT is 5.00001% above the ask 80,000.02 USDT; the band is 5%")
    assert err.value.limit == "band.max_pct"
    desk.check(limit(Side.SELL, "0.001", "76000.00"))  # bid 80,000.00 - 5%
    with pytest.raises(PriceBandExceeded, match=r"price 75,999.99 USDT is 5.00001% below the bid 80,000.00 USDT"):
        desk.check(limit(Side.SELL, "0.001", "75999.99"))


def test_the_fat_finger_of_the_issue_is_refused_in_words():
    desk = Desk(RiskLimits(band=PriceBand(max_pct=D("5"))))
    desk.quotes["BTCUSDT"] = (D("79699.99"), D("79700.00"))
    with pytest.raises(PriceBandExceeded, match=r"^price 91,000.00 USDT is 14.2% above the ask 79,700.00 USDT; the "
                                                r"band is 5%$"):
        desk.check(limit(Side.BUY, "0.001", "91000.00"))


def test_price_band_in_ticks_and_a_stop_limit_measured_from_its_stop():
    desk = Desk(RiskLimits(band=PriceBand(max_ticks=100)))
    desk.check(limit(Side.BUY, "0.001", "80001.02"))  # 100 ticks above the ask
    with pytest.raises(PriceBandExceeded, match=r"is 101 ticks above the ask 80,000.02 USDT; the band is 100 ticks"):
        desk.check(limit(Side.BUY, "0.001", "80001.03"))
    # a protective stop far below the market is fine: its limit is measured from where the market will be
    desk.hold("BTC", "1")
    desk.check(limit(Side.SELL, "0.001", "70000.00", order_type=OrderType.STOP_LOSS_LIMIT, stop="70001.00"))
    with pytest.raises(PriceBandExceeded, match="101 ticks below the stop 70,001.00 USDT"):
        desk.check(limit(Side.SELL, "0.001", "69999.99", order_type=OrderType.STOP_LOSS_LIMIT, stop="70001.00"))


def test_market_orders_only_while_the_spread_is_narrow_enough():
    desk = Desk(RiskLimits(band=PriceBand(max_spread_pct=D("0.1"))))
    desk.quotes["BTCUSDT"] = (D("79960.00"), D("80040.00"))  # 80 / 80,000 = 0.1%
    desk.check(market(Side.BUY, "0.001"))
    desk.quotes["BTCUSDT"] = (D("79959.99"), D("80040.00"))
    with pytest.raises(SpreadTooWide, match=r"^the spread is 0.10001% \(bid 79,959.99, ask 80,040.00 USDT\), wider "
                                            r"than the 0.1% allowed for market orders$"):
        desk.check(market(Side.BUY, "0.001"))
    desk.check(limit(Side.BUY, "0.001", "79000.00"))  # a limit order does not cross the spread blindly
    desk.hold("BTC", "0.5")  # a market SELL that only closes (a stop-loss firing) goes out however wide the spread
    desk.check(market(Side.SELL, "0.5"))
    with pytest.raises(SpreadTooWide):
        desk.check(market(Side.SELL, "0.6"))  # past the position: it opens a short, the limit holds
    desk.quotes.pop("BTCUSDT")
    with pytest.raises(NoReferencePrice, match="the spread limit cannot be checked"):
        desk.check(market(Side.BUY, "0.001"))


# ---- position and exposure ----------------------------------------------------------------------------------------
def working(side: Side, qty: str, price: str, symbol: str = "BTCUSDT", cid: str = "w1", origin: str = "") -> Order:
    return Order(symbol, side, OrderType.LIMIT, cid, D(qty), D(price), status=OrderStatus.NEW, origin=origin)


def test_max_position_counts_the_working_orders_on_the_same_side():
    desk = Desk(RiskLimits(symbols={"BTCUSDT": SymbolLimits(max_position_qty=D("1"))}), btc="0.5")
    desk.orders.append(working(Side.BUY, "0.2", "79000.00"))
    desk.check(limit(Side.BUY, "0.3", "79000.00"))  # 0.5 held + 0.2 working + 0.3 = 1
    with pytest.raises(PositionLimitExceeded) as err:
        desk.check(limit(Side.BUY, "0.30001", "79000.00"))
    assert str(err.value) == ("the position could reach 1.00001 BTC (held 0.5 BTC, working BUY orders 0.2 BTC), above "
                              "your limit of 1 BTC (max position, BTCUSDT)")
    desk.hold("BTC", "1.5")  # already past it (a deposit): reducing is always allowed, adding is not
    desk.check(limit(Side.SELL, "0.4", "81000.00"))
    with pytest.raises(PositionLimitExceeded):
        desk.check(limit(Side.BUY, "0.0001", "79000.00"))


def test_max_position_value_at_the_order_price():
    desk = Desk(RiskLimits(symbols={"BTCUSDT": SymbolLimits(max_position_notional=D("8000"))}), btc="0.05")
    desk.check(limit(Side.BUY, "0.05", "80000.00"))  # 0.1 BTC x 80,000 = 8,000
    with pytest.raises(PositionLimitExceeded, match=r"could reach 8,000.80 USDT \(0.10001 BTC; held 0.05 BTC"):
        desk.check(limit(Side.BUY, "0.05001", "80000.00"))


def test_gross_exposure_of_the_account_in_the_reference_currency():
    desk = Desk(RiskLimits(max_gross_exposure=D("10000")), btc="0.1")  # 0.1 x mid 80,000.01 = 8,000.001
    desk.orders.append(working(Side.BUY, "0.5", "3000.00", symbol="ETHUSDT"))  # + 0.5 x ask 3,000.01 if it fills
    desk.check(limit(Side.BUY, "0.00624", "80000.00"))  # + 499.20 = 9,999.206
    with pytest.raises(ExposureLimitExceeded) as err:
        desk.check(limit(Side.BUY, "0.00626", "80000.00"))  # + 500.80 = 10,000.806
    assert str(err.value) == ("the account's gross exposure could reach 10,000.81 USDT (now 8,000.00 USDT), above "
                              "your limit of 10000 USDT (max gross exposure)")
    desk.check(limit(Side.SELL, "0.1", "80000.00"))  # closing: always


# ---- throttle ------------------------------------------------------------------------------------------------------
def test_orders_per_second_and_per_minute_on_a_sliding_window():
    desk = Desk(RiskLimits(throttle=Throttle(orders_per_second=3, orders_per_minute=5)))
    for _ in range(3):
        desk.check(limit(Side.BUY, "0.001", "79000.00"))
    with pytest.raises(OrderRateExceeded, match=r"^3 orders in the last second: your limit is 3 per second \(next one "
                                                r"in 1.0 s\)$"):
        desk.check(limit(Side.BUY, "0.001", "79000.00"))
    desk.clock.advance(999)
    with pytest.raises(OrderRateExceeded):
        desk.check(limit(Side.BUY, "0.001", "79000.00"))
    desk.clock.advance(1)
    desk.check(limit(Side.BUY, "0.001", "79000.00"))
    desk.check(limit(Side.BUY, "0.001", "79000.00"))
    desk.clock.advance(1000)
    with pytest.raises(OrderRateExceeded, match="5 orders in the last minute: your limit is 5 per minute"):
        desk.check(limit(Side.BUY, "0.001", "79000.00"))
    desk.clock.advance(58_000)  # the first three leave the minute
    desk.check(limit(Side.BUY, "0.001", "79000.00"))


def test_refused_orders_are_not_counted_by_the_throttle():
    desk = Desk(RiskLimits(max_order_notional=D("100"), throttle=Throttle(orders_per_second=1)))
    for _ in range(3):
        with pytest.raises(NotionalLimitExceeded):
            desk.check(limit(Side.BUY, "0.01", "79000.00"))
    desk.check(limit(Side.BUY, "0.001", "79000.00"))


def test_cancels_per_minute():
    desk = Desk(RiskLimits(throttle=Throttle(cancels_per_minute=2)))
    desk.checks.check_cancel()
    desk.checks.check_cancel()
    with pytest.raises(CancelRateExceeded, match=r"2 cancels in the last minute: your limit is 2 per minute"):
        desk.checks.check_cancel()
    desk.clock.advance(60_000)
    desk.checks.check_cancel()


# ---- the day's loss and drawdown ----------------------------------------------------------------------------------
def test_a_withdrawal_is_not_a_loss_and_a_deposit_is_not_a_gain():
    from terminal.model.events import BalanceChanged
    desk = Desk(RiskLimits(loss=LossLimits(max_daily_loss=D("500"))), usdt="10000", btc="0.1")
    desk.engine.refresh()
    opened = desk.engine.status().day_open
    desk.balances["USDT"] = Balance("USDT", D("9000"), D(0))  # 1,000 USDT withdrawn
    desk.bus.publish(BalanceChanged("USDT", D("-1000")))
    desk.engine.refresh()
    assert desk.engine.status().day_open == opened - 1000 and desk.engine.status().daily_loss == 0
    desk.check(limit(Side.BUY, "0.001", "74000.00"))  # no halt: nothing was lost
    desk.balances["USDT"] = Balance("USDT", D("12000"), D(0))  # 3,000 deposited
    desk.bus.publish(BalanceChanged("USDT", D("3000")))
    desk.engine.refresh()
    assert desk.engine.status().daily_loss == 0 and desk.engine.status().day_open == opened + 2000


def test_daily_loss_halts_opening_orders_lets_closing_ones_through_until_the_next_day(tmp_path):
    desk = Desk(RiskLimits(loss=LossLimits(max_daily_loss=D("500"), flatten=True)), usdt="10000", btc="0.1")
    desk.engine.state_path = tmp_path / "risk.json"
    desk.engine.refresh()  # the day opens at 10,000 + 0.1 x 80,000.01
    assert desk.engine.status().day_open == D("18000.001")
    desk.quotes["BTCUSDT"] = (D("75000.01"), D("75000.03"))  # -499.999 on the BTC held: one step inside
    desk.check(limit(Side.BUY, "0.001", "74000.00"))
    assert desk.engine.status().summary() == "risk: 100% of daily loss used"
    desk.quotes["BTCUSDT"] = (D("75000.00"), D("75000.02"))  # -500.000: the limit is reached
    with pytest.raises(DailyLossLimitHit) as err:
        desk.check(limit(Side.BUY, "0.001", "74000.00"))
    assert str(err.value).startswith("trading is halted: the day's loss 500.00 USDT reached your limit of 500 USDT "
                                     "(equity 17,500.00 from 18,000.00 at the day's start); opening orders are "
                                     "refused until ")
    assert err.value.limit == "loss.max_daily_loss" and str(err.value).endswith("(closing orders still pass)")
    desk.check(limit(Side.SELL, "0.1", "75000.00"))  # closing the whole position passes
    with pytest.raises(DailyLossLimitHit):
        desk.check(limit(Side.SELL, "0.10001", "75000.00"))  # beyond it would open a short
    halted = [e for e in desk.events if isinstance(e, RiskHalted)]
    assert len(halted) == 1 and halted[0].flatten and desk.engine.flatten_requested
    assert [(r.action, r.actor) for r in desk.audit.records()] == [
        ("order.sent", "user"), ("risk.halt", "risk"), ("order.refused", "user"), ("order.sent", "user"),
        ("order.refused", "user")]
    refused = list(desk.audit.records())[2].details
    assert refused["error"] == "DailyLossLimitHit" and refused["reason"].startswith("trading is halted")
    assert (refused["side"], refused["quantity"], refused["price"]) == ("BUY", "0.001", "74000.00")
    assert desk.engine.status().summary().startswith("risk: HALTED (the day's loss 500.00 USDT")

    # a restart keeps the day's open and the halt
    again = Desk(RiskLimits(loss=LossLimits(max_daily_loss=D("500"))), usdt="10000", btc="0.1")
    again.clock.set(desk.clock.now_ms())
    again.engine.state_path = tmp_path / "risk.json"
    again.engine._restore()
    with pytest.raises(DailyLossLimitHit):
        again.check(limit(Side.BUY, "0.001", "74000.00"))
    assert json.loads((tmp_path / "risk.json").read_text())["open"] == "18000.001"

    desk.clock.set(T0 - 3_600_000 + 86_400_000)  # 00:00 UTC the next day: a new day, a new open
    desk.check(limit(Side.BUY, "0.001", "74000.00"))
    assert any(isinstance(e, RiskResumed) for e in desk.events) and not desk.engine.flatten_requested
    assert desk.engine.status().day_open == D("17500.001")


def test_drawdown_from_the_days_peak_equity():
    desk = Desk(RiskLimits(loss=LossLimits(max_drawdown=D("300"))), usdt="1000", btc="0.1")  # 9,000.001 at the open
    desk.engine.refresh()
    desk.quotes["BTCUSDT"] = (D("90000.00"), D("90000.02"))  # peak 10,000.001 (+1,000 on the day)
    desk.engine.refresh()
    desk.quotes["BTCUSDT"] = (D("87000.01"), D("87000.03"))  # 299.999 below the peak
    desk.check(limit(Side.BUY, "0.001", "87000.00"))
    desk.quotes["BTCUSDT"] = (D("87000.00"), D("87000.02"))  # 300.000 below: halted though the day is still up
    with pytest.raises(DrawdownLimitHit, match=r"the drawdown 300.00 USDT from the day's peak equity 10,000.00 USDT "
                                               r"reached your limit of 300 USDT"):
        desk.check(limit(Side.BUY, "0.001", "87000.00"))
    desk.quotes["BTCUSDT"] = (D("95000.00"), D("95000.02"))  # the market recovers: the halt holds for the day
    with pytest.raises(DrawdownLimitHit):
        desk.check(limit(Side.BUY, "0.001", "95000.00"))
    desk.engine.resume("tester")  # the user lifts it: the drawdown is measured from the peak of the day again
    desk.check(limit(Side.BUY, "0.001", "95000.00"))
    assert [r.action for r in desk.audit.records() if r.action.startswith("risk.")] == ["risk.halt", "risk.resume"]


def test_equity_unknown_while_an_asset_has_no_price_is_never_a_loss():
    desk = Desk(RiskLimits(loss=LossLimits(max_daily_loss=D("1"))), usdt="1000", btc="1")
    desk.quotes.pop("BTCUSDT")
    desk.engine.refresh()
    assert desk.engine.status().equity is None and desk.engine.status().summary() == "risk: equity unknown"
    desk.check(limit(Side.BUY, "0.002", "3000.00", symbol="ETHUSDT"))


# ---- strategies ----------------------------------------------------------------------------------------------------
def filled(desk: Desk, request: OrderRequest, price: str, trade_id: int) -> None:
    """The venue's reports of a fill of the whole order, as the order manager publishes them."""
    q, p = request.quantity, D(price)
    assert q is not None
    desk.bus.publish(Fill(request.symbol, request.client_order_id, None, trade_id, request.side, p, q, q * p, D(0),
                          "USDT", Liquidity.TAKER))
    desk.bus.publish(OrderUpdated(Order.from_request(request).with_status(OrderStatus.FILLED, filled_qty=q,
                                                                          filled_quote=q * p)))


def test_a_strategy_past_its_loss_is_stopped_alone_and_may_still_close():
    desk = Desk(RiskLimits(strategy=StrategyLimits(max_loss=D("100"))), btc="1")
    a, b = limit(Side.BUY, "0.1", "80000.00", origin="Alpha"), limit(Side.BUY, "0.1", "80000.00", origin="Beta")
    desk.check(a)
    desk.check(b)
    filled(desk, a, "80000.00", 1)
    filled(desk, b, "80000.00", 2)
    desk.quotes["BTCUSDT"] = (D("79000.00"), D("79000.02"))  # mid 79,000.01: each lost 99.999
    desk.engine.refresh()
    assert not [e for e in desk.events if isinstance(e, StrategyLimitReached)]
    sell = limit(Side.SELL, "0.05", "78000.00", origin="Alpha")
    desk.check(sell)
    filled(desk, sell, "78000.00", 3)  # -100 realised, -50 unrealised
    reached = [e for e in desk.events if isinstance(e, StrategyLimitReached)]
    assert [(e.strategy, e.limit) for e in reached] == [("Alpha", "max_loss")]
    assert reached[0].message == ("strategy Alpha lost 150.00 USDT, reaching its limit of 100 USDT: the strategy is "
                                  "stopped")
    with pytest.raises(StrategyLimitHit) as err:
        desk.check(limit(Side.BUY, "0.01", "79000.00", origin="Alpha"))
    assert err.value.strategy == "Alpha" and err.value.limit == "max_loss"
    desk.check(limit(Side.SELL, "0.05", "79000.00", origin="Alpha"))  # closing what it holds still passes
    desk.check(limit(Side.BUY, "0.01", "79000.00", origin="Beta"))  # the other one goes on
    desk.check(limit(Side.BUY, "0.01", "79000.00"))  # and so do manual orders
    assert [e.strategy for e in desk.events if isinstance(e, StrategyLimitReached)] == ["Alpha"]  # told once


def test_strategy_capital_and_orders_per_minute():
    desk = Desk(RiskLimits(strategies={"Alpha": StrategyLimits(capital=D("4000"), orders_per_minute=2)}))
    first = limit(Side.BUY, "0.025", "80000.00", origin="Alpha")
    desk.check(first)  # 2,000 at work (valued at the mid 80,000.01: 2,000.00025)
    desk.orders.append(Order.from_request(first).with_status(OrderStatus.NEW))  # working, as the OMS lists it
    with pytest.raises(StrategyLimitHit, match=r"^strategy Alpha would have 4,000.00 USDT at work, above its capital "
                                               r"of 4000 USDT: the strategy is stopped$"):
        desk.check(limit(Side.BUY, "0.025", "80000.00", origin="Alpha"))
    desk.check(limit(Side.BUY, "0.0249", "80000.00", origin="Alpha"))
    with pytest.raises(StrategyLimitHit, match="strategy Alpha sent 2 orders in the last minute, its limit is 2 per "
                                               "minute"):
        desk.check(limit(Side.SELL, "0.001", "81000.00", origin="Alpha"))
    desk.check(limit(Side.BUY, "1", "80000.00", origin="Beta"))  # no limits for Beta


# ---- configuration ------------------------------------------------------------------------------------------------
def test_limit_changes_are_logged_audited_and_published(caplog):
    desk = Desk(RiskLimits(max_order_notional=D("1000")))
    caplog.set_level(logging.INFO, logger="terminal.risk.engine")
    new = RiskLimits(max_order_notional=D("500"), band=PriceBand(max_pct=D("5")))
    assert desk.engine.set_limits(new, actor="user") == [("band.max_pct", None, "5"),
                                                         ("max_order_notional", "1000", "500")]
    assert "risk limit max_order_notional: 1000 -> 500 (by user)" in caplog.text
    assert "risk limit band.max_pct: none -> 5 (by user)" in caplog.text
    rec = list(desk.audit.records())[-1]
    assert (rec.action, rec.actor, rec.details) == ("risk.limits", "user", {"changes": [["band.max_pct", None, "5"], [
        "max_order_notional", "1000", "500"]]})
    assert [e.changes for e in desk.events if isinstance(e, RiskLimitsChanged)] == [(
        ("band.max_pct", None, "5"), ("max_order_notional", "1000", "500"))]
    with pytest.raises(NotionalLimitExceeded, match="limit of 500 USDT"):
        desk.check(limit(Side.BUY, "0.01", "80000.00"))
    assert desk.engine.set_limits(new) == []  # no change, nothing logged


def test_live_account_values_spot_holdings_through_an_intermediate_asset():
    bal = {"USDT": Balance("USDT", D("100"), D("0")), "ETH": Balance("ETH", D("1"), D("1")),
           "BTC": Balance("BTC", D("0.5"), D(0))}
    ethbtc = Instrument("ETHBTC", "ETH", "BTC", tick_size=D("0.00001"))
    acc = LiveAccount({"BTCUSDT": BTC, "ETHBTC": ethbtc}, lambda: bal,
                      {"BTCUSDT": (D("80000"), D("80000")), "ETHBTC": (D("0.05"), D("0.05"))}.get, lambda s: None)
    assert acc.position("ETHBTC") == D("2") and acc.position("BTCUSDT") == D("0.5")
    assert acc.equity() == D("100") + D("2") * D("0.05") * D("80000") + D("0.5") * D("80000")
    assert acc.gross_exposure() == D("48000")

"""Every limit through the library against the real sandbox exchange: the order one step inside the limit reaches the
venue, the order one step outside is refused with the limit's typed error and nothing reaches the venue (asked at
the exchange by client order id, and absent from the journal). The daily loss halt, from real fills: opening orders
refused, closing orders sent."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Union

import pytest

import terminal
from terminal.model import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from terminal.risk.errors import (CancelRateExceeded, DailyLossLimitHit, ExposureLimitExceeded, LimitExceeded, NotionalLimitExceeded,
                                  OrderRateExceeded, PositionLimitExceeded, PriceBandExceeded, QuantityLimitExceeded,
                                  SpreadTooWide)
from terminal.risk.events import RiskHalted
from terminal.risk.limits import LossLimits, PriceBand, RiskLimits, SymbolLimits, Throttle
from terminal.storage.audit import AuditLog

from session_helpers import wait_for_event
from .sandbox_setup import SYMBOL, TICK, at_venue, ceil_tick, floor_tick, open_session, sandbox_account, touch

D = Decimal


def buy(qty: str | Decimal, price: Decimal | None = None) -> OrderRequest:
    if price is None:
        return OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, quantity=D(qty))
    return OrderRequest(SYMBOL, Side.BUY, OrderType.LIMIT, quantity=D(qty), price=price, time_in_force=TimeInForce.GTC)


@dataclass(frozen=True)
class Market:
    bid: Decimal
    ask: Decimal

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2

    @property
    def low(self) -> Decimal:
        """A buy price 10% under the bid: the order rests."""
        return floor_tick(self.bid * D("0.9"))


Step = Union[tuple[OrderRequest, Union[type, None]], int]  # an order and the error expected (None: it passes), or
# a number of ms the engine's clock moves on


@dataclass(frozen=True)
class Case:
    name: str
    limits: Callable[[Market], RiskLimits]
    steps: Callable[[Market], list[Step]]


def _sym(**kw: Any) -> RiskLimits:
    return RiskLimits(symbols={SYMBOL: SymbolLimits(**kw)})


def _spread_pct(m: Market, less_ticks: int = 0) -> Decimal:
    return (m.ask - m.bid - less_ticks * TICK) / m.mid * 100


CASES = [
    Case("max order quantity", lambda m: _sym(max_order_qty=D("0.01")),
         lambda m: [(buy("0.01001", m.low), QuantityLimitExceeded), (buy("0.01", m.low), None)]),
    Case("max order value", lambda m: _sym(max_order_notional=m.low * D("0.01")),
         lambda m: [(buy("0.01001", m.low), NotionalLimitExceeded), (buy("0.01", m.low), None)]),
    Case("max position quantity (1 BTC held)", lambda m: _sym(max_position_qty=D("1.01")),
         lambda m: [(buy("0.01001", m.low), PositionLimitExceeded), (buy("0.01", m.low), None),
                    (buy("0.0001", m.low), PositionLimitExceeded)]),  # the working order counts
    Case("max position value", lambda m: _sym(max_position_notional=m.low * D("1.01")),
         lambda m: [(buy("0.01001", m.low), PositionLimitExceeded), (buy("0.01", m.low), None)]),
    Case("max gross exposure", lambda m: RiskLimits(max_gross_exposure=m.mid + m.low * D("0.01")),
         lambda m: [(buy("0.01001", m.low), ExposureLimitExceeded), (buy("0.01", m.low), None)]),
    Case("price band in %", lambda m: RiskLimits(band=PriceBand(max_pct=D("5"))),
         lambda m: [(buy("0.001", ceil_tick(m.ask * D("0.95")) - TICK), PriceBandExceeded),
                    (buy("0.001", m.ask * 14), PriceBandExceeded),  # the issue's fat finger, far above the market
                    (buy("0.001", ceil_tick(m.ask * D("0.95"))), None)]),
    Case("price band in ticks", lambda m: RiskLimits(band=PriceBand(max_ticks=100)),
         lambda m: [(buy("0.001", m.ask - 101 * TICK), PriceBandExceeded), (buy("0.001", m.ask - 100 * TICK), None)]),
    Case("spread of a market order", lambda m: RiskLimits(band=PriceBand(max_spread_pct=_spread_pct(m, 1))),
         lambda m: [(buy("0.0001"), SpreadTooWide)]),
    Case("spread of a market order, at the limit", lambda m: RiskLimits(band=PriceBand(max_spread_pct=_spread_pct(m))),
         lambda m: [(buy("0.0001"), None)]),
    Case("orders per second", lambda m: RiskLimits(throttle=Throttle(orders_per_second=2)),
         lambda m: [(buy("0.001", m.low), None), (buy("0.001", m.low), None), (buy("0.001", m.low), OrderRateExceeded),
                    999, (buy("0.001", m.low), OrderRateExceeded), 1, (buy("0.001", m.low), None)]),
    Case("orders per minute", lambda m: RiskLimits(throttle=Throttle(orders_per_minute=3)),
         lambda m: [(buy("0.001", m.low), None), 20_000, (buy("0.001", m.low), None), 20_000,
                    (buy("0.001", m.low), None), 19_999, (buy("0.001", m.low), OrderRateExceeded), 1,
                    (buy("0.001", m.low), None)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_each_limit_one_step_inside_reaches_the_venue_one_step_outside_is_refused_before_sending(sandbox, case):
    session, clock = await open_session(sandbox, RiskLimits())
    try:
        m = Market(*touch(session))
        session.risk.engine.set_limits(case.limits(m), actor="test")
        for step in case.steps(m):
            if isinstance(step, int):
                clock.advance(step)
                continue
            request, error = step
            if error is None:
                order = await session.place_order(request)
                assert order.status in (OrderStatus.NEW, OrderStatus.FILLED), order
                assert await at_venue(session, request.client_order_id)
            else:
                with pytest.raises(error) as refused:
                    await session.place_order(request)
                assert isinstance(refused.value, LimitExceeded) and refused.value.limit
                assert not await at_venue(session, request.client_order_id)
                assert session.journal.order(request.client_order_id) is None
    finally:
        await session.close()


async def test_the_fat_finger_message_names_the_band_and_the_distance(sandbox):
    session, _ = await open_session(sandbox, RiskLimits(band=PriceBand(max_pct=D("5"))))
    try:
        bid, ask = touch(session)
        request = buy("0.001", ask * 14)
        with pytest.raises(PriceBandExceeded) as refused:
            await session.buy(SYMBOL, "0.001", price=ask * 14, client_order_id=request.client_order_id)
        distance = ((ask * 14 - ask) / ask * 100).quantize(D("0.1"))
        assert str(refused.value) == (f"price {ask * 14:,.2f} USDT is {distance}% above the ask {ask:,.2f} USDT; the "
                                      "band is 5%")
        assert not await at_venue(session, request.client_order_id)
    finally:
        await session.close()


async def test_the_daily_loss_halt_blocks_opening_orders_and_lets_closing_orders_through(sandbox):
    limits = RiskLimits(loss=LossLimits(max_daily_loss=D("0.5")))
    session, _ = await open_session(sandbox, limits, balances={"USDT": "10000"})
    engine = session.risk.engine
    halts: list[RiskHalted] = []
    session.bus.subscribe(RiskHalted, halts.append)
    try:
        engine.refresh()
        assert engine.status().day_open == D("10000")  # all in USDT: the day opens at exactly that
        bought = await session.place_order(buy("0.02"))  # opening; its fee (0.1%, ~1.2 USDT) is a loss
        assert bought.status is OrderStatus.FILLED
        await wait_for_event(session.bus, None, lambda: bool(halts))  # at the balance update that shows the loss
        held = session.balances()["BTC"].free  # 0.02 less the fee taken in BTC
        status = engine.status()
        assert status.halted.startswith("the day's loss ") and status.daily_loss >= D("0.5")
        assert status.summary().startswith("risk: HALTED (the day's loss")

        opening = buy("0.001", floor_tick(touch(session)[0] * D("0.9")))
        with pytest.raises(DailyLossLimitHit, match="opening orders are refused until .* UTC \\(closing orders still "
                                                    "pass\\)"):
            await session.place_order(opening)
        assert not await at_venue(session, opening.client_order_id)

        part = OrderRequest(SYMBOL, Side.SELL, OrderType.MARKET, quantity=D("0.019"))
        assert (await session.place_order(part)).status is OrderStatus.FILLED  # closing: sent
        await wait_for_event(session.bus, None, lambda: session.balances()["BTC"].free == held - D("0.019"))
        rest = OrderRequest(SYMBOL, Side.SELL, OrderType.MARKET, quantity=(held - D("0.019")).quantize(D("0.00001")))
        assert (await session.place_order(rest)).status is OrderStatus.FILLED
        with pytest.raises(DailyLossLimitHit):  # flat now: any sell would open a short
            await session.place_order(OrderRequest(SYMBOL, Side.SELL, OrderType.LIMIT, quantity=D("0.001"),
                                                   price=floor_tick(touch(session)[1] * D("1.1")),
                                                   time_in_force=TimeInForce.GTC))
    finally:
        await session.close()



async def test_cancels_per_minute_through_the_library(sandbox):
    session, clock = await open_session(sandbox, RiskLimits(throttle=Throttle(cancels_per_minute=2)))
    try:
        low = Market(*touch(session)).low
        orders = [await session.place_order(buy("0.001", low)) for _ in range(3)]
        for o in orders[:2]:
            assert (await session.cancel_order(SYMBOL, o.client_order_id)).status is OrderStatus.CANCELED
        with pytest.raises(CancelRateExceeded, match="2 cancels in the last minute: your limit is 2 per minute"):
            await session.cancel_order(SYMBOL, orders[2].client_order_id)
        assert (await session.venue.query_order(SYMBOL, orders[2].client_order_id)).status is OrderStatus.NEW
        clock.advance(60_000)
        assert (await session.cancel_order(SYMBOL, orders[2].client_order_id)).status is OrderStatus.CANCELED
        task = session.kill_switch(True)  # the kill switch's cancels are never throttled
        assert task is not None and await task == []
    finally:
        await session.close()


async def test_a_price_band_fetches_the_quote_it_needs_before_checking(sandbox):
    key, secret = sandbox_account(sandbox)
    session = await terminal.connect("sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret,
                                     risk_limits=RiskLimits(band=PriceBand(max_pct=D("20"))))
    try:
        assert SYMBOL not in session.quotes_cache
        ticker = await session.venue.ticker(SYMBOL)
        order = await session.buy(SYMBOL, "0.001", price=floor_tick(ticker.last * D("0.85")))
        assert order.status is OrderStatus.NEW and SYMBOL in session.quotes_cache
        with pytest.raises(PriceBandExceeded):
            await session.buy(SYMBOL, "0.001", price=floor_tick(ticker.last * D("0.5")))
    finally:
        await session.close()


async def test_the_session_audits_orders_cancels_modifications_and_the_kill_switch(sandbox, tmp_path):
    key, secret = sandbox_account(sandbox)
    session = await terminal.connect("sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret,
                                     data_dir=tmp_path, risk_limits=RiskLimits(max_order_notional=D("1000")))
    try:
        await session.quote(SYMBOL)
        low = Market(*touch(session)).low
        placed = await session.place_order(buy("0.001", low))
        with pytest.raises(NotionalLimitExceeded):
            await session.place_order(buy("0.1", low))
        await session.place_order(OrderRequest(SYMBOL, Side.BUY, OrderType.LIMIT, quantity=D("0.001"), price=low,
                                               time_in_force=TimeInForce.GTC, origin="SmaCross"))
        replaced = await session.replace_order(SYMBOL, placed.client_order_id, price=low - TICK)
        await session.cancel_order(SYMBOL, replaced.client_order_id)
        task = session.kill_switch(True)
        assert task is not None
        await task
        session.kill_switch(False)
    finally:
        await session.close()
    assert session.audit.flush()
    path = tmp_path / "audit-sandbox.jsonl"
    log = AuditLog(path, read_only=True)
    assert log.verify().ok
    recs = [r for r in log.records() if r.action != "keys.checked"]  # the key check on connect comes first
    assert len(recs) == len(list(log.records())) - 1
    got = [(r.action, r.actor, r.details.get("origin", "")) for r in recs]
    assert got == [("order.sent", "user", ""), ("order.refused", "user", ""),
                   ("order.sent", "strategy:SmaCross", "SmaCross"), ("order.modify", "user", ""),
                   ("order.sent", "user", ""),  # the replacement
                   ("order.cancel", "user", ""), ("kill_switch", "user", ""), ("kill_switch", "user", "")]
    assert recs[1].details["error"] == "NotionalLimitExceeded" and "above your limit of 1000 USDT" in \
        recs[1].details["reason"]
    assert recs[3].details["price"] == format(low - TICK, "f") and recs[6].details == {"on": True}
    assert secret not in path.read_text() and key not in path.read_text()

"""The same limits through a strategy under the live runner, against the real sandbox: the order one step inside
reaches the venue, the one outside comes back REJECTED and never reaches it; the strategy goes on. A strategy's own
limit (capital, orders per minute, loss) stops that strategy alone while another keeps running."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from terminal.model import Bar, Interval, OrderRequest, OrderStatus, OrderType, Side
from terminal.risk.errors import LimitExceeded, StrategyLimitHit
from terminal.risk.limits import RiskLimits, StrategyLimits
from terminal.strategy.base import Strategy
from terminal.strategy.runner import RunnerState, StrategyRunner

from session_helpers import wait_for_event
from .sandbox_setup import SYMBOL, at_venue, open_session, touch
from .test_engine_sandbox import CASES, Case, Market, buy

D = Decimal


class Scripted(Strategy):
    """Sends the next planned order on every bar."""

    name = "Scripted"

    def __init__(self) -> None:
        super().__init__()
        self.plan: list[OrderRequest] = []

    def on_bar(self, bar: Any) -> None:
        if self.plan:
            self.ctx.place(self.plan.pop(0))


def named(name: str) -> Scripted:
    return type(name, (Scripted,), {"name": name})()  # type: ignore[no-any-return]


class Desk:
    """A session, its engine's clock, and runners whose placements are recorded (the error each one raised)."""

    def __init__(self, session: Any, clock: Any) -> None:
        self.session, self.clock = session, clock
        self.errors: dict[str, Exception] = {}
        self.runners: list[StrategyRunner] = []
        self.bar_time = 0

    async def runner(self, name: str) -> tuple[StrategyRunner, Scripted]:
        strategy = named(name)

        async def place(request: OrderRequest) -> Any:
            try:
                return await self.session.place_order(request)
            except Exception as exc:
                self.errors[request.client_order_id] = exc
                raise
        runner = StrategyRunner(strategy, self.session.bus, place, symbol=SYMBOL, cash=D(10_000),
                                cancel_order=self.session.cancel_order, budget_s=5.0, audit=self.session.audit)
        await runner.start()
        self.runners.append(runner)
        return runner, strategy

    async def bar(self) -> None:
        """One closed bar for every runner; returns once each has handled it and its order calls have returned."""
        self.bar_time += 60_000
        self.session.bus.publish(Bar(SYMBOL, Interval.M1, self.bar_time, D(1), D(1), D(1), D(1), D(1)))
        for r in self.runners:
            await r.drain()

    async def close(self) -> None:
        for r in self.runners:
            await r.stop()
        await self.session.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_each_limit_through_a_strategy_refuses_one_step_outside_before_sending(sandbox, case: Case):
    session, clock = await open_session(sandbox, RiskLimits())
    desk = Desk(session, clock)
    try:
        m = Market(*touch(session))
        session.risk.engine.set_limits(case.limits(m), actor="test")
        runner, strategy = await desk.runner("Trend")
        for step in case.steps(m):
            if isinstance(step, int):
                clock.advance(step)
                continue
            request, error = step
            strategy.plan.append(request)
            await desk.bar()
            order = runner.ctx.order(request.client_order_id)
            assert order is not None and order.origin == "Trend"
            if error is None:
                assert order.status in (OrderStatus.NEW, OrderStatus.FILLED), order
                assert await at_venue(session, request.client_order_id)
            else:
                assert isinstance(desk.errors[request.client_order_id], error)
                assert order.status is OrderStatus.REJECTED
                assert order.reject_reason == str(desk.errors[request.client_order_id])
                assert not await at_venue(session, request.client_order_id)
            assert runner.state is RunnerState.RUNNING  # an account limit refuses the order, not the strategy
    finally:
        await desk.close()


async def strategy_limit_stops_alpha_alone(sandbox: Any, limits: Any, inside: Any, outside: Any) -> Desk:
    """Alpha sends ``inside`` (passes) then ``outside`` (refused: StrategyLimitHit, Alpha stopped); Beta, on the same
    session, sends an order before and after and keeps running."""
    session, clock = await open_session(sandbox, RiskLimits())
    desk = Desk(session, clock)
    m = Market(*touch(session))
    session.risk.engine.set_limits(limits(m), actor="test")
    alpha, a = await desk.runner("Alpha")
    beta, b = await desk.runner("Beta")
    first, second = inside(m), outside(m)
    a.plan += [first, second, buy("0.001", m.low)]
    b.plan += [buy("0.001", m.low), buy("0.001", m.low), buy("0.001", m.low)]
    await desk.bar()
    await desk.bar()
    assert await at_venue(session, first.client_order_id)
    assert isinstance(desk.errors[second.client_order_id], StrategyLimitHit)
    assert not await at_venue(session, second.client_order_id)
    assert alpha.state is RunnerState.FAILED and alpha.error and "stopped by its risk limit" in alpha.error
    await desk.bar()  # Alpha is stopped: its third order is never sent; Beta's is
    assert len(alpha.ctx.orders) == 2 and len(beta.ctx.orders) == 3
    assert beta.state is RunnerState.RUNNING
    assert all(o.status is OrderStatus.NEW for o in beta.ctx.orders)
    return desk


async def test_strategy_capital_stops_that_strategy_alone(sandbox):
    desk = await strategy_limit_stops_alpha_alone(
        sandbox, lambda m: RiskLimits(strategies={"Alpha": StrategyLimits(capital=m.mid * D("0.01"))}),
        lambda m: buy("0.01", m.low),  # 0.01 BTC at work: exactly the capital
        lambda m: buy("0.0001", m.low))  # the smallest order the venue takes on top
    try:
        assert desk.runners[0].limit_hit == "capital"
        assert "strategy Alpha would have" in str(desk.errors[next(iter(desk.errors))])
    finally:
        await desk.close()


async def test_strategy_orders_per_minute_stops_that_strategy_alone(sandbox):
    desk = await strategy_limit_stops_alpha_alone(
        sandbox, lambda m: RiskLimits(strategies={"Alpha": StrategyLimits(orders_per_minute=1)}),
        lambda m: buy("0.001", m.low), lambda m: buy("0.001", m.low))
    try:
        assert desk.runners[0].limit_hit == "orders_per_minute"
    finally:
        await desk.close()


async def test_a_strategy_losing_past_its_limit_is_stopped_alone_while_another_keeps_running(sandbox):
    session, clock = await open_session(sandbox, RiskLimits(strategies={"Alpha": StrategyLimits(max_loss=D("0.5"))}),
                                        balances={"USDT": "10000"})
    desk = Desk(session, clock)
    try:
        low = Market(*touch(session)).low
        alpha, a = await desk.runner("Alpha")
        beta, b = await desk.runner("Beta")
        a.plan += [OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, quantity=D("0.02")), buy("0.001", low)]
        b.plan += [OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, quantity=D("0.02")), buy("0.001", low)]
        await desk.bar()  # both buy; the fee (0.1%, ~1.2 USDT) is a loss past Alpha's 0.5
        await wait_for_event(session.bus, None, lambda: alpha.state is RunnerState.FAILED)
        assert alpha.limit_hit == "max_loss" and "strategy Alpha lost" in (alpha.error or "")
        assert session.risk.engine.status().stopped_strategies == ("Alpha",)
        await desk.bar()
        assert len(alpha.ctx.orders) == 1  # stopped before its next order
        assert [o.status for o in beta.ctx.orders] == [OrderStatus.FILLED, OrderStatus.NEW]
        assert beta.state is RunnerState.RUNNING
    finally:
        await desk.close()
    trail = [(r.action, r.actor) for r in session.audit.records()
             if not r.action.startswith("order.") and r.action != "keys.checked"]
    assert trail == [("strategy.start", "strategy:Alpha"), ("strategy.start", "strategy:Beta"),
                     ("risk.strategy_stopped", "risk"), ("strategy.failed", "risk"),
                     ("strategy.stop", "strategy:Beta")]
    sent = [r.actor for r in session.audit.records() if r.action == "order.sent"]
    assert sorted(sent) == ["strategy:Alpha", "strategy:Beta", "strategy:Beta"]  # both sent on the same bar


async def test_strategy_loss_limit_one_step_inside_passes_at_the_limit_stops(sandbox):
    session, clock = await open_session(sandbox, RiskLimits(), balances={"USDT": "10000"})
    desk = Desk(session, clock)
    engine = session.risk.engine
    try:
        alpha, a = await desk.runner("Alpha")
        a.plan += [OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, quantity=D("0.02"))]
        await desk.bar()
        await wait_for_event(session.bus, None, lambda: engine.book.position("Alpha", SYMBOL) > 0)
        loss = -engine.book.pnl("Alpha", engine._price, engine._to_ref)  # the quote is cached: it stays put
        assert loss > 0
        engine.set_limits(RiskLimits(strategies={"Alpha": StrategyLimits(max_loss=loss + D("0.00000001"))}))
        low = Market(*touch(session)).low
        inside, outside = buy("0.001", low), buy("0.001", low)
        a.plan += [inside, outside]
        await desk.bar()
        assert await at_venue(session, inside.client_order_id) and alpha.state is RunnerState.RUNNING
        engine.set_limits(RiskLimits(strategies={"Alpha": StrategyLimits(max_loss=loss)}))
        await desk.bar()
        assert isinstance(desk.errors[outside.client_order_id], StrategyLimitHit)
        assert isinstance(desk.errors[outside.client_order_id], LimitExceeded)
        assert not await at_venue(session, outside.client_order_id)
        assert alpha.state is RunnerState.FAILED and alpha.limit_hit == "max_loss"
    finally:
        await desk.close()

"""The broker's lean path for market orders (backtest.market_rows) gives what its general path gives.

A strategy that listens to order events (on_order / on_trade) has every order go through the general path (SimOrder
records); the same strategy without listening has its market orders kept as rows and filled on the lean path. Both
runs must agree on everything: every field of every order (ids, times, statuses) and fill, the trades, the equity,
the statistics, and what the strategy saw of its open orders bar by bar.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from terminal.backtest.engine import BacktestResult, run_backtest
from terminal.backtest.synthetic import random_walk
from terminal.model import Fill, Order, OrderStatus
from terminal.strategy.base import Strategy
from terminal.strategy.builtin import SmaCross
from tests.backtest.golden_cases import MixedOrders


def _listening(cls: type[Strategy]) -> type[Strategy]:
    class Listening(cls):  # type: ignore[valid-type,misc]
        def on_order(self, order: Order) -> None:
            pass

        def on_trade(self, fill: Fill) -> None:
            pass

    Listening.__name__ = f"Listening{cls.__name__}"
    return Listening


def _coid(coid: str) -> str:
    """The strategy's ids differ by a random prefix per context (the finalize step's close has a random id)."""
    return coid.rsplit("-", 1)[-1] if coid.startswith("st-") else "random"


def _order_fields(o: Order) -> tuple:
    return (o.symbol, o.side, o.type, _coid(o.client_order_id), o.quantity, o.price, o.stop_price,
            o.quote_quantity, o.time_in_force, o.status, o.venue_order_id, o.filled_qty, o.filled_quote, o.ts_created,
            o.ts_updated, o.reject_reason)


def _fill_fields(f: Fill) -> tuple:
    return (f.symbol, _coid(f.client_order_id), f.venue_order_id, f.trade_id, f.side, f.price, f.qty,
            f.quote_qty, f.commission, f.commission_asset, f.liquidity, f.ts_event)


def _lean_rows(res: BacktestResult) -> int:
    """Fills made on the lean path (their rows carry the time the order was placed), before anything is frozen."""
    return sum(1 for f in res._fills if type(f) is tuple and len(f) == 12)


def _assert_same(quiet: BacktestResult, loud: BacktestResult) -> None:
    assert [_order_fields(o) for o in quiet.orders] == [_order_fields(o) for o in loud.orders]
    assert [_fill_fields(f) for f in quiet.fills] == [_fill_fields(f) for f in loud.fills]
    # str(): the same Decimal digits and exponent, not only the same value
    assert [(str(f.price), str(f.qty), str(f.quote_qty), str(f.commission)) for f in quiet.fills] == \
        [(str(f.price), str(f.qty), str(f.quote_qty), str(f.commission)) for f in loud.fills]
    assert quiet.trades.equals(loud.trades)
    np.testing.assert_array_equal(quiet.equity.to_numpy(), loud.equity.to_numpy())
    assert quiet.stats.equals(loud.stats)
    assert quiet.note == loud.note


CONFIGS: dict[str, dict[str, Any]] = {
    "commission": dict(cash=10_000, commission=0.001),
    "fractional_lots": dict(cash=50_000, commission=0.00075, lot_size=0.001),
    "no_commission_open_at_end": dict(cash=1_000_000, finalize_trades=False),
    "slippage": dict(cash=20_000, commission=0.0005, slippage=0.0002),
    "lot_10": dict(cash=100_000, lot_size=10),
    "too_little_cash": dict(cash=150, commission=0.001),
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_mixed_orders_are_the_same_on_the_lean_and_the_general_path(config):
    kw = CONFIGS[config]
    df = random_walk(2500, seed=21)
    lot = float(kw.get("lot_size", 1))
    quiet, loud = MixedOrders(lot=lot), _listening(MixedOrders)(lot=lot)
    a, b = run_backtest(df, quiet, **kw), run_backtest(df, loud, **kw)
    if "slippage" not in kw:  # with slippage every fill takes the general path
        assert _lean_rows(a) > (20 if config == "too_little_cash" else 100) and _lean_rows(b) == 0
    _assert_same(a, b)
    assert [[(_coid(c), *rest) for c, *rest in bar] for bar in quiet.seen] == \
        [[(_coid(c), *rest) for c, *rest in bar] for bar in loud.seen]  # the open orders the strategy saw, bar by bar (ids, statuses, quantities)
    statuses = {(o.type.name, o.status) for o in a.orders}
    if config != "too_little_cash":
        assert {("MARKET", OrderStatus.FILLED), ("MARKET", OrderStatus.CANCELED), ("MARKET", OrderStatus.REJECTED),
                ("LIMIT", OrderStatus.FILLED), ("STOP_LOSS", OrderStatus.FILLED)} <= statuses


@pytest.mark.parametrize("long_short, kw", [
    (True, dict(cash=1_000_000)),
    (True, dict(cash=25_000, commission=0.001, lot_size=0.001)),
    (False, dict(cash=10_000, commission=0.002)),
    (True, dict(cash=10_000, commission=0.001, finalize_trades=False)),
])
def test_stop_and_reverse_is_the_same_on_the_lean_and_the_general_path(long_short, kw):
    df = random_walk(3000, seed=5, drift=0.0, vol=0.002)
    a = run_backtest(df, SmaCross(fast=7, slow=19, long_short=long_short), **kw)
    b = run_backtest(df, _listening(SmaCross)(fast=7, slow=19, long_short=long_short), **kw)
    assert _lean_rows(a) == sum(len(r) == 12 for r in a._orders if type(r) is tuple) > 100
    _assert_same(a, b)


class Watcher(Strategy):
    """Places one all-in market buy and records what ctx.order() says of it on that bar and the next."""

    def on_start(self) -> None:
        self.coid: str | None = None
        self.states: list[Order | None] = []
        self.open: list[list[str]] = []

    def on_bar(self, bar: Any) -> None:
        ctx = self.ctx
        if ctx.bar_index == 5:
            self.coid = ctx.buy()
        if self.coid is not None and len(self.states) < 2:
            self.states.append(ctx.order(self.coid))
            self.open.append([o.client_order_id for o in ctx.open_orders])


def test_a_pending_market_order_reads_as_new_then_filled():
    df = random_walk(20, seed=3)
    quiet, loud = Watcher(), _listening(Watcher)()
    a, b = run_backtest(df, quiet, cash=1_000), run_backtest(df, loud, cash=1_000)
    pending, filled = quiet.states
    assert pending.status is OrderStatus.NEW and pending.quantity == 0 and pending.filled_qty == 0
    assert filled.status is OrderStatus.FILLED and filled.quantity == filled.filled_qty > 0
    assert filled.ts_created == pending.ts_created == pending.ts_updated < filled.ts_updated
    assert quiet.open == [[quiet.coid], []] and loud.open == [[loud.coid], []]
    assert [_order_fields(o) for o in quiet.states] == [_order_fields(o) for o in loud.states]  # type: ignore[arg-type]
    assert a.orders[0] == quiet.states[1] and a.fills[0].qty == filled.quantity
    _assert_same(a, b)
    assert a.fills[0].price == Decimal(repr(float(df["Open"].iloc[6])))  # filled at the next bar's open

"""The broker keeps orders and fills as light records; the frozen Order/Fill a strategy or a result sees are the same
whether they are built at once (the strategy listens to on_order/on_trade) or on demand."""
from __future__ import annotations

import pickle
from decimal import Decimal

from terminal.backtest.engine import run_backtest
from terminal.backtest.synthetic import random_walk
from terminal.model import Fill, Order, OrderStatus
from terminal.strategy.base import Strategy


class Trader(Strategy):
    """Limit entries, stop exits, a cancel now and then, all-in market orders; looks at its orders every bar."""

    def on_start(self) -> None:
        self.seen: list[tuple] = []

    def on_bar(self, bar) -> None:  # type: ignore[no-untyped-def]
        ctx = self.ctx
        for o in ctx.open_orders:
            assert ctx.order(o.client_order_id) == o and o.status is OrderStatus.NEW
        if ctx.bar_index % 50 == 0 and ctx.position == 0:
            ctx.buy()
        elif ctx.position == 0 and not ctx.open_orders:
            ctx.buy(Decimal(2), price=bar.close * Decimal("0.997"))
        elif ctx.position > 0 and not ctx.open_orders:
            ctx.sell(ctx.position, stop=bar.close * Decimal("0.99"))
        if ctx.bar_index % 37 == 0:
            for o in ctx.open_orders:
                ctx.cancel(o.client_order_id)
        self.seen.append(tuple((o.client_order_id, o.status) for o in ctx.open_orders))


class ListeningTrader(Trader):
    def on_start(self) -> None:
        super().on_start()
        self.events: list[Order | Fill] = []

    def on_order(self, order: Order) -> None:
        self.events.append(order)

    def on_trade(self, fill: Fill) -> None:
        self.events.append(fill)


def _strip(o: Order) -> tuple:
    return (o.side, o.type, o.quantity, o.price, o.stop_price, o.status, o.venue_order_id, o.filled_qty,
            o.filled_quote, o.ts_created, o.ts_updated, o.reject_reason)


def test_orders_and_fills_are_the_same_built_at_once_or_on_demand_and_the_result_pickles():
    df = random_walk(1500, seed=4)
    quiet, loud = Trader(), ListeningTrader()
    a = run_backtest(df, quiet, commission=0.001, cash=1_000)
    b = run_backtest(df, loud, commission=0.001, cash=1_000)
    assert [_strip(o) for o in a.orders] == [_strip(o) for o in b.orders]
    assert {o.status for o in a.orders} >= {OrderStatus.FILLED, OrderStatus.CANCELED}
    strip_fill = lambda f: (f.side, f.price, f.qty, f.quote_qty, f.commission, f.trade_id, f.ts_event)  # noqa: E731
    assert [strip_fill(f) for f in a.fills] == [strip_fill(f) for f in b.fills]
    assert all(type(o) is Order for o in a.orders) and all(type(f) is Fill for f in a.fills)
    assert [len(s) for s in quiet.seen] == [len(s) for s in loud.seen]
    # the listener saw every fill, as the same records, and each order's final state last
    assert [strip_fill(f) for f in loud.events if isinstance(f, Fill)] == [strip_fill(f) for f in b.fills]
    last = {e.client_order_id: e for e in loud.events if isinstance(e, Order)}
    assert [_strip(last[o.client_order_id]) for o in b.orders] == [_strip(o) for o in b.orders]
    assert a.stats.equals(b.stats) and a.trades.equals(b.trades)
    again = pickle.loads(pickle.dumps(a))
    assert again.orders == a.orders and again.fills == a.fills

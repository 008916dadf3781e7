"""Built-in strategies trade as described, through the same Context, in the backtester."""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from terminal.backtest.data import to_ms
from terminal.backtest.engine import run_backtest
from terminal.backtest.synthetic import random_walk
from terminal.model import OrderStatus, Side
from terminal.strategy.base import Strategy
from terminal.strategy.builtin import BollingerBreakout, DonchianBreakout, RsiReversion, SmaCross
from terminal.strategy.indicators import rolling_max, rsi, sma


def test_sma_cross_long_only_is_long_exactly_while_fast_above_slow_after_the_first_cross():
    df = random_walk(2000, seed=4)
    res = run_backtest(df, SmaCross(fast=5, slow=15), commission=0)
    c = df["Close"].to_numpy()
    fast, slow = sma(c, 5), sma(c, 15)
    for t in res.trades.itertuples():
        assert fast[t.EntryBar - 1] > slow[t.EntryBar - 1]  # decided on the previous bar's close
        assert t.Size > 0
        if t.ExitBar < len(df) - 1:
            assert fast[t.ExitBar - 1] < slow[t.ExitBar - 1]


def test_long_short_alternates_sides():
    res = run_backtest(random_walk(1500, seed=6), SmaCross(fast=5, slow=15, long_short=True), commission=0.001)
    signs = np.sign(res.trades["Size"].to_numpy())
    assert (signs[1:] != signs[:-1]).all()


def test_rsi_bollinger_and_donchian_trade_long_only_with_sane_entries():
    df = random_walk(3000, seed=12)
    c = df["Close"].to_numpy()
    r = rsi(c, 14)
    res = run_backtest(df, RsiReversion(), commission=0.001)
    assert res["# Trades"] > 3
    for t in res.trades.itertuples():
        assert r[t.EntryBar - 1] < 30 <= r[t.EntryBar - 2]
    for strategy in (BollingerBreakout(), DonchianBreakout(entry=20, exit=10)):
        res = run_backtest(df, strategy, commission=0.001)
        assert res["# Trades"] > 3 and (res.trades["Size"] > 0).all()
    hi = rolling_max(df["High"].to_numpy(), 20)
    res = run_backtest(df, DonchianBreakout(entry=20, exit=10))
    for t in res.trades.itertuples():
        assert c[t.EntryBar - 1] > hi[t.EntryBar - 2]


class LimitsAndStops(Strategy):
    """Places one limit buy below the market and a stop sell under it once filled."""

    def on_start(self) -> None:
        self.log_fills: list = []

    def on_bar(self, bar) -> None:
        ctx = self.ctx
        if ctx.bar_index == 0:
            ctx.buy(Decimal(10), price=(bar.close * Decimal("0.99")).quantize(Decimal("0.01")))
        elif ctx.position > 0 and not ctx.open_orders:
            ctx.sell(ctx.position, stop=(ctx.entry_price * Decimal("0.98")).quantize(Decimal("0.01")))

    def on_trade(self, fill) -> None:
        self.log_fills.append(fill)


def test_limit_and_stop_orders_fill_when_the_bar_trades_through_them():
    df = random_walk(500, seed=3)
    s = LimitsAndStops()
    res = run_backtest(df, s, commission=0.001, finalize_trades=False)
    buy, sell = s.log_fills[0], s.log_fills[1]
    assert buy.side is Side.BUY and sell.side is Side.SELL
    limit = next(o for o in res.orders if o.side is Side.BUY).price
    ms = to_ms(df.index)
    buy_bar = int(np.flatnonzero(ms == buy.ts_event)[0])
    assert df["Low"].iloc[buy_bar] <= float(limit) and buy.price <= limit
    stop = next(o for o in res.orders if o.side is Side.SELL).stop_price
    sell_bar = int(np.flatnonzero(ms == sell.ts_event)[0])
    assert df["Low"].iloc[sell_bar] <= float(stop) and sell.price <= stop
    assert all(o.status is OrderStatus.FILLED for o in res.orders)
    assert buy.commission == buy.qty * buy.price * Decimal("0.001")

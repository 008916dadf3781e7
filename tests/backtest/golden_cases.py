"""Backtests whose results were recorded from the engine on main before the speed work (issue 16 item 5).

``fingerprint(result)`` reduces a result to what must not change: the trades (every column, bit for bit), the
equity curve (bit for bit), the fills (Decimal price, quantity, value, commission, side, bar time), the orders'
final statuses and the numeric statistics. Record with ``python -m tests.backtest.golden_cases`` (only on the old
engine: the file is the reference the new one is held to).
"""
from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from terminal.backtest.engine import BacktestResult, run_backtest
from terminal.backtest.synthetic import random_walk
from terminal.strategy.base import Param, Strategy
from terminal.strategy.builtin import BollingerBreakout, DonchianBreakout, RsiReversion, SmaCross
from terminal.strategy.indicators import sma

GOLDEN = Path(__file__).with_name("data") / "engine_golden.json"


class LimitsAndStops(Strategy):
    """Limit entries below the SMA, a protective stop after each fill, order and trade events listened to."""

    name = "limits_and_stops"
    parameters = {"window": Param(int, 15, minimum=2)}

    def on_start(self) -> None:
        self.mean = self.ctx.indicator(sma, self.p.window)
        self.events = 0

    def on_bar(self, bar: Any) -> None:
        ctx = self.ctx
        m = self.mean[-1]
        if m != m:
            return
        if ctx.position == 0 and any(o.side.name == "SELL" for o in ctx.open_orders):
            ctx.cancel_all()  # the other leg of the exit
        elif ctx.position == 0 and not ctx.open_orders:
            ctx.buy(Decimal(3), price=Decimal(repr(round(m * 0.995, 4))))
        elif ctx.position > 0 and not ctx.open_orders:
            ctx.sell(ctx.position, stop=Decimal(repr(round(m * 0.99, 4))))
            ctx.sell(ctx.position, price=Decimal(repr(round(m * 1.02, 4))))
        elif ctx.position > 0 and len(ctx.open_orders) == 1:
            ctx.cancel_all()

    def on_trade(self, fill: Any) -> None:
        self.events += 1


class MixedOrders(Strategy):
    """Market orders of every shape the broker's lean path handles or hands on, among limit and stop orders:
    all-in longs and shorts, partial closes by quantity, closes, reversals in one order, orders the cash cannot pay
    for, a market order cancelled in the bar it was placed, orders placed on the last bar; reads its pending orders
    (the lean path keeps them as rows) through ctx.order and ctx.open_orders."""

    name = "mixed_orders"
    parameters = {"lot": Param(float, 1.0, minimum=0.0)}

    def on_start(self) -> None:
        self.mean = self.ctx.indicator(sma, 9)
        self.seen: list[tuple] = []

    def on_bar(self, bar: Any) -> None:
        ctx = self.ctx
        i = ctx.bar_index
        m = self.mean[-1]
        if m != m:
            return
        pos = ctx.position
        step = Decimal(repr(self.p.lot))
        if i % 7 == 0 and pos == 0:
            ctx.buy() if (i // 7) % 2 else ctx.sell()  # all in, long or short
        elif i % 11 == 0 and pos != 0:
            part = ctx.tradable(abs(pos) / 3)  # a partial close by quantity
            if part > 0:
                ctx.sell(part) if pos > 0 else ctx.buy(part)
        elif i % 13 == 0:
            ctx.close_position()
        elif i % 31 == 0 and pos != 0:
            ctx.sell(abs(pos) * 2) if pos > 0 else ctx.buy(abs(pos) * 2)  # a reversal in one order
        if i % 17 == 0 and not ctx.open_orders:
            ctx.buy(step * 3, price=Decimal(repr(round(m * 0.998, 4))))
        if i % 19 == 0 and pos > 0:
            ctx.sell(step, stop=Decimal(repr(round(m * 0.99, 4))))
        if i % 23 == 0:
            ctx.cancel(ctx.buy(step))  # placed and cancelled before it could fill
        if i % 29 == 0:
            ctx.buy(Decimal(10) ** 9)  # more than the cash can pay for: rejected
        if i % 37 == 0:
            for o in ctx.open_orders:
                if o.type.name != "MARKET":
                    ctx.cancel(o.client_order_id)
        if i == ctx.series.size - 1:
            ctx.close_position()
            ctx.sell()  # placed on the last bar: filled by the finalize step
        self.seen.append(tuple((o.client_order_id, o.status.name, str(o.quantity)) for o in ctx.open_orders))


def _bars(n: int, seed: int, **kw: Any) -> pd.DataFrame:
    return random_walk(n, seed=seed, **kw)


CASES: dict[str, Callable[[], BacktestResult]] = {
    "stop_and_reverse_cash_1m_no_commission": lambda: run_backtest(
        _bars(6000, 1, drift=0.0, vol=0.001), SmaCross(fast=10, slow=20, long_short=True), cash=1_000_000),
    "long_only_commission": lambda: run_backtest(
        _bars(4000, 2), SmaCross(fast=10, slow=20), cash=10_000, commission=0.002),
    "long_short_fractional_lots": lambda: run_backtest(
        _bars(4000, 3), SmaCross(fast=7, slow=31, long_short=True), cash=25_000, commission=0.001, lot_size=0.001),
    "long_short_rounded_prices": lambda: run_backtest(
        _bars(4000, 4, decimals=2), SmaCross(fast=5, slow=12, long_short=True), cash=100_000, commission=0.0005),
    "long_short_slippage": lambda: run_backtest(
        _bars(3000, 5), SmaCross(fast=10, slow=30, long_short=True), cash=50_000, slippage=0.0005),
    "long_short_open_at_end": lambda: run_backtest(
        _bars(3000, 6), SmaCross(fast=10, slow=20, long_short=True), cash=10_000, commission=0.001,
        finalize_trades=False),
    "long_short_lot_10": lambda: run_backtest(
        _bars(3000, 7), SmaCross(fast=10, slow=20, long_short=True), cash=100_000, lot_size=10),
    "cash_too_small": lambda: run_backtest(
        _bars(2000, 8, price=50_000), SmaCross(fast=10, slow=20), cash=10_000),
    "rsi": lambda: run_backtest(_bars(4000, 9), RsiReversion(), cash=10_000, commission=0.001),
    "bollinger": lambda: run_backtest(_bars(4000, 10), BollingerBreakout(), cash=10_000, commission=0.001),
    "donchian": lambda: run_backtest(_bars(4000, 11), DonchianBreakout(), cash=10_000, lot_size=0.01),
    "limits_and_stops": lambda: run_backtest(_bars(3000, 12), LimitsAndStops(), cash=10_000, commission=0.001),
    "mixed_orders_commission": lambda: run_backtest(_bars(3000, 13), MixedOrders(), cash=10_000, commission=0.001),
    "mixed_orders_fractional_lots": lambda: run_backtest(
        _bars(3000, 14, price=30_000), MixedOrders(lot=0.001), cash=50_000, commission=0.00075, lot_size=0.001),
    "mixed_orders_no_commission_open_at_end": lambda: run_backtest(
        _bars(2500, 15), MixedOrders(), cash=1_000_000, finalize_trades=False),
    "mixed_orders_slippage": lambda: run_backtest(
        _bars(2500, 16), MixedOrders(), cash=20_000, commission=0.0005, slippage=0.0002),
    "stop_and_reverse_cross_on_last_bar_fractional": lambda: run_backtest(
        _last_bar_cross(), SmaCross(fast=5, slow=12, long_short=True), cash=75_000, commission=0.0002,
        lot_size=0.01),
}


def _last_bar_cross() -> pd.DataFrame:
    """Bars whose SMAs 5/12 cross on the last bar (the order it places is filled by the finalize step)."""
    for seed in range(100, 400):
        df = _bars(1500, seed)
        c = df["Close"].to_numpy()
        f, s = sma(c, 5)[-2:], sma(c, 12)[-2:]
        if (f[0] - s[0]) * (f[1] - s[1]) < 0:
            return df
    raise RuntimeError("no seed with a cross on the last bar")


def _num(x: Any) -> Any:
    if isinstance(x, (pd.Timestamp, pd.Timedelta)):
        return str(x)
    if isinstance(x, (float, np.floating)):
        return "nan" if math.isnan(x) else repr(float(x))
    if isinstance(x, (int, np.integer)):
        return int(x)
    return str(x)


def _sha(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def fingerprint(res: BacktestResult) -> dict[str, Any]:
    t = res.trades
    trades = {c: _sha(t[c].to_numpy()) for c in ("Size", "EntryBar", "ExitBar", "EntryPrice", "ExitPrice", "PnL",
                                                 "Commission", "ReturnPct")}
    trades["EntryTime"] = _sha(t["EntryTime"].to_numpy().astype("datetime64[ns]").astype(np.int64))
    fills = [[f.side.name, str(f.price), str(f.qty), str(f.quote_qty), str(f.commission), f.ts_event]
             for f in res.fills]
    orders = [[o.side.name, o.type.name, o.status.name, str(o.quantity), str(o.filled_quote)] for o in res.orders]
    return {
        "trades": len(t),
        "first_trades": [[_num(v) for v in row] for row in t.iloc[:3, :8].itertuples(index=False)],
        "trade_columns": trades,
        "equity": _sha(res.equity.to_numpy()),
        "equity_final": repr(float(res.equity.iloc[-1])),
        "fills": hashlib.sha256(json.dumps(fills).encode()).hexdigest(),
        "fill_count": len(fills),
        "orders": hashlib.sha256(json.dumps(orders).encode()).hexdigest(),
        "stats": {k: _num(v) for k, v in res.stats.items()},
        "note": res.note,
    }


def record() -> None:
    GOLDEN.parent.mkdir(exist_ok=True)
    out = {name: fingerprint(run()) for name, run in CASES.items()}
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}: " + ", ".join(f"{k} {v['trades']}" for k, v in out.items()))


if __name__ == "__main__":
    record()

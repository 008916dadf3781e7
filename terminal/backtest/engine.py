"""Event-driven backtester: runs any Strategy, bar by bar, through the same Context it gets live.

Conventions (the same as backtesting.py 0.6.6 with ``Backtest(df, S, cash=..., commission=...,
exclusive_orders=True, finalize_trades=True)``):

* The strategy sees bar i when it has closed; orders it places then are filled from bar i + 1 on
  (market orders at bar i + 1's open). Fills happen before the strategy sees the bar they happen on.
* "All in" orders (``ctx.buy()`` / ``ctx.sell()`` without a quantity) buy whole units worth the available cash,
  commission included, at the fill price; whole multiples of ``lot_size`` when it is given (e.g. 0.00001 for BTC,
  the instrument's LOT_SIZE step: fractional sizing).
* A backtest without trades says why in ``result.note`` (``explain.no_trades_reason``), e.g. "cash 10,000 buys 0
  whole units at 64,000".
* Commission is a fraction of traded value, paid on every fill (both sides of a round trip).
* The equity curve is cash + position x close, one value per bar, in floats (analytics).
* ``finalize_trades=True``: after the last bar, orders still pending are tried once more against the last bar,
  then any open position is closed at the last bar's open (what backtesting.py does); the last equity value is
  the resulting cash. With ``False`` an open position stays open: it is in the equity but not in the trades.
* Buy & Hold is measured from the first bar on which every indicator has a value.
* Money (orders, fills, cash, position) is Decimal; prices from float data are read as their shortest repr.
* The simulation does not stop when equity reaches zero (backtesting.py does); orders the cash cannot pay for
  are rejected.

Agreement with backtesting.py 0.6.6 (tests/backtest/test_agreement_backtesting_py.py): with the conventions
above, ``run_backtest(df, SmaCross(fast=10, slow=20, long_short=True), cash=10_000, commission=0.002)`` gives
the same trades (sizes, entry/exit bars, prices) and every statistic of
``Backtest(df, SmaCross, cash=10_000, commission=.002, exclusive_orders=True, finalize_trades=True).run()``
(its example strategy) to 1e-9 relative, equity to the cent, on synthetic hourly bars and on backtesting.py's GOOG
daily bars; long-only too. Known differences: an SMA tie (fast == slow to the last bit, common with prices
rounded to cents) may cross in one implementation and not the other because SMAs are summed differently; a
position opened by an order placed on the very last bar is closed by our finalize step but left open by
backtesting.py's; sizing omits backtesting.py's (1 - 2**-52) factor.

Speed: per bar the loop only moves the series' cursor, hands pending orders to the broker and calls ``on_bar``
(order events are checked only for strategies that override ``on_order`` / ``on_trade``). Orders and fills live
in the broker as mutable records and tuples; ``result.orders`` / ``result.fills`` freeze them on first access.
Market orders of a strategy that listens to no order events never become records (``market_rows``: a row from
placement to fill, the same numbers as the general path). Fill rows hold only atoms (no enum members), so the
cyclic garbage collector stops tracking them at its first pass; nothing makes an object per row after the loop
(no ``zip(*rows)``), which at a million bars set off full collections. A DataFrame's bars are checked and read in
place; the statistics come from the trade columns, computed in place (no 8 MB temporary per step at 1M bars), and
``result.trades`` is made from those columns on first access (the same frame; a pandas construction of about a
quarter of a millisecond that most callers, an optimiser above all, never look at).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..model import Fill, Interval, Order
from ..strategy.base import Strategy
from ..strategy.context import Context, frozen_order
from ..strategy.series import BarSeries, BarView
from . import data as data_mod
from .broker import SimBroker, fill_of
from .explain import no_trades_reason
from .metrics import StatsPlan, closed_trade_columns, empty_trades_frame, floats_of, trades_from_columns


class StrategyError(RuntimeError):
    """The strategy raised during a backtest; the message says where."""


class BacktestResult:
    """Statistics, equity curve and trades of one backtest; ``orders`` and ``fills`` as frozen records (built on
    first access from the broker's records: most callers only want the statistics). ``trades`` may be given as
    (trade columns, bar index): the frame is then made on first access (``metrics.trades_from_columns``)."""

    def __init__(self, stats: pd.Series, equity: pd.Series,
                 trades: "pd.DataFrame | tuple[dict[str, np.ndarray], pd.DatetimeIndex]", orders: Any = (),
                 fills: Any = (), strategy: Strategy | None = None, note: str = "") -> None:
        self.stats = stats
        self.note = note  # why there are no trades ("" when there are)
        self.equity = equity
        self._trades = trades
        self.strategy = strategy
        self._orders = orders  # Orders, or the broker's records of them (anything with freeze())
        self._fills = fills  # Fills, or the broker's rows of them (broker.fill_of)
        self._frozen = False

    def _freeze(self) -> None:
        if not self._frozen:
            self._orders = [o if type(o) is Order else frozen_order(o) for o in self._orders]
            self._fills = [f if type(f) is Fill else fill_of(f) for f in self._fills]
            self._frozen = True

    @property
    def trades(self) -> pd.DataFrame:
        t = self._trades
        if type(t) is tuple:  # (columns, index): made now, once
            t = self._trades = trades_from_columns(*t)
        return t  # type: ignore[return-value]

    @trades.setter
    def trades(self, value: pd.DataFrame) -> None:
        self._trades = value

    @property
    def orders(self) -> list[Order]:
        self._freeze()
        return self._orders

    @property
    def fills(self) -> list[Fill]:
        self._freeze()
        return self._fills

    def __repr__(self) -> str:
        return f"BacktestResult(trades={len(self.trades)}, return={self.stats.get('Return [%]', float('nan'))!r})"

    def __getitem__(self, key: str) -> Any:
        return self.stats[key]


def _as_decimal(value: float | int | str | Decimal, name: str) -> Decimal:
    if isinstance(value, (float, np.floating)):
        value = repr(float(value))  # numpy's repr is "np.float64(...)"
    elif isinstance(value, np.integer):
        value = int(value)
    d = Decimal(value)
    if not d.is_finite() or d < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return d


def run_backtest(data: "pd.DataFrame | str", strategy: Strategy, *, cash: float | Decimal = 10_000,
                 commission: float | Decimal = 0, slippage: float | Decimal = 0, lot_size: float | Decimal = 1,
                 symbol: str = "SYMBOL", interval: Interval | None = None, finalize_trades: bool = True,
                 validate: bool = True, plan: StatsPlan | None = None) -> BacktestResult:
    """Run ``strategy`` (an instance with its parameters) over ``data`` (bars; see ``backtest.data``)."""
    if validate and isinstance(data, pd.DataFrame):  # checked and read in place: no normalised copy of the frame
        index, cols = data_mod.bars_arrays(data)
    else:
        df = data_mod.load(data) if validate else data
        assert isinstance(df, pd.DataFrame)
        index = pd.DatetimeIndex(df.index)
        cols = {c: df[c].to_numpy() for c in data_mod.OHLCV}
    cash_d = _as_decimal(cash, "cash")
    if cash_d <= 0:
        raise ValueError("cash must be positive")
    series = BarSeries.from_arrays(data_mod.to_ms(index), cols["Open"], cols["High"], cols["Low"], cols["Close"],
                                   cols["Volume"])
    lot = _as_decimal(lot_size, "lot_size")
    broker = SimBroker(symbol, commission=_as_decimal(commission, "commission"),
                       slippage=_as_decimal(slippage, "slippage"), lot_size=lot)
    ctx = Context(symbol, series, broker, cash=cash_d, params=strategy.p, name=strategy.name or type(strategy).__name__,
                  lot_step=lot)
    broker.attach(ctx)
    strategy.bind(ctx)
    _call(strategy.on_start, "on_start", -1, index)
    for ind in ctx._indicators:  # causal indicators: compute once over the whole history
        ind.compute(full=True)
    warmup = max((ind.warmup for ind in ctx._indicators), default=0)

    view = BarView(symbol, interval, series)
    # events are only collected for strategies that listen to them
    broker.collect_events = (type(strategy).on_order is not Strategy.on_order
                             or type(strategy).on_trade is not Strategy.on_trade)
    pending, events = broker.pending, broker.events
    n = series.size
    try:
        _loop(strategy, series, view, broker, n)
        if finalize_trades and n:
            if pending:
                broker.process(n - 1)
            broker.close_all(n - 1, float(series.cols["open"][n - 1]))
            _deliver(strategy, events)
        strategy.on_stop()
    except StrategyError:
        raise
    except Exception as exc:
        i = series.n - 1  # the bar being processed (the last one once the loop is over)
        where = f"bar {i} ({index[i]})" if 0 <= i < n else "the end"
        raise StrategyError(f"strategy {strategy!r} failed at {where}: {type(exc).__name__}: {exc}") from exc
    equity = equity_curve(broker.mark_bars, broker.mark_cash, broker.mark_pos, float(cash_d), series.cols["close"])
    rows = broker.closed_flat  # the closed trades' fields, one trade after another (ClosedTrade's order)
    # the trades frame is made on first access from the columns (most callers want the statistics; an optimiser
    # never looks at it), as the orders and fills are frozen on first access
    trades: "pd.DataFrame | tuple[dict[str, np.ndarray], pd.DatetimeIndex]" = \
        (closed_trade_columns(rows, commission_free=not broker.commission), index) if rows else empty_trades_frame()
    # the statistics from the trade columns (the frame's numbers, without reading them back out of it)
    stats = (plan or StatsPlan(index, series.cols["close"])).compute(equity, trades[0] if rows else trades, warmup)
    note = "" if rows else no_trades_reason(bars=n, orders=len(ctx._orders), fills=len(broker._fills),
                                            shortfall=broker.shortfall, lot_size=lot, finalize_trades=finalize_trades)
    # the equity array is the result's own: the Series takes it as it is (pandas 3 would copy it by default)
    return BacktestResult(stats, pd.Series(equity, index=index, name="Equity", copy=False), trades,
                          list(ctx._orders.values()), broker._fills, strategy, note)


def equity_curve(bars: Sequence[int], cash_v: "Sequence[Decimal | float]", pos_v: "Sequence[Decimal | float]",
                 cash: float, close: np.ndarray) -> np.ndarray:
    """cash + position x close per bar, from the marks left after fills: the bar, the cash and the position columns
    (Decimals are made floats here, in one pass per column: the same float() of each)."""
    k = len(bars)
    if not k:
        return np.full(len(close), cash)
    return equity_from_marks(np.fromiter(bars, np.int64, k), floats_of(cash_v, k), floats_of(pos_v, k), cash, close)


def equity_from_marks(bars: np.ndarray, cash_v: np.ndarray, pos_v: np.ndarray, cash: float,
                      close: np.ndarray) -> np.ndarray:
    """Each mark (non-decreasing bars) holds from its bar to the next mark; the last mark of a bar wins."""
    n = len(close)
    if not len(bars):
        return np.full(n, cash)
    # mark k holds from its bar to the next mark's bar (a later mark on the same bar leaves it 0 bars)
    lengths = np.diff(np.concatenate(((0,), bars, (n,))))  # np.r_[0, bars, n] without its Python-level indexing
    cash_arr = np.repeat(np.concatenate(((cash,), cash_v)), lengths)
    pos_arr = np.repeat(np.concatenate(((0.0,), pos_v)), lengths)
    np.multiply(pos_arr, close, out=pos_arr)  # cash + pos x close, in place (no temporaries)
    return np.add(cash_arr, pos_arr, out=cash_arr)


def _loop(strategy: Strategy, series: BarSeries, view: BarView, broker: SimBroker, n: int) -> None:
    """The bars, one at a time: fills of pending orders first, then the strategy sees the bar."""
    on_bar = strategy.on_bar
    pending, events, process = broker.pending, broker.events, broker.process
    if broker.collect_events:
        for visible in range(1, n + 1):  # bar i = visible - 1 has closed
            series.n = visible
            if pending:
                process(visible - 1)
                if events:
                    _deliver(strategy, events)
            on_bar(view)
            if events:
                _deliver(strategy, events)
    else:  # the same loop for strategies that take no order events (none are collected)
        for visible in range(1, n + 1):
            series.n = visible
            if pending:
                process(visible - 1)
            on_bar(view)


def _deliver(strategy: Strategy, events: list[Order | Fill]) -> None:
    while events:
        batch = list(events)
        events.clear()
        for ev in batch:
            if isinstance(ev, Fill):
                strategy.on_trade(ev)
            else:
                strategy.on_order(ev)


def _call(fn: Any, name: str, i: int, index: pd.DatetimeIndex) -> None:
    try:
        fn()
    except Exception as exc:
        raise StrategyError(f"strategy {name} failed: {type(exc).__name__}: {exc}") from exc

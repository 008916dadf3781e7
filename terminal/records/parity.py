"""Parity of a strategy: the same strategy over the same bars in the backtester and live on the sandbox.

The live side is a ``StrategyRunner`` fed the bars a ``Session`` reads from a sandbox that replays the CSV as its
kline history (``trading-terminal sandbox --replay SYMBOL=FILE.csv --replay-history 1``: the bars moved to end at the
minute the sandbox started, snapped to the instrument's tick and step sizes), at maximum speed (one bar after the
other as soon as the strategy has handled the previous one). Its orders go to a port that fills market orders at the
next bar's open, the backtester's convention, with the same commission and the instrument's lot step. What parity
therefore tests: the data path (sandbox history, REST paging, the session's Decimal bars), the live runner and its
Context against the backtester's loop; what it does not: the sandbox's matching (a replayed history cannot be traded
at its historical prices at maximum speed).

Both sides keep an open position at the end (no finalize step), valued at the last close. ``compare`` lines the
decisions up (live times mapped back to the data's times), names the first divergence and its likely reason, and
measures fill price differences and slippage (fill price against the close of the bar the decision was made on).
"""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..backtest.data import load_csv, to_ms
from ..backtest.engine import run_backtest
from ..bus import Bus
from ..model import Bar, Fill, Liquidity, Order, OrderRequest, OrderStatus, OrderUpdated, Side
from ..strategy.base import Strategy
from ..strategy.runner import StrategyRunner

MINUTE_MS = 60_000


@dataclass(frozen=True)
class Decision:
    """One fill of one side: ``time_ms`` is the open time of the bar it filled on, in the data's time."""
    time_ms: int
    side: str
    qty: Decimal
    price: Decimal
    signal_close: Decimal  # the close of the bar the strategy decided on (the price it saw)

    @property
    def slippage(self) -> Decimal:
        """What the fill cost against the price the strategy saw (positive: worse)."""
        diff = self.price - self.signal_close
        return diff if self.side == "BUY" else -diff


@dataclass(frozen=True)
class Row:
    n: int
    backtest: Decision | None
    live: Decision | None

    @property
    def same(self) -> bool:
        b, lv = self.backtest, self.live
        return (b is not None and lv is not None and (b.time_ms, b.side, b.qty, b.price)
                == (lv.time_ms, lv.side, lv.qty, lv.price))

    @property
    def price_diff(self) -> Decimal | None:
        if self.backtest is None or self.live is None:
            return None
        return self.live.price - self.backtest.price


@dataclass
class ParityResult:
    strategy: str
    params: dict[str, Any]
    symbol: str
    bars: int
    start_ms: int
    end_ms: int
    cash: Decimal
    commission: Decimal
    backtest: list[Decision]
    live: list[Decision]
    rows: list[Row]
    first_divergence: str  # "none", or which decision and why
    backtest_equity: Decimal
    live_equity: Decimal
    data_differences: list[str] = field(default_factory=list)  # bars the sandbox served differently

    @property
    def same_decisions(self) -> bool:
        return all(r.same for r in self.rows)


# ------------------------------------------------------------------------------------------------ the live side
class NextOpenFills:
    """The live runner's order port: market orders fill at the next bar's open (all-in buys: whole lot steps worth
    the quote amount, commission included), commission in the quote asset."""

    def __init__(self, bus: Bus, commission: Decimal, lot_step: Decimal, quote_asset: str = "USDT") -> None:
        self.bus = bus
        self.commission = commission
        self.lot_step = lot_step
        self.quote_asset = quote_asset
        self.pending: list[OrderRequest] = []
        self.fills: list[Fill] = []
        self._ids = itertools.count(1)

    async def place_order(self, request: OrderRequest) -> Order:
        self.pending.append(request)
        return Order.from_request(request).with_status(OrderStatus.NEW, venue_order_id=next(self._ids))

    def open_bar(self, bar: Bar) -> None:
        pending, self.pending = self.pending, []
        for req in pending:
            price = bar.open
            if req.quantity is not None:
                qty = req.quantity
            else:
                units = (req.quote_quantity or Decimal(0)) / (price * (1 + self.commission)) / self.lot_step
                qty = units.to_integral_value(rounding=ROUND_FLOOR) * self.lot_step
            if qty <= 0:
                continue
            quote = qty * price
            fill = Fill(req.symbol, req.client_order_id, None, next(self._ids), req.side, price, qty, quote,
                        quote * self.commission, self.quote_asset, Liquidity.TAKER, ts_event=bar.open_time)
            self.fills.append(fill)
            self.bus.publish(fill)
            order = Order.from_request(req).with_status(OrderStatus.FILLED, quantity=qty, filled_qty=qty,
                                                         filled_quote=quote)
            self.bus.publish(OrderUpdated(order))


async def run_live(strategy: Strategy, bars: Sequence[Bar], *, symbol: str, cash: Decimal, commission: Decimal,
                   lot_step: Decimal) -> list[Fill]:
    """The strategy under a StrategyRunner, fed ``bars`` one after the other as fast as it handles them."""
    bus = Bus()
    port = NextOpenFills(bus, commission, lot_step)
    runner = StrategyRunner(strategy, bus, port.place_order, symbol=symbol, cash=cash, lot_step=lot_step,
                            budget_s=10.0)
    await runner.start()
    try:
        for bar in bars:
            port.open_bar(bar)
            bus.publish(bar)
            await runner.drain()
    finally:
        await runner.stop()
    if runner.error:
        raise RuntimeError(f"the live runner failed: {runner.error}")
    return port.fills


async def sandbox_bars(session: Any, symbol: str, count: int) -> list[Bar]:
    """The ``count`` 1m bars a sandbox replaying a CSV as history serves: those ending at the minute it started."""
    url = getattr(session.venue.rest, "base_url", None)
    if not url:
        raise ValueError("parity needs a session on the sandbox exchange")
    if getattr(session, "history_cache", None) is not None:  # it may hold another sandbox's bars for these minutes
        raise ValueError("parity needs a session without a history cache: terminal.connect(..., history_cache=False)")
    import requests

    def health() -> dict[str, Any]:
        resp = requests.get(url + "/sandbox/health", timeout=10)
        resp.raise_for_status()
        return dict(resp.json())
    started = int((await asyncio.get_running_loop().run_in_executor(None, health)).get("startedMs") or 0)
    if not started:
        raise ValueError(f"{url}: this sandbox does not say when it started (an older version?)")
    last = started // MINUTE_MS * MINUTE_MS - MINUTE_MS
    first = last - (count - 1) * MINUTE_MS
    return list(await session.bars(symbol, "1m", start=first, end=last))


# ------------------------------------------------------------------------------------------------ comparison
def _decisions(fills: Sequence[Fill], closes: dict[int, Decimal], shift_ms: int = 0) -> list[Decision]:
    out = []
    for f in fills:
        t = f.ts_event - shift_ms
        out.append(Decision(t, f.side.value if isinstance(f.side, Side) else str(f.side), f.qty, f.price,
                            closes.get(t - MINUTE_MS, f.price)))
    return out


def _equity(fills: Sequence[Fill], cash: Decimal, last_close: Decimal) -> Decimal:
    position = Decimal(0)
    for f in fills:
        sign = 1 if f.side is Side.BUY else -1
        cash -= sign * f.qty * f.price + f.commission
        position += sign * f.qty
    return cash + position * last_close


def _reason(b: Decision | None, lv: Decision | None, data_differences: list[tuple[int, str]]) -> str:
    t = min(x.time_ms for x in (b, lv) if x is not None)
    earlier = [text for when, text in data_differences if when <= t]
    if earlier:
        return f"the sandbox served different bars before it (first: {earlier[0]})"
    if b is None:
        return "the live runner decided and the backtest did not"
    if lv is None:
        return "the backtest decided and the live runner did not"
    if (b.time_ms, b.side) != (lv.time_ms, lv.side):
        return f"different signals (backtest {b.side} at {_iso(b.time_ms)}, live {lv.side} at {_iso(lv.time_ms)})"
    if b.price != lv.price:
        return f"fill price differs by {lv.price - b.price} (backtest {b.price}, live {lv.price})"
    return f"quantity differs (backtest {b.qty}, live {lv.qty}): sizing or cash differ"


def _iso(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%Y-%m-%d %H:%M")


def compare(backtest: list[Decision], live: list[Decision],
            data_differences: list[tuple[int, str]] | None = None) -> tuple[list[Row], str]:
    rows = [Row(i + 1, b, lv) for i, (b, lv) in enumerate(itertools.zip_longest(backtest, live))]
    for row in rows:
        if not row.same:
            when = _iso(min(x.time_ms for x in (row.backtest, row.live) if x is not None))
            return rows, f"decision {row.n} at {when}: {_reason(row.backtest, row.live, data_differences or [])}"
    return rows, "none"


async def run_parity(session: Any, strategy: Strategy, data: str | Path | pd.DataFrame, *, symbol: str,
                     cash: Decimal | int | str = 10_000, commission: Decimal | str = "0.001") -> ParityResult:
    """Backtest ``strategy`` on ``data`` (1m bars) and run a fresh copy of it live on the bars the session's sandbox
    serves for the same period (a sandbox started with ``--replay SYMBOL=FILE --replay-history 1``)."""
    frame = load_csv(data) if not isinstance(data, pd.DataFrame) else data
    times = to_ms(pd.DatetimeIndex(frame.index))
    if len(times) > 1 and int(times[1] - times[0]) != MINUTE_MS:
        raise ValueError("parity runs on 1m bars")
    cash_d, commission_d = Decimal(str(cash)), Decimal(str(commission))
    instrument = session.instrument(symbol)
    step = instrument.step_size
    live_bars = await sandbox_bars(session, instrument.symbol, len(frame))
    if len(live_bars) != len(frame):
        raise ValueError(f"the sandbox served {len(live_bars)} bars for the period, the data has {len(frame)}")
    shift = live_bars[0].open_time - int(times[0])
    csv_closes = {int(t): Decimal(repr(float(c))) for t, c in zip(times, frame["Close"])}
    live_closes = {b.open_time - shift: b.close for b in live_bars}
    diffs: list[tuple[int, str]] = []
    for t, row, bar in zip(times, frame.itertuples(index=False), live_bars):
        want = tuple(Decimal(repr(float(x))) for x in (row.Open, row.High, row.Low, row.Close))
        got = (bar.open, bar.high, bar.low, bar.close)
        if bar.open_time - shift != int(t) or want != got:
            diffs.append((int(t), f"{_iso(int(t))}: data {want}, sandbox {got}"))

    params = {k: strategy.p[k] for k in strategy.p}
    bt = run_backtest(frame, type(strategy)(**params), cash=cash_d, commission=commission_d, lot_size=step,
                      finalize_trades=False)
    live_fills = await run_live(type(strategy)(**params), live_bars, symbol=instrument.symbol, cash=cash_d,
                                commission=commission_d, lot_step=step)
    backtest = _decisions(bt.fills, csv_closes)
    live = _decisions(live_fills, live_closes, shift)
    rows, first = compare(backtest, live, diffs)
    return ParityResult(
        strategy=strategy.name or type(strategy).__name__, params=params, symbol=instrument.symbol, bars=len(frame),
        start_ms=int(times[0]), end_ms=int(times[-1]), cash=cash_d, commission=commission_d, backtest=backtest,
        live=live, rows=rows, first_divergence=first,
        backtest_equity=_equity(bt.fills, cash_d, csv_closes[int(times[-1])]),
        live_equity=_equity(live_fills, cash_d, live_bars[-1].close), data_differences=[d for _, d in diffs])

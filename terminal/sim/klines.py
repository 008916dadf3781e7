"""Klines of one simulated symbol: weeks of 1m history plus live candles built from trades.

All candles of every interval are aggregated exactly from the 1m series (1s from live trades), following
the REST rules of ``GET /api/v3/klines``. Values leave as Decimals in ``KlineRow``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from terminal.model.enums import Interval
from terminal.model.instrument import Instrument
from terminal.model.numbers import fmt

from .bars import C, FID, H, L, LID, N, NCOLS, O, OT, Q, TBQ, TBV, V, BarSeries
from .buckets import DAY_MS, bucket_end, bucket_start, bucket_starts, close_time, max_minutes

if TYPE_CHECKING:
    from .symbols import SymbolSpec

MINUTE_MS = 60_000
_INT64_MAX = int(np.iinfo(np.int64).max)
_PRICE_CACHE_MAX = 200_000
LIVE_SECONDS_KEPT = 2 * 3600  # 1s candles are built from live trades only


@dataclass(frozen=True, slots=True)
class KlineRow:
    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    close_time: int
    quote_volume: Decimal
    trades: int
    taker_buy_base: Decimal
    taker_buy_quote: Decimal
    first_trade_id: int = -1
    last_trade_id: int = -1
    closed: bool = True

    def wire(self) -> list[object]:
        """The 12-element REST array (numbers as 8-decimal strings)."""
        return [self.open_time, fmt(self.open, 8), fmt(self.high, 8), fmt(self.low, 8), fmt(self.close, 8),
                fmt(self.volume, 8), self.close_time, fmt(self.quote_volume, 8), self.trades,
                fmt(self.taker_buy_base, 8), fmt(self.taker_buy_quote, 8), "0"]


@dataclass(frozen=True, slots=True)
class TickerStats:
    """Rolling-window statistics (``GET /api/v3/ticker/24hr``)."""

    symbol: str
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    last: Decimal
    last_qty: Decimal
    prev_close: Decimal
    volume: Decimal
    quote_volume: Decimal
    change: Decimal
    change_pct: Decimal
    weighted_avg: Decimal
    first_id: int
    last_id: int
    count: int


def aggregate(rows: np.ndarray, interval: Interval) -> np.ndarray:
    """Combine consecutive bars into ``interval`` candles (rows sorted by open time)."""
    if len(rows) == 0:
        return rows
    keys = bucket_starts(interval, rows[:, OT])
    starts = np.concatenate(([0], np.flatnonzero(np.diff(keys)) + 1))
    ends = np.concatenate((starts[1:], [len(rows)]))
    out = np.empty((len(starts), NCOLS), dtype=np.int64)
    out[:, OT] = keys[starts]
    out[:, C] = rows[ends - 1, C]
    # Prices come from trades: bars without trades (flat at the previous close) only count in a candle
    # that has no trade at all.
    traded = rows[:, N] > 0
    index = np.arange(len(rows), dtype=np.int64)
    first_traded = np.minimum.reduceat(np.where(traded, index, _INT64_MAX), starts)
    has_trades = first_traded != _INT64_MAX
    out[:, O] = rows[np.where(has_trades, first_traded, starts), O]
    high = np.maximum.reduceat(np.where(traded, rows[:, H], -1), starts)
    low = np.minimum.reduceat(np.where(traded, rows[:, L], _INT64_MAX), starts)
    out[:, H] = np.where(has_trades, high, np.maximum.reduceat(rows[:, H], starts))
    out[:, L] = np.where(has_trades, low, np.minimum.reduceat(rows[:, L], starts))
    for col in (V, Q, N, TBV, TBQ):
        out[:, col] = np.add.reduceat(rows[:, col], starts)
    big = _INT64_MAX
    first = np.minimum.reduceat(np.where(rows[:, FID] < 0, big, rows[:, FID]), starts)
    out[:, FID] = np.where(first == big, -1, first)
    out[:, LID] = np.maximum.reduceat(rows[:, LID], starts)
    return out


class KlineStore:
    """1m history + live candles of one symbol. Feed it with ``on_trade`` and ``roll``."""

    def __init__(self, instrument: Instrument, history: np.ndarray | None = None,
                 now_ms: int | None = None, start_price: Decimal | None = None) -> None:
        self.instrument = instrument
        self._tick = instrument.tick_size
        self._step = instrument.step_size
        self._unit = self._tick * self._step
        self.m1 = BarSeries(MINUTE_MS)
        self.s1 = BarSeries(1000, max_rows=LIVE_SECONDS_KEPT)
        self.last_qty = Decimal(0)
        self.last_trade_id = -1
        self._shown: dict[Interval, int] = {}
        self._prices: dict[int, Decimal] = {}
        if history is not None and len(history):
            self.m1.extend(history)
            self.last_trade_id = int(history[:, LID].max())
        if now_ms is not None:
            close = self.m1.last_close if len(self.m1) else None
            if close is None:
                if start_price is None:
                    raise ValueError("an empty store needs a start price")
                close = self.price_ticks(start_price)
            self.m1.start(now_ms, close)
            self.s1.start(now_ms, close)

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    # ---- units --------------------------------------------------------------------------------------
    def price_ticks(self, price: Decimal) -> int:
        return int((price / self._tick).to_integral_value())

    def qty_steps(self, qty: Decimal) -> int:
        return int((qty / self._step).to_integral_value())

    def price(self, ticks: int) -> Decimal:
        return Decimal(int(ticks)) * self._tick

    @property
    def last_price(self) -> Decimal | None:
        close = self.m1.last_close
        return None if close is None else self.price(close)

    # ---- feeding ------------------------------------------------------------------------------------
    def on_trade(self, price: Decimal, qty: Decimal, quote_qty: Decimal, time: int, trade_id: int,
                 taker_is_buyer: bool) -> None:
        """Add one trade to the live candles of every interval. ``quote_qty`` is ``price*qty`` (recomputed)."""
        p, q = self.price_ticks(price), self.qty_steps(qty)
        units = p * q
        self.m1.add_trade(time, p, q, units, trade_id, taker_is_buyer)
        self.s1.add_trade(time, p, q, units, trade_id, taker_is_buyer)
        self.last_qty = qty
        if trade_id > self.last_trade_id:
            self.last_trade_id = trade_id

    def roll(self, now_ms: int) -> None:
        """Close candles whose time is over (quiet minutes become flat candles without volume)."""
        self.m1.roll(now_ms)
        self.s1.roll(now_ms)

    @property
    def now_ms(self) -> int:
        return self.m1.last_time

    # ---- queries ------------------------------------------------------------------------------------
    def klines(self, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
               limit: int = 500) -> list[KlineRow]:
        """Candles as ``GET /api/v3/klines`` returns them, the open (current) candle included last."""
        rows = self.kline_rows(interval, start_ms, end_ms, limit)
        return self._to_rows(rows, interval)

    def kline_rows(self, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                   limit: int = 500) -> np.ndarray:
        """Like ``klines`` but as the raw int64 array (ticks, steps, units)."""
        limit = max(1, int(limit))
        series = self.s1 if interval is Interval.S1 else self.m1
        if start_ms is not None:
            first = bucket_start(interval, start_ms)
            lo = first if first == start_ms else bucket_end(interval, first)
            hi = lo + limit * max_minutes(interval) * MINUTE_MS if interval is not Interval.S1 else lo + limit * 1000
            if end_ms is not None:
                hi = min(hi, bucket_end(interval, bucket_start(interval, end_ms)))
        else:
            newest = end_ms if end_ms is not None else series.last_time
            hi = bucket_end(interval, bucket_start(interval, newest))
            span = limit * (1000 if interval is Interval.S1 else max_minutes(interval) * MINUTE_MS)
            lo = bucket_start(interval, max(0, hi - span))
        if start_ms is not None and end_ms is not None and end_ms < start_ms:
            return np.empty((0, NCOLS), dtype=np.int64)
        closed = series.closed
        times = closed[:, OT]
        i0, i1 = int(np.searchsorted(times, lo)), int(np.searchsorted(times, hi))
        parts = [closed[i0:i1]]
        live = series.live
        if live is not None and lo <= live[OT] < hi:
            parts.append(live[None, :])
        rows = np.concatenate(parts) if len(parts) > 1 else parts[0]
        out = rows if interval in (Interval.S1, Interval.M1) else aggregate(rows, interval)
        if len(out) > limit:
            out = out[:limit] if start_ms is not None else out[-limit:]
        return out

    def current(self, interval: Interval, now_ms: int | None = None) -> KlineRow:
        """The candle for the ``<symbol>@kline_<interval>`` stream at ``now_ms``.

        Normally the open candle containing now (``closed`` False). The first call after the candle last
        returned has closed returns that candle once more, final and with ``closed`` True (Binance's
        ``"x": true`` update); the next call moves on to the open candle.
        """
        if now_ms is not None:
            self.roll(now_ms)
        t = self.m1.last_time if interval is not Interval.S1 else self.s1.last_time
        open_ms = bucket_start(interval, t)
        shown = self._shown.get(interval)
        self._shown[interval] = open_ms
        if shown is not None and shown < open_ms:
            return self.bar(interval, shown)
        return self.bar(interval, open_ms)

    def bar(self, interval: Interval, open_ms: int) -> KlineRow:
        """The candle of ``interval`` opening at ``open_ms`` as it stands now (final once closed)."""
        rows = self.kline_rows(interval, start_ms=open_ms, end_ms=open_ms, limit=1)
        if len(rows) == 0:
            close = self.m1.last_close or 0
            rows = np.array([[open_ms, close, close, close, close, 0, 0, 0, 0, 0, -1, -1]], dtype=np.int64)
        return self._to_rows(rows, interval)[0]

    def ticker_24h(self, now_ms: int, window_ms: int = DAY_MS) -> TickerStats:
        """Rolling statistics over ``window_ms`` up to ``now_ms``, at minute resolution."""
        self.roll(now_ms)
        closed = self.m1.closed
        start = now_ms - window_ms
        i0 = int(np.searchsorted(closed[:, OT], start))
        parts = [closed[i0:]]
        if self.m1.live is not None:
            parts.append(self.m1.live[None, :])
        rows = np.concatenate(parts)
        if len(rows) == 0:
            raise ValueError(f"{self.symbol}: no klines yet")
        prev_close = int(closed[i0 - 1, C]) if i0 > 0 else int(rows[0, O])
        traded = rows[rows[:, N] > 0]
        vol, quote = int(rows[:, V].sum()), int(rows[:, Q].sum())
        open_ticks = int(traded[0, O]) if len(traded) else int(rows[0, O])
        last_ticks = int(rows[-1, C])
        high = int(traded[:, H].max()) if len(traded) else last_ticks
        low = int(traded[:, L].min()) if len(traded) else last_ticks
        open_p, last_p = self.price(open_ticks), self.price(last_ticks)
        change = last_p - open_p
        pct = (change * 100 / open_p).quantize(Decimal("0.001")) if open_p else Decimal("0.000")
        volume, quote_volume = Decimal(vol) * self._step, Decimal(quote) * self._unit
        wavg = (quote_volume / volume).quantize(Decimal("1E-8")) if vol else last_p
        first_ids = traded[traded[:, FID] >= 0, FID]  # history candles may carry no trade ids (-1)
        return TickerStats(
            symbol=self.symbol, open_time=max(start, int(rows[0, OT])), close_time=now_ms,
            open=open_p, high=self.price(high), low=self.price(low), last=last_p, last_qty=self.last_qty,
            prev_close=self.price(prev_close), volume=volume, quote_volume=quote_volume, change=change,
            change_pct=pct, weighted_avg=wavg,
            first_id=int(first_ids.min()) if len(first_ids) else -1,
            last_id=int(traded[:, LID].max()) if len(traded) else -1, count=int(rows[:, N].sum()))

    def avg_price(self, now_ms: int, mins: int = 5) -> Decimal:
        """Volume-weighted price over the last ``mins`` minutes (``GET /api/v3/avgPrice``)."""
        stats = self.ticker_24h(now_ms, window_ms=mins * MINUTE_MS)
        return stats.weighted_avg if stats.volume else stats.last

    # ---- conversion ---------------------------------------------------------------------------------
    def _to_rows(self, rows: np.ndarray, interval: Interval) -> list[KlineRow]:
        step, unit = self._step, self._unit
        now = max(self.m1.last_time, self.s1.last_time)
        if len(rows) == 0:
            return []
        if interval is Interval.MO1:
            closes = [close_time(interval, int(t)) for t in rows[:, OT]]
        else:
            closes = (rows[:, OT] + (interval.ms - 1)).tolist()
        cache = self._prices
        if len(cache) > _PRICE_CACHE_MAX:
            cache.clear()
        tick = self._tick

        def px(ticks: int) -> Decimal:
            d = cache.get(ticks)
            if d is None:
                d = cache[ticks] = Decimal(ticks) * tick
            return d

        out: list[KlineRow] = []
        for r, ct in zip(rows.tolist(), closes):
            out.append(KlineRow(
                r[OT], px(r[O]), px(r[H]), px(r[L]), px(r[C]), Decimal(r[V]) * step, ct, Decimal(r[Q]) * unit,
                r[N], Decimal(r[TBV]) * step, Decimal(r[TBQ]) * unit, r[FID], r[LID], ct < now))
        return out


def generate_history(spec: "SymbolSpec", seed: int, end_ms: int, days: int = 28,
                     symbol_index: int | None = None, first_trade_id: int = 1) -> KlineStore:
    """A store holding ``days`` of 1m history ending just before ``end_ms``'s minute (see ``backfill``)."""
    from .backfill import history_rows

    rows = history_rows(spec, seed, end_ms, days=days, symbol_index=symbol_index, first_trade_id=first_trade_id)
    return KlineStore(spec.instrument, rows, now_ms=end_ms)

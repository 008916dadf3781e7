"""KlineStore: history generation, REST selection rules, exact aggregation, live candles, 24h ticker."""
from __future__ import annotations

import time
from decimal import Decimal

import numpy as np
import pytest

from terminal.model.enums import Interval
from terminal.sim.bars import C, H, L, N, O, OT, Q, V
from terminal.sim.buckets import bucket_end, bucket_start
from terminal.sim.klines import KlineStore, aggregate, generate_history
from terminal.sim.symbols import DEFAULT_SYMBOLS

NOW = 1_790_000_000_123  # 2026-09-21 13:33:20.123 UTC
BTC = DEFAULT_SYMBOLS[0]


@pytest.fixture(scope="module")
def btc() -> KlineStore:
    return generate_history(BTC, seed=7, end_ms=NOW, days=28)


def test_history_last_close_equals_start_price_and_ohlc_is_consistent(btc: KlineStore) -> None:
    rows = btc.m1.closed
    assert len(rows) == 28 * 1440
    assert btc.price(int(rows[-1, C])) == BTC.start_price
    assert (rows[:, L] <= rows[:, O]).all() and (rows[:, L] <= rows[:, C]).all()
    assert (rows[:, H] >= rows[:, O]).all() and (rows[:, H] >= rows[:, C]).all()
    assert (rows[:, L] >= 1).all() and (rows[:, V] > 0).all() and (rows[:, N] > 0).all()
    assert (np.diff(rows[:, OT]) == 60_000).all()
    assert rows[-1, OT] == NOW // 60_000 * 60_000 - 60_000
    assert (rows[:, Q] >= rows[:, V] * rows[:, L]).all() and (rows[:, Q] <= rows[:, V] * rows[:, H]).all()


def test_history_same_seed_is_identical_and_other_seed_differs() -> None:
    a = generate_history(BTC, seed=3, end_ms=NOW, days=2).m1.closed
    b = generate_history(BTC, seed=3, end_ms=NOW, days=2).m1.closed
    c = generate_history(BTC, seed=4, end_ms=NOW, days=2).m1.closed
    assert np.array_equal(a, b)
    assert not np.array_equal(a[:, C], c[:, C])


def test_history_for_all_symbols_generates_fast() -> None:
    # CPU time of this thread (about 0.13 s here), not wall time: other processes and threads cannot inflate it
    t0 = time.thread_time()
    for i, spec in enumerate(DEFAULT_SYMBOLS):
        generate_history(spec, seed=1, end_ms=NOW, days=28, symbol_index=i)
    assert time.thread_time() - t0 < 2.0


def test_klines_without_start_returns_newest_limit_with_open_candle_last(btc: KlineStore) -> None:
    rows = btc.klines(Interval.M1, limit=10)
    assert len(rows) == 10
    assert rows[-1].open_time == NOW // 60_000 * 60_000 and not rows[-1].closed
    assert all(r.closed for r in rows[:-1])
    assert all(r.close_time == r.open_time + 59_999 for r in rows)
    assert [r.open_time for r in rows] == sorted(r.open_time for r in rows)


def test_klines_with_start_returns_oldest_from_start(btc: KlineStore) -> None:
    first = int(btc.m1.closed[0, OT])
    rows = btc.klines(Interval.M5, start_ms=first + 1, limit=3)
    assert rows[0].open_time == bucket_end(Interval.M5, bucket_start(Interval.M5, first + 1))
    assert [r.open_time for r in rows] == [rows[0].open_time + i * 300_000 for i in range(3)]
    exact = btc.klines(Interval.M5, start_ms=rows[1].open_time, limit=1)
    assert exact[0].open_time == rows[1].open_time


def test_klines_end_time_bounds_and_empty_when_reversed(btc: KlineStore) -> None:
    end = NOW - 3 * 3600_000
    rows = btc.klines(Interval.H1, end_ms=end, limit=5)
    assert rows[-1].open_time == bucket_start(Interval.H1, end) and len(rows) == 5
    assert btc.klines(Interval.H1, start_ms=end, end_ms=end - 1) == []
    both = btc.klines(Interval.M15, start_ms=end - 3600_000, end_ms=end, limit=1000)
    assert all(end - 3600_000 <= r.open_time <= end for r in both) and len(both) == 4


@pytest.mark.parametrize("interval", [Interval.M3, Interval.H1, Interval.H4, Interval.D1, Interval.W1, Interval.MO1])
def test_aggregated_candles_equal_the_1m_candles_they_contain(btc: KlineStore, interval: Interval) -> None:
    candle = btc.klines(interval, limit=3)[0]
    minutes = btc.klines(Interval.M1, start_ms=candle.open_time, end_ms=candle.close_time, limit=1000 * 50)
    assert minutes[0].open_time == candle.open_time or minutes[0].open_time == int(btc.m1.closed[0, OT])
    assert candle.open == minutes[0].open and candle.close == minutes[-1].close
    assert candle.high == max(m.high for m in minutes) and candle.low == min(m.low for m in minutes)
    assert candle.volume == sum((m.volume for m in minutes), Decimal(0))
    assert candle.quote_volume == sum((m.quote_volume for m in minutes), Decimal(0))
    assert candle.trades == sum(m.trades for m in minutes)
    assert candle.taker_buy_base == sum((m.taker_buy_base for m in minutes), Decimal(0))


def test_week_candles_open_on_monday_and_months_on_the_first(btc: KlineStore) -> None:
    import datetime as dt
    for r in btc.klines(Interval.W1, limit=4):
        assert dt.datetime.fromtimestamp(r.open_time / 1000, dt.timezone.utc).weekday() == 0
    month = btc.klines(Interval.MO1, limit=1)[0]
    opened = dt.datetime.fromtimestamp(month.open_time / 1000, dt.timezone.utc)
    closes = dt.datetime.fromtimestamp((month.close_time + 1) / 1000, dt.timezone.utc)
    assert opened.day == 1 and opened.hour == 0 and closes.day == 1 and closes.month != opened.month


def test_live_trades_update_every_interval_and_roll_minutes() -> None:
    store = generate_history(BTC, seed=1, end_ms=NOW, days=1)
    minute = NOW // 60_000 * 60_000
    store.on_trade(Decimal("64010.00"), Decimal("0.5"), Decimal("32005"), NOW + 1000, 900, True)
    store.on_trade(Decimal("63990.50"), Decimal("0.25"), Decimal("15997.625"), NOW + 2500, 901, False)
    m1 = store.current(Interval.M1)
    assert (m1.open, m1.high, m1.low, m1.close) == (Decimal("64010.00"), Decimal("64010.00"),
                                                   Decimal("63990.50"), Decimal("63990.50"))
    assert m1.volume == Decimal("0.75") and m1.trades == 2 and m1.taker_buy_base == Decimal("0.5")
    assert m1.quote_volume == Decimal("48002.625") and (m1.first_trade_id, m1.last_trade_id) == (900, 901)
    assert not m1.closed
    s1 = store.current(Interval.S1)
    assert s1.open_time == (NOW + 2500) // 1000 * 1000 and s1.trades == 1 and s1.close == Decimal("63990.50")
    h1 = store.current(Interval.H1)
    assert h1.close == Decimal("63990.50") and h1.high >= Decimal("64010.00")
    # A quiet minute later: the old minute is closed, a flat one fills the gap.
    store.roll(minute + 3 * 60_000 + 5)
    closed = store.bar(Interval.M1, minute)
    assert closed.closed and closed.trades == 2
    quiet = store.bar(Interval.M1, minute + 60_000)
    assert quiet.trades == 0 and quiet.volume == 0 and quiet.open == quiet.close == Decimal("63990.50")
    final = store.current(Interval.M1)  # the stream's last word on the closed candle, then the open one
    assert final.open_time == minute and final.closed and final.trades == 2
    now_open = store.current(Interval.M1)
    assert now_open.open_time == minute + 3 * 60_000 and not now_open.closed
    assert store.current(Interval.M1).open_time == now_open.open_time
    seconds = store.klines(Interval.S1, start_ms=minute, limit=1000)
    assert [s.trades for s in seconds if s.trades] == [1, 1]


def test_ticker_24h_covers_the_rolling_window_with_live_trades() -> None:
    store = generate_history(BTC, seed=2, end_ms=NOW, days=3)
    store.on_trade(Decimal("64100.00"), Decimal("1"), Decimal("64100"), NOW + 10, 10**9, True)
    t = store.ticker_24h(NOW + 20)
    day = store.m1.closed[store.m1.closed[:, OT] >= NOW + 20 - 86_400_000]
    assert t.last == Decimal("64100.00") and t.last_qty == Decimal("1") and t.last_id == 10**9
    assert t.high == max(store.price(int(day[:, H].max())), Decimal("64100.00"))
    assert t.count == int(day[:, N].sum()) + 1
    assert t.change == t.last - t.open
    assert t.low <= t.weighted_avg <= t.high
    assert t.volume == (Decimal(int(day[:, V].sum())) * BTC.instrument.step_size) + 1


def test_aggregate_of_empty_rows_is_empty() -> None:
    assert len(aggregate(np.empty((0, 12), dtype=np.int64), Interval.H1)) == 0


def test_wire_row_has_twelve_fields_with_eight_decimals(btc: KlineStore) -> None:
    row = btc.klines(Interval.M1, limit=1)[0].wire()
    assert len(row) == 12 and row[1].endswith("000000") and "." in row[1] and row[-1] == "0"

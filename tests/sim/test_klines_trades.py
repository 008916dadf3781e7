"""Candles built from a random trade stream equal candles computed by brute force from the same trades."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.model.enums import Interval
from terminal.sim.buckets import bucket_start
from terminal.sim.klines import KlineStore
from terminal.sim.symbols import DEFAULT_SYMBOLS

ETH = DEFAULT_SYMBOLS[1].instrument
START = 1_790_000_000_000

trade = st.tuples(
    st.integers(min_value=0, max_value=100_000),          # ms after the previous trade (1s candles: 2 h kept)
    st.integers(min_value=310_000, max_value=330_000),    # price in ticks
    st.integers(min_value=1, max_value=50_000),           # qty in steps
    st.booleans(),                                        # taker is buyer
)


def brute_force(trades: list[tuple[int, Decimal, Decimal, bool, int]], interval: Interval) -> dict[int, tuple]:
    out: dict[int, list] = {}
    for t, p, q, buy, tid in trades:
        k = bucket_start(interval, t)
        if k not in out:
            out[k] = [p, p, p, p, Decimal(0), Decimal(0), 0, Decimal(0), tid, tid]
        c = out[k]
        c[1], c[2], c[3] = max(c[1], p), min(c[2], p), p
        c[4] += q
        c[5] += p * q
        c[6] += 1
        c[7] += q if buy else 0
        c[9] = tid
    return {k: tuple(v) for k, v in out.items()}


@settings(max_examples=40, deadline=None)
@given(st.lists(trade, min_size=1, max_size=60))
def test_candles_of_every_interval_equal_the_trades_they_contain(stream: list[tuple[int, int, int, bool]]) -> None:
    store = KlineStore(ETH, now_ms=START, start_price=Decimal("3200.00"))
    trades = []
    t = START
    for i, (gap, ticks, steps, buy) in enumerate(stream, start=1):
        t += gap
        price, qty = Decimal(ticks) * ETH.tick_size, Decimal(steps) * ETH.step_size
        store.on_trade(price, qty, price * qty, t, i, buy)
        trades.append((t, price, qty, buy, i))
    store.roll(t)
    for interval in (Interval.S1, Interval.M1, Interval.M5, Interval.H1, Interval.D1):
        expected = brute_force(trades, interval)
        start = bucket_start(interval, START)
        rows = store.klines(interval, start_ms=start, limit=100_000)
        got = {r.open_time: (r.open, r.high, r.low, r.close, r.volume, r.quote_volume, r.trades, r.taker_buy_base,
                             r.first_trade_id, r.last_trade_id) for r in rows if r.trades}
        assert got == expected, interval
        # Candles without trades fill the gaps, flat at the previous close.
        assert all(r.open == r.high == r.low == r.close and r.volume == 0 for r in rows if not r.trades)
        times = [r.open_time for r in rows]
        assert times == sorted(set(times))

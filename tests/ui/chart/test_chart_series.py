"""OhlcvSeries: growing arrays, live upserts, culling and the min/max pyramid (plain numpy, no QApplication)."""
from __future__ import annotations

import numpy as np
import pytest

from terminal.ui.chart.lod import column_reduce, level_for
from terminal.ui.chart.series import OhlcvSeries
from chartdata import random_walk


def _series(n: int) -> OhlcvSeries:
    t, o, h, l, c, v = random_walk(n)  # noqa: E741
    s = OhlcvSeries()
    s.set(t / 1000.0, o, h, l, c, v)
    return s


def test_set_infers_interval_and_extremes():
    s = _series(500)
    assert len(s) == 500 and s.interval == 60.0
    assert s.price_range() == (s.l.min(), s.h.max())


def test_upsert_appends_newer_and_replaces_equal_time():
    s = _series(10)
    last_t = float(s.t[-1])
    assert s.upsert(last_t, 1.0, 2.0, 0.5, 1.5, 3.0) is False
    assert len(s) == 10 and s.row(9) == (last_t, 1.0, 2.0, 0.5, 1.5, 3.0)
    assert s.upsert(last_t + 60, 1.5, 1.6, 1.4, 1.55, 1.0) is True
    assert len(s) == 11 and s.c[-1] == 1.55


def test_upsert_older_than_last_is_rejected():
    s = _series(10)
    with pytest.raises(ValueError):
        s.upsert(float(s.t[0]), 1, 1, 1, 1, 1)


def test_appends_grow_capacity_and_keep_history():
    s = OhlcvSeries(capacity=16)
    for i in range(5000):
        s.upsert(i * 60.0, i, i + 1, i - 1, i + 0.5, 1)
    assert len(s) == 5000
    np.testing.assert_array_equal(s.o, np.arange(5000.0))
    assert s.price_range() == (-1.0, 5000.0)


def test_replacing_the_extreme_live_candle_recomputes_the_range():
    s = _series(100)
    lo, hi = s.price_range()
    t = float(s.t[-1])
    s.upsert(t, 1, hi + 100, 1, 1, 1)
    assert s.price_range()[1] == hi + 100
    s.upsert(t, s.o[-1], s.o[-1], s.o[-1], s.o[-1], 1)
    assert s.price_range()[1] == pytest.approx(max(s.h.max(), 0))


def test_visible_slice_returns_only_candles_in_range_plus_one_margin():
    s = _series(10_000)
    x0, x1 = float(s.t[4000]), float(s.t[4200])
    i0, i1 = s.visible_slice(x0, x1)
    assert (i0, i1) == (3999, 4202)


def test_index_at_snaps_to_the_nearest_candle():
    s = _series(100)
    assert s.index_at(float(s.t[10]) + 20) == 10
    assert s.index_at(float(s.t[10]) + 40) == 11
    assert s.index_at(-1e12) == 0 and s.index_at(1e12) == 99


@pytest.mark.parametrize("k", [1, 3, 6])
def test_pyramid_level_matches_brute_force_after_live_updates(k):
    s = _series(1000)
    s.level(k)  # build, then mutate the tail
    for i in range(37):
        t = float(s.t[-1]) + (60 if i % 3 == 0 else 0)
        s.upsert(t, 1.0 + i, 5.0 + i, -3.0 - i, 2.0 + i, 9.0 + i)
    lv = s.level(k)
    b = 1 << k
    n = len(s)
    starts = np.arange(0, n, b)
    np.testing.assert_array_equal(lv["t"], s.t[starts])
    np.testing.assert_array_equal(lv["o"], s.o[starts])
    np.testing.assert_array_equal(lv["h"], np.maximum.reduceat(s.h, starts))
    np.testing.assert_array_equal(lv["l"], np.minimum.reduceat(s.l, starts))
    np.testing.assert_array_equal(lv["v"], np.maximum.reduceat(s.v, starts))
    np.testing.assert_array_equal(lv["c"], s.c[np.minimum(starts + b, n) - 1])


def test_column_reduce_bins_min_max_and_direction_per_pixel():
    px = np.array([0.1, 0.9, 1.2, 1.5, 1.7, 3.0])
    o = np.array([1, 2, 3, 4, 5, 6.0])
    c = np.array([2, 0.5, 3, 4, 6, 5.0])
    h = np.array([3, 4, 5, 6, 7, 8.0])
    lo = np.array([0, 1, 2, 3, 4, 5.0])
    col, hi, low, up = column_reduce(px, o, h, lo, c)
    np.testing.assert_array_equal(col, [0, 1, 3])
    np.testing.assert_array_equal(hi, [4, 7, 8])
    np.testing.assert_array_equal(low, [0, 2, 5])
    np.testing.assert_array_equal(up, [False, True, False])


def test_level_for_picks_blocks_no_wider_than_a_pixel():
    assert level_for(5.0) == 0 and level_for(0.9) == 0
    assert level_for(0.5) == 1 and level_for(1 / 1000) == 9


def test_indicator_cache_stays_equal_to_the_full_computation_through_live_updates():
    from terminal.strategy import indicators
    from terminal.ui.chart.compute import IndicatorCache
    from terminal.ui.chart.indicator import IndicatorSpec

    s = _series(300)
    cache = IndicatorCache(s)
    cache.set_specs([IndicatorSpec("sma", 20), IndicatorSpec("ema", 50), IndicatorSpec("bb", 20),
                     IndicatorSpec("rsi", 14), IndicatorSpec("macd", fast=12, slow=26, signal=9)])
    cache.get("ema", "value")
    rng = np.random.default_rng(5)
    for i in range(120):
        t = float(s.t[-1]) + (60 if i % 4 == 0 else 0)
        c = float(s.c[-1]) + rng.normal(0, 5)
        s.upsert(t, c, c + 1, c - 1, c, 1.0)
        if i % 7 == 0:  # sync part-way, as paints do
            cache.get("sma", "value")
            cache.get("rsi", "value")
            cache.get("macd", "hist")
    c = s.c
    np.testing.assert_allclose(cache.get("sma", "value"), indicators.sma(c, 20), equal_nan=True)
    np.testing.assert_allclose(cache.get("ema", "value"), indicators.ema(c, 50), equal_nan=True)
    mid, upper, lower = indicators.bollinger(c, 20, 2.0)
    np.testing.assert_allclose(cache.get("bb", "upper"), upper, equal_nan=True, rtol=1e-9)
    np.testing.assert_allclose(cache.get("bb", "lower"), lower, equal_nan=True, rtol=1e-9)
    np.testing.assert_allclose(cache.get("rsi", "value"), indicators.rsi(c, 14), equal_nan=True, rtol=1e-9)
    fast, slow = indicators.ema(c, 12), indicators.ema(c, 26)
    signal = np.full(len(c), np.nan)
    signal[25:] = indicators.ema((fast - slow)[25:], 9)
    np.testing.assert_allclose(cache.get("macd", "macd"), fast - slow, equal_nan=True, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(cache.get("macd", "signal"), signal, equal_nan=True, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(cache.get("macd", "hist"), fast - slow - signal, equal_nan=True, rtol=1e-9,
                               atol=1e-9)


def test_indicator_source_and_a_changed_period_give_fresh_values():
    from terminal.strategy import indicators
    from terminal.ui.chart.compute import IndicatorCache
    from terminal.ui.chart.indicator import IndicatorSpec

    s = _series(200)
    cache = IndicatorCache(s)
    cache.set_specs([IndicatorSpec("sma", 20)])
    cache.get("sma", "value")
    cache.set_specs([IndicatorSpec("sma", 7, source="hl2")])
    np.testing.assert_allclose(cache.get("sma", "value"), indicators.sma((s.h + s.l) / 2, 7), equal_nan=True)


def test_indicator_specs_round_trip_and_bad_saved_fields_fall_back_to_defaults():
    from terminal.ui.chart.indicator import DEFAULTS, IndicatorSpec, specs_from_data, specs_to_data

    specs = [IndicatorSpec("ema", 21, "hlc3", "#ff9800"), IndicatorSpec("macd", fast=5, slow=35, signal=5)]
    assert specs_from_data(specs_to_data(specs)) == specs
    assert specs_from_data([{"kind": "rsi", "period": -3, "source": "volume", "color": "red"},
                            {"kind": "nope"}, "junk"]) == [DEFAULTS["rsi"]]
    assert specs_from_data({"kind": "rsi"}) is None
    assert IndicatorSpec("bb", 20, k=2.5).title() == "BB 20,2.5"
    assert IndicatorSpec("macd").title() == "MACD 12,26,9" and IndicatorSpec("sma", 9, "hl2").title() == "SMA 9 hl2"


def test_empty_series_has_no_slice_and_no_index():
    s = OhlcvSeries()
    s.set(*(np.empty(0) for _ in range(6)))
    assert len(s) == 0 and s.index_at(1.0) == -1 and s.visible_slice(0, 1e12) == (0, 0)


def test_a_pyramid_level_read_again_without_a_change_is_not_repaired(monkeypatch):
    """Each read repaired every level's last (partial) block again: ~180 numpy calls a zoomed-out frame for the
    candles and the volume at 1M candles, with nothing changed."""
    s = _series(5000)
    repairs: list[int] = []
    original = OhlcvSeries._repair

    def counting(self, k):  # type: ignore[no-untyped-def]
        repairs.append(k)
        original(self, k)

    monkeypatch.setattr(OhlcvSeries, "_repair", counting)
    first = {f: a.copy() for f, a in s.level(6).items()}
    assert repairs == [1, 2, 3, 4, 5, 6]
    again = s.level(6)
    assert repairs == [1, 2, 3, 4, 5, 6]  # nothing changed: nothing repaired
    assert all(np.array_equal(first[f], again[f]) for f in first)
    t, o, h, lo, c, v = s.row(len(s) - 1)
    s.upsert(t, o, h + 100.0, lo, c, v)  # the live candle reaches higher: every level's last block changes
    repairs.clear()
    after = s.level(6)
    assert repairs == [1, 2, 3, 4, 5, 6]
    assert after["h"][-1] == h + 100.0

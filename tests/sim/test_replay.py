"""Replaying klines from CSV: parsing, precise errors, exact expansion, the simulator driven by the bars."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from terminal.clock import SimClock
from terminal.model.enums import Interval
from terminal.sim.engine import Engine
from terminal.sim.market import MarketSimulator
from terminal.sim.replay import ReplayError, load_kline_csv
from terminal.sim.symbols import DEFAULT_SYMBOLS

NOW = 1_790_000_000_000  # 2026-09-21 13:33:20 UTC
HOUR = 3_600_000

BARS_1H = [  # open, high, low, close, volume
    ("60000.00", "60500.00", "59800.00", "60300.00", "12.5"),
    ("60300.00", "60310.00", "59900.50", "60000.10", "8.25"),
    ("60000.10", "61000.00", "60000.10", "60990.00", "20"),
    ("60990.00", "61200.00", "60700.00", "60800.00", "5.12345"),
    ("60800.00", "60900.00", "60100.00", "60200.00", "7"),
    ("60200.00", "60400.00", "60050.00", "60350.00", "3.3"),
]


def write(tmp_path: Path, text: str, name: str = "bars.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def hourly_csv(tmp_path: Path) -> Path:
    lines = ["Date,Open,High,Low,Close,Volume,Extra"]
    for i, bar in enumerate(BARS_1H):
        lines.append(f"2024-03-0{1 + i // 24}T{i % 24:02d}:00:00," + ",".join(bar) + ",x")
    return write(tmp_path, "\n".join(lines) + "\n")


def test_csv_with_iso_dates_and_mixed_case_header_loads(tmp_path: Path) -> None:
    bars = load_kline_csv(hourly_csv(tmp_path))
    assert len(bars) == 6
    assert bars[0].open_time == 1_709_251_200_000 and bars[1].open_time - bars[0].open_time == HOUR
    assert bars[3].volume == Decimal("5.12345") and bars[2].high == Decimal("61000.00")


@pytest.mark.parametrize("stamp,expected", [("1709251200", 1_709_251_200_000), ("1709251200000", 1_709_251_200_000),
                                            ("1709251200000000", 1_709_251_200_000)])
def test_epoch_seconds_millis_and_micros_are_recognised(tmp_path: Path, stamp: str, expected: int) -> None:
    path = write(tmp_path, f"open_time,open,high,low,close,volume\n{stamp},1,2,0.5,1.5,10\n")
    assert load_kline_csv(path)[0].open_time == expected


def test_missing_columns_are_named_with_the_columns_found(tmp_path: Path) -> None:
    path = write(tmp_path, "time,open,high,low,vol\n1709251200,1,2,0.5,10\n")
    with pytest.raises(ReplayError, match=r"missing column\(s\) close, volume; found time, open, high, low, vol"):
        load_kline_csv(path)
    with pytest.raises(ReplayError, match="open_time"):
        load_kline_csv(write(tmp_path, "open,high,low,close,volume\n1,2,0.5,1.5,10\n", "b.csv"))


def test_unsorted_or_duplicate_times_are_refused_with_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "time,open,high,low,close,volume\n1709251260,1,2,0.5,1.5,1\n1709251200,1,2,0.5,1.5,1\n")
    with pytest.raises(ReplayError, match=r"bars.csv:3: time 1709251200 is not after the previous bar's; sort"):
        load_kline_csv(path)


@pytest.mark.parametrize("row,message", [
    ("1709251200,abc,2,0.5,1.5,1", "open 'abc' is not a number"),
    ("1709251200,1,2,0.5,-1.5,1", "close '-1.5' must be a positive number"),
    ("1709251200,1,1.2,0.5,1.5,1", "inconsistent bar"),
    ("yesterday,1,2,0.5,1.5,1", "neither an epoch time nor an ISO"),
])
def test_bad_rows_are_refused_with_file_line_and_reason(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, "time,open,high,low,close,volume\n" + row + "\n")
    with pytest.raises(ReplayError, match=f"bars.csv:2: .*{message}"):
        load_kline_csv(path)


def test_empty_file_and_header_only_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="empty"):
        load_kline_csv(write(tmp_path, ""))
    with pytest.raises(ReplayError, match="no bars"):
        load_kline_csv(write(tmp_path, "time,open,high,low,close,volume\n", "h.csv"))


def replay_market(tmp_path: Path, speed: float = 60.0) -> tuple[MarketSimulator, Engine, SimClock]:
    clock = SimClock(NOW)
    engine = Engine([s.instrument for s in DEFAULT_SYMBOLS], clock)
    market = MarketSimulator(engine, DEFAULT_SYMBOLS, 5, clock, replay={"BTCUSDT": hourly_csv(tmp_path)},
                             replay_speed=speed, days=1)
    market.bootstrap(NOW)
    return market, engine, clock


def test_replay_history_aggregates_back_to_the_csv_bars_exactly(tmp_path: Path) -> None:
    market, engine, _ = replay_market(tmp_path)
    store = market.stores["BTCUSDT"]
    hours = [k for k in store.klines(Interval.H1, limit=10) if k.volume > 0]
    assert len(hours) == 3  # the first half is history
    for k, (o, h, lo, c, v) in zip(hours, BARS_1H[:3]):
        assert (k.open, k.high, k.low, k.close, k.volume) == tuple(Decimal(x) for x in (o, h, lo, c, v))
        assert k.close_time - k.open_time == HOUR - 1 and k.open_time % HOUR == 0
    assert store.last_price == Decimal("60990.00") == engine.last_price("BTCUSDT")
    assert len(store.klines(Interval.M1, limit=1000)) >= 180


def test_replay_drives_the_fair_price_through_the_remaining_bars(tmp_path: Path) -> None:
    market, engine, clock = replay_market(tmp_path, speed=600.0)  # an hour bar every 6 s
    seen: list[tuple[int, float]] = []
    for _ in range(170):  # 17 s: the three live bars, then the path goes on by itself
        clock.advance(100)
        market.step(clock.now_ms())
        seen.append((clock.now_ms() - NOW, market.fair_price("BTCUSDT")))
    for bar_index, (o, h, lo, c, _) in enumerate(BARS_1H[3:]):
        inside = [p for t, p in seen if bar_index * 6000 < t < (bar_index + 1) * 6000 - 100]
        assert inside and all(float(lo) * 0.999 <= p <= float(h) * 1.001 for p in inside), bar_index
    assert abs(seen[-1][1] - 60350.0) / 60350.0 < 0.01
    _, bids, asks = engine.depth("BTCUSDT", 50)
    assert bids[0][0] < asks[0][0] and len(bids) >= 20 and len(asks) >= 20


def test_replay_for_an_unknown_symbol_is_refused(tmp_path: Path) -> None:
    clock = SimClock(NOW)
    engine = Engine([s.instrument for s in DEFAULT_SYMBOLS], clock)
    with pytest.raises(ValueError, match="FOOUSDT"):
        MarketSimulator(engine, DEFAULT_SYMBOLS, 1, clock, replay={"FOOUSDT": hourly_csv(tmp_path)})


def test_replay_of_minute_bars_keeps_every_bar_as_its_1m_candle(tmp_path: Path) -> None:
    lines = ["open_time,open,high,low,close,volume"]
    for i in range(10):
        lines.append(f"{1_700_000_040_000 + i * 60_000},{3000 + i}.00,{3002 + i}.50,{2999 + i}.00,{3001 + i}.00,{i + 1}.5")
    clock = SimClock(NOW)
    engine = Engine([s.instrument for s in DEFAULT_SYMBOLS], clock)
    market = MarketSimulator(engine, DEFAULT_SYMBOLS, 5, clock, replay={"ETHUSDT": write(tmp_path, "\n".join(lines))},
                             replay_history_fraction=1.0)
    market.bootstrap(NOW)
    minutes = market.stores["ETHUSDT"].klines(Interval.M1, limit=11)[:-1]  # the open candle is last
    assert [(str(k.open), str(k.high), str(k.low), str(k.close), str(k.volume)) for k in minutes] == [
        (f"{3000 + i}.00", f"{3002 + i}.50", f"{2999 + i}.00", f"{3001 + i}.00", f"{i + 1}.5000") for i in range(10)]
    assert minutes[-1].close_time + 1 == NOW // 60_000 * 60_000

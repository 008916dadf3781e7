"""SQLite (the history cache as built) against Parquet (pyarrow) for 1M one-minute bars: write, full read, and a
range read of one day, each into what the consumers need (Decimal bars for the session, a float frame for the
backtester).

    .venv/bin/python benchmarks/history_bench.py [N]

Parquet keeps prices as decimal128 (exact, like the cache's text) in one file per series; appending means rewriting
the file or adding part files. Figures printed per format; see the history cache's module docstring for the choice.
"""
from __future__ import annotations

import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from terminal.backtest.history import frame
from terminal.market.history_cache import HistoryCache
from terminal.model import Bar, Interval

M = 60_000
T0 = 1_735_689_600_000  # 2025-01-01


def make_bars(n: int) -> list[Bar]:
    out = []
    px = 90_000.0
    for i in range(n):
        px += ((i * 7919) % 201 - 100) / 100
        p = Decimal(f"{px:.2f}")
        out.append(Bar("BTCUSDT", Interval.M1, T0 + i * M, p, p + Decimal("5.01"), p - Decimal("4.99"),
                       p + Decimal("0.37"), Decimal(f"{(i % 997) / 1000 + 0.001:.5f}")))
    return out


def timed(label: str, fn):  # noqa: ANN001, ANN202
    t = time.perf_counter()
    result = fn()
    print(f"  {label:<34} {time.perf_counter() - t:7.2f} s")
    return result


def bench_sqlite(bars: list[Bar], root: Path) -> None:
    print("SQLite (decimal text, WITHOUT ROWID, one file per venue)")
    cache = HistoryCache(root / "history.sqlite")
    timed("write 1 transaction", lambda: cache.write(bars, covered=(bars[0].open_time, bars[-1].open_time)))
    print(f"  {'file size':<34} {(root / 'history.sqlite').stat().st_size / 1e6:7.1f} MB")
    timed("full read -> float frame", lambda: frame(cache, "BTCUSDT", Interval.M1))
    timed("full read -> Decimal bars", lambda: cache.bars("BTCUSDT", Interval.M1))
    day = (T0 + 500 * 86_400_000 // 2, T0 + 500 * 86_400_000 // 2 + 86_400_000 - 1)
    timed("range read 1 day -> Decimal bars", lambda: cache.bars("BTCUSDT", Interval.M1, *day))
    cache.close()


def bench_parquet(bars: list[Bar], root: Path) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    print(f"Parquet (pyarrow {pa.__version__}, decimal128(18, 8), zstd)")
    dec = pa.decimal128(18, 8)
    path = root / "BTCUSDT-1m.parquet"

    def write() -> None:
        table = pa.table({"open_time": pa.array([b.open_time for b in bars], pa.int64()),
                          **{k: pa.array([getattr(b, k) for b in bars], dec)
                             for k in ("open", "high", "low", "close", "volume")}})
        pq.write_table(table, path, compression="zstd")

    timed("write", write)
    print(f"  {'file size':<34} {path.stat().st_size / 1e6:7.1f} MB")

    def full_frame():  # noqa: ANN202
        t = pq.read_table(path)
        return t.cast(pa.schema([("open_time", pa.int64())] + [(k, pa.float64()) for k in
                                                              ("open", "high", "low", "close", "volume")])).to_pandas()

    timed("full read -> float frame", full_frame)

    def full_bars() -> list[Bar]:
        t = pq.read_table(path).to_pydict()
        return [Bar("BTCUSDT", Interval.M1, t_, o, h, lo, c, v) for t_, o, h, lo, c, v in
                zip(t["open_time"], t["open"], t["high"], t["low"], t["close"], t["volume"])]

    timed("full read -> Decimal bars", full_bars)
    day = (T0 + 500 * 86_400_000 // 2, T0 + 500 * 86_400_000 // 2 + 86_400_000 - 1)

    def range_bars() -> int:
        t = pq.read_table(path, filters=[("open_time", ">=", day[0]), ("open_time", "<=", day[1])])
        return t.num_rows

    timed("range read 1 day (filter)", range_bars)
    _ = pc


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t = time.perf_counter()
    bars = make_bars(n)
    print(f"{n:,} bars made in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        bench_sqlite(bars, Path(tmp))
        try:
            bench_parquet(bars, Path(tmp))
        except ImportError:
            print("Parquet: pyarrow is not installed")


if __name__ == "__main__":
    main()

"""The bar gap filler: a hole is filled from where the series was last complete, even when newer bars arrived before
the fill (two reconnects in a row, or a fill that failed: seen in the fault storm), and a failed fill is retried."""
from __future__ import annotations

from decimal import Decimal

from terminal.market.gapfill import BarGapFiller
from terminal.model import Bar, Interval

S = Interval.S1.ms


def bar(t: int) -> Bar:
    one = Decimal(1)
    return Bar("BTCUSDT", Interval.S1, t * S, one, one, one, one, one)


class Venue:
    """A kline source holding bars 1..10; the first ``fail`` calls raise as a venue answering 503 would."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.calls: list[int | None] = []

    async def klines(self, symbol, interval, start_ms=None, end_ms=None, limit=1000):
        self.calls.append(start_ms)
        if self.fail:
            self.fail -= 1
            raise ConnectionError("503")
        return [bar(t) for t in range(1, 11) if (start_ms is None or t * S >= start_ms)
                and (end_ms is None or t * S <= end_ms)][:limit]


async def test_a_hole_behind_newer_bars_is_filled_after_a_failed_try() -> None:
    venue = Venue(fail=1)
    published: list[Bar] = []
    filler = BarGapFiller(venue, published.append)
    filler.retry_delays_s = (0.01,)
    filler.track("BTCUSDT", Interval.S1)
    for t in (1, 2, 5, 6):  # 3 and 4 were lost while the socket was down; 5 and 6 came after the reconnect
        filler.on_bar(bar(t))
    await filler.fill()
    assert venue.calls == [2 * S, 2 * S]  # from the last complete bar, tried again after the failure
    assert [b.open_time // S for b in published] == [3, 4, 7, 8, 9, 10]
    published.clear()
    await filler.fill()  # complete now: asks only from the newest bar on
    assert venue.calls[-1] == 10 * S and published == []

"""``terminal.servers.day``: the day's figures the Kite and TrueData servers share — moved by each trade, averaged
by volume, started at local midnight."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from terminal.servers.day import Day, midnight_ms

IST = timezone(timedelta(hours=5, minutes=30))


def test_a_trade_moves_the_range_the_last_trade_and_the_average() -> None:
    day = Day(open=Decimal("100"), high=Decimal("101"), low=Decimal("99"), prev_close=Decimal("98"),
              last=Decimal("100"))
    assert day.average == Decimal("100")  # no volume yet: the last price
    day.trade(Decimal("102.5"), Decimal("10"), Decimal("1025"), 1_000)
    day.trade(Decimal("98.5"), Decimal("30"), Decimal("2955"), 2_000)
    assert (day.high, day.low, day.last, day.last_qty, day.last_ms) == (
        Decimal("102.5"), Decimal("98.5"), Decimal("98.5"), Decimal("30"), 2_000)
    assert (day.volume, day.turnover, day.average) == (Decimal("40"), Decimal("3980"), Decimal("99.50"))


def test_midnight_is_the_start_of_the_local_day() -> None:
    late = int(datetime(2026, 12, 5, 2, 0, tzinfo=IST).timestamp() * 1000)  # 20:30 UTC the day before
    assert midnight_ms(late, IST) == int(datetime(2026, 12, 5, tzinfo=IST).timestamp() * 1000)
    assert midnight_ms(late, timezone.utc) == int(datetime(2026, 12, 4, tzinfo=timezone.utc).timestamp() * 1000)

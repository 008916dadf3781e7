"""Trading hours: sessions in the exchange's zone across DST changes, holidays, pre-open, next open and its phrase.

The oracle in these tests goes the other way round from the implementation: it converts the instant to local wall
time (``datetime.astimezone``) and reads the session off the local clock, or walks local dates for the next open.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.model.hours import (EXTENDED, Phase, TradingHours, TradingSession, nse_equity_hours,
                                  us_equity_hours)

NY = ZoneInfo("America/New_York")
IST = ZoneInfo("Asia/Kolkata")
HOLIDAYS = frozenset({date(2024, 1, 1), date(2024, 7, 4), date(2024, 11, 28), date(2024, 12, 25),
                      date(2025, 1, 1), date(2025, 7, 4), date(2025, 11, 27), date(2025, 12, 25),
                      date(2026, 4, 3), date(2026, 7, 3)})
US = us_equity_hours(HOLIDAYS)
# US daylight-saving changes: second Sunday of March, first Sunday of November
DST_DAYS = [date(2024, 3, 10), date(2024, 11, 3), date(2025, 3, 9), date(2025, 11, 2), date(2026, 3, 8),
            date(2026, 11, 1)]
START_MS = int(datetime(2023, 12, 1, tzinfo=timezone.utc).timestamp() * 1000)
END_MS = int(datetime(2027, 1, 31, tzinfo=timezone.utc).timestamp() * 1000)


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def local(ts_ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).astimezone(zone)


def us_regular_by_the_clock(ts_ms: int) -> bool:
    t = local(ts_ms, NY)
    return t.weekday() < 5 and t.date() not in HOLIDAYS and time(9, 30) <= t.time() < time(16, 0)


def next_us_open_by_walking(ts_ms: int) -> int:
    day = local(ts_ms, NY).date()
    while True:
        if day.weekday() < 5 and day not in HOLIDAYS:
            opens = ms(datetime.combine(day, time(9, 30), tzinfo=NY))
            if opens > ts_ms:
                return opens
        day += timedelta(days=1)


instants = st.integers(min_value=START_MS, max_value=END_MS)
near_dst = st.builds(lambda day, shift, minute: ms(datetime.combine(day + timedelta(days=shift), time(0), tzinfo=NY)
                                                   + timedelta(minutes=minute)),
                     st.sampled_from(DST_DAYS), st.integers(-3, 3), st.integers(0, 24 * 60 - 1))


@settings(max_examples=300, deadline=None)
@given(st.one_of(instants, near_dst))
def test_us_regular_session_follows_new_york_wall_clock_through_dst(ts):
    assert US.is_open(ts) == us_regular_by_the_clock(ts)


@settings(max_examples=200, deadline=None)
@given(st.one_of(instants, near_dst))
def test_next_open_is_the_first_0930_of_a_trading_day_after_now_and_nothing_opens_before_it(ts):
    nxt = US.next_open(ts)
    assert nxt == next_us_open_by_walking(ts)
    assert US.is_open(nxt) and not US.is_open(nxt - 1)
    if not US.is_open(ts):
        assert US.phase_at(nxt - 1) is not Phase.REGULAR


def test_the_utc_open_moves_an_hour_across_the_spring_change_and_back_in_autumn():
    # Friday before the March 2024 change: EST (UTC-5); Monday after: EDT (UTC-4)
    assert US.next_open(ms(datetime(2024, 3, 8, 0, 0, tzinfo=timezone.utc))) == ms(
        datetime(2024, 3, 8, 14, 30, tzinfo=timezone.utc))
    assert US.next_open(ms(datetime(2024, 3, 9, 0, 0, tzinfo=timezone.utc))) == ms(
        datetime(2024, 3, 11, 13, 30, tzinfo=timezone.utc))
    assert US.next_open(ms(datetime(2024, 11, 2, 0, 0, tzinfo=timezone.utc))) == ms(
        datetime(2024, 11, 4, 14, 30, tzinfo=timezone.utc))
    assert US.is_open(ms(datetime(2024, 3, 11, 13, 45, tzinfo=timezone.utc)))
    assert not US.is_open(ms(datetime(2024, 3, 8, 13, 45, tzinfo=timezone.utc)))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(HOLIDAYS)), st.integers(0, 24 * 60 - 1))
def test_no_session_of_any_phase_runs_on_a_holiday(day, minute):
    ts = ms(datetime.combine(day, time(0), tzinfo=NY) + timedelta(minutes=minute))
    assert US.phase_at(ts) is None
    assert not US.is_open(ts, EXTENDED)
    nxt = local(US.next_open(ts), NY)
    assert nxt.date() > day and nxt.time() == time(9, 30) and nxt.date() not in HOLIDAYS


def test_closed_phrase_names_the_next_open_in_local_words():
    friday_evening = ms(datetime(2026, 4, 2, 18, 0, tzinfo=NY))  # Thursday 18:00, Good Friday 3 April is a holiday
    assert US.closed_phrase(friday_evening) == "market closed, opens Mon 09:30 ET"
    before_open = ms(datetime(2026, 4, 6, 8, 0, tzinfo=NY))
    assert US.closed_phrase(before_open) == "market closed, opens 09:30 ET"
    christmas_eve = ms(datetime(2025, 12, 24, 21, 0, tzinfo=NY))
    assert US.closed_phrase(christmas_eve) == "market closed, opens Fri 09:30 ET"
    assert US.status(ms(datetime(2026, 4, 6, 10, 0, tzinfo=NY))) == "open until 16:00 ET"
    assert US.status(ms(datetime(2026, 4, 6, 5, 0, tzinfo=NY))) == "pre-open until 09:30 ET"
    assert US.status(ms(datetime(2026, 4, 6, 17, 0, tzinfo=NY))) == "post-market until 20:00 ET"


def test_phrase_gives_the_date_when_the_next_open_is_a_week_or_more_away():
    long_break = TradingHours("America/New_York", (TradingSession(Phase.REGULAR, time(9, 30), time(16, 0)),),
                              frozenset(date(2026, 12, 21) + timedelta(days=i) for i in range(12)), "ET")
    assert long_break.closed_phrase(ms(datetime(2026, 12, 19, 12, 0, tzinfo=NY))) == \
        "market closed, opens Mon 4 Jan 09:30 ET"


NSE = nse_equity_hours({date(2026, 1, 26)})


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)).filter(lambda d: d.weekday() < 5
                                                                                   and d != date(2026, 1, 26)),
       st.integers(0, 8 * 60 * 1000 - 1))
def test_kolkata_pre_open_is_not_the_regular_session_and_the_phrase_says_0915_ist(day, offset_ms):
    ts = ms(datetime.combine(day, time(9, 0), tzinfo=IST)) + offset_ms
    assert NSE.phase_at(ts) is Phase.PRE_OPEN
    assert not NSE.is_open(ts) and NSE.is_open(ts, EXTENDED)
    assert NSE.is_open(ts, {Phase.PRE_OPEN})
    assert NSE.closed_phrase(ts) == "market closed, opens 09:15 IST"
    assert NSE.status(ts) == "pre-open until 09:08 IST"
    gap = ms(datetime.combine(day, time(9, 10), tzinfo=IST))  # order matching, then the buffer before 09:15
    assert NSE.phase_at(gap) is None
    opens = NSE.next_open(ts)
    assert opens == ms(datetime.combine(day, time(9, 15), tzinfo=IST))
    assert local(opens, ZoneInfo("UTC")).time() == time(3, 45)  # IST has no DST: always UTC+05:30


def test_overnight_session_belongs_to_the_day_it_starts():
    # futures-style: Sunday to Thursday 18:00 until 17:00 the next day
    hours = TradingHours("America/Chicago", (TradingSession(Phase.REGULAR, time(18, 0), time(17, 0),
                                                            frozenset({6, 0, 1, 2, 3})),))
    chicago = ZoneInfo("America/Chicago")
    assert hours.is_open(ms(datetime(2026, 3, 16, 3, 0, tzinfo=chicago)))  # Monday 03:00, Sunday's session
    assert not hours.is_open(ms(datetime(2026, 3, 16, 17, 30, tzinfo=chicago)))  # daily break
    assert hours.is_open(ms(datetime(2026, 3, 20, 16, 59, tzinfo=chicago)))  # Friday, Thursday's session
    assert not hours.is_open(ms(datetime(2026, 3, 20, 18, 30, tzinfo=chicago)))  # Friday night: shut
    assert hours.next_open(ms(datetime(2026, 3, 21, 12, 0, tzinfo=chicago))) == ms(
        datetime(2026, 3, 22, 18, 0, tzinfo=chicago))


def test_bad_hours_are_refused_at_construction():
    with pytest.raises(ValueError, match="unknown time zone"):
        TradingHours("Mars/Olympus", (TradingSession(Phase.REGULAR, time(9), time(16)),))
    with pytest.raises(ValueError, match="at least one session"):
        TradingHours("UTC", ())
    with pytest.raises(ValueError, match="weekdays"):
        TradingSession(Phase.REGULAR, time(9), time(16), frozenset({7}))
